"""Seeded generator of realistic meeting-scheduling problems (format `kicxup-meetings/1`).

Used by the benchmark and the tests, so that both can run without the shared sample
problems. The same arguments always give the same problem.

What makes the problems realistic, as at the real fair: a few popular firms get a large
share of the requests, startups ask for 1 to 8 meetings, some participants are away for a
day or part of one, many have a cap on their meetings, some firms receive at their own
booth, and a few meetings are already confirmed (fixed) before scheduling.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

FORMAT = "kicxup-meetings/1"

# Half-hour meetings, morning and afternoon blocks around a lunch break.
_DAY_TIMES = ["09:30", "10:00", "10:30", "11:00", "11:30"] + [
    f"{h:02d}:{m:02d}" for h in range(13, 18) for m in (0, 30)
][:9]
_FIRST_DAY = date(2025, 9, 17)


def _slots(days: int, per_day: int) -> list[dict]:
    times = _DAY_TIMES[:per_day]
    slots = []
    for d in range(days):
        day = (_FIRST_DAY + timedelta(days=d)).isoformat()
        for t in times:
            h, m = map(int, t.split(":"))
            end_h, end_m = (h, m + 30) if m == 0 else (h + 1, 0)
            slots.append(
                {
                    "id": f"D{d + 1}-{h:02d}{m:02d}",
                    "start": f"{day}T{h:02d}:{m:02d}:00+09:00",
                    "end": f"{day}T{end_h:02d}:{end_m:02d}:00+09:00",
                }
            )
    return slots


def _availability(rng: random.Random, slots: list[dict], days: int, away_rate: float):
    """None (always there) or the slot ids of the days and hours the participant attends."""
    if rng.random() >= away_rate:
        return None
    by_day: dict[str, list[str]] = {}
    for s in slots:
        by_day.setdefault(s["start"][:10], []).append(s["id"])
    day_ids = list(by_day)
    kept_days = day_ids
    if days > 1 and rng.random() < 0.6:
        kept_days = rng.sample(day_ids, rng.randint(1, days - 1))
    available = []
    for d in kept_days:
        ids = by_day[d]
        # Typical absences: a morning or afternoon elsewhere, or a few scattered slots.
        roll = rng.random()
        if roll < 0.25:
            ids = ids[: len(ids) // 2]
        elif roll < 0.5:
            ids = ids[len(ids) // 3 :]
        elif roll < 0.75:
            ids = [s for s in ids if rng.random() > 0.2]
        available.extend(ids)
    return available or [rng.choice(slots)["id"]]


def generate(
    startups: int = 300,
    firms: int = 60,
    days: int = 2,
    seed: int = 0,
    *,
    slots_per_day: int = 12,
    tables: int | None = None,
    requests_per_startup: tuple[int, int] = (1, 8),
    booth_rate: float = 0.2,
    fixed_rate: float = 0.01,
    first_meeting_bonus: int = 3,
) -> dict:
    """A problem as a plain dict, ready to be dumped as JSON or given to `parse_problem`."""
    if not 1 <= slots_per_day <= len(_DAY_TIMES):
        raise ValueError(f"slots_per_day must be between 1 and {len(_DAY_TIMES)}")
    rng = random.Random(seed)
    slots = _slots(days, slots_per_day)
    if tables is None:
        tables = max(1, firms // 2)
    table_ids = [f"T{i + 1:03d}" for i in range(tables)]

    participants = []
    startup_ids = [f"S{i + 1:04d}" for i in range(startups)]
    firm_ids = [f"F{i + 1:03d}" for i in range(firms)]
    for sid in startup_ids:
        participants.append(
            {
                "id": sid,
                "side": "startup",
                "available": _availability(rng, slots, days, away_rate=0.2),
                "max_meetings": rng.choice([None, 4, 4, 6, 6, 8]),
            }
        )
    for fid in firm_ids:
        participants.append(
            {
                "id": fid,
                "side": "firm",
                "available": _availability(rng, slots, days, away_rate=0.6),
                "max_meetings": rng.choice([None, 8, 10, 12, 16]),
                "location": f"A-{len(participants):03d}" if rng.random() < booth_rate else None,
            }
        )

    # Popularity follows a long tail: the first firms in a shuffled order are the famous ones.
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in range(firms)]
    rng.shuffle(popularity)
    requests = []
    for sid in startup_ids:
        wanted = min(firms, rng.randint(*requests_per_startup))
        chosen: set[str] = set()
        while len(chosen) < wanted:
            chosen.add(rng.choices(firm_ids, weights=popularity)[0])
        for fid in sorted(chosen, key=firm_ids.index):
            requests.append(
                {
                    "id": f"R{len(requests) + 1:05d}",
                    "startup": sid,
                    "firm": fid,
                    "weight": 3 if rng.random() < 0.25 else 1,
                }
            )
    # Requests arrive over time, not startup by startup.
    rng.shuffle(requests)

    fixed = _fixed_meetings(rng, slots, table_ids, participants, requests, fixed_rate)
    return {
        "format": FORMAT,
        "slots": slots,
        "tables": table_ids,
        "participants": participants,
        "requests": requests,
        "fixed": fixed,
        "first_meeting_bonus": first_meeting_bonus,
    }


def _fixed_meetings(rng, slots, table_ids, participants, requests, rate) -> list[dict]:
    """Confirm a few random requests at a random slot, keeping the problem feasible."""
    people = {p["id"]: p for p in participants}
    busy: dict[str, set[str]] = {}
    used_tables: dict[str, set[str]] = {}
    count: dict[str, int] = {}
    fixed = []
    for r in rng.sample(requests, int(len(requests) * rate)):
        pair = (people[r["startup"]], people[r["firm"]])
        if any(
            p["max_meetings"] is not None and count.get(p["id"], 0) >= p["max_meetings"]
            for p in pair
        ):
            continue
        options = [
            s["id"]
            for s in slots
            if all(p["available"] is None or s["id"] in p["available"] for p in pair)
            and not any(s["id"] in busy.get(p["id"], ()) for p in pair)
        ]
        rng.shuffle(options)
        for slot in options:
            table = None
            if not pair[1].get("location"):
                free = [t for t in table_ids if t not in used_tables.get(slot, ())]
                if not free:
                    continue
                table = rng.choice(free)
                used_tables.setdefault(slot, set()).add(table)
            for p in pair:
                busy.setdefault(p["id"], set()).add(slot)
                count[p["id"]] = count.get(p["id"], 0) + 1
            fixed.append({"request": r["id"], "slot": slot, "table": table})
            break
    return fixed
