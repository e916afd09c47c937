"""Publication suppression of small numbers (docs/indicators.md, "Small numbers").

Anything exported for publication hides: counts of 1 to `count_max` (shown `x`); percentages whose
numerator is at most `pct_numerator_max` or denominator at most `pct_denominator_max`; averages (and
medians) over at most `mean_n_max` children. Thresholds come from `settings.suppression`, never from code.
Because the region total is the sum of the councils, one hidden council count could be recovered by
subtraction; secondary suppression hides the next smallest council count until the hidden councils
together exceed `count_max`, or hides the total. Output cells are strings: `x` hidden, `` no figure.

Secondary suppression is one solver (`secondary`) over a table's stated additive relations (`Relation`: parts
and their total, councils and the region, "of which" rows whose remainder is not published, quarters and their
year): it hides further cells until no hidden cell can be solved for exactly from the published ones by linear
algebra (exact rational elimination), and no relation leaves a hidden part (or an unpublished remainder) of 1 to
`count_max` as the difference of published figures. Every published table states its relations and calls it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from raa_core.reference import Settings, SuppressionSettings

HIDDEN = "x"
EMPTY = ""
TOTAL_AREAS = ("region", "region_mean")


def _int_or_none(v: object) -> int | None:
    return None if v is None or pd.isna(v) else int(v)  # type: ignore[call-overload]


def _is_small(v: object, limit: int) -> bool:
    x = _int_or_none(v)
    return x is not None and 1 <= x <= limit


def _fmt(v: object) -> str:
    if v is None or v is pd.NA:
        return EMPTY
    if isinstance(v, bool):
        return "yes" if v else EMPTY
    try:
        if pd.isna(v):
            return EMPTY
    except (TypeError, ValueError):
        pass
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@dataclass(frozen=True)
class Relation:
    """An additive relation of a table's cells: `total` = the sum of `parts` (`complete`), or, for an "of
    which" relation (`complete=False`), `total` = the parts plus a remainder the table does not publish."""

    total: Hashable
    parts: tuple[Hashable, ...]
    complete: bool = True


def _remainder(k: int) -> tuple[str, int]:
    return ("__remainder__", k)


def determined(relations: Sequence[Relation], hidden: Iterable[Hashable]) -> set[Hashable]:
    """The hidden cells whose value follows exactly from the published cells and the relations.

    Each relation is the equation total - sum(parts) [- remainder] = 0; the unknowns are the hidden cells and the
    remainders of "of which" relations. Exact Gauss-Jordan elimination (`_reduced`): an unknown is determined
    exactly when its column is a pivot whose reduced row has no other non-zero unknown (every solution of the
    homogeneous system is 0 there). Remainders are not reported (their smallness is checked as a
    difference, `exposed`)."""
    hidden = set(hidden)
    unknowns: list[Hashable] = []
    index: dict[Hashable, int] = {}

    def col(cell: Hashable) -> int:
        if cell not in index:
            index[cell] = len(unknowns)
            unknowns.append(cell)
        return index[cell]

    equations: list[dict[int, int]] = []
    for k, r in enumerate(relations):
        eq: dict[int, int] = {}
        for cell, sign in ((r.total, 1), *((p, -1) for p in r.parts)):
            if cell in hidden:
                c = col(cell)
                eq[c] = eq.get(c, 0) + sign
        if not r.complete:
            eq[col(_remainder(k))] = -1
        eq = {c: v for c, v in eq.items() if v != 0}
        if eq:
            equations.append(eq)
    rows, pivots = _reduced(equations)
    return {unknowns[c] for row, c in zip(rows, pivots, strict=True) if len(row) == 1 and unknowns[c] in hidden}


def _reduced(equations: list[dict[int, int]]) -> tuple[list[dict[int, int]], list[int]]:
    """Gauss-Jordan elimination of sparse integer rows (column -> coefficient), exact: fraction-free (each
    elimination multiplies by the pivot, then divides the row by the gcd of its coefficients, so entries stay
    small integers). Returns the non-zero reduced rows and the pivot column of each; in each row the pivot
    columns of the other rows are zero."""
    rows = [dict(e) for e in equations]
    done: list[dict[int, int]] = []
    pivots: list[int] = []
    while rows:
        row = rows.pop()
        if not row:
            continue
        c = min(row)
        pivot = row[c]
        done.append(row)
        pivots.append(c)
        for others, upto in ((rows, len(rows)), (done, len(done) - 1)):  # the other rows, in place
            for i in range(upto):
                other = others[i]
                f = other.get(c)
                if not f:
                    continue
                merged = {j: v * pivot for j, v in other.items()}
                for j, v in row.items():
                    merged[j] = merged.get(j, 0) - f * v
                merged = {j: v for j, v in merged.items() if v}
                g = math.gcd(*merged.values()) if merged else 1
                others[i] = {j: v // g for j, v in merged.items()}
    return done, pivots


def exposed(values: Mapping[Hashable, int | None], relations: Sequence[Relation], hidden: set[Hashable],
            limit: int) -> tuple[set[Hashable], list[Relation]]:
    """What the published cells give away: (the hidden cells solvable exactly, the relations whose hidden parts
    and remainder add up, as the difference of published figures, to 1..limit). A cell without a figure (None)
    counts as a published 0."""
    small: list[Relation] = []
    for r in relations:
        if r.total in hidden:
            continue
        parts_hidden = [p for p in r.parts if p in hidden]
        if not parts_hidden and r.complete:
            continue
        rest = (values.get(r.total) or 0) - sum(values.get(p) or 0 for p in r.parts if p not in hidden)
        if 1 <= rest <= limit:
            small.append(r)
    return determined(relations, hidden), small


def secondary(values: Mapping[Hashable, int | None], relations: Sequence[Relation], primary: Iterable[Hashable],
              limit: int, fixed: Iterable[Hashable] = ()) -> set[Hashable]:
    """The cells to hide: `primary` and as few more as this greedy rule finds so that nothing is `exposed`.

    While a hidden cell is solvable, or a relation leaves 1..limit to its hidden parts: hide the smallest
    positive published cell of the relations concerned, parts before totals (so the region and the year stay
    published where they can), a zero or a total only when nothing else is left. `fixed` cells are published
    by another table (a total this table breaks down): never chosen."""
    fixed = set(fixed)
    hidden = set(primary)
    totals = {r.total for r in relations}
    while True:
        solvable, small = exposed(values, relations, hidden, limit)
        if small:
            concerned = [small[0]]
        elif solvable:
            concerned = [r for r in relations if solvable & {r.total, *r.parts}]
        else:
            return hidden
        cells = {c for r in concerned for c in (r.total, *r.parts)
                 if c not in hidden and c not in fixed and values.get(c) is not None}
        if small and any(c in cells for c in small[0].parts):
            cells = {c for c in small[0].parts if c in cells}
        if not cells:  # nothing left to hide beside the cells concerned: widen to every relation touching them
            near = {c for r in concerned for c in (r.total, *r.parts)}
            cells = {c for r in relations if near & {r.total, *r.parts} for c in (r.total, *r.parts)
                     if c not in hidden and c not in fixed and values.get(c) is not None}
        if not cells:
            return hidden
        hidden.add(min(cells, key=lambda c: ((values.get(c) or 0) <= 0, c in totals, values.get(c) or 0, str(c))))


def hide_counts(values: dict[str, int | None], limit: int) -> set[str]:
    """Areas whose count is hidden: councils of 1..limit, then what `secondary` adds so that the region total
    (`region`, `region_mean`: both the councils' sum) gives none of them away."""
    return secondary(values, area_relations(values), {a for a, v in values.items() if _is_small(v, limit)}, limit)


def area_relations(cells: Iterable[str], key: object = None) -> list[Relation]:
    """The councils-and-region relations of one column of areas: each total area (`TOTAL_AREAS`) is the sum of
    the councils. With `key`, cells are `(area, key)` pairs (one column of a wider table)."""
    areas = list(cells)
    councils = tuple(a for a in areas if a not in TOTAL_AREAS)

    def cell(a: str) -> Hashable:
        return a if key is None else (a, key)

    return [Relation(cell(t), tuple(cell(a) for a in councils)) for t in areas if t in TOTAL_AREAS]


def rounded_count(v: object, area: object, s: SuppressionSettings) -> str:
    """One count as the ASGLB publishes it (`convention` "round"): "" without a figure, 0 as 0, 1..count_max as
    "<count_max> or fewer", else rounded half up to the nearest `round_region` (region areas) or `round_council`."""
    x = _int_or_none(v)
    if x is None:
        return EMPTY
    if x == 0:
        return "0"
    if x <= s.count_max:
        return f"{s.count_max} or fewer"
    base = s.round_region if str(area) in TOTAL_AREAS else s.round_council
    return str((x + base // 2) // base * base)


def _round_columns(df: pd.DataFrame, out: pd.DataFrame, columns: Iterable[str], s: SuppressionSettings) -> None:
    """Counts of `columns` in `out` (strings, `x` kept) rounded from `df` by `rounded_count`, in place."""
    areas = df["area"] if "area" in df.columns else pd.Series([None] * len(df), index=df.index)
    for col in columns:
        if col in out.columns:
            out[col] = [o if o == HIDDEN else rounded_count(v, a, s)
                        for o, v, a in zip(out[col], df[col], areas, strict=True)]


def _group_keys(df: pd.DataFrame) -> list[str]:
    return [c for c in ("period", "indicator") if c in df.columns]


def suppress_scorecard(df: pd.DataFrame, settings: Settings | SuppressionSettings) -> pd.DataFrame:
    """The publication view of a scorecard (or trend) DataFrame: every cell a string, small numbers `x`."""
    s = settings.suppression if isinstance(settings, Settings) else settings
    out = df.copy()
    hide_value = pd.Series(False, index=df.index)
    hide_n = pd.Series(False, index=df.index)
    hide_count = pd.Series(False, index=df.index)
    keys = _group_keys(df)
    groups: Iterable[tuple[object, pd.DataFrame]] = df.groupby(keys, sort=False) if keys else [(None, df)]
    for _, g in groups:
        areas = g["area"].astype(str)
        idx = dict(zip(areas, g.index, strict=True))
        for a in hide_counts(dict(zip(areas, (_int_or_none(v) for v in g["n"]), strict=True)), s.count_max):
            hide_n[idx[a]] = s.convention == "suppress"
        is_pct = (g["indicator"] == "A3").all() if "indicator" in g else False
        if is_pct and "count" in g:
            counts = dict(zip(areas, (_int_or_none(v) for v in g["count"]), strict=True))
            for a in hide_counts(counts, s.count_max):
                hide_count[idx[a]] = s.convention == "suppress"
        for i in idx.values():
            n = _int_or_none(df.at[i, "n"]) or 0
            if is_pct:
                k = _int_or_none(df.at[i, "count"]) or 0
                small = k <= s.pct_numerator_max or n <= s.pct_denominator_max
                hide_value[i] = small or bool(hide_count[i]) or bool(hide_n[i])
            else:
                hide_value[i] = n <= s.mean_n_max
        if "region_mean" in idx:
            council_hidden = any(
                hide_value[i] and _int_or_none(df.at[i, "n"]) for a, i in idx.items() if a not in TOTAL_AREAS
            )
            if council_hidden:
                hide_value[idx["region_mean"]] = True
    for col in out.columns:
        out[col] = [_fmt(v) for v in df[col]]
    for col, mask in (
        ("value", hide_value),
        ("median", hide_value),
        ("difference", hide_value),
        ("n", hide_n),
        ("count", hide_count),
    ):
        if col in out.columns:
            present = out[col] != EMPTY
            out.loc[mask & present, col] = HIDDEN
    if s.convention == "round":
        _round_columns(df, out, ("n", "count"), s)
    return out.astype(str)


def suppress_counts(df: pd.DataFrame, columns: Sequence[str], settings: Settings | SuppressionSettings) -> pd.DataFrame:
    """Any table as strings with counts of 1..count_max in `columns` shown `x` (primary suppression only)."""
    s = settings.suppression if isinstance(settings, Settings) else settings
    out = df.copy()
    for col in out.columns:
        out[col] = [_fmt(v) for v in df[col]]
    for col in columns:
        mask = [_is_small(v, s.count_max) for v in df[col]]
        out.loc[mask, col] = HIDDEN
    return out.astype(str)


def secondary_cells(df: pd.DataFrame, index: Iterable[Hashable], counts: Sequence[str],
                    relations: Sequence[Relation], limit: int, areas: bool) -> set[tuple[Hashable, str]]:
    """The (row index, column) cells of `counts` to hide in the rows `index` of `df`: counts of 1..limit, and
    what `secondary` adds over the rows' relations (`relations` in each row; councils and region per column
    when `areas`, the rows then being one per area)."""
    rows = list(index)
    values = {(i, c): _int_or_none(df.at[i, c]) for i in rows for c in counts}
    rels = [Relation((i, r.total), tuple((i, p) for p in r.parts), r.complete)
            for i in rows for r in relations if {r.total, *r.parts} <= set(counts)]
    if areas:
        by_area = {str(df.at[i, "area"]): i for i in rows}
        for c in counts:
            rels += [Relation((by_area[str(r.total)], c), tuple((by_area[str(p)], c) for p in r.parts))
                     for r in area_relations(by_area)]
    primary = {cell for cell, v in values.items() if _is_small(v, limit)}
    return secondary(values, rels, primary, limit)  # type: ignore[return-value]


def breakdown_cells(df: pd.DataFrame, index: Iterable[Hashable], part: str, total: str | None, category: str,
                    limit: int) -> set[tuple[Hashable, str]]:
    """The (row index, column) cells to hide in the rows `index` of a breakdown table (rows: an area and a
    `category`; the categories of an area add up to its total): counts of 1..limit, and what `secondary` adds over
    the relations each area's categories and total (`total`, its value repeated in each of the area's rows; or,
    None, the categories' sum, published by another table and so never hidden here), and for each category and
    for the totals the councils and the region. A hidden total hides its column in every row of the area."""
    rows = list(index)
    values: dict[Hashable, int | None] = {(i, part): _int_or_none(df.at[i, part]) for i in rows}
    by_area: dict[str, list[Hashable]] = {}
    by_category: dict[object, dict[str, Hashable]] = {}
    for i in rows:
        by_area.setdefault(str(df.at[i, "area"]), []).append(i)
        by_category.setdefault(df.at[i, category], {})[str(df.at[i, "area"])] = i
    rels: list[Relation] = []
    for a, mine in by_area.items():
        values[("total", a)] = (_int_or_none(df.at[mine[0], total]) if total is not None
                                else sum(values[(i, part)] or 0 for i in mine))
        rels.append(Relation(("total", a), tuple((i, part) for i in mine)))
    rels += [Relation(("total", r.total), tuple(("total", p) for p in r.parts)) for r in area_relations(by_area)]
    for areas in by_category.values():
        rels += [Relation((areas[r.total], part), tuple((areas[p], part) for p in r.parts))
                 for r in area_relations(areas)]
    fixed = {("total", a) for a in by_area} if total is None else set()
    primary = {c for c, v in values.items() if c not in fixed and _is_small(v, limit)}
    hidden = secondary(values, rels, primary, limit, fixed)
    out: set[tuple[Hashable, str]] = {c for c in hidden if c[0] != "total"}  # type: ignore[misc]
    if total is not None:
        out |= {(i, total) for c in hidden if c[0] == "total" for i in by_area[c[1]]}  # type: ignore[index]
    return out


def suppress_pct(count: int | None, n: int | None, pct: int | None, settings: Settings | SuppressionSettings) -> str:
    """One percentage for publication: `x` where the numerator or denominator is too small."""
    s = settings.suppression if isinstance(settings, Settings) else settings
    if pct is None or n is None or n == 0:
        return EMPTY
    if (count or 0) <= s.pct_numerator_max or n <= s.pct_denominator_max:
        return HIDDEN
    return str(pct)


def as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the string the publication view would use for a shown figure (no suppression)."""
    out = df.copy()
    for col in out.columns:
        out[col] = [_fmt(v) for v in df[col]]
    return out.astype(str)


def suppress_table(
    df: pd.DataFrame,
    settings: Settings | SuppressionSettings,
    counts: Sequence[str] = (),
    means: Mapping[str, str] | None = None,
    pcts: Mapping[str, tuple[str, str]] | None = None,
    derived: Mapping[str, Sequence[str]] | None = None,
    group_by: Sequence[str] = (),
    relations: Sequence[Relation] = (),
    parts_of: tuple[str, str | None, str] | None = None,
) -> pd.DataFrame:
    """Any per-area table for publication: every cell a string, small numbers `x`.

    `counts`: counts of 1..count_max hidden, then within each `group_by` group what `secondary` adds over the
    group's relations: the councils and the region in each count column (where the table has an `area` column),
    and `relations` between the count columns of each row (column names as cells: parts and totals, "of which").
    `parts_of` (part column, total column or None, category column): each group is a breakdown whose rows'
    categories add up to each area's total (`breakdown_cells`: characteristics against their n, waiting bands
    against the waiting total) instead.
    `means`: mean column -> its n column; hidden where n <= mean_n_max or the n is hidden. `pcts`: percentage column ->
    (numerator, denominator); hidden where the numerator <= pct_numerator_max, the denominator <=
    pct_denominator_max, or either is hidden. `derived`: column -> the columns it is computed from;
    hidden where any of them is.
    """
    s = settings.suppression if isinstance(settings, Settings) else settings
    hidden = {c: pd.Series(False, index=df.index) for c in df.columns}
    by_area = "area" in df.columns
    keys = [k for k in group_by if k in df.columns]
    groups: Iterable[tuple[object, pd.DataFrame]] = df.groupby(keys, sort=False) if keys else [(None, df)]
    for _, g in groups:
        if s.convention == "round":
            break  # rounded counts (below) protect themselves: nothing hidden, no secondary suppression
        cells = (breakdown_cells(df, g.index, *parts_of, s.count_max) if parts_of is not None else
                 secondary_cells(df, g.index, counts, relations, s.count_max, areas=by_area and g["area"].is_unique))
        for i, col in cells:
            hidden[col][i] = True
    for col, n_col in (means or {}).items():  # an average follows its count: hidden with it, or over too few
        hidden[col] |= pd.Series([(_int_or_none(v) or 0) <= s.mean_n_max for v in df[n_col]], index=df.index)
        hidden[col] |= hidden[n_col]
    for col, (num, den) in (pcts or {}).items():
        small = [
            (_int_or_none(k) or 0) <= s.pct_numerator_max or (_int_or_none(n) or 0) <= s.pct_denominator_max
            for k, n in zip(df[num], df[den], strict=True)
        ]
        hidden[col] |= pd.Series(small, index=df.index) | hidden[num] | hidden[den]
    for col, sources in (derived or {}).items():
        for src in sources:
            hidden[col] |= hidden[src]
            if s.convention == "round" and src in counts:  # exact arithmetic on rounded counts gives them back
                hidden[col] |= df[src].notna()
    out = df.copy()
    for col in out.columns:
        out[col] = [_fmt(v) for v in df[col]]
        present = out[col] != EMPTY
        out.loc[hidden[col] & present, col] = HIDDEN
    if s.convention == "round":
        _round_columns(df, out, counts, s)
    return out.astype(str)


def masked(raw: pd.DataFrame, shown: pd.DataFrame) -> pd.DataFrame:
    """`raw` with every cell `shown` as `x` set to null, and a `<col>_hidden` flag for each such column.

    Charts draw the masked numbers (a hidden figure is simply absent) and label hidden points `x`.
    """
    out = raw.copy()
    for col in raw.columns:
        if col not in shown.columns:
            continue
        mask = (shown[col] == HIDDEN).to_numpy()
        if not mask.any():
            continue
        values = [None if m else v for v, m in zip(raw[col], mask, strict=True)]
        kind = raw[col].dtype
        if pd.api.types.is_integer_dtype(kind) or pd.api.types.is_bool_dtype(kind):
            out[col] = pd.array(
                [None if v is None or pd.isna(v) else int(v) for v in values],
                dtype="Int64" if not pd.api.types.is_bool_dtype(kind) else "boolean",
            )
        else:
            out[col] = pd.Series(values, index=raw.index, dtype="object")
        out[f"{col}_hidden"] = mask
    return out


def shown_from_masked(df: pd.DataFrame) -> pd.DataFrame:
    """The strings of a masked frame (or a frame derived from one): `x` where `<col>_hidden`, flags dropped."""
    flags = [c for c in df.columns if c.endswith("_hidden") and c[: -len("_hidden")] in df.columns]
    out = as_text(df.drop(columns=flags))
    for flag in flags:
        col = flag[: -len("_hidden")]
        out.loc[df[flag].fillna(False).astype(bool).to_numpy(), col] = HIDDEN
    return out


def publication_headline(headline_df: pd.DataFrame, sc: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Headline tiles (`indicators.headline_from`) for publication, as strings.

    `sc` is the scorecards frame of both periods the tiles came from (all areas, so that complementary
    suppression is the scorecard's own). A hidden figure hides its RAG and the change on the previous period.
    """
    pub = suppress_scorecard(sc, settings)

    def cell(period: str, ind: str, area: str, col: str) -> str:
        hit = pub[(pub["period"] == period) & (pub["indicator"] == ind) & (pub["area"] == area)]
        return str(hit[col].iloc[0]) if len(hit) else EMPTY

    out = headline_df.copy()
    for col in out.columns:
        out[col] = [_fmt(v) for v in headline_df[col]]
    for i, row in headline_df.iterrows():
        ind, area, period, prev = row["indicator"], row["area"], row["period"], row["previous_period"]
        for col in ("value", "median", "n", "count", "difference"):
            out.at[i, col] = cell(period, ind, area, col)
        out.at[i, "previous_value"] = cell(prev, ind, area, "value")
        out.at[i, "previous_n"] = cell(prev, ind, area, "n")
        value_hidden = out.at[i, "value"] == HIDDEN
        if value_hidden or out.at[i, "previous_value"] == HIDDEN:
            out.at[i, "change"] = HIDDEN if out.at[i, "change"] != EMPTY else EMPTY
        if value_hidden:
            out.at[i, "rag"] = EMPTY
    return out.astype(str)
