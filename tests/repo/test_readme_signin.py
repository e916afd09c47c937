"""The README says where to sign in: the server's own sign-in route (`raa_app.server.SIGNIN_PATH`) is named where
the README first says to open the app and where it lists the demo users, with the address a local run serves."""

from __future__ import annotations

import re
from pathlib import Path

from raa_app.server import SIGNIN_PATH

REPO = Path(__file__).resolve().parents[2]


def test_the_readme_names_the_sign_in_page_where_it_says_how_to_sign_in() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    local = f"http://localhost:8501{SIGNIN_PATH}"
    opening = readme[readme.index("Then open http://localhost:8501"):]
    assert local in opening.split("\n\n")[0]  # the first run's instructions
    demo = re.search(r"\*\*Demo users\.\*\*.*?\n\n", readme, re.S)
    assert demo and f"`{SIGNIN_PATH}`" in demo.group(0) and local in demo.group(0)
    for account in ("`board`", "`hos`", "`admin`"):  # the accounts that paragraph introduces follow it
        assert account in readme[demo.end():demo.end() + 800]
