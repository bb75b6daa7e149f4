"""The badge code format: pure, no database."""

import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.badges import codes

KEY = codes.generate_private_key()
OTHER_KEY = codes.generate_private_key()
QR_ALPHANUMERIC = set(string.digits + string.ascii_uppercase + " $%*+-./:")
ids = st.integers(min_value=0, max_value=codes.MAX_ID)
issues = st.integers(min_value=0, max_value=codes.MAX_ISSUE)


def test_layout_of_a_code():
    text = codes.encode(KEY, 7, 1234, 3)
    assert len(text) == 122
    assert text.startswith("K1")
    assert set(text) <= QR_ALPHANUMERIC
    raw = base64.b32decode(text[2:])
    payload, signature = raw[:11], raw[11:]
    assert payload == bytes([1, 0, 0, 0, 7, 0, 0, 4, 210, 0, 3])
    # The signature is Ed25519 over the context and the payload, independently checked.
    KEY.public_key().verify(signature, b"KICXUP-BADGE\x00" + payload)


def test_a_code_fits_a_version_5_qr_at_level_m():
    # The module docstring promises a low-density code; pin the version it names.
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from eventapp.badges.pdf import qr_matrix

    text = codes.encode(KEY, codes.MAX_ID, codes.MAX_ID, codes.MAX_ISSUE)
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    qr.add_data(text, optimize=0)
    qr.make(fit=True)
    assert qr.version == 5
    assert len(qr_matrix(text)) == 37  # what the badge printer draws
    assert "version 5" in codes.__doc__


def test_raw_key_bytes_and_objects_are_interchangeable():
    raw_private = codes.private_key_bytes(KEY)
    text = codes.encode(raw_private, 1, 2, 3)
    assert text == codes.encode(KEY, 1, 2, 3)  # Ed25519 signatures are deterministic
    code = codes.decode(text)
    assert codes.verify_signature(codes.public_key_bytes(KEY), code)
    assert codes.verify_signature(KEY.public_key(), code)
    b64 = codes.public_key_b64(KEY.public_key())
    assert "=" not in b64 and len(b64) == 43
    assert codes.public_key_b64(codes.public_key_bytes(KEY)) == b64
    assert codes.verify_signature(codes.public_key_from_b64(b64), code)


def test_lowercase_and_whitespace_are_accepted():
    text = codes.encode(KEY, 5, 6, 1)
    code = codes.decode(f"  {text.lower()}\r\n")
    assert (code.event_id, code.badge_id, code.issue) == (5, 6, 1)
    assert codes.verify_signature(KEY.public_key(), code)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "wrong prefix"),
        ("hello", "wrong prefix"),
        ("K2" + "A" * 120, "wrong prefix"),
        ("K1" + "A" * 119, "wrong length"),
        ("K1" + "A" * 121, "wrong length"),
        ("K1" + "A" * 119 + "1", "bad base32"),
        ("K1" + "A" * 118 + "==", "bad base32"),
        ("K1 " + "A" * 119, "bad base32"),
    ],
)
def test_malformed_texts(text, reason):
    with pytest.raises(codes.MalformedCode) as error:
        codes.decode(text)
    assert error.value.reason == reason


def test_unknown_version():
    payload = bytes([2]) + bytes(10)
    text = "K1" + base64.b32encode(payload + bytes(64)).decode()
    with pytest.raises(codes.MalformedCode, match="unknown version"):
        codes.decode(text)


def test_other_key_and_flipped_bits_fail_the_signature():
    text = codes.encode(KEY, 1, 2, 3)
    assert not codes.verify_signature(OTHER_KEY.public_key(), codes.decode(text))
    raw = bytearray(base64.b32decode(text[2:]))
    for index in (0 + 1, 5, 10, 11, 40, 74):  # payload bytes and signature bytes
        forged = bytearray(raw)
        forged[index] ^= 0x01
        forged_text = "K1" + base64.b32encode(bytes(forged)).decode()
        assert not codes.verify_signature(KEY.public_key(), codes.decode(forged_text))
        assert not codes.is_issued_signature(KEY, codes.decode(forged_text))
    assert not codes.is_issued_signature(OTHER_KEY, codes.decode(text))


def test_out_of_range_values_are_refused():
    with pytest.raises(ValueError):
        codes.encode(KEY, -1, 1, 1)
    with pytest.raises(ValueError):
        codes.encode(KEY, 1, codes.MAX_ID + 1, 1)
    with pytest.raises(ValueError):
        codes.encode(KEY, 1, 1, codes.MAX_ISSUE + 1)


@settings(max_examples=200, deadline=None)
@given(event_id=ids, badge_id=ids, issue=issues)
def test_round_trip(event_id, badge_id, issue):
    text = codes.encode(KEY, event_id, badge_id, issue)
    assert len(text) == codes.CODE_LENGTH and set(text) <= QR_ALPHANUMERIC
    code = codes.decode(text)
    assert (code.event_id, code.badge_id, code.issue) == (event_id, badge_id, issue)
    assert codes.verify_signature(KEY.public_key(), code)
    assert codes.is_issued_signature(KEY, code)


def _accepted(text):
    """Whether the scanners (public key) and the server (private key) accept the text;
    the two checks must agree."""
    try:
        code = codes.decode(text)
    except codes.MalformedCode:
        return False
    by_scanner = codes.verify_signature(KEY.public_key(), code)
    assert codes.is_issued_signature(KEY, code) == by_scanner
    return by_scanner


@settings(max_examples=300, deadline=None)
@given(
    event_id=ids,
    badge_id=ids,
    issue=issues,
    position=st.integers(min_value=0, max_value=codes.CODE_LENGTH - 1),
    replacement=st.sampled_from(sorted(QR_ALPHANUMERIC | set("abcxyz0189="))),
)
def test_any_single_character_change_is_rejected(event_id, badge_id, issue, position, replacement):
    text = codes.encode(KEY, event_id, badge_id, issue)
    # A change of case is no change: codes are read case-insensitively.
    if replacement.upper() == text[position]:
        replacement = "Z" if text[position] != "Z" else "Y"
    changed = text[:position] + replacement + text[position + 1 :]
    assert changed != text
    assert not _accepted(changed)
