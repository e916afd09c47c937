"""Uploads: zips checked before anything is written, private staging, date from the manifest, nothing left."""

from __future__ import annotations

import datetime as dt
import json
import stat
import threading
from pathlib import Path

import pytest

import dropkit as dk
from dropkit import TODAY, FakeUpload
from factories import snap
from hostilekit import CORRUPT_ZIPS, HOSTILE_ZIPS, lying_zip
from raa_core.cli import main
from raa_core.ingest import drops, uploads

D = dt.date(2022, 10, 7)


def _drop_files(tmp: Path, la: int = 886, day: str = "2022-10-07", **kw) -> Path:
    return dk.write_drop(tmp / "src", la, day, **kw)


def _left(root: Path) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_zip_of_one_drop_folder_is_checked_and_nothing_stays(tmp_path: Path, ref) -> None:
    folder = _drop_files(tmp_path, manifest=True)
    staging = tmp_path / "staging"
    out = uploads.check_upload([dk.folder_zip(folder, "886/2022-10-07/")], 886, None, ref, TODAY, staging)
    assert out.result.outcome == "accepted", out.result.errors
    assert out.result.path == "886/2022-10-07" and out.date_source == "manifest.json"
    assert _left(staging) == [] and list(staging.iterdir()) == []


def test_loose_files_with_form_date_and_load(tmp_path: Path, ref) -> None:
    folder = _drop_files(tmp_path)
    files = [FakeUpload(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    db, staging = tmp_path / "wh" / "raa.duckdb", tmp_path / "staging"
    out = uploads.check_upload(files, 886, D, ref, TODAY, staging, load_into=db,
                               actor=uploads.loaded_by("hos.test"))
    assert out.result.outcome == "accepted" and out.loaded and out.date_source == "the form"
    assert _left(staging) == []
    from raa_core.ingest import freshness
    from raa_core.store.warehouse import Warehouse

    with Warehouse(db).cursor() as con:  # the ingest history names the signed-in person
        history = freshness.ingest_history(snap(con, ref=ref))
    assert history.iloc[0, -1] == "hos.test (upload on the Data drops page)"


def test_date_comes_from_manifest_not_from_a_wrong_form_date(tmp_path: Path, ref) -> None:
    """The form used to default to today and reject a correct drop for a date mismatch."""
    folder = _drop_files(tmp_path, manifest=True)
    files = [FakeUpload(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    out = uploads.check_upload(files, 886, TODAY, ref, TODAY, tmp_path / "staging")
    assert out.result.outcome == "accepted", out.result.errors
    assert out.result.extract_date == D and out.date_source == "manifest.json"


def test_no_manifest_and_no_date_asks_for_the_date(tmp_path: Path, ref) -> None:
    folder = _drop_files(tmp_path)
    files = [FakeUpload(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    out = uploads.check_upload(files, 886, None, ref, TODAY, tmp_path / "staging")
    assert out.result.outcome == "rejected" and "enter the extract date" in out.result.errors[0].message


def test_rejected_upload_with_personal_data_is_deleted_at_once(tmp_path: Path, ref) -> None:
    rows = [{**r, "child_id": nhs, "full_name": "Jane Doe", "address": "1 High St"}
            for r, nhs in zip(dk.children(), ["9434765919", "4010232137", "9434765870"], strict=True)]
    folder = _drop_files(tmp_path, children=dk.table("children", rows))
    staging = tmp_path / "staging"
    seen: list[list[str]] = []
    real = drops.check_only

    def spy(drop, ref_, today=None, **options):
        seen.append(_left(staging))
        return real(drop, ref_, today, **options)

    import raa_core.ingest.drops as drops_module

    drops_module.check_only, saved = spy, drops_module.check_only
    try:
        out = uploads.check_upload([dk.folder_zip(folder)], 886, D, ref, TODAY, staging)
    finally:
        drops_module.check_only = saved
    assert seen and any(p.endswith("children.parquet") for p in seen[0])  # it was staged while checked
    assert out.result.outcome == "rejected"
    assert {e.rule for e in out.result.errors} >= {"personal_identifier"}
    assert _left(staging) == []




@pytest.mark.parametrize("case", sorted(HOSTILE_ZIPS))
def test_hostile_zip_is_refused_before_anything_is_written(case: str, tmp_path: Path, ref, monkeypatch) -> None:
    folder = _drop_files(tmp_path)
    build, words = HOSTILE_ZIPS[case]
    writes: list[str] = []
    real = uploads._write_new
    monkeypatch.setattr(uploads, "_write_new", lambda p: writes.append(str(p)) or real(p))
    staging = tmp_path / "staging"
    out = uploads.check_upload([build(folder)], 886, D, ref, TODAY, staging)
    assert out.result.outcome == "rejected"
    assert out.result.errors[0].rule == "upload_refused" and words in out.result.errors[0].message
    assert writes == [] and _left(staging) == []


def test_zip_that_lies_about_its_sizes_is_stopped_while_streaming(tmp_path: Path, ref) -> None:
    staging = tmp_path / "staging"
    out = uploads.check_upload([lying_zip(tmp_path)], 886, D, ref, TODAY, staging)
    assert out.result.outcome == "rejected" and _left(staging) == []


def test_two_people_uploading_the_same_council_and_date_never_see_each_other(tmp_path: Path, ref) -> None:
    """30 trials of two simultaneous uploads: each verdict is about its own files."""
    good = _drop_files(tmp_path)
    bad_rows = [*dk.children(), dk.children()[0]]
    bad = dk.write_drop(tmp_path / "bad", 886, "2022-10-07", children=bad_rows)
    staging = tmp_path / "staging"
    for _ in range(30):
        verdicts: dict[str, str] = {}
        barrier = threading.Barrier(2)

        def person(who: str, folder: Path, barrier=barrier, verdicts=verdicts) -> None:
            files = [FakeUpload(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
            barrier.wait()
            verdicts[who] = uploads.check_upload(files, 886, D, ref, TODAY, staging).result.outcome

        threads = [threading.Thread(target=person, args=a) for a in (("good", good), ("bad", bad))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert verdicts == {"good": "accepted", "bad": "rejected"}
    assert _left(staging) == []


def test_staging_folders_are_private(tmp_path: Path) -> None:
    with uploads.staging(tmp_path / "s") as a, uploads.staging(tmp_path / "s") as b:
        assert a != b
        assert stat.S_IMODE(a.stat().st_mode) == 0o700
    assert list((tmp_path / "s").iterdir()) == []


def test_raa_check_folder_and_zip_give_the_ingest_report_without_loading(tmp_path: Path, capsys) -> None:
    folder = _drop_files(tmp_path, children=[*dk.children(), dk.children()[0]])
    db = tmp_path / "wh" / "raa.duckdb"
    code = main(["check", str(folder), "--json", "--db", str(db), "--today", TODAY.isoformat()])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1 and doc["rejected"][0]["path"] == "886/2022-10-07"
    assert doc["rejected"][0]["errors"][0]["rule"] == "duplicate_key"
    zip_path = tmp_path / "drop.zip"
    zip_path.write_bytes(dk.folder_zip(folder, "886/2022-10-07/").getvalue())
    code = main(["check", str(zip_path), "--json", "--today", TODAY.isoformat()])
    doc2 = json.loads(capsys.readouterr().out)
    assert code == 1 and doc2 == doc
    assert not db.parent.exists()
    good = _drop_files(tmp_path / "g")
    assert main(["check", str(good), "--today", TODAY.isoformat()]) == 0
    assert "accepted  886/2022-10-07" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "nowhere")]) == 2


# --- another council's zip or manifest; corrupt zips in plain words ---------------------

OTHER_COUNCIL = {
    # the folder above the date names another council (Medway), the form says Bexley
    "folder": ({"887/2022-10-07/": None}, False, "the zip's folder '887/' names Medway (887), but the "
               "upload is for Bexley (303)"),
    # the folder holding the files is another council's, with no dated folder
    "council_folder_only": ({"887/": None}, False, "the zip's folder '887/' names Medway (887)"),
    # the council folder is not one of this agency's councils
    "unknown_council": ({"999/2022-10-07/": None}, False, "'999/' looks like a council code but is not Bexley"),
    # digits, but not a council code: which council it means cannot be told
    "leading_zero": ({"0303/2022-10-07/": None}, False, "'0303/' looks like a council code but is not Bexley"),
    "two_digits": ({"87/2022-10-07/": None}, False, "'87/' looks like a council code but is not Bexley"),
    # the manifest names another council (the folder says nothing of the council)
    "manifest": ({"export/": None}, True, "manifest.json says the drop is Medway (887)'s, but the upload is for "
                 "Bexley (303)"),
    # second review: spaces, other scripts' digits, codes inside words, names, and folders anywhere in the path
    "trailing_space": ({"887 /2022-10-07/": None}, False, "names Medway (887)"),
    "leading_space": ({" 887/2022-10-07/": None}, False, "names Medway (887)"),
    "arabic_indic": ({"\u0668\u0668\u0667/2022-10-07/": None}, False, "names Medway (887)"),
    "full_width": ({"\uff18\uff18\uff17/2022-10-07/": None}, False, "names Medway (887)"),
    "code_and_name": ({"887 Medway/": None}, False, "names Medway (887)"),
    "code_in_word": ({"LA887/": None}, False, "names Medway (887)"),
    "key_value": ({"la_code=887/": None}, False, "names Medway (887)"),
    "name_only": ({"Medway/": None}, False, "names Medway (887)"),
    "name_any_case": ({"medway_export/": None}, False, "names Medway (887)"),
    "not_a_date_below": ({"887/export/": None}, False, "names Medway (887)"),
    "windows_copy": ({"887/2022-10-07 (1)/": None}, False, "names Medway (887)"),
    "full_width_date": ({"887/\uff12\uff10\uff12\uff12-10-07/": None}, False, "names Medway (887)"),
    "deeper": ({"export/887/2022-10-07/": None}, False, "names Medway (887)"),
}


@pytest.mark.parametrize("case", sorted(OTHER_COUNCIL))
def test_a_zip_of_another_councils_drop_is_refused_naming_both_councils(case: str, tmp_path: Path, ref) -> None:
    """Review finding: `887/2022-10-07/…` uploaded for Bexley (303) was accepted as 303/2022-10-07."""
    [prefix], manifest, words = OTHER_COUNCIL[case][0], OTHER_COUNCIL[case][1], OTHER_COUNCIL[case][2]
    folder = _drop_files(tmp_path, 887, manifest=manifest)
    staging = tmp_path / "staging"
    out = uploads.check_upload([dk.folder_zip(folder, prefix)], 303, D, ref, TODAY, staging)
    assert out.result.outcome == "rejected" and out.result.errors[0].rule == "upload_refused"
    assert words in out.result.errors[0].message, out.result.errors[0].message
    assert _left(staging) == []


@pytest.mark.parametrize("prefix", ["303/2022-10-07/", "export/2022-10-07/", "2022-10-07/", "", "export/303/",
                                    "Bexley 303/2022-10-07/", "drops 2022/303/2022-10-07/", "bexley/"])
def test_a_zip_whose_folders_name_the_chosen_council_or_none_is_checked(prefix: str, tmp_path: Path, ref) -> None:
    folder = _drop_files(tmp_path, 303, manifest=True)
    out = uploads.check_upload([dk.folder_zip(folder, prefix)], 303, D, ref, TODAY, tmp_path / "staging")
    assert out.result.outcome == "accepted", out.result.errors
    assert out.result.path == "303/2022-10-07"


def test_raa_check_of_another_councils_zip_with_council_is_refused(tmp_path: Path, capsys) -> None:
    folder = _drop_files(tmp_path, 887)
    zip_path = tmp_path / "other_council.zip"
    zip_path.write_bytes(dk.folder_zip(folder, "887/2022-10-07/").getvalue())
    code = main(["check", str(zip_path), "--council", "886", "--json", "--today", TODAY.isoformat()])
    [rejected] = json.loads(capsys.readouterr().out)["rejected"]
    assert code == 1 and rejected["errors"][0]["rule"] == "upload_refused"
    assert "'887/' names Medway (887), but the upload is for Kent (886)" in rejected["errors"][0]["message"]
    assert main(["check", str(zip_path), "--today", TODAY.isoformat()]) == 0  # its folders name Medway: checked as 887
    assert "accepted  887/2022-10-07" in capsys.readouterr().out


@pytest.mark.parametrize("case", sorted(CORRUPT_ZIPS))
def test_a_corrupt_zip_is_refused_in_plain_words(case: str, tmp_path: Path, ref) -> None:
    """Review finding: "Upload refused (upload_refused): not a readable zip file: File is not a zip file"."""
    build, words = CORRUPT_ZIPS[case]
    staging = tmp_path / "staging"
    out = uploads.check_upload([build(_drop_files(tmp_path))], 886, D, ref, TODAY, staging)
    [error] = out.result.errors
    assert out.result.outcome == "rejected" and error.rule == "upload_refused"
    assert words in error.message, error.message
    for library in ("File is not a zip file", "Bad CRC", "zipfile", "Error", "error", "compression method",
                    "Truncated", "Bad magic", "Errno", "password"):
        assert library not in error.message
    assert _left(staging) == []


def test_a_zip_folder_date_that_disagrees_with_the_manifest_is_refused(tmp_path: Path, ref) -> None:
    """Second review: folder 886/2022-10-07/ holding a manifest dated 2022-10-06 was loaded as 2022-10-06. The
    contract rejects a manifest whose date disagrees with the folder names; an upload says so before loading."""
    folder = _drop_files(tmp_path, 886, "2022-10-06", manifest=True)
    out = uploads.check_upload([dk.folder_zip(folder, "886/2022-10-07/")], 886, None, ref, TODAY, tmp_path / "st")
    assert out.result.outcome == "rejected" and out.result.errors[0].rule == "upload_refused"
    assert ("manifest.json says the extract date is 2022-10-06, but the zip's folder is 2022-10-07/"
            in out.result.errors[0].message)
    # agreeing, even in full-width digits, is checked as usual
    out = uploads.check_upload([dk.folder_zip(folder, "886/\uff12\uff10\uff12\uff12-10-06/")], 886, None, ref, TODAY,
                               tmp_path / "st2")
    assert out.result.outcome == "accepted" and out.result.path == "886/2022-10-06"


@pytest.mark.parametrize("junk", ["__MACOSX/886/2022-10-07/._children.parquet", "__macosx/._x",
                                  "886/2022-10-07/__MACOSX/._adopters.parquet", "886/2022-10-07/.DS_Store",
                                  "886/2022-10-07/Thumbs.db", "886/2022-10-07/desktop.ini"])
def test_zip_tools_own_entries_are_skipped_in_any_case_and_place(junk: str, tmp_path: Path, ref) -> None:
    """Second review: lower-case `__macosx/`, or one inside the drop's folder, made 'two folders'."""
    folder = _drop_files(tmp_path, 886, manifest=True)
    entries = {f"886/2022-10-07/{p.name}": p.read_bytes() for p in sorted(folder.iterdir())} | {junk: b"\x00junk"}
    out = uploads.check_upload([dk.zip_upload(entries)], 886, None, ref, TODAY, tmp_path / "st")
    assert out.result.outcome == "accepted", out.result.errors


def test_raa_check_with_a_council_not_of_this_agency_is_a_usage_error(tmp_path: Path, capsys) -> None:
    folder = _drop_files(tmp_path, 886)
    code = main(["check", str(folder), "--council", "999", "--today", TODAY.isoformat()])
    err = capsys.readouterr().err
    assert code == 2 and "--council 999 is not one of this agency's councils (303 Bexley, 886 Kent, 887 Medway)" in err


def test_the_audit_of_an_upload_is_a_sentence_naming_its_files_even_when_refused(tmp_path: Path, ref) -> None:
    """The audit shows words, never JSON (docs/operations.md): a checked upload names its drop, verdict, counts,
    files and where its date came from; an upload refused before its drop could be checked still names the
    files it brought (it once recorded `"drop": "upload", "files": []`)."""
    folder = _drop_files(tmp_path, manifest=True)
    out = uploads.check_upload([dk.folder_zip(folder, "886/2022-10-07/")], 886, None, ref, TODAY, tmp_path / "s1")
    detail = uploads.audit_detail(out, "check only")
    assert detail.startswith("Check only of drop 886/2022-10-07: accepted, with 0 errors and ")
    assert "extract date from manifest.json" in detail and "children.parquet" in detail
    assert detail.endswith("the uploaded files were deleted.") and "{" not in detail
    bad = FakeUpload("notes.txt", b"not a drop")
    out = uploads.check_upload([bad], 886, None, ref, TODAY, tmp_path / "s2")
    assert out.result.outcome == "rejected"
    detail = uploads.audit_detail(out, "check only")
    assert detail.startswith("Check only of an upload that named no drop: rejected, with 1 error and 0 warnings")
    assert "files: notes.txt" in detail
