"""The placement rules, as plain functions over booth codes.

An exhibitor's booths must number exactly what it rented, touch each other,
lie in its zones, and not stand next to a booth of a competitor it avoids
(in either direction). Self-service picking refuses a selection that breaks
any rule; organizer edits may break them and the violations page lists them.
"""

from dataclasses import dataclass, field

from eventapp.core.i18n import gettext, ngettext
from eventapp.organizations.models import SECTORS

KINDS = ("count", "touching", "zone", "avoid", "blocked")


def connected(codes, neighbours):
    """True when the booths form one group in the adjacency graph."""
    members = set(codes)
    if not members:
        return False
    start = next(iter(members))
    seen, todo = {start}, [start]
    while todo:
        for near in neighbours.get(todo.pop(), ()):
            if near in members and near not in seen:
                seen.add(near)
                todo.append(near)
    return seen == members


@dataclass(frozen=True)
class Breach:
    """One broken rule of one exhibitor's placement."""

    kind: str
    booths: tuple = ()
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def message(self):
        p = self.params
        if self.kind == "count":
            return ngettext(
                "%(num)s booth instead of the %(wanted)s rented.",
                "%(num)s booths instead of the %(wanted)s rented.",
                p["found"],
                wanted=p["wanted"],
            )
        if self.kind == "touching" and p.get("halls"):
            return gettext(
                "The booths %(booths)s lie in different halls (%(halls)s), so they cannot "
                "touch each other: choose them in one hall.",
                booths=_codes(self),
                halls=", ".join(p["halls"]),
            )
        if self.kind == "touching":
            return gettext("The booths %(booths)s do not touch each other.", booths=_codes(self))
        if self.kind == "zone":
            return ngettext(
                "Booth %(booths)s lies outside the zones %(zones)s.",
                "Booths %(booths)s lie outside the zones %(zones)s.",
                len(self.booths),
                booths=_codes(self),
                zones=", ".join(str(SECTORS.get(zone, zone)) for zone in p["zones"]),
            )
        if self.kind == "avoid":
            return ngettext(
                "Booth %(booths)s stands next to %(other)s, a competitor to keep apart.",
                "Booths %(booths)s stand next to %(other)s, a competitor to keep apart.",
                len(self.booths),
                booths=_codes(self),
                other=p["other"],
            )
        if self.kind == "blocked":
            return ngettext(
                "Booth %(booths)s is blocked.",
                "Booths %(booths)s are blocked.",
                len(self.booths),
                booths=_codes(self),
            )
        return self.kind


def _codes(breach):
    return ", ".join(breach.booths)


def check_placement(
    codes,
    *,
    wanted,
    zones,
    zone_of,
    neighbours,
    holder_of=None,
    avoided=(),
    name_of=None,
    blocked=(),
    hall_of=None,
):
    """Every rule the placement `codes` breaks.

    `zone_of`: booth code -> zone; `neighbours`: code -> set of adjacent codes;
    `holder_of`: code -> exhibitor key holding that booth (others' booths);
    `avoided`: exhibitor keys this one must stay apart from (both directions);
    `name_of`: exhibitor key -> display name for messages; `hall_of`: code -> hall
    name, to say why booths of two halls never touch (the plan shows them apart, but
    "do not touch each other" read as a fault of the pick within one hall).
    """
    codes = list(dict.fromkeys(codes))
    breaches = []
    if len(codes) != wanted:
        breaches.append(Breach("count", tuple(codes), {"found": len(codes), "wanted": wanted}))
    if codes and not connected(codes, neighbours):
        halls = sorted({hall_of[c] for c in codes if c in hall_of}) if hall_of else []
        params = {"halls": halls} if len(halls) > 1 else {}
        breaches.append(Breach("touching", tuple(codes), params))
    if zones:
        outside = tuple(c for c in codes if zone_of.get(c) not in zones)
        if outside:
            breaches.append(Breach("zone", outside, {"zones": sorted(zones)}))
    bad = tuple(c for c in codes if c in set(blocked))
    if bad:
        breaches.append(Breach("blocked", bad))
    if holder_of and avoided:
        avoided = set(avoided)
        near = {}
        for code in codes:
            for other_code in neighbours.get(code, ()):
                other = holder_of.get(other_code)
                if other in avoided:
                    near.setdefault(other, []).append(code)
        for other, mine in sorted(near.items(), key=lambda item: str(item[0])):
            label = name_of(other) if name_of else str(other)
            breaches.append(Breach("avoid", tuple(dict.fromkeys(mine)), {"other": label}))
    return breaches
