"""The product's colours, in one place, each meeting WCAG 2.2 AA contrast where it is read.

Every colour a chart, table, workbook or the board pack draws with is named here (no `#rrggbb` is written
anywhere else in the code: tests/repo/test_rule_homes.py). Two rules from WCAG 2.2 (1.4.3 Contrast (Minimum) and
1.4.11 Non-text Contrast), checked by `contrast` in tests/core/presentation/test_palette.py:
- a mark that carries meaning (a line, bar, marker, threshold) has a contrast of at least 3:1 with the white
  page it is drawn on (`GRAPHICS_MIN`);
- text has at least 4.5:1 with its background (`TEXT_MIN`): body text on white, and black text on every cell
  background (RAG cells, header rows).
Colour never carries meaning alone: RAG cells carry their word, bars over and under budget their word, low
numbers their mark (raa_core.presentation.display, the chart builders).
"""

from __future__ import annotations

#: WCAG 2.2 AA minimum contrast ratios: text (1.4.3) and graphical objects (1.4.11).
TEXT_MIN = 4.5
GRAPHICS_MIN = 3.0

WHITE = "#FFFFFF"
BLACK = "#000000"

#: Chart colours of councils with no colour of their own in councils.csv, by position (Okabe-Ito hues, the light
#: ones darkened to 3:1 on white; black last).
COUNCIL_FALLBACK = ("#0072B2", "#B35900", "#007A5A", "#A8508A", "#C24F00", "#2E7FB0", "#7A6C00", "#000000")
#: The region (all children) and the mean of councils on the performance charts.
REGION = "#444444"
REGION_MEAN = "#7B4FB0"
#: An area with no colour of its own (a code not in councils.csv).
AREA_DEFAULT = "#1F77B4"
#: A mark with no meaning of its own beyond "a figure" (a council without a colour on a static chart).
NEUTRAL = "#6E6E6E"
#: A threshold line and its label.
THRESHOLD = "#B22222"
#: Single-series charts (funnels, pipelines, durations) and a second series beside it.
SERIES = "#2471A3"
SERIES_SECOND = "#B35900"
#: Meeting and missing a threshold (bars of a band chart); the word goes with the colour.
MEETS = "#2E7D32"
MISSES = "#C0392B"
#: Budget: an overspend, an underspend, the budget line (the bars' words say which: `budget_charts`).
OVER = "#C0392B"
UNDER = "#2E7D32"
BUDGET = "#444444"
#: One colour per council position on the contribution scenarios' charts.
SCENARIO = ("#1B6CA8", "#B35900", "#2E8B57", "#8E44AD", "#B03A2E", "#5D6D7E")
#: The shaded band of the period chosen in the sidebar (decorative: the caption says what it is).
PERIOD_SHADE = "#D9D9D9"
#: The forecast's 95% and 80% range bands (fills behind the line; the legend names them).
RANGE_95 = "rgba(31,119,180,0.12)"
RANGE_80 = "rgba(31,119,180,0.28)"

#: Cell backgrounds behind black text: RAG (Red, Amber, Green: the word is in the cell), a header row, a total row.
RAG_BACKGROUND = {"red": "#F4B6B6", "amber": "#FCD9A0", "green": "#BFE3C0"}
HEADER_FILL = "#DDE4EE"
TOTAL_FILL = "#E8EEF2"
#: Notes under a table in a workbook, and a link in a workbook.
NOTE_TEXT = "#555555"
LINK = "#1F4E79"

#: Every colour that marks data on white (must reach `GRAPHICS_MIN`).
GRAPHICS: dict[str, str] = {
    "region": REGION, "region_mean": REGION_MEAN, "area_default": AREA_DEFAULT, "neutral": NEUTRAL,
    "threshold": THRESHOLD, "series": SERIES, "series_second": SERIES_SECOND, "meets": MEETS, "misses": MISSES,
    "over": OVER, "under": UNDER, "budget": BUDGET,
    **{f"council_fallback_{i}": c for i, c in enumerate(COUNCIL_FALLBACK)},
    **{f"scenario_{i}": c for i, c in enumerate(SCENARIO)},
}
#: Every (text, background) pair the product writes (must reach `TEXT_MIN`).
TEXT_PAIRS: dict[str, tuple[str, str]] = {
    "body": (BLACK, WHITE), "note": (NOTE_TEXT, WHITE), "link": (LINK, WHITE), "threshold label": (THRESHOLD, WHITE),
    "header": (BLACK, HEADER_FILL), "total": (BLACK, TOTAL_FILL),
    **{f"rag {k}": (BLACK, c) for k, c in RAG_BACKGROUND.items()},
}


def rgb(colour: str) -> tuple[int, int, int]:
    """(r, g, b) 0-255 of a `#rrggbb` colour. Raises ValueError for anything else."""
    text = colour.strip().lstrip("#")
    if len(text) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def luminance(colour: str) -> float:
    """The relative luminance of a `#rrggbb` colour (WCAG 2.2, definition of relative luminance), 0 to 1."""

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str = WHITE) -> float:
    """The contrast ratio of two `#rrggbb` colours (WCAG 2.2), from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
