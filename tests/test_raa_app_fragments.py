"""Parts of pages that rerun alone (`st.fragment`) re-check the session: a fragment rerun skips app.py, where
the session is otherwise checked, so an expired or removed session could still save from one (review)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from raa_app import shell
from raa_core.requests import Viewer

REPO = Path(__file__).resolve().parent.parent


class Rerun(Exception):
    pass


def test_no_page_uses_st_fragment_directly() -> None:
    offenders = [p.name for p in sorted((REPO / "pages").glob("*.py"))
                 if re.search(r"\bst\.fragment\b", p.read_text(encoding="utf-8"))]
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
