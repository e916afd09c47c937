"""The one error hierarchy: each family's exit code through `raa_core.cli.main` (mapped once, `cli.exit_code`),
and `errors.classify` turning what reaches a mapping place into a family, or letting a programming error out."""

from __future__ import annotations

import errno
import json
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from raa_core import errors
from raa_core.access import AccessDenied
from raa_core.cli import UsageError, exit_code, main
from raa_core.reference import load_reference
from raa_core.requests import MonitoringRequest, Viewer
from raa_core.store import warehouse


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """An empty warehouse (schema, no drops)."""
    path = tmp_path / "wh" / "raa.duckdb"
    warehouse.ensure(path)
    return path


def test_exit_code_of_each_family() -> None:
    assert exit_code(errors.BadInput("x")) == 2
    assert exit_code(errors.Fault("x")) == 2
    assert exit_code(errors.Refused("x")) == 1
    assert exit_code(errors.NoData("x")) == 1


def test_a_bad_argument_exits_2_with_its_sentence(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "asglb", "--quarter", "2026Q2", "--out", str(tmp_path / "a.xlsx"))
    assert code == 2 and out == ""
    assert err == "raa asglb: '2026Q2' is not a quarter: write e.g. 2026-27Q2 (Q1 = April to June)\n"


def test_a_bad_period_raised_deep_in_raa_core_is_bad_input_not_a_traceback(db: Path, capsys) -> None:
    """kpi_report raises BadInput itself (it used to be a ValueError the command re-raised as UsageError)."""
    code, out, err = run(capsys, "kpi", "--period", "2018-2020", "--db", str(db), "--json")
    assert code == 2 and out == "" and err.startswith("raa kpi: '2018-2020' is not a period")


def test_a_refused_access_exits_1(db: Path, capsys, monkeypatch) -> None:
    from raa_core.access import accounts

    board = Viewer(user="b", role="board")

    def refuse(state: object) -> None:
        raise AccessDenied(board, "list the users", load_reference())

    monkeypatch.setattr(accounts, "users", refuse)
    code, out, err = run(capsys, "users", "list", "--db", str(db), "--json")
    assert code == 1 and out == ""
    assert err == "raa users: b (Partnership Board member) may not list the users.\n"


def test_no_warehouse_exits_1_naming_it(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "none" / "raa.duckdb"
    code, out, err = run(capsys, "kpi", "--period", "2018-19", "--db", str(missing), "--json")
    assert code == 1 and out == ""
    assert err == f"raa kpi: no warehouse at {missing}: run `raa ingest` or start the app\n"
    assert not missing.parent.exists()


def test_a_warehouse_that_cannot_be_written_is_a_fault_exit_2(tmp_path: Path, capsys) -> None:
    """A real failure of the machine: the warehouse folder cannot be made (a file stands in its place)."""
    (tmp_path / "drops").mkdir()
    (tmp_path / "blocked").write_text("not a folder")
    code, out, err = run(capsys, "ingest", str(tmp_path / "drops"), "--db", str(tmp_path / "blocked" / "raa.duckdb"),
                         "--json")
    assert code == 2
    assert json.loads(out)["error"]["kind"] == "operational"
    assert err.startswith("raa ingest: could not create the warehouse folder") and err.count("\n") == 1


def test_a_read_only_folder_is_a_fault_exit_2(tmp_path: Path, capsys, monkeypatch) -> None:
    """An OSError of the machine (read-only file system) that no raa_core code wrapped is still a Fault."""
    from raa_core.ingest import sample

    def read_only(*args: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(sample, "generate", read_only)
    code, out, err = run(capsys, "sample", str(tmp_path / "out"), "--json")
    assert code == 2
    line = f"Read-only file system at {tmp_path}: choose a folder that can be written, or tell the administrator"
    assert json.loads(out) == {"error": {"kind": "operational", "message": line}}
    assert err == f"raa sample: {line}\n"


def test_boardpack_out_an_existing_file_is_a_sentence_exit_2(tmp_path: Path, capsys) -> None:
    taken = tmp_path / "pack.pdf"
    taken.write_text("a file")
    code, out, err = run(capsys, "boardpack", "--period", "2021-22", "--out", str(taken))
    assert out == ""
    assert code == 2
    assert err == f"raa boardpack: --out {taken} is a file, not a folder: name a folder for the board pack's files\n"


def test_os_errors_become_sentences_naming_the_path_and_what_to_do(tmp_path: Path) -> None:
    """Python's own text ("[Errno 2] No such file or directory: '/proc/raa'") names neither what to do nor,
    for the person, what went wrong; `classify` says both."""
    missing = errors.classify(FileNotFoundError(errno.ENOENT, "No such file or directory", "/proc/raa"))
    assert isinstance(missing, errors.BadInput) and "Errno" not in str(missing)
    assert str(missing) == ("cannot find or create /proc/raa: no such file or folder; check the path and that the "
                            "folder above it exists and can hold files")
    there = errors.classify(FileExistsError(errno.EEXIST, "File exists", "/srv/out"))
    assert isinstance(there, errors.BadInput)
    assert str(there) == "/srv/out already exists: name another path, or move that one away"
    denied = errors.classify(PermissionError(errno.EACCES, "Permission denied", "/srv/out"))
    assert isinstance(denied, errors.Fault)
    assert str(denied) == "permission denied on /srv/out: check the folder's permissions, or tell the administrator"
    broken = errors.classify(OSError(errno.EIO, "Input/output error", "/srv/out"))
    assert isinstance(broken, errors.Fault) and str(broken) == "Input/output error (/srv/out): tell the administrator"


def test_a_fault_line_always_says_what_to_do(capsys, monkeypatch, tmp_path: Path) -> None:
    from raa_core.ingest import sample

    def damaged(*args: object) -> None:
        raise warehouse.WarehouseError("could not open warehouse raa.duckdb: it is damaged")

    monkeypatch.setattr(sample, "generate", damaged)
    code, out, err = run(capsys, "sample", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert err == ("raa sample: could not open warehouse raa.duckdb: it is damaged; try again, and tell the "
                   "administrator if it happens again\n")


def test_boardpack_out_under_proc_is_a_sentence_not_errno(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "boardpack", "--period", "2021-22", "--out", "/proc/raa/pack")
    assert out == ""
    assert code == 2 and "Errno" not in err and "Traceback" not in err
    assert err.startswith("raa boardpack: ") and "/proc/raa" in err and err.count("\n") == 1


def test_a_programming_error_is_not_dressed_as_a_message(tmp_path: Path, monkeypatch) -> None:
    from raa_core.ingest import sample

    def broken(*args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(sample, "generate", broken)
    with pytest.raises(KeyError, match="a bug"):
        main(["sample", str(tmp_path / "out")])


def test_classify_turns_pydantic_validation_into_one_sentence() -> None:
    with pytest.raises(ValidationError) as caught:
        MonitoringRequest(year="2021-24", period=13)
    error = errors.classify(caught.value)
    assert isinstance(error, errors.BadInput)
    assert str(error) == "year: '2021-24' is not a financial year: write a financial year like 2021-22; period: period must be 1..12, not 13"


def test_classify_of_each_kind_of_error() -> None:
    refused = AccessDenied(Viewer(user="b", role="board"), "do it", load_reference())
    assert errors.classify(refused) is refused
    assert isinstance(errors.classify(FileNotFoundError(2, "No such file or directory", "x.json")), errors.BadInput)
    full = errors.classify(OSError(errno.ENOSPC, "No space left on device"))
    assert isinstance(full, errors.Fault)
    assert str(full) == "No space left on device: free some space, then try again, or tell the administrator"
    assert errors.classify(OSError(errno.EBADF, "Bad file descriptor")) is None  # a bug, not the machine
    assert errors.classify(KeyError("bug")) is None
    assert isinstance(UsageError("x"), errors.BadInput)


def test_person_facing_errors_raise_their_family() -> None:
    from pydantic import ValidationError

    from raa_core.finance import settlement
    from raa_core.periods import parse_period
    from raa_core.requests import MonitoringRequest

    with pytest.raises(errors.BadInput, match="is not a period"):
        parse_period("2018")
    with pytest.raises(ValidationError, match="is not a financial year: write a financial year like 2021-22") as bad_year:
        MonitoringRequest(year="2021")
    assert isinstance(errors.classify(bad_year.value), errors.BadInput)
    with pytest.raises(errors.BadInput, match="shares must not be negative"):
        settlement.allocate(Decimal("1.00"), {303: Decimal(-1), 886: Decimal(2)})
    with pytest.raises(errors.NoData, match="no councils to settle between"):
        settlement.settle(Decimal("1.00"), "equal")
