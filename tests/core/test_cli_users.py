"""`raa users add|remove|list|unlock` (docs/command-line.md): the password comes from standard input, never an argument."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from raa_core.access import accounts
from raa_core.access.signin import policy
from raa_core.cli import main
from raa_core.store.appstate import AppState
from raa_core.store.warehouse import Warehouse

PASSWORD = "a long enough secret"


def run(capsys, monkeypatch, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A server's (empty) warehouse: the users live beside it."""
    from raa_core.store import warehouse

    path = tmp_path / "wh" / "raa.duckdb"
    warehouse.ensure(path)
    return path


def test_a_mistyped_db_is_refused_and_creates_nothing(capsys, monkeypatch, tmp_path) -> None:
    """Review: `--db /some/typo/raa.duckdb` made a new user store the app never reads, and said 'added'."""
    typo = tmp_path / "typo" / "raa.duckdb"
    code, out, err = run(capsys, monkeypatch, "users", "add", "jo", "--role", "hos", "--db", str(typo),
                         stdin=PASSWORD + "\n")
    assert code == 1 and out == "" and "no warehouse at" in err  # NoData: no warehouse there (cli.exit_code)
    assert not typo.parent.exists()


def state_of(db: Path) -> AppState:
    return AppState.beside(Warehouse(db))


def test_add_list_remove(capsys, monkeypatch, db, ref) -> None:
    code, out, err = run(capsys, monkeypatch, "users", "add", "kim", "--role", "council_analyst", "--council", "887",
                         "--db", str(db), stdin=PASSWORD + "\n")
    assert code == 0, err
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--db", str(db), "--json")
    [user] = json.loads(out)["users"]
    assert {k: user[k] for k in ("username", "role", "la_code", "locked", "demo")} == {
        "username": "kim", "role": "council_analyst", "la_code": 887, "locked": False, "demo": False}
    assert "password_hash" not in user
    got = accounts.sign_in(state_of(db), "kim", PASSWORD, policy(ref.settings.signin, {}), demo_allowed=False)
    assert got.viewer is not None and got.viewer.la_code == 887
    assert run(capsys, monkeypatch, "users", "remove", "kim", "--db", str(db))[0] == 0
    assert run(capsys, monkeypatch, "users", "remove", "kim", "--db", str(db))[0] == 1
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--db", str(db), "--json")
    assert json.loads(out)["users"] == []
    with state_of(db).connect() as con:
        details = [r[0] for r in con.execute("SELECT detail FROM audit WHERE action = 'users' ORDER BY id")]
    assert details == ["added kim as council_analyst of council 887", "removed kim"]


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["users", "add", "kim", "--role", "council_analyst"], PASSWORD + "\n", "works for one council"),
    (["users", "add", "kim", "--role", "wizard"], PASSWORD + "\n", "unknown role"),
    (["users", "add", "kim", "--role", "hos"], "short\n", "at least 12 characters"),
    (["users", "add", "kim", "--role", "hos"], "", "standard input"),
])
def test_bad_add_exits_2_with_the_reason(capsys, monkeypatch, db, argv, stdin, message) -> None:
    code, _, err = run(capsys, monkeypatch, *argv, "--db", str(db), stdin=stdin)
    assert code == 2 and message in err


def test_the_password_is_not_an_argument(capsys, monkeypatch, db) -> None:
    code, _, _ = run(capsys, monkeypatch, "users", "add", "kim", "--role", "hos", "--password", PASSWORD,
                     "--db", str(db))
    assert code == 2


def test_unlock_from_the_command_line(capsys, monkeypatch, db, ref) -> None:
    run(capsys, monkeypatch, "users", "add", "kim", "--role", "hos", "--db", str(db), stdin=PASSWORD + "\n")
    rules = policy(ref.settings.signin, {})
    for _ in range(5):
        accounts.sign_in(state_of(db), "kim", "wrong wrong", rules, demo_allowed=False)
    code, out, _ = run(capsys, monkeypatch, "users", "list", "--db", str(db))
    assert code == 0 and re.search(r"locked until \d\d:\d\d UTC", out), out
    assert run(capsys, monkeypatch, "users", "unlock", "kim", "--db", str(db))[0] == 0
    assert accounts.sign_in(state_of(db), "kim", PASSWORD, rules, demo_allowed=False).viewer is not None
    assert run(capsys, monkeypatch, "users", "unlock", "nobody", "--db", str(db))[0] == 1


def test_raa_users_as_a_command_reads_the_password_from_a_pipe(db) -> None:
    done = subprocess.run([sys.executable, "-m", "raa_core", "users", "add", "pat", "--role", "board", "--db", str(db)],
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [u.username for u in accounts.users(state_of(db))] == ["pat"]


def test_raa_ingest_says_first_that_it_ends_demo_mode_and_refuses_without_a_real_admin(capsys, monkeypatch, db,
                                                                                      tmp_path, ref) -> None:
    import dropkit as dk

    state = AppState(db.parent / "appstate.sqlite3")
    accounts.enter_demo_mode(state, ref)
    dk.write_drop(tmp_path / "drops", 303, "2026-11-22")
    code, _, err = run(capsys, monkeypatch, "ingest", str(tmp_path / "drops"), "--db", str(db),
                         "--today", "2026-11-23")
    assert code == 1 and err.index("demo mode") < err.index("Nothing was loaded")
    assert accounts.demo_mode(state) and len(accounts.users(state)) == len(accounts.DEMO_USERS)
