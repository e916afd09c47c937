"""Parts of pages that rerun alone (`st.fragment`) re-check the session: a fragment rerun skips app.py, where
the session is otherwise checked, so an expired or removed session could still save from one (review)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from raa_app import shell
from raa_core.requests import Viewer

REPO = Path(__file__).resolve().parents[2]


class Rerun(Exception):
    pass


def test_no_page_uses_st_fragment_directly() -> None:
    offenders = [p.name for p in [*sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "raa_app").glob("*.py"))]
                 if p.name != "shell.py" and re.search(r"@st\.fragment\b", p.read_text(encoding="utf-8"))]
    assert offenders == [], "use @shell.fragment (the session is re-checked on each rerun of the part)"
    assert any("@shell.fragment" in p.read_text(encoding="utf-8") for p in (REPO / "pages").glob("*.py"))


def test_an_expired_session_reruns_the_app_instead_of_running_the_part(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[str] = []

    def rerun(scope: str = "app") -> None:
        raise Rerun(scope)

    monkeypatch.setattr(shell.st, "rerun", rerun)
    part = shell.still_signed_in(lambda: ran.append("saved"))
    monkeypatch.setattr(shell, "signed_in", lambda: None)
    with pytest.raises(Rerun, match="app"):
        part()
    assert ran == []
    monkeypatch.setattr(shell, "signed_in", lambda: Viewer(user="hos.test", role="hos", la_code=None))
    part()
    assert ran == ["saved"]


def test_every_download_button_records_the_export() -> None:
    """Issue 13 point 4 (exports audited): the data of every `download_button` in pages/ and raa_app/ is built by
    `shell.audited` / `gate.audited_export` (directly, or a name assigned from one in the same function)."""
    import ast

    unaudited = []
    for path in [*sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "raa_app").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in [tree, *[n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]]:
            audited_names = {
                t.id for n in ast.walk(fn) if isinstance(n, ast.Assign) and "audited" in ast.unparse(n.value)
                for t in n.targets if isinstance(t, ast.Name)}
            audited_names |= {
                e.id for n in ast.walk(fn) if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Tuple)
                and "audited" in ast.unparse(n.value) for e in n.targets[0].elts if isinstance(e, ast.Name)}
            for call in [n for n in ast.walk(fn) if isinstance(n, ast.Call)]:
                if not (isinstance(call.func, ast.Attribute) and call.func.attr == "download_button"):
                    continue
                data = call.args[1] if len(call.args) > 1 else next(
                    (k.value for k in call.keywords if k.arg == "data"), None)
                text = ast.unparse(data) if data is not None else ""
                if "audited" not in text and not (isinstance(data, ast.Name) and data.id in audited_names):
                    unaudited.append(f"{path.name}:{call.lineno} {text[:60]}")
    assert sorted(set(unaudited)) == [], "pass the file through shell.audited so the export is recorded"
