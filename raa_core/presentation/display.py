"""The labels module: the words for every code a person can see, in one table, with one lookup (`label`).

Numbers, money, percentages, counts and dates are turned into text by `raa_core.presentation.text` (the one
formatting module); here are only words: budget scopes (pooled, adoption support), forecast methods, RAG
(word, badge icon and colour, table background), performance areas (303/886/887 by the councils' names from
reference data, `region`, `region_mean`), council names with the RAA as a whole for "no council", roles and
cost lines (reference data, docs/finance.md and docs/operations.md), and the variance sign:
the product's convention is forecast less budget, an overspend positive (reference
`settings.overspend_positive`); a reader may flip it (`variance_sign`), and every variance, variance %,
movement and settlement amount shown is multiplied by that one sign (`signed`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pandas as pd

from raa_core.presentation import palette
from raa_core.presentation.text import DASH, RAG_WORDS, missing, number_word
from raa_core.reference import Reference

NO_FIGURE = DASH
#: The mark after a figure resting on fewer children than settings `low_n_below` (docs/indicators.md "Low
#: number"), in chart labels and tables alike; the note beside them says it in words.
LOW_N_MARK = "*"

#: Budget scopes (`budget_area`); None is the whole budget.
#: The form a drop's children data came in (docs/ssda903.md), for reports, pages and the ingest history.
CHILDREN_FORMS: dict[Any, str] = {
    "903": "SSDA903 files",
    "parquet": "children.parquet",
    None: "no children data",
}

AREA_LABELS: dict[str | None, str] = {"pooled": "Pooled", "adoption_support": "Adoption support", None: "All areas"}
AREA_NOTES: dict[str | None, str] = {"pooled": "shared by the councils", "adoption_support": "managed by each council",
                                     None: "cash-limited, ASF apart"}
#: Performance areas that are not a council (a council's area is its DfE code, named from reference data).
REGION_LABELS = {"region": "Region (all children)", "region_mean": "Mean of councils"}
METHOD_LABELS = {
    "default": "Default (submitted, else establishment or run rate)",
    "submitted": "Submitted by the councils",
    "run_rate": "Run rate (quarter-aware)",
    "establishment": "Establishment (staffing lines)",
}
#: RAG: word, Material icon, Streamlit badge colour, table/Excel background.
RAG = {
    "red": (RAG_WORDS["red"], ":material/error:", "red", palette.RAG_BACKGROUND["red"]),
    "amber": (RAG_WORDS["amber"], ":material/warning:", "orange", palette.RAG_BACKGROUND["amber"]),
    "green": (RAG_WORDS["green"], ":material/check_circle:", "green", palette.RAG_BACKGROUND["green"]),
}
RAA = "RAA"
ROW_NAMES = {"reserve": "Contingency reserve", "total": "Total"}
#: A contribution held at the scenario's cap or floor on the change on the previous year (docs/finance.md).
BOUND_LABELS: dict[str | None, str] = {"cap": "Held at cap", "floor": "Held at floor", None: ""}

#: A contributions scenario's scope: what the contributions fund (docs/finance.md), in a sentence and in the
#: short words of a line of text.
CONTRIBUTION_SCOPE_NOTES: dict[str, str] = {
    "pooled": "Pooled budget only (recruitment, panels and management)",
    "pooled_and_adoption_support": "Pooled budget and adoption support (once unified)",
}
CONTRIBUTION_SCOPES: dict[str, str] = {"pooled": "pooled", "pooled_and_adoption_support": "pooled and adoption support"}
#: Where a contribution scenario's driver figures come from (docs/finance.md; the forecast basis: docs/forecast.md).
CONTRIBUTION_BASES: dict[str, str] = {
    "average": "Average of past years (the averaging window)",
    "forecast": "Forecast of the budget year (the pipeline forecast, not a count)",
}

#: The headline indicators (docs/indicators.md): in full, and short with their code (tables, the pack).
INDICATOR_NAMES: dict[str, str] = {
    "A1": "Average days from entering care to moving in with the adoptive family",
    "A2": "Average days from court authority to place to the match with the adoptive family",
    "A3": "Children placed within 14 months of entering care (count and %)",
    "A10": "Average days from entering care to moving in with the family who adopted (incl. foster carers)",
}
INDICATOR_SHORT: dict[str, str] = {
    "A1": "A1 entering care to placement",
    "A2": "A2 placement order to match",
    "A3": "A3 placed within 14 months",
    "A10": "A10 entering care to placement (incl. foster to adopt)",
}
#: Indicators on a headline tile and in a table column with its unit (docs/indicators.md).
INDICATOR_TILES = {
    "A1": "A1 · care to placement",
    "A2": "A2 · order to match",
    "A3": "A3 · placed in 14 months",
    "A10": "A10 · care to adopters",
}
INDICATOR_COLUMNS = {"A1": "A1 days", "A2": "A2 days", "A3": "A3 %", "A10": "A10 days"}
#: An indicator's RAG against its threshold: words, Material icon, Streamlit badge colour.
THRESHOLD_BADGES = {
    "green": ("Meets threshold", ":material/check_circle:", "green"),
    "red": ("Misses threshold", ":material/error:", "red"),
}
#: The datasets a council drops (docs/drop-contract.md).
DATASET_LABELS = {"performance": "Performance data", "finance": "Finance data"}

#: The settlement bases: how a pooled over/underspend is shared (docs/finance.md).
BASIS_LABELS: dict[str, str] = {
    "contribution": "Contribution shares",
    "formula": "Demand-formula shares",
    "equal": "Equal shares",
    "reserve": "Partnership contingency reserve",
}

#: A drop contract rule's title as a council officer reads it (docs/drop-contract.md).
RULE_TITLES: dict[str, str] = {
    # the folder and its files
    "unknown_council": "Not a partner council",
    "invalid_extract_date": "Folder name is not an extract date",
    "future_extract_date": "Extract date in the future",
    "no_files": "No data files in the drop",
    "missing_file": "Required file missing",
    "unknown_file": "File not in the contract (ignored)",
    "unreadable_file": "File is not readable Parquet",
    "encrypted_file": "File is encrypted",
    "footer_too_large": "File's footer is too large",
    "too_many_columns": "Too many columns",
    "too_many_row_groups": "Too many row groups",
    "nested_column": "Column nested too deeply",
    "more_warnings": "More warnings, counted",
    "order_before_birth_or_care": "Adoption order before birth or entering care",
    "adopted_aged_18_or_over": "Adopted aged 18 or over",
    "date_before_1990": "Date before 1990",
    "manifest_mismatch": "Manifest disagrees with the folder",
    "manifest_file_missing": "File listed in the manifest is missing",
    "manifest_checksum": "File differs from its manifest checksum",
    "manifest_rows": "Row count differs from the manifest",
    "unreadable_manifest": "Manifest cannot be read",
    # columns
    "missing_column": "Contract column missing",
    "fill_fall": "Far fewer values in a column than last time",
    # SSDA903 files (docs/ssda903.md); the DfE's rule number where one applies
    "ssda903_encoding": "903 file not UTF-8 or Windows-1252 text",
    "ssda903_unreadable": "903 file is not readable CSV",
    "ssda903_unknown_table": "CSV file is not a 903 table",
    "ssda903_table_ignored": "903 table not used (ignored)",
    "ssda903_duplicate_table": "Same 903 table twice",
    "ssda903_row_too_long": "903 row has more cells than headers",
    "ssda903_missing_table": "903 table needed is missing",
    "ssda903_and_children_file": "Children data sent in two forms",
    "ssda903_bad_date": "903 date not dd/mm/yyyy",
    "ssda903_missing_child": "903 row without CHILD",
    "ssda903_duplicate_child": "Child with two Header rows",
    "ssda903_missing_value": "903 value missing",
    "ssda903_child_not_in_header": "Episode of a child without a Header row",
    "ssda903_episode_dates": "Episode ends before it starts",
    "ssda903_episodes_overlap": "Episodes of one child overlap",
    "ssda903_390": "DfE 390: adopted from a non-adoptive placement",
    "ssda903_408": "DfE 408: A5/A6 without a placement order",
    "ssda903_335": "DfE 335: FOSTER_CARE disagrees with the placement",
    "ssda903_523": "DfE 523: DATE_INT is not the ADM decision date",
    "ssda903_217": "DfE 217: A3/A5 placement starting with a change of carer",
    "duplicate_column": "Same column twice",
    "unknown_column": "Column not in the contract (not loaded)",
    "header_trimmed": "Column header needed tidying",
    "wrong_type": "Column of the wrong type",
    # values
    "unreadable_value": "Value cannot be read",
    "missing_value": "Required value missing",
    "money_rounded": "Amount rounded to pence",
    "duplicate_key": "Duplicate record",
    "personal_identifier": "Looks like a real person's identifier",
    "value_not_allowed": "Value not allowed",
    "date_after_extract": "Date after the extract date",
    "financial_year_format": "Financial year not in the form YYYY-YY",
    "unknown_budget_area": "Unknown budget area",
    "unknown_cost_line": "Unknown cost line",
    "period_out_of_range": "Period outside 1 to 12",
    "period_not_begun": "Period not yet begun",
    "fte_out_of_range": "FTE outside 0 to 1",
    "negative_count": "Negative count",
    # journeys
    "born_after_entering_care": "Born after entering care",
    "entered_care_aged_18_or_over": "Entered care aged 18 or over",
    "placed_before_entering_care": "Placed before entering care",
    "matched_after_placed": "Matched after placement",
    "order_before_placed": "Adoption order before placement",
    "order_without_placement": "Adoption order without a placement date",
    "order_before_adm_decision": "Placement order before the ADM decision",
    "matched_before_placement_order": "Matched before the placement order",
    "fostered_from_out_of_range": "Fostered-by-adopters date out of range",
    "early_permanence_without_fostering": "Early permanence without a fostering date",
    "reversed_and_adopted": "Plan reversed and adopted",
    "ffa_placed_before_decision": "Fostering-for-adoption placement before its decision",
    "stage_dates_out_of_order": "Adopter stage dates out of order",
    "withdrawn_after_placement": "Withdrawn after a placement",
    # snapshots
    "snapshot_emptied": "Snapshot lost every row",
    "snapshot_fall": "Snapshot fell sharply",
}

#: What a person did, as the audit trail names it (docs/operations.md).
ACTIONS: dict[str, str] = {
    "sign_in": "Signed in",
    "sign_in_failed": "Failed sign-in",
    "lock_out": "Locked out",
    "sign_out": "Signed out",
    "child_level_view": "Child-level view",
    "export": "Export",
    "upload": "Upload",
    "comment": "Variance comment",
    "users": "User change",
    "user_added": "User added",
    "user_changed": "User's role changed",
    "user_unlocked": "User unlocked",
    "user_removed": "User removed",
    "password_changed": "Password changed",
    "password_reset": "Password reset",
    "demo_mode_left": "Demo mode ended",
    "appstate_set_aside": "Damaged store set aside",
    "scenario_saved": "Scenario saved",
    "scenario_deleted": "Scenario deleted",
    "refused": "Refused",
}

#: Each page's title (the menu's and the audit's words; raa_app.navigation takes its titles from here), and the
#: places outside the pages an audit row may name.
PAGE_LABELS: dict[str | None, str] = {
    "overview": "Overview",
    "regional_performance": "Regional performance",
    "local_performance": "Local performance",
    "forecast": "Forecast",
    "budget": "Pooled budget",
    "scenarios": "Contribution scenarios",
    "boardpack": "Board pack",
    "data_drops": "Data drops",
    "audit": "Audit",
    "users": "Users",
    "accessibility": "Accessibility statement",
    "sign-in": "Sign-in",
    "account": "Own account",
    None: "",
}

#: A contribution driver figure's status (docs/finance.md).
STATUS_LABELS: dict[str, str] = {
    "complete": "complete",
    "in_progress": "year in progress",
    "records_begin": "records begin in the year",
    "gap": "gap in the council's data",
    "illustrative": "illustrative figure (not official)",
    "forecast": "forecast (the pipeline forecast, not a count)",
}

#: A contributions scenario's fields (the JSON of docs/command-line.md) by the builder's control that sets each.
SCENARIO_FIELDS: dict[str, str] = {
    "name": "Scenario name", "base_year": "Base year", "years": "Years to model", "scope": "Scope",
    "uplift_pct": "Uplift on the previous year's total", "totals": "Explicit totals", "drivers": "Drivers",
    "window_years": "Averaging window", "transition": "Transition", "cap_pct": "Cap", "floor_pct": "Floor",
    "basis": "Basis", "saved": "Saved scenario", "scenario": "Scenario",
}


#: The terms of the definitions (the board pack's appendix), by the key of their definition.
TERMS: dict[str, str] = {
    "A1": "A1", "A2": "A2", "A3": "A3", "A10": "A10", "region": REGION_LABELS["region"],
    "region_mean": REGION_LABELS["region_mean"], "threshold": "Threshold", "rag": "RAG (red, amber, green)",
    "change": "Change", "national": "National figure", "low_n": "Low number", "publication": "Publication view",
    "children_waiting": "Children waiting", "children_waiting_with_po": "Children waiting with a placement order",
    "sufficiency": "Sufficiency of adopters", "stale": "Stale data",
}

#: The one labels table: kind -> code -> words. Kinds whose words are reference data (council, role,
#: cost_line) are looked up there by `label` given the Reference.
LABELS: dict[str, Mapping[Any, str]] = {
    "scope": AREA_LABELS,
    "scope_note": AREA_NOTES,
    "method": METHOD_LABELS,
    "rag": RAG_WORDS,
    "region": REGION_LABELS,
    "row": ROW_NAMES,
    "bound": BOUND_LABELS,
    "contribution_scope": CONTRIBUTION_SCOPES,
    "contribution_scope_note": CONTRIBUTION_SCOPE_NOTES,
    "contribution_basis": CONTRIBUTION_BASES,
    "indicator": INDICATOR_NAMES,
    "indicator_short": INDICATOR_SHORT,
    "indicator_tile": INDICATOR_TILES,
    "indicator_column": INDICATOR_COLUMNS,
    "threshold": {code: words for code, (words, _icon, _colour) in THRESHOLD_BADGES.items()},
    "dataset": DATASET_LABELS,
    "driver_status": STATUS_LABELS,
    "audit_action": ACTIONS,
    "page": PAGE_LABELS,
    "drop_rule": RULE_TITLES,
    "settlement_basis": BASIS_LABELS,
    "children_form": CHILDREN_FORMS,
    "scenario_field": SCENARIO_FIELDS,
    "term": TERMS,
}


def label(kind: str, code: Any, ref: Reference | None = None) -> str:
    """The words for a code of a kind: "scope" (pooled, adoption_support; missing is all areas), "scope_note",
    "method" (default, run_rate...), "rag" (green/amber/red; missing is a dash), "region" (region,
    region_mean), "row" (reserve, total), "bound" (cap, floor), "indicator_tile" and "indicator_column" (A1..A10),
    "threshold" (an indicator's green/red), "dataset" (performance, finance), "area" (a performance area: a council's DfE
    code or region), and with reference data "council" (short name; missing is the RAA), "role" and
    "cost_line" and "fee" (fee_rates.csv's `label`); "contribution_scope" and "contribution_scope_note",
    "contribution_basis", "indicator" and "indicator_short", "settlement_basis", "drop_rule", "audit_action" and "driver_status".
    A code without words shows as itself, so nothing is hidden. Raises KeyError for an unknown
    kind (or a reference kind without the reference data)."""
    if kind == "area":
        return area_label(code, council_names(ref) if ref is not None else None)
    if kind == "council":
        if ref is None:
            raise KeyError("council labels need the reference data")
        return council_label(ref, code)
    if kind in ("role", "cost_line", "fee"):
        if ref is None:
            raise KeyError(f"{kind} labels need the reference data")
        words = ref.role_labels() if kind == "role" else line_labels(ref) if kind == "cost_line" else fee_labels(ref)
        return words.get(code, str(code))
    words = LABELS[kind]
    if missing(code):
        return words.get(None, DASH)
    return words.get(code, str(code))


def publication_hidden(what: str, may_turn_off: bool) -> str:
    """Why `what` ("The reconciliation is an internal check on small numbers") is not shown in the publication
    view, and what the reader can do: turn the view off, or, for a role that sees the publication view only (the
    Partnership Board), ask the Head of Service, never an instruction the role cannot follow."""
    if may_turn_off:
        return f"{what}; turn off the publication view to see it."
    return f"{what}, so it is not shown in the publication view your role sees; the Head of Service can share it."


def rag_badge(v: Any) -> str:
    """The RAG as an inline Markdown badge (`:red-badge[:material/error: RAG Red]`)."""
    if missing(v) or v not in RAG:
        return ":gray-badge[:material/help: No forecast]"
    word, icon, colour, _ = RAG[v]
    return f":{colour}-badge[{icon} RAG {word}]"


def rag_background(word: str) -> str:
    """CSS for a table cell holding a RAG word ('' for anything else)."""
    hit = next((bg for w, _, _, bg in RAG.values() if w == word), None)
    return f"background-color: {hit}" if hit else ""


def area_label(area: Any, names: Mapping[Any, str] | None = None) -> str:
    """The one area label: a budget scope (Pooled, Adoption support; missing is "All areas"), the region
    (`region`, `region_mean`), or a council's DfE code as its short name from `names` (by code or its text),
    else the code as written."""
    if missing(area):
        return AREA_LABELS[None]
    a = str(area)
    if a in AREA_LABELS:
        return AREA_LABELS[a]
    if a in REGION_LABELS:
        return REGION_LABELS[a]
    names = names or {}
    if a in names:
        return names[a]
    return names.get(int(a), a) if a.isdigit() else a


def council_names(ref: Reference) -> dict[int, str]:
    """Short names by DfE code (reference `councils.csv`)."""
    return {c.la_code: c.short_name for c in ref.councils}


def council_label(ref: Reference, la_code: Any) -> str:
    """A council's short name; 'RAA' for no council (a whole-RAA total)."""
    return RAA if missing(la_code) else council_names(ref).get(int(la_code), str(la_code))


def council_option(ref: Reference, la_code: int) -> str:
    """'Northshire (101)': a council as offered in a choice."""
    return f"{council_label(ref, la_code)} ({la_code})"


def partners(ref: Reference) -> str:
    """'three councils': how many partner councils reference data names."""
    n = len(ref.councils)
    return f"{number_word(n)} council{'' if n == 1 else 's'}"


def region_label(ref: Reference) -> str:
    """The whole RAA as offered in the council choice ('Region (all three councils)')."""
    return f"Region (all {partners(ref)})"


def scope_label(ref: Reference, la_code: int | None) -> str:
    """What a page is about: 'the RAA (all three councils)' or the council's short name."""
    return f"the {RAA} (all {partners(ref)})" if la_code is None else council_label(ref, la_code)


def line_labels(ref: Reference) -> dict[str, str]:
    return {c.cost_line: c.label for c in ref.cost_lines}


def fee_labels(ref: Reference) -> dict[str, str]:
    """Each fee of fee_rates.csv in words (its `label` column; a fee without one is left out, so shows as its code)."""
    return {f.fee: f.label for f in ref.fee_rates if f.label}


def line_label(ref: Reference, cost_line: str) -> str:
    return line_labels(ref).get(cost_line, cost_line)


def variance_sign(overspend_positive: bool) -> int:
    """+1 when an overspend is shown positive (the convention), -1 when an underspend is."""
    return 1 if overspend_positive else -1


def signed(v: Any, sign: int) -> Any:
    """A variance, variance % or movement as shown under the chosen sign (None stays None)."""
    return None if missing(v) else v * (Decimal(sign) if isinstance(v, Decimal) else sign)


def sign_words(overspend_positive: bool) -> str:
    return "overspend positive" if overspend_positive else "underspend positive"


def labelled(values: pd.Series, labels: Mapping[Any, str]) -> list[str]:
    """Each value's label, or the value itself as text where it has none."""
    return [labels.get(v, str(v)) for v in values]


_MARKDOWN = re.compile(r"\*\*|\\")


def plain_text(md: str) -> str:
    """A definition written in Markdown for the pages (bold `**`, escaped `\\$`) as plain text, for Excel, PDF
    and the ASGLB return, which show the rule as words, not markup."""
    return _MARKDOWN.sub("", md)


_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>#+\-.!|~$:&=^@])")
_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


#: Where GFM's autolink literals begin: a scheme's `:` (http, https, ftp, mailto, xmpp), `www.`, an e-mail
#: address's `@`. Backslash escapes do not stop them (remark-gfm links `http\\:\\/\\/x\\.org`), so a word
#: joiner (U+2060: invisible, never a line break) is put inside each, which no autolink rule matches.
_AUTOLINK = re.compile(r"(?i)((?:https?|ftp|mailto|xmpp)(?:\\)?:|\bwww(?=\\?\.)|(?<=\w)(?:\\)?@(?=\\?\w))")
_JOINER = "\u2060"
#: The marks that give quoted text in a sentence a meaning: a link, an image, HTML or code (`[ ] < > \``), an
#: entity (`&`), emphasis or strike (`* _ ~`), maths (`$`), the escape itself, and a colon with no space after
#: it (Streamlit's icon and emoji shortcodes, `:material/home:`); a sentence's own colons are followed by a space.
_SENTENCE_MARKS = re.compile(r"([\\\[\]<>`*_~$&]|:(?=\S))")
#: A line that opens with a block mark (heading, quote, list item, ordered list item) would be that block.
_BLOCK_START = re.compile(r"^(?:\d{1,9}(?=[.)]))?([#>+.)-])")
#: Unicode's bidirectional controls (embeddings, overrides, isolates, marks): invisible, they reorder the text
#: around them, so a quoted name could make the sentence read otherwise than written; they are removed.
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _no_autolinks(text: str) -> str:
    return _AUTOLINK.sub(lambda m: m.group(1) + _JOINER, text)


def md_escape(text: object) -> str:
    """Text supplied by people (a council's file, folder and column names and values, scenario names, user
    names, comments) for any Streamlit element that renders Markdown (markdown, caption, the message boxes,
    radio options, labels): the one rule that keeps it text. Every mark Markdown, HTML, maths or Streamlit
    give a meaning is backslash-escaped, line breaks are made spaces, and a word joiner breaks each bare-URL
    or e-mail autolink (`_AUTOLINK`), so it shows as written and adds no emphasis, link, image, heading,
    list, HTML, maths (`$`), Streamlit colour (`:red[…]`) or clickable address; bidirectional controls
    are removed (`_BIDI`)."""
    return _no_autolinks(_PUNCTUATION.sub(r"\\\1", _BREAKS.sub(" ", _BIDI.sub("", str(text)))))


def md_sentence(text: object) -> str:
    """A sentence the product wrote that may quote people's text (an error naming a file, a scenario, a
    column) for a Markdown element, as plain text: no link, image, HTML, code, entity, emphasis, strike or
    maths (`_SENTENCE_MARKS` backslash-escaped, autolinks broken), no block (line breaks made spaces, a
    leading heading, quote or list mark escaped), no bidirectional control (removed: `_BIDI`). The sentence's
    other punctuation is left as written. Our own markup (a bold lead-in) is added by the caller around the
    escaped sentence (`raa_app.errors.message`), never passed through here."""
    flat = _BREAKS.sub(" ", _BIDI.sub("", str(text))).lstrip(" ")
    return _no_autolinks(_BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(1),
                                          _SENTENCE_MARKS.sub(r"\\\1", flat), count=1))


#: A text cell longer than this (characters) does not fit a grid's column at 1366 px: its column is made wide
#: and its rows are repeated in full under the grid, in a table that wraps (raa_app/tables.py `show_frame`).
LONG_TEXT_CHARS = 60
#: The most rows the full-text table under a grid repeats (the grid above keeps every row).
LONG_TEXT_ROWS = 50
#: The label of the full-text table's expander.
LONG_TEXT_LABEL = "Long text in full"


def _long(value: object) -> bool:
    return isinstance(value, str) and len(value) > LONG_TEXT_CHARS


def long_text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` holding a text value longer than `LONG_TEXT_CHARS` (a comment, a message)."""
    return [str(name) for name in frame.columns if any(_long(v) for v in frame[name])]


def long_text_rows(frame: pd.DataFrame, key_columns: list[str], long: list[str]) -> pd.DataFrame:
    """The rows of `frame` with long text in any of the `long` columns, each named by its `key_columns`, as
    text for a table that renders Markdown (`st.table`): every cell escaped by `md_escape` (people's text),
    a missing value blank."""
    cols = list(dict.fromkeys([*key_columns, *long]))
    hit = [any(_long(v) for v in row) for row in frame[long].itertuples(index=False)]
    rows = frame.loc[hit, cols].reset_index(drop=True)
    return rows.map(lambda v: "" if missing(v) else md_escape(v))


def issue_lines(issues: list[dict[str, object]]) -> str:
    """A drop's issues (rows of `drops.issues_frame`) as a Markdown list a council officer reads on screen:
    one item per issue, the whole message wrapped, never cut: "**Error** in children.parquet, column sex,
    row 4 (…) — **Not an allowed value (invalid_code)**: the message". Everything but our bold is escaped."""
    lines = []
    for i in issues:
        where = ", ".join(md_escape(part) for part in (
            i.get("file"), f"column {i['column']}" if i.get("column") else None,
            None if str(i.get("rows")) in str(i["message"]) else i.get("rows")) if part)  # not said twice
        severity = str(i.get("severity") or "error").capitalize()
        lines.append(f"- **{severity}**{' in ' + where if where else ''} — **{md_escape(i['rule'])}**: "
                     f"{md_escape(i['message'])}")
    return "\n".join(lines)
