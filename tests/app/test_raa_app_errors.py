"""The pages' one mapping of errors to messages (`raa_app.errors`): each family's box, words and advice."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

from raa_app import errors
from raa_core import logs
from raa_core.access import AccessDenied
from raa_core.errors import BadInput, Fault, NoData
from raa_core.reference import load_reference
from raa_core.requests import Viewer
from raa_core.store.warehouse import WarehouseError


def test_bad_input_is_an_error_box_with_its_sentence_as_given() -> None:
    shown = errors.message(BadInput("role council_analyst needs --council, one of 303, 886, 887"), "Not added: ", ".")
    assert shown == errors.Message("error", "Not added: role council\\_analyst needs --council, one of 303, 886, 887.",
                                   ":material/error:")


def test_refused_says_who_can_help() -> None:
    refusal = AccessDenied(Viewer(user="b", role="board"), "open the Audit page", load_reference())
    shown = errors.message(refusal, "**This page is not available to you.** ")
    assert shown == errors.Message(
        "error", "**This page is not available to you.** b (Partnership Board member) may not open the Audit page. "
        "Ask the RAA's administrator if you need it.", ":material/block:")


def test_no_data_is_information_naming_what_is_missing() -> None:
    shown = errors.message(NoData("no forecast pooled variance for 2026-27: is its ledger loaded?"))
    assert shown == errors.Message("info", "no forecast pooled variance for 2026-27: is its ledger loaded?",
                                   ":material/info:")


def test_a_fault_says_to_try_again_or_tell_the_administrator() -> None:
    shown = errors.message(WarehouseError("could not write warehouse version raa.duckdb.v000004: No space left on "
                                          "device"), "The drop could not be loaded: ")
    assert shown.level == "error" and shown.icon == ":material/warning:"
    assert shown.text == ("The drop could not be loaded: could not write warehouse version raa.duckdb.v000004: No "
                          "space left on device. Try again; if it happens again, tell the RAA's administrator.")
    assert errors.message(Fault("The disk is full.")).text == (
        "The disk is full. Try again; if it happens again, tell the RAA's administrator.")


def test_show_puts_the_message_in_its_box(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str, str]] = []
    for level in ("error", "warning", "info"):
        monkeypatch.setattr(errors.st, level, lambda text, icon, level=level: seen.append((level, text, icon)))
    errors.show(NoData("no budgets are loaded"))
    errors.show(OSError(errno.ENOSPC, "No space left on device"), "Not saved: ")  # the machine's: a Fault
    assert seen == [
        ("info", "no budgets are loaded", ":material/info:"),
        ("error", "Not saved: No space left on device: free some space, then try again, or tell the administrator.",
         ":material/warning:"),
    ]


def test_show_lets_a_programming_error_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors.st, "error", lambda *a, **k: pytest.fail("a bug was shown as advice"))
    with pytest.raises(KeyError, match="bug"):
        errors.show(KeyError("bug"))


def test_show_logs_a_fault_with_its_sentence_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(errors.st, "error", lambda text, icon: None)
    monkeypatch.setattr(errors.st, "info", lambda text, icon: None)
    log = tmp_path / "events.log"
    logs.configure(log)
    try:
        errors.show(OSError(errno.ENOSPC, "No space left on device"), "Not saved: comment by jo.bloggs ")
        errors.show(NoData("no budgets are loaded"))  # not a fault: nothing logged
    finally:
        logs.configure(None)
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["kind"], e["where"]) for e in events] == [("fault", "app")]
    assert events[0]["message"].startswith("No space left on device") and "jo.bloggs" not in events[0]["message"]


def test_shown_on_page_shows_a_family_and_lets_a_programming_error_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """app.py runs every page inside `shown_on_page`: an error the page did not catch is its message, never
    Streamlit's traceback; a bug still surfaces."""
    seen: list[tuple[str, str]] = []
    for level in ("error", "warning", "info"):
        monkeypatch.setattr(errors.st, level, lambda text, icon, level=level: seen.append((level, text)))
    with errors.shown_on_page():
        raise BadInput("year: '2021' is not a financial year: write a financial year like 2021-22")
    with errors.shown_on_page():
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/raa")
    assert seen == [
        ("error", "year: '2021' is not a financial year: write a financial year like 2021-22"),
        ("error", "permission denied on /srv/raa: check the folder's permissions, or tell the administrator."),
    ]
    with pytest.raises(KeyError, match="bug"), errors.shown_on_page():
        raise KeyError("bug")
