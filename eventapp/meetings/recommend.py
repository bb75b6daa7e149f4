"""Partner recommendations for the global meetup, in pure Python (no Flask, no database).

Each participant is a `Candidate` with its sector, keyword tags and free text in Korean and
English. `recommend(me, others)` ranks the other side by

    score = 0.55 x text similarity + 0.25 x same sector + 0.20 x keyword overlap

and says why: the shared sector, the matching keywords and the words both texts share.

Text similarity is the cosine of TF-IDF vectors. Latin words are lower-cased whole words
(with a few stop words dropped); Korean has no spaces between many word parts and
particles stick to nouns (e.g. "배터리를", "배터리의"), so each Hangul run is cut into
character bigrams instead ("배터", "터리", "리를"), which match across inflections.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

WEIGHT_TEXT = 0.55
WEIGHT_SECTOR = 0.25
WEIGHT_KEYWORDS = 0.20

_LATIN = re.compile(r"[a-z0-9][a-z0-9+#.\-]*[a-z0-9+#]|[a-z0-9]")
_HANGUL = re.compile(r"[\uac00-\ud7a3]+")
# The same words in the text as typed, to show them as their authors wrote them.
_LATIN_AS_WRITTEN = re.compile(_LATIN.pattern, re.IGNORECASE)
_STOP = frozenset(
    """a an and are as at be by for from has have in into is it its of on or our the this
    that to we with will you your their they them via per can co ltd inc""".split()
)


def tokens(text: str) -> list[str]:
    """Words of a ko/en text: Latin words, and bigrams (or single syllables) of Hangul."""
    text = (text or "").lower()
    out = [w for w in _LATIN.findall(text) if w not in _STOP and len(w) > 1]
    for run in _HANGUL.findall(text):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def normalize_keywords(values) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, unique, in order, as the
    company wrote them ("IoT", "LiDAR"); a tag written again in another case is the
    same tag (the first spelling stays). Matching ignores case (keyword_key).

    Korean and Japanese input methods type full-width commas and semicolons (，；) and
    the ideographic comma (、): those separate tags too."""
    if isinstance(values, str):
        values = re.split(r"[,;\n\uff0c\u3001\uff1b]", values)
    seen = {}
    for value in values or ():
        tag = " ".join(str(value).strip().split())[:40]
        if tag and keyword_key(tag) not in seen:
            seen[keyword_key(tag)] = tag
    return list(seen.values())[:20]


def keyword_key(tag: str) -> str:
    """What a tag is matched by: "IoT" and "iot" (stored lower-case before tags kept
    their spelling) are one tag."""
    return tag.lower()


@dataclass
class Candidate:
    id: int
    side: str
    sector: str
    keywords: list[str] = field(default_factory=list)
    text: str = ""
    country: str = ""
    kind: str = ""


@dataclass
class Recommendation:
    id: int
    score: float
    same_sector: bool
    keywords: list[str]
    shared_words: list[str]
    similarity: float


class Index:
    """TF-IDF vectors of a set of candidates (document frequency over all of them)."""

    def __init__(self, candidates: list[Candidate]):
        self.candidates = {c.id: c for c in candidates}
        counts = {c.id: Counter(tokens(c.text) + _keyword_tokens(c.keywords)) for c in candidates}
        df = Counter()
        for counter in counts.values():
            df.update(counter.keys())
        n = max(len(candidates), 1)
        self.idf = {term: math.log((1 + n) / (1 + d)) + 1.0 for term, d in df.items()}
        self.vectors = {}
        for cid, counter in counts.items():
            vector = {t: (1 + math.log(tf)) * self.idf[t] for t, tf in counter.items()}
            norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
            self.vectors[cid] = {t: v / norm for t, v in vector.items()}

    def similarity(self, a: int, b: int) -> tuple[float, list[str]]:
        va, vb = self.vectors.get(a, {}), self.vectors.get(b, {})
        if len(va) > len(vb):
            va, vb = vb, va
        shared = [(va[t] * vb[t], t) for t in va if t in vb]
        shared.sort(reverse=True)
        return sum(v for v, _ in shared), [t for _, t in shared]


def _keyword_tokens(keywords) -> list[str]:
    out = []
    for tag in keywords or ():
        out.extend(tokens(tag))
    return out


def _as_written(mine: str, theirs: str) -> dict[str, str]:
    """Each Latin word of the two texts, by its matched (lower-case) form, as a person
    wrote it: "IoT", "LiDAR", not "iot", "lidar". The form written most often wins, the
    first one (of `mine`, then `theirs`) on a tie; a capital that only starts a
    sentence ("Manufacturing lines ...") gives way to the word written within one."""
    forms: dict[str, Counter] = {}
    for text in (mine or "", theirs or ""):
        for match in _LATIN_AS_WRITTEN.finditer(text):
            form = match.group()
            forms.setdefault(form.lower(), Counter())[form] += 1
    chosen = {}
    for word, counts in forms.items():
        order = list(counts)  # first written first

        def rank(form, word=word, counts=counts, order=order):
            sentence_start = form != word and form == word.capitalize() and word in counts
            return (sentence_start, -counts[form], order.index(form))

        chosen[word] = min(order, key=rank)
    return chosen


def _readable(shared: list[str], mine: str, theirs: str, skip, limit: int = 5) -> list[str]:
    """Shared terms worth showing: whole Latin words (best first) as written, then whole
    Korean words of `mine` that also occur in `theirs` (bigrams alone are fragments, not
    words). The texts are matched in lower case; people read the words they typed."""
    written = _as_written(mine, theirs)
    shown = [written.get(w, w) for w in shared if not _HANGUL.fullmatch(w) and w not in skip]
    theirs = (theirs or "").lower()
    for word in sorted(set(_HANGUL.findall((mine or "").lower())), key=lambda w: (-len(w), w)):
        if len(word) >= 2 and word in theirs and word not in shown:
            shown.append(word)
    return shown[:limit]


def recommend(
    me: Candidate,
    others: list[Candidate],
    *,
    limit: int | None = None,
    index: Index | None = None,
) -> list[Recommendation]:
    """The candidates of the other side ranked for `me`, best first (ties by id)."""
    pool = [c for c in others if c.side != me.side and c.id != me.id]
    if index is None:
        index = Index([me, *pool])
    # The matching tags are shown as `me` wrote them, as the shared words are on a tie.
    my_tags = {}
    for tag in me.keywords:
        my_tags.setdefault(keyword_key(tag), tag)
    ranked = []
    for other in pool:
        similarity, shared = index.similarity(me.id, other.id)
        same_sector = bool(me.sector) and me.sector == other.sector and me.sector != "other"
        their_tags = [keyword_key(t) for t in other.keywords]
        # Once each: a tag repeated in a list made by hand would count past the union.
        matching = list(dict.fromkeys(my_tags[t] for t in their_tags if t in my_tags))
        union = len(my_tags.keys() | set(their_tags)) or 1
        keyword_score = len(matching) / union
        score = (
            WEIGHT_TEXT * similarity
            + WEIGHT_SECTOR * (1.0 if same_sector else 0.0)
            + WEIGHT_KEYWORDS * keyword_score
        )
        ranked.append(
            Recommendation(
                id=other.id,
                score=round(score, 4),
                same_sector=same_sector,
                keywords=matching,
                shared_words=_readable(
                    shared, me.text, other.text, {keyword_key(t) for t in matching}
                ),
                similarity=round(similarity, 4),
            )
        )
    ranked.sort(key=lambda r: (-r.score, r.id))
    return ranked[:limit] if limit else ranked
