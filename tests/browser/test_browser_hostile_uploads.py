"""Hostile uploads in headless Chromium against `streamlit run`: while a second person is signed in on another
page, a council analyst uploads with "Check only" a children file with Parquet modular encryption (which once
aborted the server for everyone: `Cannot decrypt ColumnMetadata`) and one of 20,000 row groups of one row (which
once took 6.5 GB). Each is refused with its message, the server keeps serving the other person, and the uploads
folder is empty afterwards (docs/drop-contract.md, the footer checks)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import dropkit as dk
import hostilekit as hk
from browser_support import assert_no_exception, choose, sign_in, streamlit_process, wait_ready
from conftest import SAMPLE_DROPS, SAMPLE_TODAY
from raa_core.store import warehouse

pytestmark = pytest.mark.browser

ERROR = '[data-testid="stAlertContentError"]'


def encrypted_drop(root: Path) -> list[Path]:
    folder = dk.write_drop(root, 886, "2026-11-18", children=None, manifest=True)
    hk.write_encrypted(folder / "children.parquet", dk.table("children", dk.children()))
    return sorted(folder.iterdir())


def row_groups_drop(root: Path, groups: int = 20_000) -> list[Path]:
    folder = dk.write_drop(root, 886, "2026-11-19", children=None, manifest=True)
    one = dk.table("children", dk.children()[:1])
    rows = pa.concat_tables([one.set_column(0, "child_id", pa.array([f"KC-{i:05d}"])) for i in range(groups)])
    pq.write_table(rows, folder / "children.parquet", row_group_size=1)
    assert pq.ParquetFile(folder / "children.parquet").metadata.num_row_groups == groups
    return sorted(folder.iterdir())


def test_hostile_uploads_are_refused_while_another_person_is_served(sample_db, tmp_path, browser, page) -> None:
    wh = tmp_path / "wh"
    wh.mkdir()
    real = warehouse.current_file(sample_db)
    shutil.copyfile(real, wh / real.name)
    (wh / "raa.duckdb").symlink_to(real.name)
    uploads = wh / "uploads"
    env = {"RAA_DB": str(wh / "raa.duckdb"), "RAA_DROPS": str(SAMPLE_DROPS), "RAA_TODAY": SAMPLE_TODAY.isoformat(),
           "RAA_UPLOADS": str(uploads)}
    drops = [("encrypted", encrypted_drop(tmp_path / "enc"), "encrypted_file", "886/2026-11-18"),
             ("20,000 row groups", row_groups_drop(tmp_path / "groups"), "too_many_row_groups", "886/2026-11-19")]
    page.set_default_timeout(180_000)
    with streamlit_process(env) as (url, proc, log):
        other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        other.set_default_timeout(180_000)
        sign_in(other, f"{url}/regional_performance", "hos")  # the second person, on another page
        sign_in(page, f"{url}/data_drops", "analyst886")
        for name, files, rule, path in drops:
            page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(f) for f in files])
            page.locator('[data-testid="stFileChipName"][title="manifest.json"]').wait_for()  # sent
            page.get_by_role("button", name="Check only").click()
            wait_ready(page, 300_000)
            assert proc.poll() is None, f"the server ended on the {name} file: {log.read_text()[-2000:]}"
            assert_no_exception(page)
            error = page.locator(ERROR).filter(has_text=path)
            error.wait_for()
            assert f"{path}: rejected" in error.inner_text(), name
            issue = page.locator('[data-testid="stMarkdownContainer"] li').filter(has_text=rule)
            assert issue.count() >= 1 and "children.parquet" in issue.first.inner_text(), name
            assert not [p for p in uploads.rglob("*") if p.is_file()], f"the {name} upload was left on disk"

            choose(other, "Council", "Medway (887)" if name == "encrypted" else "Kent (886)", "[data-testid=stSidebar]")
            assert_no_exception(other)  # the other person's page reruns and is served
            assert other.locator('[data-testid="stMain"]').get_by_role("heading").count() >= 1
        assert proc.poll() is None
        other.context.close()
