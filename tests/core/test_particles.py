"""Korean particles after names: one form, the one that fits the name."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eventapp.core.particles import PAIRS, attach_particles, final_consonant, particle


@pytest.mark.parametrize(
    ("word", "object_", "direction", "with_"),
    [
        ("삼성전자", "를", "로", "와"),
        ("알파로보틱스", "를", "로", "와"),
        ("신성산업", "을", "으로", "과"),
        ("서울", "을", "로", "과"),  # ㄹ takes 로
        ("LG전자", "를", "로", "와"),
        ("(주)알파", "를", "로", "와"),
        ("Alpha Lab", "을", "으로", "과"),
        ("Alpha Co., Ltd.", "를", "로", "와"),  # 리미티드
        ("Alpha (Korea)", "를", "로", "와"),
        ("Samsung", "을", "으로", "과"),
        ("Global Mobile", "을", "로", "과"),  # 모바일
        ("Game Zone", "을", "으로", "과"),  # 존
        ("Smart Market", "을", "으로", "과"),  # 마켓
        ("Smart Camp", "를", "로", "와"),  # 캠프
        ("Nusantara Trading Group", "을", "으로", "과"),  # 그룹
        ("Alpha Electric", "을", "으로", "과"),  # 일렉트릭
        ("Beta Robotics", "를", "로", "와"),  # 로보틱스
        ("Soup Lab", "을", "으로", "과"),  # 랩
        ("KICOX", "를", "로", "와"),  # 키콕스
        ("SK", "를", "로", "와"),  # 에스케이
        ("HMM", "을", "으로", "과"),  # 에이치엠엠
        ("KCL", "을", "로", "과"),  # 케이씨엘
        ("A-12", "를", "로", "와"),  # 십이
        ("B-07", "을", "로", "과"),  # 칠
        ("A-10", "을", "으로", "과"),  # 십
        ("kim@alpha.com", "을", "으로", "과"),  # 닷컴
        ("kim@alpha.co.kr", "을", "로", "과"),  # 케이알
        ("kim@alpha.org", "를", "로", "와"),  # 오알지
    ],
)
def test_the_particle_follows_how_the_name_is_read(word, object_, direction, with_):
    assert particle("을(를)", word) == object_
    assert particle("(으)로", word) == direction
    assert particle("과(와)", word) == with_
    subject = particle("이(가)", word)
    topic = particle("은(는)", word)
    assert (subject, topic) == (("가", "는") if object_ == "를" else ("이", "은"))


@pytest.mark.parametrize("word", ["{booth}", "%(value)s", "", "🚀", "株式会社", "---"])
def test_both_forms_stay_where_the_end_cannot_be_read(word):
    """A script fills "{booth}" later, and a symbol or a Chinese character has no
    reading to go by: the catalog's two forms are better than a wrong one."""
    assert final_consonant(word) is False
    assert particle("을(를)", word) == "을(를)"
    assert attach_particles("%(name)s을(를) 골랐습니다.", {"name": word}) == (
        "%(name)s을(를) 골랐습니다."
    )


@given(st.text(alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1))
def test_every_hangul_syllable_gets_the_form_its_final_consonant_calls_for(word):
    final = (ord(word[-1]) - 0xAC00) % 28
    for pair, (after_consonant, after_vowel) in PAIRS.items():
        chosen = particle(pair, word)
        if pair == "(으)로":
            assert chosen == ("로" if final in (0, 8) else "으로")
        else:
            assert chosen == (after_vowel if final == 0 else after_consonant)


@given(st.text(max_size=30), st.sampled_from(sorted(PAIRS)))
def test_a_narrowed_message_differs_only_in_its_particle(value, pair):
    text = f"앞 %(name)s{pair} 뒤 %(other)s"
    narrowed = attach_particles(text, {"name": value})
    # The other placeholder, with no value given here, keeps its form; so does text
    # around the placeholder.
    assert narrowed.startswith("앞 %(name)s") and narrowed.endswith(" 뒤 %(other)s")
    chosen = narrowed[len("앞 %(name)s") : -len(" 뒤 %(other)s")]
    assert chosen in (pair, *PAIRS[pair])


def test_a_quoted_name_takes_the_particle_after_its_closing_quote():
    assert attach_particles("'%(value)s'은(는) 없는 값입니다.", {"value": "승인"}) == (
        "'%(value)s'은 없는 값입니다."
    )
    assert attach_particles("“%(value)s”이(가) 맞습니다.", {"value": "A-12"}) == (
        "“%(value)s”가 맞습니다."
    )


def test_korean_messages_name_people_and_companies_with_one_particle(app_ctx):
    """Korean pages read "kim@alpha.com은(는) 이메일 주소가 아닙니다"; they now keep
    the one form that fits, in Python, in lazy strings, in templates (with the values
    still escaped) and in the scan API's messages."""
    from flask import render_template_string

    from eventapp.checkin.messages import MESSAGES, bilingual
    from eventapp.core.i18n import gettext, lazy_gettext

    with app_ctx.test_request_context("/?lang=ko"):
        message = "%(email)s is not an e-mail address."
        assert gettext(message, email="kim@alpha.com") == "kim@alpha.com은 이메일 주소가 아닙니다."
        assert gettext(message, email="kim@alpha.org") == "kim@alpha.org는 이메일 주소가 아닙니다."
        assert str(lazy_gettext(message, email="신성")) == "신성은 이메일 주소가 아닙니다."
        page = render_template_string(
            "{{ _('%(email)s is not an e-mail address.', email=e) }}", e="<b>R&D</b> 이름"
        )
        assert page == "&lt;b&gt;R&amp;D&lt;/b&gt; 이름은 이메일 주소가 아닙니다."

    # Every Korean text in the catalog and the scan messages that names someone with
    # a two-form particle loses it once the name is known.
    pair = re.compile("|".join(re.escape(p) for p in PAIRS))
    scan_texts = [key for key, (_en, ko) in MESSAGES.items() if pair.search(ko)]
    assert scan_texts, "the scan messages name people with two-form particles"
    for key in scan_texts:
        names = dict.fromkeys(re.findall(r"%\((\w+)\)s", MESSAGES[key][1]), "신성산업")
        korean = bilingual(key, **names)["message_ko"]
        assert not pair.search(korean), korean


def test_messages_a_page_script_fills_in_need_no_two_form_particle():
    """A page's script puts the booth code into "{booth}" after the server has
    translated the message, so the server cannot pick the particle: the Korean text
    must not put one right after such a value ("부스 A-01을(를) 방금...")."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2]
    with open(root / "translations/ko/LC_MESSAGES/messages.po", "rb") as handle:
        korean = read_po(handle)
    call = re.compile(r"""(?:_|plural_forms)\(\s*'((?:[^'\\]|\\.)*)'[^)]*?(\w+)='\{\2\}'""")
    found = []
    for template in (root / "templates").rglob("*.html"):
        for message_id, name in call.findall(template.read_text()):
            entry = korean.get(message_id)
            assert entry is not None, message_id
            texts = [entry.string] if isinstance(entry.string, str) else list(entry.string)
            found.append(message_id)
            after = re.compile(rf"%\({name}\)s[^\s]*?({'|'.join(map(re.escape, PAIRS))})")
            assert not any(after.search(text) for text in texts), (message_id, texts)
    assert "Booth %(booth)s was just taken by someone else." in found
