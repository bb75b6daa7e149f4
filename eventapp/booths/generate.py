"""Deterministic booth-assignment problems (format ``kicxup-booths/1``) for tests and benchmarks.

The floor follows the KICEF halls: each hall has islands of two back-to-back rows
of 3 m x 3 m booths with aisles between islands, corners at the ends of the rows.
Sector zones run through the halls in the booth mix of the KICXUP record, and
wishes crowd onto the same popular spots (corners and the island ends near the
entrances), as they do at the real fair.
"""

from __future__ import annotations

import random
import string

FORMAT = "kicxup-booths/1"
BOOTH_METRES = 3
AISLE_METRES = 6

# Share of booths and of exhibitors per sector zone.
ZONE_MIX = (
    ("AI", 0.58),
    ("ECO", 0.11),
    ("BIO", 0.11),
    ("ROBOT", 0.08),
    ("BATTERY", 0.04),
    ("ETC", 0.08),
)
SIZE_MIX = ((1, 0.62), (2, 0.25), (3, 0.08), (4, 0.05))


def _shares(total: int, mix) -> list[int]:
    """Split `total` by the mix, rounding so the parts add up exactly."""
    raw = [total * share for _, share in mix]
    counts = [int(r) for r in raw]
    by_remainder = sorted(range(len(mix)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generate(
    exhibitors: int = 300,
    booths: int = 500,
    seed: int = 0,
    *,
    row_length: int = 20,
    halls: int | None = None,
    blocked_share: float = 0.01,
    fixed_share: float = 0.02,
    avoid_share: float = 0.02,
    corner_share: float = 0.3,
    wish_share: float = 0.7,
    two_zone_share: float = 0.12,
) -> dict:
    """A problem with `exhibitors` exhibitors on `booths` booths, the same for the same seed."""
    rng = random.Random(seed)
    halls = halls or max(1, round(booths / 167))
    per_hall = _shares(booths, [(h, 1 / halls) for h in range(halls)])

    booth_list, adjacent = [], []
    zone_counts = _shares(booths, ZONE_MIX)
    zone_of_position = [
        z for (z, _), n in zip(ZONE_MIX, zone_counts, strict=True) for _ in range(n)
    ]
    for hall_index, count in enumerate(per_hall):
        hall = string.ascii_uppercase[hall_index % 26] * (1 + hall_index // 26)
        grid = {}
        for n in range(count):
            island, rest = divmod(n, 2 * row_length)
            side, column = divmod(rest, row_length)
            bid = f"{hall}-{island:02d}{'ab'[side]}{column:02d}"
            grid[(island, side, column)] = bid
            booth_list.append(
                {
                    "id": bid,
                    "hall": hall,
                    "zone": zone_of_position[len(booth_list)],
                    "x": column * BOOTH_METRES,
                    "y": island * (2 * BOOTH_METRES + AISLE_METRES) + side * BOOTH_METRES,
                    "w": BOOTH_METRES,
                    "h": BOOTH_METRES,
                    # Both ends of a row stand open on the side aisles.
                    "corner": column in (0, row_length - 1),
                }
            )
        for (island, side, column), bid in grid.items():
            right = grid.get((island, side, column + 1))
            if right:
                adjacent.append([bid, right])
            if side == 0 and (island, 1, column) in grid:
                adjacent.append([bid, grid[(island, 1, column)]])

    by_id = {b["id"]: b for b in booth_list}
    neighbours = {bid: set() for bid in by_id}
    for a, b in adjacent:
        neighbours[a].add(b)
        neighbours[b].add(a)
    blocked = sorted(rng.sample(list(by_id), round(booths * blocked_share)))

    # Popular spots: corners and the first booths of each island draw the crowds.
    def popularity(booth) -> float:
        column = booth["x"] // BOOTH_METRES
        return (6.0 if booth["corner"] else 1.0) / (1 + min(column, row_length - 1 - column)) ** 0.7

    zones = [z for z, _ in ZONE_MIX]
    zone_weights = [share for _, share in ZONE_MIX]
    sizes = [s for s, _ in SIZE_MIX]
    # Exact size shares keep the floor as full as at KICEF whatever the seed.
    size_of = [
        s for s, n in zip(sizes, _shares(exhibitors, SIZE_MIX), strict=True) for _ in range(n)
    ]
    rng.shuffle(size_of)
    people = []
    for n in range(exhibitors):
        own = [rng.choices(zones, zone_weights)[0]]
        if rng.random() < two_zone_share:
            second = rng.choices(zones, zone_weights)[0]
            if second != own[0]:
                own.append(second)
        wishes: list[str] = []
        spots = [b for b in booth_list if b["zone"] in own]
        if rng.random() < wish_share and spots:
            weights = [popularity(b) for b in spots]
            for _ in range(rng.randint(1, 5)):
                pick = rng.choices(spots, weights)[0]["id"]
                if pick not in wishes:
                    wishes.append(pick)
        people.append(
            {
                "id": f"E{n + 1:03d}",
                "size": size_of[n],
                "zones": own,
                "wishes": wishes,
                "corner": rng.random() < corner_share,
                "avoid": [],
            }
        )

    for _ in range(round(exhibitors * avoid_share)):
        one, other = rng.sample(people, 2)
        if other["id"] not in one["avoid"] and one["id"] not in other["avoid"]:
            one["avoid"].append(other["id"])

    fixed = _fixed_placements(rng, people, by_id, neighbours, set(blocked), fixed_share)
    return {
        "format": FORMAT,
        "booths": booth_list,
        "adjacent": adjacent,
        "blocked": blocked,
        "exhibitors": people,
        "fixed": fixed,
    }


def _fixed_placements(rng, people, by_id, neighbours, blocked, share) -> list[dict]:
    """Hand placements for a few sponsors: valid on their own, as organizers make them."""
    taken: dict[str, str] = {}
    fixed = []
    rivals = {p["id"]: set(p["avoid"]) for p in people}
    for p in people:
        for other in p["avoid"]:
            rivals[other].add(p["id"])
    for p in rng.sample(people, round(len(people) * share)):
        spots = [
            bid
            for bid, b in by_id.items()
            if b["zone"] in p["zones"] and bid not in blocked and bid not in taken
        ]
        rng.shuffle(spots)
        for seed_booth in spots[:20]:
            held = [seed_booth]
            while len(held) < p["size"]:
                grow = sorted(
                    n
                    for h in held
                    for n in neighbours[h]
                    if n not in held
                    and n not in taken
                    and n not in blocked
                    and by_id[n]["zone"] in p["zones"]
                )
                if not grow:
                    break
                held.append(rng.choice(grow))
            near = {taken.get(n) for h in held for n in neighbours[h]}
            if len(held) == p["size"] and not near & rivals[p["id"]]:
                for bid in held:
                    taken[bid] = p["id"]
                fixed.append({"exhibitor": p["id"], "booths": held})
                break
    return fixed
