"""Hostile uploads in headless Chromium against `streamlit run`: while a second person (hos) is signed in on
another page, a council analyst uploads with "Check only", one after another, every hostile case a file sent
through the Data drops page can carry (tests/hostilekit.py). After each, the server process is alive, the page
shows no exception, the verdict names the drop (or "upload", for an upload refused before its drop could be
checked) and the issue its rule, the uploads folder is empty, and the other person's page still reruns and is
served (docs/drop-contract.md: the footer checks, the zip checks).

The cases, and what the product says today:

- a drop's own files, uploaded loose (a manifest.json giving Kent (886) and the builder's date is added where
  the builder wrote none): children with Parquet modular encryption, plaintext footer (which once aborted the
  server for everyone: `Cannot decrypt ColumnMetadata`) and encrypted footer (encrypted_file); 20,000 row groups
  of one row (too_many_row_groups; once 6.5 GB); a column nested 15 levels deep (nested_column); 20 MB of footer
  metadata (footer_too_large); adopters with 100,000 unknown columns, 31 MB (too_many_columns: the footer is
  read only until the column limit is broken); a file ending 'PARX' (unreadable_file); 'PAR1' and ten zero bytes
  (unreadable_file, cut short); a 2,001-character value (value_too_long);
- manifest.json of 1.1 MB (manifest_too_large) and of 200,000 nested brackets (unreadable_manifest), in a zip of
  the dated folder, stored uncompressed (deflated, the padded manifest is refused as a zip bomb before it is
  read; loose, it cannot give the extract date and the upload asks for one);
- the bad folder names, each drop zipped under its own folders: '0886/' (refused: looks like a council code
  but is not Kent's), '٨٨٦/' in Arabic-Indic digits (passes: it names the council chosen, 886),
  '2022-13-01/' and 'latest/' (refused: no extract date); '..886/' (passes, as Kent's: the council is the
  form's, and '..886' is a name, not a '..' path);
- stray entries: the builder's README.txt and notes.txt inside a good drop's zip (passes, warned unknown_file);
- a ledger, budget and establishment with £2×10^15 in every money value (`hk.huge_money`: each below the
  contract's limit, their sums far beyond DECIMAL(18,2)): passes every check, no issue about any money column;
- every hostile zip of the upload's own checks (`hk.HOSTILE_ZIPS`), each refused (upload_refused) before a byte
  is extracted: absolute, '..' and backslash paths, a symbolic link, two drops, 40 entries, a 30 MB zip bomb, a
  file that is not a zip, a zip of an empty folder, an entry named with a newline, with U+200B (zero width) or
  U+202E (right-to-left override), and an entry named '.';
- every damaged zip (`hk.CORRUPT_ZIPS`), refused (upload_refused) in plain words: an empty file, a CSV renamed
  .zip, a zip cut short, an entry whose bytes fail their CRC, an encrypted entry, an entry compressed with
  deflate64, and one whose directory says 10 bytes where the entry holds 5,000 (stopped while extracting: the
  bytes written go with the staging folder).

Not uploadable through a browser, so left to tests/core/ingest/test_hostile_drops.py: a named pipe and the
symbolic links of the drop tree (a browser sends a link's target; a zip's link is the 'symlink' case above).
"""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import dropkit as dk
import hostilekit as hk
from browser_support import assert_no_exception, choose, sign_in, streamlit_process, wait_ready
from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from raa_core.store import warehouse

pytestmark = pytest.mark.browser

ALERT = {"rejected": '[data-testid="stAlertContentError"]', "passes every check": '[data-testid="stAlertContentSuccess"]'}
ISSUE = '[data-testid="stMarkdownContainer"] li'
CHIP = '[data-testid="stFileChipName"]'

#: Builders whose drop is uploaded as loose files -> the file their issue names.
LOOSE = {"encrypted_plaintext_footer": "children.parquet", "encrypted_footer": "children.parquet",
         "one_row_per_group": "children.parquet", "nested_unknown_column": "children.parquet",
         "huge_footer_metadata": "adopters.parquet", "many_columns": "adopters.parquet",
         "wrong_magic": "adopters.parquet", "not_parquet": "adopters.parquet", "long_strings": "children.parquet"}
#: bad_names' folders, each zipped under its own folders -> (drop named, verdict, rule, words of its issue).
NAMES = {"0886/2022-10-07": ("upload", "rejected", "upload_refused", "looks like a council code"),
         "\u0668\u0668\u0666/2022-10-07": ("886/2022-10-07", "passes every check", None, ""),
         "886/2022-13-01": ("upload", "rejected", "upload_refused", "enter the extract date"),
         "886/latest": ("upload", "rejected", "upload_refused", "enter the extract date")}


@dataclass(frozen=True)
class Case:
    name: str
    files: list[Path]
    path: str  # the drop the verdict names ("upload": refused before its drop could be checked)
    verdict: str  # "rejected" or "passes every check"
    rule: str | None = None  # an issue line names this rule ...
    words: str = ""  # ... and holds these words
    unsaid: str = ""  # no issue line holds these words


def write_zip(path: Path, entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> list[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dk.zip_upload(entries, compression=compression).getvalue())
    return [path]


def files_of(folder: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}{p.name}": p.read_bytes() for p in sorted(folder.iterdir())}


def cases(tmp: Path) -> list[Case]:
    """Every case, built with tests/hostilekit.py and shaped here as the page takes an upload."""
    out = []
    for name, file in LOOSE.items():
        root = tmp / name
        ((path, rule),) = (hk.many_columns(root, 100_000) if name == "many_columns" else hk.HOSTILE[name](root)).items()
        folder = root / path
        if not (folder / "manifest.json").exists():  # the council and date, as a council's manifest gives them
            (folder / "manifest.json").write_text(json.dumps({"la_code": 886, "extract_date": folder.name,
                                                              "files": {}}))
        out.append(Case(name, sorted(folder.iterdir()), f"886/{folder.name}", "rejected", rule, file))
    for name in ("huge_manifest", "deep_manifest"):
        ((path, rule),) = hk.HOSTILE[name](tmp / name).items()
        folder = tmp / name / path
        zipped = write_zip(tmp / "zips" / f"{name}.zip", files_of(folder, f"{folder.name}/"), zipfile.ZIP_STORED)
        out.append(Case(name, zipped, f"886/{folder.name}", "rejected", rule, "manifest.json"))
    built = hk.bad_names(tmp / "names") | hk.dotted_council(tmp / "names")
    for path in built:
        drop, verdict, rule, words = NAMES.get(path, ("886/2022-10-07", "passes every check", None, ""))
        zipped = write_zip(tmp / "zips" / f"names-{len(out)}.zip", files_of(tmp / "names" / path, f"{path}/"))
        out.append(Case(f"folder {path}", zipped, drop, verdict, rule, words))
    good = dk.write_drop(tmp / "good", 886, "2022-10-07")
    stray = tmp / "stray"
    hk.stray_entries(stray)
    extras = {"2022-10-07/README.txt": (stray / "README.txt").read_bytes(),
              "2022-10-07/notes.txt": (stray / "303" / "notes.txt").read_bytes()}
    out.append(Case("stray_entries", write_zip(tmp / "zips" / "stray.zip", files_of(good, "2022-10-07/") | extras),
                    "886/2022-10-07", "passes every check", "unknown_file", "README.txt"))
    money = hk.huge_money(tmp / "money")
    out.append(Case("£2×10^15 in every money value", sorted(money.iterdir()), f"886/{money.name}",
                    "passes every check", unsaid="_gbp"))
    for name, (build, words) in (hk.HOSTILE_ZIPS | {f"corrupt_{k}": v for k, v in hk.CORRUPT_ZIPS.items()}).items():
        upload = tmp / "zips" / f"{name}.zip"
        upload.write_bytes(build(good).getvalue())
        out.append(Case(f"zip {name}", [upload], "upload", "rejected", "upload_refused", words))
    return out


def test_every_hostile_upload_is_judged_by_its_rule_while_another_person_is_served(sample_db, tmp_path, browser, page) -> None:
    wh = tmp_path / "wh"
    wh.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, wh / real.name)
    (wh / "raa.duckdb").symlink_to(real.name)
    uploads = wh / "uploads"
    env = {"RAA_DB": str(wh / "raa.duckdb"), "RAA_DROPS": str(SAMPLE_DROPS), "RAA_TODAY": SAMPLE_TODAY.isoformat(),
           "RAA_UPLOADS": str(uploads)}
    page.set_default_timeout(180_000)
    with streamlit_process(env) as (url, proc, log):
        other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        other.set_default_timeout(180_000)
        sign_in(other, f"{url}/regional_performance", "hos")  # the second person, on another page
        sign_in(page, f"{url}/data_drops", "analyst886")
        for i, case in enumerate(cases(tmp_path / "cases")):
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(f) for f in case.files])
            page.locator(f'{CHIP}[title="{case.files[-1].name}"]').wait_for()
            page.wait_for_function("() => !document.querySelector('[data-testid=stFileChipIconSpinner]')")  # sent
            assert page.locator('[data-testid="stFileChipIconError"]').count() == 0, case.name
            page.get_by_role("button", name="Check only").click()
            page.wait_for_function(f"() => !document.querySelector('{CHIP}')")  # the page cleared the uploader
            wait_ready(page, 300_000)
            assert proc.poll() is None, f"the server ended on {case.name}: {log.read_text()[-2000:]}"
            assert_no_exception(page)
            verdict = page.locator(ALERT[case.verdict]).filter(has_text=f"{case.path}: {case.verdict}")
            verdict.wait_for()
            issues = page.locator(ISSUE)
            if case.rule:
                assert issues.filter(has_text=case.rule).filter(has_text=case.words).count() >= 1, (
                    case.name, issues.all_inner_texts())
            if case.unsaid:
                assert issues.filter(has_text=case.unsaid).count() == 0, (case.name, issues.all_inner_texts())
            assert not [p for p in uploads.rglob("*") if p.is_file()], f"the {case.name} upload was left on disk"

            choose(other, "Council", "Medway (887)" if i % 2 == 0 else "Kent (886)", "[data-testid=stSidebar]")
            assert_no_exception(other)  # the other person's page reruns and is served
            assert other.locator('[data-testid="stMain"]').get_by_role("heading").count() >= 1
        assert proc.poll() is None
        other.context.close()
