"""The lock file agrees with the ranges: every direct dependency is pinned, each pin inside its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]


def _pins() -> dict[str, str]:
    text = (REPO / "requirements.lock").read_text("utf-8")
    return {canonicalize_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, re.M)}


def _ranges() -> list[Requirement]:
    reqs = [Requirement(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]]
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (REPO / name).read_text("utf-8").splitlines():
            line = line.split("#")[0].strip()
            if line and not line.startswith("-"):
                reqs.append(Requirement(line))
    return reqs


def test_every_direct_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    for req in _ranges():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements.lock: regenerate it (see README)"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req.specifier}: regenerate it (see README)")


def test_every_pin_carries_hashes() -> None:
    text = (REPO / "requirements.lock").read_text("utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text.split("\n", 2)[2])
    assert blocks and all("--hash=sha256:" in b for b in blocks if "==" in b)


def test_runtime_ranges_agree_between_pyproject_and_requirements() -> None:
    project = {canonicalize_name(Requirement(r).name): str(Requirement(r).specifier)
               for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    listed = {}
    for line in (REPO / "requirements.txt").read_text("utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            listed[canonicalize_name(req.name)] = str(req.specifier)
    assert listed == project
