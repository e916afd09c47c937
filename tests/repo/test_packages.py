"""raa_core is grouped by domain: each package says what it holds, imports form no cycle, tests mirror packages.

A reader finds a rule by its domain (store, ingest, access, performance, finance, contributions, boardpack,
presentation) and the package's `__init__` names its modules and public names. A cycle hidden by an import
inside a function is still a cycle: the graph below counts every import, wherever it stands (except those
only for type checking).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "raa_core"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(CORE.rglob("*.py"))}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The raa_core modules `name` imports anywhere in its text (function bodies included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("raa_core"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("raa_core"))
    # A package's __init__ re-exporting its own main module is the package itself, not an edge of a cycle.
    return {m for m in found if m in known and m != name and not name.startswith(m + ".")}


def test_no_import_cycles_in_raa_core() -> None:
    mods = _modules()
    graph = {name: _imports(name, path, set(mods)) for name, path in mods.items()}
    # A package re-exporting a module (raa_core.access -> raa_core.access.policy) stands for that module:
    # importing the package is importing the module, so edges into a package go on to what it re-exports.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert cycles == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_every_package_says_what_it_holds() -> None:
    for init in sorted(CORE.glob("*/__init__.py")):
        package = _module_name(init)
        module = importlib.import_module(package)
        assert (module.__doc__ or "").strip(), f"{package} has no docstring"
        names = getattr(module, "__all__", None)
        assert names, f"{package} lists no public names (__all__)"
        for name in names:
            assert hasattr(module, name) or (init.parent / f"{name}.py").exists(), f"{package}.{name} does not exist"
        for sub in sorted(init.parent.glob("*.py")):
            if sub.stem != "__init__":
                assert sub.stem in module.__doc__, f"{package}'s docstring does not mention its module {sub.stem}"


def test_tests_mirror_the_packages() -> None:
    packages = sorted(p.parent.name for p in CORE.glob("*/__init__.py"))
    missing = [p for p in packages if not any((REPO / "tests" / "core" / p).glob("test_*.py"))]
    assert missing == [], f"packages without tests/core/<package>/: {missing}"


def test_raa_core_never_imports_streamlit() -> None:
    offenders = [str(p.relative_to(REPO)) for p in CORE.rglob("*.py")
                 if any(isinstance(n, (ast.Import, ast.ImportFrom))
                        and any((getattr(n, "module", None) or a.name).startswith("streamlit") for a in n.names)
                        for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))))]
    assert offenders == []
