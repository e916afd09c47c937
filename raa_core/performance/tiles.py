"""The headline tiles of the regional performance page, as frozen records the page places (docs/indicators.md).

A tile shows one indicator of one area and period: the figure, its change on the previous period, the lines
under it (n and median, or A3's count; threshold and difference; national; the previous period) and its badges
(RAG, suppressed, no figure, no threshold, low number, stale data). `headline_tiles` builds them from the
headline rows (`indicators.headline_from`) and the same rows as shown text (`suppression.as_text`, or
`suppression.publication_headline` in the publication view), so the page holds no rule, threshold or label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from raa_core import suppression
from raa_core.performance.indicators import LOWER_IS_BETTER, definition
from raa_core.presentation import display, noun_for, signed_count
from raa_core.reference import THRESHOLD_SET_SHORT, Reference

#: Tile labels and RAG badges are the presentation layer's (`display.INDICATOR_TILES`, `THRESHOLD_BADGES`).
TILE_LABELS = display.INDICATOR_TILES
RAG_BADGES = display.THRESHOLD_BADGES


@dataclass(frozen=True)
class Tile:
    """One headline tile as the page shows it: `st.metric(label, figure, delta, delta_color=..., delta_arrow=...,
    help=...)`, then the Markdown `lines` and `badges` under it."""

    indicator: str
    label: str
    figure: str
    delta: str | None
    delta_color: str
    delta_arrow: str
    help: str
    lines: str
    badges: str


def _shown(v: Any) -> str:
    """A shown cell as text: "" where there is no figure (None or NA from a frame), else the text."""
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def children(n: str) -> str:
    """'child' or 'children' agreeing with a count shown as text ('1', '12', or 'x' when suppressed)."""
    return noun_for(int(n), "child", "children") if n.lstrip("-").isdigit() else "children"


def figure_text(indicator: str, value: str) -> str:
    """A tile's figure: `363 days`, `77%`, `x` (suppressed) or an em dash (no figure)."""
    if value in ("", suppression.HIDDEN):
        return value or "—"
    return f"{value}%" if indicator == "A3" else f"{value} days"


def signed_text(v: str) -> str:
    """A difference with its sign (`+12`, `-3`), `x` when suppressed, an em dash for none."""
    if v in ("", suppression.HIDDEN):
        return v or "—"
    return signed_count(v)


def tile(raw: pd.Series | dict[str, Any], text: pd.Series | dict[str, Any], stale: bool, ref: Reference) -> Tile:
    """One headline tile from a headline row (`raw`) and its shown text (`text`); `stale`: the area's data is
    stale. Change is coloured by the indicator's better direction (`LOWER_IS_BETTER`)."""
    t = {k: _shown(v) for k, v in dict(text).items()}
    ind = str(raw["indicator"])
    unit = " pts" if ind == "A3" else " days"
    change = t["change"]
    delta = None if change in ("", suppression.HIDDEN) else f"{signed_count(change)}{unit} on {raw['previous_period']}"
    if ind == "A3":
        counted = f"**{t['count'] or 0}** of {t['n']} {children(t['n'])} placed within 14 months"
    else:
        median = t["median"] or "—"
        days = "" if median in ("—", suppression.HIDDEN) else " days"
        counted = f"n = **{t['n']}** {children(t['n'])} · median {median}{days}"
    lines = [counted]
    if t["threshold"]:
        named = THRESHOLD_SET_SHORT.get(str(raw["threshold_set"]), str(raw["threshold_set"]))
        lines.append(f"Threshold {t['threshold']} days ({named}) · difference {signed_text(t['difference'])}")
    else:
        lines.append("No threshold in reference data")
    national = t["national"]
    lines.append(f"National {figure_text(ind, national)}" if national else f"National: not published for {raw['period']}")
    prev = t["previous_value"]
    lines.append(f"{raw['previous_period']}: {figure_text(ind, prev) if prev else 'no figure'}"
                 + (f" (n = {t['previous_n']})" if prev else ""))
    if change == suppression.HIDDEN:
        lines.append("Change: x (suppressed)")
    badges = []
    if raw["rag"] in RAG_BADGES and t["rag"]:
        words, icon, colour = RAG_BADGES[str(raw["rag"])]
        badges.append(f":{colour}-badge[{icon} {words}]")
    elif t["value"] == suppression.HIDDEN:
        badges.append(":gray-badge[:material/visibility_off: Suppressed]")
    elif t["value"] == "":
        badges.append(":gray-badge[:material/help: No figure]")
    else:
        badges.append(":gray-badge[:material/help: No threshold]")
    if bool(raw["low_n"]):
        n = t["n"]
        counted_n = f": {n} {children(n)}" if n not in ("", suppression.HIDDEN) else ""
        badges.append(f":orange-badge[:material/warning: Low number{counted_n}]")
    if stale:
        badges.append(":orange-badge[:material/schedule: Stale data]")
    return Tile(
        indicator=ind,
        label=TILE_LABELS[ind],
        figure=figure_text(ind, t["value"]),
        delta=delta,
        delta_color="off" if change == "0" else "inverse" if LOWER_IS_BETTER[ind] else "normal",
        delta_arrow="off" if change == "0" else "auto",
        help=f"{definition(ind, ref)}\n\n{definition('change', ref)}",
        lines="  \n".join(lines),
        badges=" ".join(badges),
    )


def headline_tiles(head_raw: pd.DataFrame, head_text: pd.DataFrame, stale: bool, ref: Reference) -> list[Tile]:
    """The tiles of a headline frame (`indicators.headline_from`) and its shown text, in indicator order."""
    return [tile(r, x, stale, ref) for (_, r), (_, x) in zip(head_raw.iterrows(), head_text.iterrows(), strict=True)]


