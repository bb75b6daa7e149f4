"""Signed badge codes: what the QR on a badge says, and how to check it.

Pure functions (no Flask, no database), shared by the badge printer and the
on-site scanners.

Code text = "K1" + base32 (RFC 4648, A-Z2-7, upper case, no padding) of
``payload || signature`` where

- payload (11 bytes) = version 0x01, event_id uint32 BE, badge_id uint32 BE,
  issue uint16 BE;
- signature (64 bytes) = Ed25519 over ``SIGNING_CONTEXT + payload`` with the
  event's private key.

75 bytes give exactly 120 base32 characters, so a code is 122 characters, all
in the QR alphanumeric set: a version 5 QR (37 x 37 modules) at error
correction M holds it, 122 being exactly that version's alphanumeric capacity.
"""

import base64
import binascii
import hmac
import struct
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PREFIX = "K1"
VERSION = 0x01
SIGNING_CONTEXT = b"KICXUP-BADGE\x00"
PAYLOAD_FORMAT = ">BIIH"
PAYLOAD_LENGTH = struct.calcsize(PAYLOAD_FORMAT)  # 11
SIGNATURE_LENGTH = 64
BODY_LENGTH = 120  # base32 characters of payload || signature (75 bytes)
CODE_LENGTH = len(PREFIX) + BODY_LENGTH  # 122
MAX_ID = 0xFFFFFFFF
MAX_ISSUE = 0xFFFF
_BASE32_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


class MalformedCode(ValueError):
    """The text is not a badge code (before any signature is checked)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class BadgeCode:
    event_id: int
    badge_id: int
    issue: int
    payload: bytes
    signature: bytes

    @property
    def signed_message(self):
        return SIGNING_CONTEXT + self.payload


def generate_private_key():
    return Ed25519PrivateKey.generate()


def private_key_bytes(private_key):
    """The raw 32-byte seed of an Ed25519 private key."""
    from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

    return private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def public_key_bytes(key):
    """The raw 32 bytes of a public key (given the public or the private key)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def load_private_key(raw):
    return _private_key(bytes(raw))


def load_public_key(raw):
    return _public_key(bytes(raw))


# An event's keys never change once made, so a parsed key may live in the process.
@lru_cache(maxsize=64)
def _private_key(raw):
    return Ed25519PrivateKey.from_private_bytes(raw)


@lru_cache(maxsize=64)
def _public_key(raw):
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_b64(public_key):
    """base64url (no padding) of the raw 32-byte public key, for scanners.

    Accepts an Ed25519PublicKey, an Ed25519PrivateKey or the raw 32 bytes.
    """
    raw = bytes(public_key) if isinstance(public_key, bytes | bytearray | memoryview) else None
    if raw is None:
        raw = public_key_bytes(public_key)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_key_from_b64(text):
    """The inverse of public_key_b64."""
    padded = text + "=" * (-len(text) % 4)
    return load_public_key(base64.urlsafe_b64decode(padded))


def _as_private_key(key):
    if isinstance(key, Ed25519PrivateKey):
        return key
    return load_private_key(key)


def _as_public_key(key):
    if isinstance(key, Ed25519PublicKey):
        return key
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    return load_public_key(key)


def pack_payload(event_id, badge_id, issue, version=VERSION):
    for name, value, top in (
        ("event_id", event_id, MAX_ID),
        ("badge_id", badge_id, MAX_ID),
        ("issue", issue, MAX_ISSUE),
    ):
        if not isinstance(value, int) or not 0 <= value <= top:
            raise ValueError(f"{name} must be an integer in 0..{top}, not {value!r}")
    return struct.pack(PAYLOAD_FORMAT, version, event_id, badge_id, issue)


def encode(private_key, event_id, badge_id, issue):
    """The signed code text for one issue of one badge (122 characters).

    `private_key` is an Ed25519PrivateKey or its raw 32 bytes.
    """
    payload = pack_payload(event_id, badge_id, issue)
    signature = _as_private_key(private_key).sign(SIGNING_CONTEXT + payload)
    body = base64.b32encode(payload + signature).decode("ascii")
    assert len(body) == BODY_LENGTH and not body.endswith("=")
    return PREFIX + body


def decode(text):
    """Parse a code text (any case, surrounding whitespace allowed).

    Returns a BadgeCode; raises MalformedCode(reason) for a wrong prefix, bad
    base32, a wrong length or an unknown version. The signature is NOT checked
    here: see verify_signature.
    """
    if not isinstance(text, str):
        raise MalformedCode("not text")
    cleaned = text.strip().upper()
    if not cleaned.startswith(PREFIX):
        raise MalformedCode("wrong prefix")
    body = cleaned[len(PREFIX) :]
    if len(body) != BODY_LENGTH:
        raise MalformedCode("wrong length")
    if not set(body) <= _BASE32_ALPHABET:
        raise MalformedCode("bad base32")
    try:
        raw = base64.b32decode(body)
    except (binascii.Error, ValueError):
        raise MalformedCode("bad base32") from None
    if len(raw) != PAYLOAD_LENGTH + SIGNATURE_LENGTH:  # pragma: no cover - length checked above
        raise MalformedCode("wrong length")
    payload, signature = raw[:PAYLOAD_LENGTH], raw[PAYLOAD_LENGTH:]
    version, event_id, badge_id, issue = struct.unpack(PAYLOAD_FORMAT, payload)
    if version != VERSION:
        raise MalformedCode("unknown version")
    return BadgeCode(event_id, badge_id, issue, payload, signature)


def is_issued_signature(private_key, badge_code):
    """True when the code carries exactly the signature the event's key gives its
    payload: the check of the server, which holds the private key.

    Ed25519 signatures are deterministic (RFC 8032), so every code the event ever
    issued carries that signature and nothing else does; signing is about three
    times cheaper than verifying, and the gate scanners check a code per scan.
    Scanners hold only the public key and use verify_signature.
    """
    expected = _as_private_key(private_key).sign(badge_code.signed_message)
    return hmac.compare_digest(expected, badge_code.signature)


def verify_signature(public_key, badge_code):
    """True when the code's signature is valid for `public_key`.

    `public_key` is an Ed25519PublicKey, an Ed25519PrivateKey or the raw 32
    bytes of the public key.
    """
    try:
        _as_public_key(public_key).verify(badge_code.signature, badge_code.signed_message)
    except InvalidSignature:
        return False
    return True
