"""Adjacency and corners derived from booth rectangles.

Two booths touch when they stand in the same hall and share a stretch of wall
of positive length; meeting at a single point does not count. A booth is a
corner when at least two of its sides face an aisle, i.e. no booth stands
against those sides at all.
"""

from collections import defaultdict
from typing import NamedTuple

EPSILON = 1e-6


class Rect(NamedTuple):
    code: str
    hall: str
    x: float
    y: float
    w: float
    h: float


def _overlap(a0, a1, b0, b1):
    return min(a1, b1) - max(a0, b0)


def _touching_side(a, b):
    """Which side of `a` (left/right/top/bottom) `b` stands against, or None."""
    if a.hall != b.hall:
        return None
    if _overlap(a.y, a.y + a.h, b.y, b.y + b.h) > EPSILON:
        if abs(a.x + a.w - b.x) < EPSILON:
            return "right"
        if abs(b.x + b.w - a.x) < EPSILON:
            return "left"
    if _overlap(a.x, a.x + a.w, b.x, b.x + b.w) > EPSILON:
        if abs(a.y + a.h - b.y) < EPSILON:
            return "bottom"
        if abs(b.y + b.h - a.y) < EPSILON:
            return "top"
    return None


def _candidate_pairs(rects):
    # Bucket by hall and a coarse grid so 1,000 booths stay far from n².
    cell = max((max(r.w, r.h) for r in rects), default=1.0) or 1.0
    buckets = defaultdict(list)
    for index, r in enumerate(rects):
        for gx in range(int(r.x // cell), int((r.x + r.w) // cell) + 1):
            for gy in range(int(r.y // cell), int((r.y + r.h) // cell) + 1):
                buckets[(r.hall, gx, gy)].append(index)
    seen = set()
    for (hall, gx, gy), members in buckets.items():
        near = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                near.extend(buckets.get((hall, gx + dx, gy + dy), ()))
        for i in members:
            for j in near:
                if i < j and (i, j) not in seen:
                    seen.add((i, j))
                    yield rects[i], rects[j]


def adjacency(rects):
    """Sorted list of (code, code) pairs of booths that share a wall."""
    pairs = set()
    for a, b in _candidate_pairs(list(rects)):
        if _touching_side(a, b):
            pairs.add(tuple(sorted((a.code, b.code))))
    return sorted(pairs)


def corners(rects):
    """Codes of booths with at least two open sides."""
    rects = list(rects)
    closed = defaultdict(set)
    for a, b in _candidate_pairs(rects):
        side = _touching_side(a, b)
        if side:
            closed[a.code].add(side)
            closed[b.code].add(_touching_side(b, a))
    return {r.code for r in rects if 4 - len(closed[r.code]) >= 2}
