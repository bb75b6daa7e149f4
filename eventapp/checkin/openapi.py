"""The OpenAPI 3 description of the scanner API, written by hand.

tests/checkin/test_openapi.py runs schemathesis against it, so it has to match
what the views answer (bodies, status codes and content types).
"""

from eventapp.checkin.models import SCAN_POINT_KINDS, SCAN_RESULTS

NONCE_PATTERN = r"^[A-Za-z0-9_.:-]{8,64}$"

_ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        # Set where the scanner shows the text to its staff (an unusable scan).
        "message_ko": {"type": "string"},
        "message_en": {"type": "string"},
    },
}


def _error(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _nullable(schema):
    return {**schema, "nullable": True}


_BADGE = {
    "type": "object",
    "description": "The badge holder as printed on the badge.",
    "required": ["id", "name", "name_ko", "name_en", "category"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string", "description": "In the request's language."},
        "name_ko": {"type": "string"},
        "name_en": {"type": "string"},
        "organization_ko": {"type": "string"},
        "organization_en": {"type": "string"},
        "category": {"type": "string"},
        "category_label_ko": {"type": "string"},
        "category_label_en": {"type": "string"},
    },
}

_FIRST = {
    "type": "object",
    "description": "When and where the badge was first checked in (or the lead captured).",
    "required": ["at", "scan_point_id"],
    "properties": {
        "at": {"type": "string", "format": "date-time"},
        "scan_point_id": {"type": "integer", "nullable": True},
        "scan_point_ko": {"type": "string"},
        "scan_point_en": {"type": "string"},
    },
}

_MEETING = {
    "type": "object",
    "description": "The table meeting a meeting-zone scan recorded an arrival for. "
    "It is marked attended once both sides have arrived (`complete`).",
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string"},
        "slot": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time"},
        "place": {"type": "string"},
        "time": {
            "type": "string",
            "description": "The slot's hours in the event's time zone, e.g. 10:00–10:30.",
        },
        "partner_ko": {"type": "string"},
        "partner_en": {"type": "string"},
        "side": {"type": "string", "enum": ["startup", "firm"]},
        "arrived": {
            "type": "array",
            "items": {"type": "string", "enum": ["startup", "firm"]},
            "description": "The sides that have arrived so far.",
        },
        "complete": {"type": "boolean"},
    },
}

_ANSWER = {
    "type": "object",
    "required": [
        "status",
        "reason",
        "message_ko",
        "message_en",
        "nonce",
        "scan_point_id",
        "scanned_at",
        "received_at",
        "day",
        "badge",
        "first",
        "offline",
        "replayed",
        "scan_id",
    ],
    "properties": {
        "status": {"type": "string", "enum": list(SCAN_RESULTS)},
        "reason": {
            "type": "string",
            "description": "Finer reason: malformed:*, bad_signature, other_event, "
            "unknown_badge, unknown_issue, revoked, superseded, point_closed, category, "
            "not_exhibiting, own_company, day, meeting, lead_removed (an uploaded scan of a visitor the "
            "company took off its leads since) or empty.",
        },
        "message_ko": {"type": "string"},
        "message_en": {"type": "string"},
        "nonce": {"type": "string"},
        "scan_id": {"type": "integer"},
        "scan_point_id": {"type": "integer"},
        "scanned_at": {
            "type": "string",
            "format": "date-time",
            "description": "The scanner's time of the scan, as sent.",
        },
        "received_at": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "badge": _nullable({"$ref": "#/components/schemas/BadgeHolder"}),
        "first": _nullable({"$ref": "#/components/schemas/FirstScan"}),
        "meeting": _nullable({"$ref": "#/components/schemas/Meeting"}),
        "offline": {"type": "boolean"},
        "replayed": {
            "type": "boolean",
            "description": "True when the nonce was seen before: this is the first answer again.",
        },
        "scan_time_shifted_s": {
            "type": "integer",
            "description": "Uploaded scans only: seconds added to the scanner's time, "
            "the error of its clock (see sent_at).",
        },
        "scan_time_behind_s": {
            "type": "integer",
            "description": "Live scans only: seconds the scanner's time was behind the "
            "server's, more than a live scan can take (5 minutes); the scan is dated on "
            "receipt instead.",
        },
        "scan_time_refused": {
            "type": "string",
            "enum": [
                "scan_time_format",
                "scan_time_zone",
                "scan_time_range",
                "scan_time_far",
                "clock_went_back",
            ],
            "description": "Why the scanner's time was not used (uploaded scans, and "
            "live scans from a clock years ahead); the scan counts from its receipt "
            "instead, or from not_before (clock_went_back).",
        },
    },
}

_SCAN_ITEM = {
    "type": "object",
    "required": ["code", "nonce"],
    "properties": {
        "code": {
            "type": "string",
            "description": "The text the scanner read (a badge's: K1...). Any text is a "
            "scan: one that is no badge code, longer than 2,000 characters too, is "
            "answered invalid (reason malformed:*) and stored.",
        },
        "nonce": {"type": "string", "pattern": NONCE_PATTERN},
        "scanned_at": {
            "type": "string",
            "format": "date-time",
            "nullable": True,
            "description": "The scanner's clock (RFC 3339 with offset); default (absent "
            "or null): now.",
        },
        "not_before": {
            "type": "string",
            "nullable": True,
            "description": "RFC 3339 date-time (absent or null: none; one that cannot be "
            "read is set aside). "
            "Uploads only: the scanner's clock had gone back (behind the "
            "last time the server gave, this value) when it scanned; the scan counts "
            "from its corrected time, or from this time. Such a time is only the "
            "earliest the scan can have been: it takes no check-in or lead over, and "
            "a scan with a known time up to this upload takes its check-in or lead "
            "over.",
        },
    },
}

_POINT_ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}

_ITEM_ERROR = {
    "type": "object",
    "required": ["status", "nonce", "error"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "nonce": {"type": "string", "nullable": True},
        "error": {"type": "string"},
        "message_ko": {"type": "string"},
        "message_en": {"type": "string"},
    },
}

_CONFIG = {
    "type": "object",
    "required": [
        "event",
        "scan_point",
        "public_key",
        "revocation",
        "holders",
        "categories",
        "device",
        "server_time",
    ],
    "properties": {
        "event": {
            "type": "object",
            "required": ["id", "slug", "timezone", "days"],
            "properties": {
                "id": {"type": "integer"},
                "slug": {"type": "string"},
                "name_ko": {"type": "string"},
                "name_en": {"type": "string"},
                "timezone": {"type": "string"},
                "days": {"type": "array", "items": {"type": "string", "format": "date"}},
            },
        },
        "scan_point": {
            "type": "object",
            "required": ["id", "kind", "valid_days", "allowed_categories", "active"],
            "properties": {
                "id": {"type": "integer"},
                "name_ko": {"type": "string"},
                "name_en": {"type": "string"},
                "kind": {"type": "string", "enum": list(SCAN_POINT_KINDS)},
                "entrance_group": {"type": "string"},
                "valid_days": {"type": "array", "items": {"type": "string", "format": "date"}},
                "allowed_categories": {"type": "array", "items": {"type": "string"}},
                "active": {"type": "boolean"},
                "organization_id": {"type": "integer", "nullable": True},
                "exhibiting": {
                    "type": "boolean",
                    "nullable": True,
                    "description": "Booth lead points: whether the company still "
                    "exhibits (a device of one that does not captures no leads).",
                },
            },
        },
        "public_key": {
            "type": "string",
            "description": "The event's Ed25519 public key: base64url of the raw 32 bytes.",
            "pattern": "^[A-Za-z0-9_-]{43}$",
        },
        "revocation": {
            "type": "object",
            "required": ["revoked", "min_issue"],
            "properties": {
                "revoked": {"type": "array", "items": {"type": "integer"}},
                "min_issue": {
                    "type": "object",
                    "description": "badge id -> lowest valid issue",
                    "additionalProperties": {"type": "integer"},
                },
            },
        },
        "holders": {
            "type": "object",
            "description": "badge id -> holder, for offline display and category rules. "
            "Entrances and meeting zones get name and category; booth lead points "
            "get none (an empty object): exhibitors learn a visitor's name only by "
            "scanning the badge online or when the queued scan is uploaded.",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "name_ko": {"type": "string"},
                    "name_en": {"type": "string"},
                    "category": {"type": "string"},
                },
            },
        },
        "badge_categories": {
            "type": "object",
            "description": "badge id -> category, for booth lead points that admit only "
            "some categories (they get no holders); otherwise empty.",
            "additionalProperties": {"type": "string"},
        },
        "lead_badges": {
            "type": "array",
            "nullable": True,
            "items": {"type": "integer"},
            "description": "Booth lead points: the badge ids of the company's leads (a "
            "phone forgets leads removed since); null at other points.",
        },
        "holder_fields": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The fields each holder carries at this kind of scan point.",
        },
        "categories": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "label_ko": {"type": "string"},
                    "label_en": {"type": "string"},
                    "colour": {"type": "string"},
                },
            },
        },
        "device": {
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {"type": "integer"},
                "label": {"type": "string"},
                "expires_at": {"type": "string", "format": "date-time"},
            },
        },
        "server_time": {"type": "string", "format": "date-time"},
    },
}

_AUTH_ERRORS = {
    "400": _error(
        "The request is not usable (bad JSON, field or value); message_ko and message_en "
        "say which field and why."
    ),
    "401": _error("No session and no usable device token."),
    "403": _error("Not allowed to scan at this scan point (or the device is set up for another)."),
    "404": _error("No such scan point."),
}

_BODY_ERRORS = {
    "413": _error(
        "The body is larger than 2 MB (a full batch of codes of 2,001 characters, the "
        "longest the scanner page sends, is less)."
    ),
    "415": _error("The body is not sent as JSON (Content-Type: application/json)."),
}

_SECURITY = [{"deviceToken": []}, {"session": []}]


_CONFIG_HEADERS = {
    "ETag": {"description": "The configuration's version.", "schema": {"type": "string"}},
    "X-Server-Time": {
        "description": "The server's time (RFC 3339), as `server_time` in the body.",
        "schema": {"type": "string", "format": "date-time"},
    },
}


def document():
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "KICXUP scanner API",
            "version": "1.0.0",
            "description": "Badge scans at entrances, meeting zones and booths. Every scan is "
            "answered and stored; a scan repeated with the same nonce at the same scan point "
            "gets the first answer again and records nothing new.",
        },
        "paths": {
            "/api/checkin/scan": {
                "post": {
                    "operationId": "recordScan",
                    "summary": "Record one scan and get the answer",
                    "security": _SECURITY,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "allOf": [
                                        {"$ref": "#/components/schemas/ScanItem"},
                                        {
                                            "type": "object",
                                            "required": ["scan_point"],
                                            "properties": {
                                                "scan_point": _POINT_ID,
                                                "offline": {
                                                    "type": "boolean",
                                                    "description": "True for a scan made "
                                                    "earlier without network (its time is "
                                                    "kept); false (default) for a live "
                                                    "scan, whose time may lag the server's "
                                                    "by at most 5 minutes.",
                                                },
                                            },
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The answer (also for rejected badges).",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ScanAnswer"}
                                }
                            },
                        },
                        **_AUTH_ERRORS,
                        **_BODY_ERRORS,
                    },
                }
            },
            "/api/checkin/scans": {
                "post": {
                    "operationId": "uploadScans",
                    "summary": "Upload queued (offline) scans; each is answered",
                    "security": _SECURITY,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["scan_point", "scans"],
                                    "properties": {
                                        "scan_point": _POINT_ID,
                                        "sent_at": {
                                            "type": "string",
                                            "nullable": True,
                                            "description": "The scanner's time of the "
                                            "upload (RFC 3339 date-time), by the clock of "
                                            "its scans: the server corrects them by that "
                                            "clock's error. Absent, null or unreadable: "
                                            "the scans are not corrected.",
                                        },
                                        "scans": {
                                            "type": "array",
                                            "maxItems": 500,
                                            "description": "Each item should be a ScanItem. "
                                            "The upload is never refused for one bad item: "
                                            "an item that is not a usable ScanItem is "
                                            "answered with an ItemError in its place, so an "
                                            "offline queue always drains.",
                                            "items": {},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One result per scan, in order.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["results"],
                                        "properties": {
                                            "results": {
                                                "type": "array",
                                                "items": {
                                                    "anyOf": [
                                                        {"$ref": "#/components/schemas/ScanAnswer"},
                                                        {"$ref": "#/components/schemas/ItemError"},
                                                    ]
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        **_AUTH_ERRORS,
                        **_BODY_ERRORS,
                    },
                }
            },
            "/api/checkin/points/{point_id}/config": {
                "get": {
                    "operationId": "scannerConfig",
                    "summary": "What a scanner needs to work offline",
                    "security": _SECURITY,
                    "parameters": [
                        {"name": "point_id", "in": "path", "required": True, "schema": _POINT_ID},
                        {
                            "name": "If-None-Match",
                            "in": "header",
                            "required": False,
                            "description": "The ETag of the configuration the scanner holds.",
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "Key, revocation list, holders and the scan point.",
                            "headers": _CONFIG_HEADERS,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ScannerConfig"}
                                }
                            },
                        },
                        "304": {
                            "description": "Unchanged since the scanner's copy (If-None-Match).",
                            "headers": _CONFIG_HEADERS,
                        },
                        **_AUTH_ERRORS,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "deviceToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Device-Token",
                    "description": "The token of a device set up with a set-up QR.",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
            "schemas": {
                "Error": _ERROR,
                "ScanItem": _SCAN_ITEM,
                "ScanAnswer": _ANSWER,
                "ItemError": _ITEM_ERROR,
                "BadgeHolder": _BADGE,
                "FirstScan": _FIRST,
                "Meeting": _MEETING,
                "ScannerConfig": _CONFIG,
            },
        },
    }
