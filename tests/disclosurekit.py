"""An attacker's recovery of suppressed cells by linear reasoning, independent of the solver it checks
(`raa_core.suppression.secondary`): exact rational rank tests, and the differences of published figures."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction

from raa_core.suppression import Relation


def _reduce(basis: dict[Hashable, dict[Hashable, Fraction]], vector: dict[Hashable, Fraction]) -> dict:
    """`vector` less its components along an echelon basis (pivot -> row with 1 at the pivot); {} if in its span."""
    v = dict(vector)
    while v:
        lead = min(v, key=str)
        if lead not in basis:
            return v
        f = v[lead]
        for k, x in basis[lead].items():
            v[k] = v.get(k, Fraction(0)) - f * x
        v = {k: x for k, x in v.items() if x != 0}
    return v


def recoverable(relations: Sequence[Relation], hidden: Iterable[Hashable]) -> set[Hashable]:
    """Hidden cells an attacker can solve for: cell j is solvable when the unit vector e_j lies in the span of
    the relations' equations over the unknowns (hidden cells and each "of which" remainder), tested exactly with
    rationals against an echelon basis of the equations."""
    hidden = set(hidden)
    basis: dict[Hashable, dict[Hashable, Fraction]] = {}
    for k, r in enumerate(relations):
        eq: dict[Hashable, Fraction] = {}
        for cell, sign in ((r.total, 1), *((p, -1) for p in r.parts)):
            if cell in hidden:
                eq[cell] = eq.get(cell, Fraction(0)) + sign
        if not r.complete:
            eq[("remainder", k)] = Fraction(-1)
        rest = _reduce(basis, {c: x for c, x in eq.items() if x != 0})
        if rest:
            lead = min(rest, key=str)
            basis[lead] = {c: x / rest[lead] for c, x in rest.items()}
    return {cell for cell in hidden if not _reduce(basis, {cell: Fraction(1)})}


def small_differences(values: Mapping[Hashable, int | None], relations: Sequence[Relation],
                      hidden: set[Hashable], limit: int) -> list[tuple[Relation, int]]:
    """Relations whose published total less its published parts leaves 1..limit to hidden or unpublished cells."""
    out = []
    for r in relations:
        if r.total in hidden or (r.complete and not any(p in hidden for p in r.parts)):
            continue
        rest = (values[r.total] or 0) - sum(values[p] or 0 for p in r.parts if p not in hidden)
        if 1 <= rest <= limit:
            out.append((r, rest))
    return out


def published_small(values: Mapping[Hashable, int | None], hidden: set[Hashable], limit: int) -> list[Hashable]:
    return [c for c, v in values.items() if c not in hidden and v is not None and 1 <= v <= limit]
