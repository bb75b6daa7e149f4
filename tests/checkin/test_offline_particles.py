"""The offline scanner picks Korean particles as the server does: an answer judged
on the device reads like the server's ("exhibitor_staff 님은", not "님은(는)")."""

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from eventapp.core.i18n import one_full_stop
from eventapp.core.particles import PAIRS, attach_particles, final_consonant

OFFLINE = Path(__file__).resolve().parents[2] / "static" / "checkin" / "offline.js"
NODE = """
const words = JSON.parse(process.argv[1]);
const m = await import(process.argv[2]);
const pairs = Object.keys(JSON.parse(process.argv[3]));
console.log(JSON.stringify(words.map((w) => [
  m.finalConsonant(w),
  pairs.map((pair) => m.fill(`앞 %(name)s${pair} 뒤`, { name: w })),
])));
"""
TRICKY = [
    "삼성전자",
    "신성산업",
    "서울",
    "(주)알파",
    "Alpha Lab",
    "Alpha Co., Ltd.",
    "Alpha (Korea)",
    "Samsung",
    "Global Mobile",
    "Game Zone",
    "Smart Market",
    "Smart Camp",
    "KICOX",
    "SK",
    "HMM",
    "KCL",
    "A-12",
    "B-07",
    "A-10",
    "kim@alpha.com",
    "kim@alpha.co.kr",
    "kim@alpha.org",
    "{booth}",
    "%(value)s",
    "",
    "株式会社",
    "exhibitor_staff 님",
    "Seoul Angels",
    "R&D 센터.",
    "A-01",
    "11",
    "Lx",
    *"0123456789",
]


def _random_words(count):
    rng = random.Random(11)
    pieces = [*"가힣각갈AzLm0123456789. )'@-株", "ng", "ck", "le", "ne", "ab", "ot"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 5))) for _ in range(count)]


@pytest.mark.skipif(
    shutil.which("node") is None, reason="Node.js is missing (make installs npm packages with it)"
)
def test_the_device_reads_name_endings_as_the_server_does():
    words = TRICKY + _random_words(400)
    run = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            NODE,
            json.dumps(words),
            OFFLINE.as_uri(),
            json.dumps(PAIRS),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    device = json.loads(run.stdout)
    mismatches = []
    for word, (consonant, filled) in zip(words, device, strict=True):
        server = final_consonant(word)
        texts = [
            one_full_stop(attach_particles(f"앞 %(name)s{pair} 뒤", {"name": word}), {"name": word})
            for pair in PAIRS
        ]
        if consonant != server or filled != texts:
            mismatches.append((word, consonant, server, filled, texts))
    assert mismatches == []
