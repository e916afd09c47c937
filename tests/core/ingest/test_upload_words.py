"""The Data drops and Overview pages place raa_core's words: an upload's outcome, the upload limit and the
freshness rule come from ingest, written from the reference's settings."""

from __future__ import annotations

from types import SimpleNamespace

from raa_core.ingest import freshness, uploads
from raa_core.reference import load_reference


def _outcome(outcome: str, loaded: bool, new_version: bool = False) -> SimpleNamespace:
    result = SimpleNamespace(path="886/2022-10-07", outcome=outcome, new_version=new_version,
                             counts_text=lambda: "2 children, 1 adopter", children_form=None)
    return SimpleNamespace(result=result, loaded=loaded)


def test_an_uploads_outcome_in_words() -> None:
    said = [uploads.outcome_text(_outcome(*o)) for o in (  # type: ignore[arg-type]
        ("accepted", True), ("accepted", False), ("unchanged", False), ("rejected", False, True))]
    assert said == [
        "Drop 886/2022-10-07: loaded — 2 children, 1 adopter",
        "Drop 886/2022-10-07: passes every check — 2 children, 1 adopter",
        "Drop 886/2022-10-07: unchanged (already loaded) — 2 children, 1 adopter",
        "Drop 886/2022-10-07: rejected — 2 children, 1 adopter (new version of an earlier drop)",
    ]


def test_the_upload_limit_in_whole_mb() -> None:
    limits = load_reference().settings.drops
    assert uploads.upload_limit_text(limits) == f"{limits.upload_max_bytes // (1024 * 1024)} MB"
    assert uploads.upload_limit_text(limits.model_copy(update={"upload_max_bytes": 5 * 1024 * 1024 + 1})) == "5 MB"


def test_the_freshness_rule_names_the_reference_thresholds() -> None:
    ref = load_reference()
    days = ref.settings.freshness_days
    text = freshness.rule_text(ref)
    assert f"more than {days['performance']} days old, and for finance" in text
    assert f"newest ledger is more than {days['finance']} days old" in text
    assert text.startswith("Performance data (children, adopters) and finance data")


def test_overview_tables_come_headed_from_ingest() -> None:
    import pandas as pd

    from raa_core.ingest import coverage

    state = pd.DataFrame([{"council": "Kent", "la_code": 886, "table": "children", "newest_drop": None,
                           "rows": None, "message": "no drop yet"},
                          {"council": "Kent", "la_code": 886, "table": "adopters", "newest_drop": None,
                           "rows": 12, "message": ""}])
    state["rows"] = state["rows"].astype("Int64")  # as state_at counts them
    held = coverage.held_table(state)
    assert list(held.columns) == ["Council", "Code", "Dataset", "Newest drop by then", "Rows", "No data"]
    assert list(held["Rows"]) == ["", "12"]
    status = pd.DataFrame([dict.fromkeys([*freshness.ROWS_HEADINGS, "extra"], 1)])
    assert list(freshness.rows_table(status).columns) == list(freshness.ROWS_HEADINGS.values())


def test_an_uploads_outcome_says_which_form_the_children_data_came_in() -> None:
    from raa_core.ingest.drops import DropResult

    result = DropResult(path="886/2022-10-07", la_code=886, extract_date=None, outcome="accepted",
                        children_form="903")
    said = uploads.outcome_text(SimpleNamespace(result=result, loaded=False))  # type: ignore[arg-type]
    assert said == "Drop 886/2022-10-07: passes every check — 0 errors, 0 warnings; children data as SSDA903 files"
