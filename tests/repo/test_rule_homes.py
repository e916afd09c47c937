"""Every rule has one home: a search of the code finds each of these rules written once.

Each test names a rule, its one home, and the pattern that would betray a second copy anywhere else in the
product's code (app.py, pages/, raa_app/, raa_core/). Comments and docstrings are not code and are ignored.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _code_files() -> list[Path]:
    return [REPO / "app.py", *sorted((REPO / "pages").glob("*.py")), *sorted((REPO / "raa_app").rglob("*.py")),
            *sorted((REPO / "raa_core").rglob("*.py"))]


def _code(path: Path) -> str:
    """The file's code without comments and docstrings (strings that are whole statements)."""
    out: list[str] = []
    prev = tokenize.INDENT
    for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
        if tok.type == tokenize.COMMENT:
            continue
        if tok.type == tokenize.STRING and prev in (tokenize.INDENT, tokenize.NEWLINE, tokenize.DEDENT):
            prev = tok.type
            continue
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            prev = tok.type
        out.append(tok.string)
        out.append("\n" if tok.type in (tokenize.NEWLINE, tokenize.NL) else " ")
    return "".join(out)


def _offenders(pattern: str, homes: tuple[str, ...]) -> list[str]:
    regex = re.compile(pattern)
    found = []
    for path in _code_files():
        rel = path.relative_to(REPO).as_posix()
        if rel in homes:
            continue
        if regex.search(_code(path)):
            found.append(rel)
    return found


#: A format spec that makes a number text: thousands (`:,`), fixed places (`:.2f`), a sign (`:+d`), general (`:g`).
NUMBER_SPEC = r"(?<![%{])\{(?:[^{}\n]*?[^:!<>={])?:(?:\+|,|\.\d|g\}|d\})"

RULES = [
    # (the rule, its one home, a pattern that betrays a copy elsewhere)
    ("which drop is a council's current one", ("raa_core/store/sql.py",), r"arg_max\s*\(\s*drop_id"),
    ("cached loaders: the app's one data layer", ("raa_app/data.py", "raa_app/shell.py"), r"st\s*\.\s*cache_data"),
    ("the first reporting year", ("raa_core/periods.py",), r"['\"]2015-16['\"]"),
    ("money as text (£)", ("raa_core/presentation/text.py", "raa_core/presentation/display.py"),
     r"f['\"][^'\"]*£\{"),
    ("dates as text for people", ("raa_core/presentation/text.py", "raa_core/presentation/display.py"),
     r"%d %[Bb]|%[Bb] %Y|\.strftime\s*\("),
    # a grid's or a workbook's date format (st.column_config `format=`, xlsxwriter `num_format`): one, named there
    ("date formats of grids and workbooks", ("raa_core/presentation/text.py",),
     r"format\s*=\s*f?['\"][^'\"]*(?:YYYY|yyyy)|num_format['\"]\s*:\s*['\"][^'\"]*yyyy"),
    # a number's format spec in an f-string or str.format ({n:,} {v:.2f} {d:+d} {w:g}), not a plotly/d3 hover
    # ("%{y:,.2f}", given values rounded by the presentation layer); the JSON's money strings have their own home
    ("numbers as text for people", ("raa_core/presentation/text.py", "raa_core/presentation/display.py",
                                    "raa_core/presentation/forecast_text.py", "raa_core/presentation/export.py",
                                    "raa_core/money.py", "raa_core/forecast/model.py"),
     NUMBER_SPEC),
    ("display rounding (half up, docs/finance.md)", ("raa_core/presentation/text.py", "raa_core/money.py"),
     r"\.quantize\(\s*Decimal\(\s*['\"][0-9.]+['\"]\s*\)\s*\)"),
    # every colour is named in the palette, where its contrast is tested (WCAG 2.2 1.4.3, 1.4.11)
    ("colours and their contrast", ("raa_core/presentation/palette.py",), r"['\"]#[0-9A-Fa-f]{6}['\"]|rgba?\("),
    # every chart is placed by the one function that gives it a title and its data as a table (WCAG 1.1.1)
    ("charts are placed with their text alternative", ("raa_app/charts.py",), r"\.\s*plotly_chart\s*\("),
]


@pytest.mark.parametrize(("rule", "homes", "pattern"), RULES, ids=[r[0] for r in RULES])
def test_rule_is_written_once(rule: str, homes: tuple[str, ...], pattern: str) -> None:
    assert _offenders(pattern, homes) == [], f"{rule}: written outside its home {homes}"


@pytest.mark.parametrize("code", ['f"{n:,} rows"', 'f"{v:.2f}"', 'f"{d:+d}"', 'f"{w:g}"', '"{:,.0f}".format(x)',
                                  'f"{float(v) * 100:.2f}%"'])
def test_the_number_pattern_finds_a_format(code: str) -> None:
    assert re.search(NUMBER_SPEC, code), code


@pytest.mark.parametrize("code", ['"%{y:,.2f}"', 'f"{when:%H:%M} UTC"', 'f"{name:>8}"', 'f"{x!r}"', '{"a": 1}',
                                  'f"{{literal}}"'])
def test_the_number_pattern_leaves_other_text(code: str) -> None:
    assert not re.search(NUMBER_SPEC, code), code


@pytest.mark.parametrize("code", ['st.column_config.DatetimeColumn ( format = "YYYY-MM-DD HH:mm:ss" )',
                                  'wb.add_format ( { "num_format" : "yyyy-mm-dd" } )'])
def test_the_date_format_pattern_finds_a_format_of_its_own(code: str) -> None:
    """A grid's or workbook's date format written outside its home, as `_code` spaces the tokens."""
    pattern = next(p for rule, _, p in RULES if rule == "date formats of grids and workbooks")
    assert re.search(pattern, code), code


def test_code_cites_only_pages_of_the_repository() -> None:
    """Docstrings, comments and messages cite the rule's page in docs/ (or DfE, the ASGLB), never an issue number,
    a planning file or a spec file outside the repository, so a new maintainer can follow every citation."""
    bad = re.compile(r"[Ii]ssue \d+|PLAN\.md|(?<![/\w-])(partner-drops|cli|indicators|finance|forecast|ssda903)\.md")
    files = [*_code_files(), *sorted((REPO / "bench").glob("*.py"))]
    offenders = [f"{p.relative_to(REPO)}:{i}" for p in files
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bad.search(line)]
    assert offenders == []
    cited = {m.group(1) for p in files for m in re.finditer(r"docs/([\w-]+\.md)", p.read_text(encoding="utf-8"))}
    assert cited and all((REPO / "docs" / name).is_file() for name in cited), cited
