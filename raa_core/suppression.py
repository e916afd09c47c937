"""Publication suppression of small numbers (docs/indicators.md, "Small numbers").

Anything exported for publication hides: counts of 1 to `count_max` (shown `x`); percentages whose
numerator is at most `pct_numerator_max` or denominator at most `pct_denominator_max`; averages (and
medians) over at most `mean_n_max` children. Thresholds come from `settings.suppression`, never from code.
Because the region total is the sum of the councils, one hidden council count could be recovered by
subtraction; secondary suppression hides the next smallest council count until the hidden councils
together exceed `count_max`, or hides the total. Output cells are strings: `x` hidden, `` no figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

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


def hide_counts(values: dict[str, int | None], limit: int) -> set[str]:
    """Areas whose count is hidden: councils of 1..limit, then complementary councils or the totals.

    `values` maps council codes and the total areas (`region`, `region_mean`, both the councils' sum) to
    counts. The hidden councils together must not be recoverable as 1..limit from a shown total.
    """
    councils = {a: v for a, v in values.items() if a not in TOTAL_AREAS}
    hidden = {a for a, v in councils.items() if _is_small(v, limit)}
    totals = {a: v for a, v in values.items() if a in TOTAL_AREAS}
    hidden |= {a for a, v in totals.items() if _is_small(v, limit)}
    if not any(a in hidden for a in councils) or all(a in hidden for a in totals):
        return hidden
    while True:
        revealed = sum(councils[a] or 0 for a in councils if a in hidden)
        if not 1 <= revealed <= limit:
            return hidden
        candidates = sorted((v, a) for a, v in councils.items() if a not in hidden and v is not None and v > 0)
        if not candidates:
            return hidden | set(totals)
        hidden.add(candidates[0][1])


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
            hide_n[idx[a]] = True
        is_pct = (g["indicator"] == "A3").all() if "indicator" in g else False
        if is_pct and "count" in g:
            counts = dict(zip(areas, (_int_or_none(v) for v in g["count"]), strict=True))
            for a in hide_counts(counts, s.count_max):
                hide_count[idx[a]] = True
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
) -> pd.DataFrame:
    """Any per-area table for publication: every cell a string, small numbers `x`.

    `counts`: counts of 1..count_max hidden; where the table has an `area` column, within each `group_by`
    group a further council count (or the totals) is hidden so the region total cannot give them away.
    `means`: mean column -> its n column; hidden where n <= mean_n_max. `pcts`: percentage column ->
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
        for col in counts:
            if by_area and g["area"].is_unique:
                areas = g["area"].astype(str)
                idx = dict(zip(areas, g.index, strict=True))
                for a in hide_counts(dict(zip(areas, (_int_or_none(v) for v in g[col]), strict=True)), s.count_max):
                    hidden[col][idx[a]] = True
            else:
                for i in g.index:
                    hidden[col][i] = _is_small(df.at[i, col], s.count_max)
    for col, n_col in (means or {}).items():
        hidden[col] |= pd.Series([(_int_or_none(v) or 0) <= s.mean_n_max for v in df[n_col]], index=df.index)
    for col, (num, den) in (pcts or {}).items():
        small = [
            (_int_or_none(k) or 0) <= s.pct_numerator_max or (_int_or_none(n) or 0) <= s.pct_denominator_max
            for k, n in zip(df[num], df[den], strict=True)
        ]
        hidden[col] |= pd.Series(small, index=df.index) | hidden[num] | hidden[den]
    for col, sources in (derived or {}).items():
        for src in sources:
            hidden[col] |= hidden[src]
    out = df.copy()
    for col in out.columns:
        out[col] = [_fmt(v) for v in df[col]]
        present = out[col] != EMPTY
        out.loc[hidden[col] & present, col] = HIDDEN
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
