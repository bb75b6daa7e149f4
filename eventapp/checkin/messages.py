"""The human messages of the scan API, in Korean and English at once.

A scanner shows both languages whatever the signed-in person reads, so every
answer carries `message_ko` and `message_en`. The English strings are the
message ids (marked with N_ so `pybabel extract` collects them); each language
is looked up in its catalog. Until the Korean catalog has a translation, the
Korean text below is used, so a gate never shows English by accident.
"""

from flask import has_app_context
from flask_babel import force_locale, get_translations

from eventapp.core.i18n import one_full_stop


def N_(message):
    """Mark a string for extraction; translated later, per language."""
    return message


# key -> (English message id, Korean text used while the catalog lacks one)
MESSAGES = {
    "ok_entrance": (
        N_("Welcome, %(name)s. Check-in recorded."),
        "%(name)s님, 입장이 확인되었습니다.",
    ),
    "ok_meeting": (
        N_("%(name)s may enter the meeting zone."),
        "%(name)s님, 미팅 구역에 입장할 수 있습니다.",
    ),
    "ok_meeting_attended": (
        N_("%(name)s: meeting with %(partner)s at %(place)s marked as attended."),
        "%(name)s님: %(partner)s과(와)의 미팅(%(place)s) 참석이 기록되었습니다.",
    ),
    "ok_meeting_waiting": (
        N_(
            "%(name)s: arrived for the meeting with %(partner)s at %(place)s; %(partner)s is not here yet."
        ),
        "%(name)s님: %(partner)s과(와)의 미팅(%(place)s) 도착이 기록되었습니다. 상대방은 아직 도착하지 않았습니다.",
    ),
    "ok_meeting_after_no_show": (
        N_(
            "%(name)s: arrival for the meeting with %(partner)s at %(place)s recorded; the meeting was already marked as a no-show, which the organizers can change."
        ),
        "%(name)s님: %(partner)s과(와)의 미팅(%(place)s) 도착이 기록되었습니다. 이 미팅은 이미 노쇼로 처리되었으며, 주최 측에서 변경할 수 있습니다.",
    ),
    "ok_lead": (
        N_("Lead saved: %(name)s."),
        "잠재 고객(리드)이 저장되었습니다: %(name)s",
    ),
    "ok_lead_offline": (
        N_("Lead captured offline: genuine badge; the name appears once the scan is uploaded."),
        "오프라인으로 리드를 저장했습니다: 유효한 출입증이며, 이름은 업로드 후 표시됩니다.",
    ),
    "own_company": (
        N_("A badge of your own company: not a lead."),
        "우리 회사 직원의 출입증입니다. 리드로 저장하지 않습니다.",
    ),
    "lead_removed": (
        N_("%(name)s was taken off your leads after this scan: not added again."),
        "%(name)s님은 이 스캔 후 리드 목록에서 삭제되어 다시 추가하지 않았습니다.",
    ),
    "already_entrance": (
        N_("Already checked in today at %(time)s (%(place)s)."),
        "오늘 이미 입장 확인됨: %(time)s (%(place)s)",
    ),
    "already_lead": (
        N_("Lead already captured at %(time)s (%(place)s)."),
        "이미 저장된 리드입니다: %(time)s (%(place)s)",
    ),
    "malformed": (
        N_("Not a badge code."),
        "출입증 코드가 아닙니다.",
    ),
    "bad_signature": (
        N_("Invalid badge: this code was not issued by the organizer."),
        "유효하지 않은 출입증: 주최 측이 발급한 코드가 아닙니다.",
    ),
    "other_event": (
        N_("Invalid badge: it belongs to another event."),
        "유효하지 않은 출입증: 다른 행사의 출입증입니다.",
    ),
    "unknown_badge": (
        N_("Invalid badge: unknown badge."),
        "유효하지 않은 출입증: 알 수 없는 출입증입니다.",
    ),
    "not_synced": (
        N_(
            "Genuine badge issued after this scanner's last update: check the holder's ID. "
            "The server decides when the scan is uploaded."
        ),
        "이 스캐너의 마지막 업데이트 이후 발급된 정품 출입증입니다. 소지자의 신분증을 확인하세요. "
        "스캔이 업로드되면 서버가 최종 판단합니다.",
    ),
    "revoked": (
        N_("This badge has been revoked."),
        "취소된 출입증입니다.",
    ),
    "superseded": (
        N_("This badge has been replaced by a newer print; only the new one is valid."),
        "재발급된 출입증입니다. 새로 발급된 출입증만 유효합니다.",
    ),
    "not_valid_today": (
        N_("Not valid today (%(day)s) at this scan point."),
        "이 스캔 지점에서 오늘(%(day)s)은 유효하지 않습니다.",
    ),
    "not_allowed": (
        N_("Badges of category %(category)s may not enter here."),
        "%(category)s 출입증은 이곳에 입장할 수 없습니다.",
    ),
    "point_closed": (
        N_("This scan point is closed."),
        "이 스캔 지점은 운영하지 않습니다.",
    ),
    "no_scanner_data": (
        N_("Offline without scanner data: nothing could be checked. Saved; uploaded later."),
        "스캐너 데이터 없이 오프라인 상태입니다. 확인하지 못한 채 저장했으며 나중에 업로드됩니다.",
    ),
    "not_exhibiting": (
        N_("This company no longer exhibits here: no leads are captured."),
        "이 회사는 더 이상 전시하지 않아 리드를 저장하지 않습니다.",
    ),
    # Requests the server cannot use at all (HTTP 400, or an "error" item of a batch).
    "scan_time_format": (
        N_("scanned_at must be an RFC 3339 date-time"),
        "scanned_at은 RFC 3339 형식의 날짜와 시각이어야 합니다",
    ),
    "scan_time_zone": (
        N_("scanned_at needs a time zone (e.g. Z or +09:00)"),
        "scanned_at에는 시간대가 필요합니다(예: Z 또는 +09:00)",
    ),
    "scan_time_range": (
        N_("scanned_at is out of range"),
        "scanned_at이 허용 범위를 벗어났습니다",
    ),
    "scan_time_far": (
        N_("scanned_at is implausibly far from now: check the scanner's clock"),
        "scanned_at이 현재 시각과 너무 멀리 떨어져 있습니다. 스캐너의 시계를 확인하세요",
    ),
    "code_not_text": (
        N_("code must be text: the text the scanner read"),
        "code는 스캐너가 읽은 텍스트여야 합니다",
    ),
    "bad_nonce": (
        N_("nonce must be 8-64 characters of A-Z a-z 0-9 _ . : -"),
        "nonce는 A-Z a-z 0-9 _ . : - 로 된 8~64자여야 합니다",
    ),
    "code_missing": (
        N_("code is missing: send the text the scanner read"),
        "code가 없습니다. 스캐너가 읽은 텍스트를 보내세요",
    ),
    "not_json_content": (
        N_("send the body as JSON, with Content-Type: application/json"),
        "본문을 JSON으로 보내세요(Content-Type: application/json)",
    ),
    "json_too_deep": (
        N_("the JSON body is nested too deeply"),
        "JSON 본문이 너무 깊게 중첩되어 있습니다",
    ),
    "not_a_json_object": (
        N_("send a JSON object"),
        "JSON 객체를 보내세요",
    ),
    "not_text": (
        N_("%(field)s must be text (an RFC 3339 date-time)"),
        "%(field)s은(는) 텍스트(RFC 3339 날짜와 시각)여야 합니다",
    ),
    "bad_scan_point": (
        N_("scan_point must be a positive integer"),
        "scan_point는 양의 정수여야 합니다",
    ),
    "bad_offline": (
        N_("offline must be true or false"),
        "offline은 true 또는 false여야 합니다",
    ),
    "bad_scans": (
        N_("scans must be a list of at most %(limit)s scans"),
        "scans는 스캔 %(limit)s개 이하의 목록이어야 합니다",
    ),
    "scan_not_an_object": (
        N_("each scan must be a JSON object"),
        "각 스캔은 JSON 객체여야 합니다",
    ),
}

_CACHE = {}


def _template(key, language):
    """The message format of one language (catalogs do not change while running)."""
    cached = _CACHE.get((key, language))
    if cached is not None:
        return cached
    source, korean = MESSAGES[key]
    text = source
    if has_app_context():
        with force_locale(language):
            translations = get_translations()
            text = translations.ugettext(source) if translations else source
    if language == "ko" and text == source:
        text = korean
    _CACHE[(key, language)] = text
    return text


def bilingual(key, **params):
    """{"message_ko": ..., "message_en": ...} for one message."""
    return {
        f"message_{language}": one_full_stop(_template(key, language), params)
        if params
        else _template(key, language)
        for language in ("ko", "en")
    }


def templates():
    """Every message format in both languages, for the scanner's offline answers."""
    return {
        key: {language: _template(key, language) for language in ("ko", "en")} for key in MESSAGES
    }
