"""`--as-at` is checked against one range (from 1990 to today) with a clear message, for every command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from raa_core.cli import main
from raa_core.errors import BadInput
from raa_core.requests import EARLIEST_AS_AT, check_as_at

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(("as_at", "words"), [("2300-01-01", "is in the future"),
                                              ("1900-01-01", "is before any council's data")])
@pytest.mark.parametrize("command", [["kpi", "--period", "2025-26"], ["asglb", "--quarter", "2025-26Q2", "--out",
                                     "x.xlsx"], ["forecast"]])
def test_an_as_at_outside_the_range_is_refused_in_words(command: list[str], as_at: str, words: str,
                                                         tmp_path: Path, capsys) -> None:
    today = [] if command[0] == "forecast" else ["--today", TODAY.isoformat()]
    code = main([*command, "--as-at", as_at, "--db", str(tmp_path / "none.duckdb"), *today])
    err = capsys.readouterr().err
    if "unrecognized arguments" in err:  # a command without --as-at or --today: nothing to check
        pytest.fail(f"{command} takes no --as-at/--today: {err}")
    assert code == 2 and words in err and "1990-01-01" in err, err


def test_the_range_itself() -> None:
    assert check_as_at(EARLIEST_AS_AT, TODAY) == EARLIEST_AS_AT and check_as_at(TODAY, TODAY) == TODAY
    assert check_as_at(None, TODAY) is None
    with pytest.raises(BadInput):
        check_as_at(TODAY + dt.timedelta(days=1), TODAY)
