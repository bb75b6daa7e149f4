"""Korean particles after a name that is only known when the message is sent.

Korean picks 을/를, 이/가, 은/는, 과/와 and 으로/로 by whether the word before
ends in a consonant (받침). The Korean catalog writes both forms after a
placeholder, as in "%(company)s과(와)의 미팅", and `attach_particles` keeps the
one that fits the value put in: "삼성전자와의 미팅", "LG전자와의 미팅",
"Alpha Lab과의 미팅". Where the end of a value cannot be read aloud with
confidence (a symbol, a script placeholder such as "{booth}"), both forms stay,
which is what the catalog said before.
"""

import re

# (form after a consonant, form after a vowel); 으로/로 also takes 로 after ㄹ.
PAIRS = {
    "을(를)": ("을", "를"),
    "를(을)": ("을", "를"),
    "이(가)": ("이", "가"),
    "가(이)": ("이", "가"),
    "은(는)": ("은", "는"),
    "는(은)": ("은", "는"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "(으)로": ("으로", "로"),
}

_PLACEHOLDER_PAIR = re.compile(
    r"%\((?P<name>\w+)\)s(?P<closing>['\"’”」』)\]]*)(?P<pair>"
    + "|".join(re.escape(pair) for pair in PAIRS)
    + ")"
)

# A value that is itself a placeholder, filled in later ("%(value)s" passed on to
# WTForms), says nothing of the word that will stand there.
_PLACEHOLDER_END = re.compile(r"%\(\w+\)[sd]$")

# What a value ending is read as, where it is not a Hangul syllable. Final
# consonant: None (ends in a vowel), "ㄹ", or "other".
#   Digits in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구; a number ending in 0
#   is read 십, 백, 천, 만 (or 영 alone), all closed by a consonant.
_DIGIT_ENDINGS = {
    "0": "other",
    "1": "ㄹ",
    "2": None,
    "3": "other",
    "4": None,
    "5": None,
    "6": "other",
    "7": "ㄹ",
    "8": "ㄹ",
    "9": None,
}
# Letter names for abbreviations read letter by letter (LG 엘지, SK 에스케이,
# KOTRA is a word but ends in a vowel either way): only 엘, 엠, 엔, 알 close.
_LETTER_NAME_ENDINGS = {"L": "ㄹ", "M": "other", "N": "other", "R": "ㄹ"}
# Endings of English words as Korean writes them: Global 글로벌, System 시스템,
# Station 스테이션, Samsung 삼성, Black 블랙, Book 북, Lab 랩, Startup 스타트업,
# Market 마켓, Group 그룹, Electric 일렉트릭, Logic 로직, and a silent e after m, n
# or l: Game 게임, Zone 존, Mobile 모바일. Other endings (Alpha 알파, Tech 테크,
# Motors 모터스, Robotics 로보틱스, Partner 파트너, Camp 캠프, Smart 스마트, Corp 코프)
# close on a vowel. The first pattern that fits decides.
_WORD_ENDINGS = (
    (re.compile(r"(group|ic)$"), "other"),
    (re.compile(r"[aeiou]le$"), "ㄹ"),
    (re.compile(r"[aeiou][mn]e$"), "other"),
    (re.compile(r"(ng|ck|ook)$"), "other"),
    (re.compile(r"l$"), "ㄹ"),
    (re.compile(r"[mn]$"), "other"),
    (re.compile(r"(^|[^aeiou])[aeiou][bpt]$"), "other"),
)
# Addresses end in their domain, read as a word or letter by letter.
_DOMAIN_ENDINGS = {
    "com": "other",  # 닷컴
    "net": "other",  # 닷넷
    "org": None,  # 오알지
    "kr": "ㄹ",  # 케이알
    "io": None,
    "co": None,
    "jp": None,  # 제이피
    "cn": "other",  # 씨엔
}
# Trailing marks that are not read: "Alpha Co., Ltd.", "Alpha (Korea)".
_SILENT_TAIL = " \t.,;:!?'\"’”)]」』"


def final_consonant(word):
    """The consonant `word` is read to end with: None for a vowel, "ㄹ", or
    "other"; False when its end cannot be told."""
    word = str(word).rstrip(_SILENT_TAIL)
    if not word or _PLACEHOLDER_END.search(word):
        return False
    last = word[-1]
    if "가" <= last <= "힣":
        final = (ord(last) - ord("가")) % 28
        return None if final == 0 else ("ㄹ" if final == 8 else "other")
    if last.isdigit() and last.isascii():
        return _DIGIT_ENDINGS[last]
    if not (last.isascii() and last.isalpha()):
        return False
    domain = re.search(r"[@.]([A-Za-z]+)$", word)
    if domain and domain.group(1).lower() in _DOMAIN_ENDINGS:
        return _DOMAIN_ENDINGS[domain.group(1).lower()]
    letters = re.search(r"[A-Za-z]+$", word).group()
    if letters.isupper() and len(letters) <= 3:
        # LG, SK, KT, KRX: read letter by letter.
        return _LETTER_NAME_ENDINGS.get(last)
    lower = letters.lower()
    for ending, consonant in _WORD_ENDINGS:
        if ending.search(lower):
            return consonant
    return None


def particle(pair, word):
    """The form of `pair` (a key of PAIRS) that follows `word`, or the pair itself
    when the end of `word` cannot be told."""
    consonant = final_consonant(word)
    if consonant is False:
        return pair
    after_consonant, after_vowel = PAIRS[pair]
    if pair == "(으)로" and consonant == "ㄹ":
        return after_vowel
    return after_vowel if consonant is None else after_consonant


def attach_particles(text, variables):
    """`text` with each two-form particle after a placeholder narrowed to the form
    that follows that placeholder's value."""
    if "(" not in text:
        return text

    def narrow(match):
        name = match.group("name")
        if name not in variables:
            return match.group()
        chosen = particle(match.group("pair"), variables[name])
        return f"%({name})s{match.group('closing')}{chosen}"

    return _PLACEHOLDER_PAIR.sub(narrow, text)
