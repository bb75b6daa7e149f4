from hypothesis import given, settings
from hypothesis import strategies as st

from eventapp.booths.geometry import Rect, adjacency, corners


def grid(rows, columns, hall="A", size=3.0, x0=0.0, y0=0.0):
    return [
        Rect(f"{hall}-{r}-{c}", hall, x0 + c * size, y0 + r * size, size, size)
        for r in range(rows)
        for c in range(columns)
    ]


def test_shared_walls_touch_but_corners_do_not():
    rects = grid(2, 2)
    pairs = set(adjacency(rects))
    assert ("A-0-0", "A-0-1") in pairs
    assert ("A-0-0", "A-1-0") in pairs
    assert ("A-0-0", "A-1-1") not in pairs  # diagonal: a single point
    assert len(pairs) == 4


def test_booths_in_different_halls_never_touch():
    rects = grid(1, 1, hall="A") + grid(1, 1, hall="B", x0=3.0)
    assert adjacency(rects) == []


def test_aisle_separates_booths():
    rects = grid(1, 2) + [Rect("X", "A", 10.0, 0.0, 3.0, 3.0)]
    assert ("A-0-1", "X") not in adjacency(rects)


def test_island_ends_are_corners_and_middles_are_not():
    island = grid(2, 5)
    found = corners(island)
    assert found == {"A-0-0", "A-0-4", "A-1-0", "A-1-4"}


def test_a_single_row_is_open_on_both_long_sides():
    assert corners(grid(1, 4)) == {f"A-0-{c}" for c in range(4)}


def test_partial_overlap_of_walls_counts_as_touching():
    rects = [Rect("big", "A", 0, 0, 6, 3), Rect("small", "A", 4, 3, 3, 3)]
    assert adjacency(rects) == [("big", "small")]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 8))
def test_grid_adjacency_count_matches_formula(rows, columns):
    pairs = adjacency(grid(rows, columns))
    assert len(pairs) == rows * (columns - 1) + columns * (rows - 1)
    # Every pair is unique and ordered.
    assert len(set(pairs)) == len(pairs)
    assert all(a < b for a, b in pairs)
