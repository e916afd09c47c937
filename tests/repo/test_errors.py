"""The one error hierarchy holds across the code: no handler catches everything except where the list below
says why, and every exception class the product defines belongs to a family of `raa_core.errors`."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

from raa_core import errors

REPO = Path(__file__).resolve().parents[2]
SOURCES = [*sorted((REPO / "raa_core").rglob("*.py")), *sorted((REPO / "raa_app").rglob("*.py")),
           *sorted((REPO / "pages").rglob("*.py")), REPO / "app.py"]

#: (file, function) -> why that handler may catch every Exception: the two mapping places only. Ingest, which must
#: survive a native reader's crash on a partner's file, catches the classes such a crash raises
#: (`raa_core.ingest.contract.READER_CRASHES`), never Exception.
ALLOWED: dict[tuple[str, str], str] = {
    ("raa_core/cli.py", "main"): "the one place a command's errors become an exit code",
    ("raa_app/errors.py", "shown_on_page"): "the one place a page's uncaught errors become its message",
}


def _catches_everything(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(k, ast.Name) and k.id in ("Exception", "BaseException") for k in kinds)


def _reraises(handler: ast.ExceptHandler) -> bool:
    """Cleanup that ends by raising the same error again swallows nothing (a rollback, removing temp files)."""
    last = handler.body[-1]
    return isinstance(last, ast.Raise) and last.exc is None


def _wholesale_handlers() -> list[tuple[str, str, int, bool]]:
    """(file, enclosing function, line, ends by re-raising) of every handler catching Exception/BaseException."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text("utf-8"))
        rel = path.relative_to(REPO).as_posix()
        # the module first, then functions outer before inner (ast.walk is breadth first): the innermost wins
        for func in [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]:
            for node in ast.walk(func):
                if isinstance(node, ast.ExceptHandler) and _catches_everything(node):
                    name = func.name if not isinstance(func, ast.Module) else "<module>"
                    found.append((rel, name, node.lineno, _reraises(node)))
    # a handler inside a function is also seen from the module and any outer function: keep the innermost
    innermost: dict[tuple[str, int], tuple[str, str, int, bool]] = {}
    for item in found:
        innermost[(item[0], item[2])] = item
    return sorted(innermost.values())


def test_no_handler_catches_everything_outside_the_allowed_places() -> None:
    handlers = _wholesale_handlers()
    assert handlers, "the scan found no handler at all: it no longer reads the sources"
    wrong = [f"{f}:{line} in {func}" for f, func, line, reraises in handlers
             if not reraises and (f, func) not in ALLOWED]
    assert not wrong, ("`except Exception` swallows errors outside the mapping places (raa_core.cli.main, "
                       "raa_app.errors): catch the family of raa_core.errors instead: " + ", ".join(wrong))


def test_every_allowed_handler_still_exists_and_says_why_on_its_line() -> None:
    """A stale entry would let a new handler in unseen; the reason stands beside the code it excuses."""
    handlers = {(f, func): line for f, func, line, reraises in _wholesale_handlers() if not reraises}
    assert set(ALLOWED) <= set(handlers), set(ALLOWED) - set(handlers)
    for (f, func), line in handlers.items():
        text = (REPO / f).read_text("utf-8").splitlines()[line - 1]
        assert "#" in text, f"{f}:{line} ({func}) catches every Exception without a comment saying why"


def test_the_scan_sees_a_swallowing_handler(tmp_path) -> None:
    """The check itself: a handler that swallows is caught, one that re-raises after cleanup is not."""
    tree = ast.parse("try:\n    f()\nexcept Exception:\n    pass\ntry:\n    f()\nexcept BaseException:\n"
                     "    cleanup()\n    raise\ntry:\n    f()\nexcept (OSError, Exception):\n    pass\n")
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
    assert [(_catches_everything(h), _reraises(h)) for h in handlers] == [(True, False), (True, True), (True, False)]


CLASSES = {
    "raa_core.cli.UsageError": errors.BadInput,
    "raa_core.reference.ReferenceError": errors.BadInput,
    "raa_core.contributions.scenario.ScenarioError": errors.BadInput,
    "raa_core.access.accounts.UserError": errors.BadInput,
    "raa_core.access.policy.AccessDenied": errors.Refused,
    "raa_core.access.signin.IdentityConfigError": errors.BadInput,
    "raa_core.ingest.drops._RepeatedKey": errors.BadInput,
    "raa_core.ingest.uploads.UploadError": errors.BadInput,
    "raa_core.store.warehouse.WarehouseError": errors.Fault,
    "raa_core.store.warehouse.AlreadyBuilt": errors.Refused,
    "raa_core.store.warehouse.NoWarehouse": errors.NoData,
}


def test_ingest_survives_a_reader_crash_without_catching_a_programming_error() -> None:
    """The classes ingest catches on a partner's file include what a native reader raises, and not the errors
    of a bug in the code (a misspelt name or attribute), which must surface."""
    import duckdb
    import pyarrow as pa

    from raa_core.ingest.contract import READER_CRASHES

    for crash in (duckdb.InvalidInputException("x"), pa.ArrowInvalid("x"), OSError("x"), KeyError("x"),
                  MemoryError(), RecursionError()):
        assert isinstance(crash, READER_CRASHES), crash
    for bug in (NameError("x"), AttributeError("x"), AssertionError()):
        assert not isinstance(bug, READER_CRASHES), bug


def test_every_exception_class_belongs_to_its_family() -> None:
    for dotted, family in CLASSES.items():
        module, name = dotted.rsplit(".", 1)
        assert issubclass(getattr(importlib.import_module(module), name), family), dotted


def test_no_exception_class_outside_the_hierarchy() -> None:
    """Every exception class defined in raa_core, raa_app, pages and app.py is listed above (so in a family)."""
    defined = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(b, ast.Name) and (b.id.endswith(("Error", "Exception")) or b.id in (
                        "RaaError", "BadInput", "Refused", "NoData", "Fault", "PermissionError"))
                    for b in node.bases):
                defined.append((path.relative_to(REPO).with_suffix("").as_posix().replace("/", "."), node.name))
    families = {n for n, _ in inspect.getmembers(errors, inspect.isclass)}
    unlisted = [f"{m}.{n}" for m, n in defined if f"{m}.{n}" not in CLASSES and not (m == "raa_core.errors"
                                                                                      and n in families)]
    assert not unlisted, f"exception classes outside raa_core.errors' families: {unlisted}"


def test_families_are_what_callers_already_catch() -> None:
    """BadInput is a ValueError and Fault a RuntimeError, so `except ValueError` callers keep working; the
    access refusal stays a PermissionError and a missing warehouse a FileNotFoundError."""
    from raa_core.access import AccessDenied
    from raa_core.store.warehouse import NoWarehouse

    assert issubclass(errors.BadInput, ValueError) and issubclass(errors.Fault, RuntimeError)
    assert issubclass(AccessDenied, PermissionError) and issubclass(NoWarehouse, FileNotFoundError)
    assert not issubclass(errors.Refused, ValueError) and not issubclass(errors.NoData, ValueError)
