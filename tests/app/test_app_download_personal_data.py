"""Identifiers never leave the child-level scope through a download: for every role and every page it may open,
the bytes of every download button the page shows (the real bytes Streamlit would send on the click: the
deferred builder the page registered with the media file manager, or the stored file) are read whole (CSV and
JSON as text, every cell of a workbook, every page of a PDF) and searched for the identifiers of every council
outside the role's child-level councils; each download built records an export in the audit trail
(docs/data-protection.md, "How each rule is tested"). The builders run as the server runs them on the click,
outside the script run: one that reads the session state there (empty in the server) fails the test.

Downloads that appear only after a choice are opened too: the ASGLB return and its row-level template (the
performance pages' "Show the return" toggle), and the Data drops page's issue table after a rejected upload
of another council (the verdict the page keeps in the session, as tests/app/test_app_data_drops.py does)."""

from __future__ import annotations

from unittest import mock

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.state import session_state_proxy
from streamlit.testing.v1 import AppTest

import dropkit as dk
import personalkit
from appkit import connect
from conftest import APP, SAMPLE_TODAY, signed_in
from raa_core import access
from raa_core.contributions import saved_scenarios
from raa_core.contributions.scenario import DEFAULT_SCENARIO, parse_scenario
from raa_core.ingest import drops, uploads
from raa_core.reference import load_reference
from raa_core.requests import Viewer
from raa_core.store import appstate, warehouse

SAVED = ("Option A", "Option B")  # scenarios saved before the pages open, for the Scenarios page's comparison
# the choices that bring out downloads a page does not show at first, made in turn: (widget kind, key, value),
# a button clicked when the value is CLICK; a choice a role is not offered is skipped (the board has no ASGLB
# panel and no suppression toggle)
CLICK = object()
CHOICES = {
    "regional_performance": [("toggle", "regional_asglb_show", True)],
    "local_performance": [("toggle", "local_asglb_show", True)],
    "scenarios": [("multiselect", "sc_compare", list(SAVED))],
    "boardpack": [("toggle", "pack_publication", False), ("button", "pack_build", CLICK)],
}
#: the downloads shown only after a choice (file name stems), each read for the Head of Service
AFTER_CHOICE = ("asglb_return", "asglb_row_level_template", "drop_issues", "scenario_comparison", "board_pack")
UPLOAD_COUNCIL = 887  # the council of the rejected upload left on the Data drops page


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> list[MediaFileManager]:
    """The media file manager AppTest makes for each run, remembered (newest last) so that the run's downloads
    can be fetched from it after the run."""
    made: list[MediaFileManager] = []

    class Recording(MediaFileManager):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return made


def _file_id(url: str) -> str:
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _no_session() -> None:
    raise AssertionError("a download's builder read the session state on the click: the server calls it outside "
                         "the script run, where the session state is empty (capture what it needs in the run)")


def downloads(at: AppTest, manager: MediaFileManager) -> dict[str, tuple[str, bytes]]:
    """Every download button of the last run: its label -> (file name, the bytes a click would send)."""
    out: dict[str, tuple[str, bytes]] = {}
    for button in at.get("download_button"):
        proto = button.proto
        if proto.deferred_file_id:
            name = manager._deferred_callables[proto.deferred_file_id]["filename"]
            with mock.patch.object(session_state_proxy, "get_session_state", _no_session):
                url = manager.execute_deferred(proto.deferred_file_id)  # what the click asks the server to do
        else:
            name, url = None, proto.url
        file = manager.read_file(_file_id(url))
        assert file is not None, (proto.label, url)
        out[f"{proto.id}"] = (name or file.filename, file.content)
    return out


def text_of(name: str, data: bytes) -> str:
    """A downloaded file's whole content as text, by its kind."""
    if name.endswith((".csv", ".json")):
        return data.decode("utf-8-sig")
    if name.endswith(".xlsx"):
        return personalkit.workbook_text(data)
    if name.endswith(".pdf"):
        return personalkit.pdf_text(data)
    raise AssertionError(f"a download of an unknown kind: {name}")


def rejected_upload(tmp_path, ref) -> tuple[uploads.UploadOutcome, set[str]]:
    """A rejected drop of UPLOAD_COUNCIL whose issues name a child (row and key), and the drop's identifiers."""
    kids = [*dk.children(), dict(dk.children()[0], child_id="KC-0009", sex="X")]
    folder = dk.write_drop(tmp_path / "drop", UPLOAD_COUNCIL, "2026-11-20", manifest=True, children=kids)
    result = uploads.check_path(folder, ref, SAMPLE_TODAY)
    assert result.outcome == "rejected" and "KC-0009" in str(drops.issues_frame(result))
    names = tuple(sorted(p.name for p in folder.iterdir()))
    return uploads.UploadOutcome(result, "manifest.json", names, loaded=False), {str(k["child_id"]) for k in kids}


def open_with_choices(role: str, la_code: int | None, page: str, upload) -> AppTest:
    from raa_app import navigation

    at = signed_in(AppTest.from_file(APP, default_timeout=180), role, la_code)
    at.run()
    if page != "overview":
        at.switch_page(navigation.page(page)[0])
        if page == "data_drops":
            at.session_state["last_upload"] = upload
        at.run()
    for kind, key, value in CHOICES.get(page, []):
        for widget in [w for w in getattr(at, kind) if w.key == key]:
            (widget.click() if value is CLICK else widget.set_value(value)).run()
    assert not at.exception, (role, la_code, page, at.exception)
    return at


@pytest.mark.parametrize(("role", "la_code"), personalkit.ROLES)
def test_no_download_a_role_is_offered_names_a_child_outside_its_child_level_councils(
        app_env, media, tmp_path, role, la_code) -> None:
    ref = load_reference()
    viewer = Viewer(user="t", role=role, la_code=la_code)
    allowed = access.child_level_councils(viewer, ref)
    with connect(app_env) as con:
        values = personalkit.identifiers(con)
    upload, upload_ids = rejected_upload(tmp_path, ref)
    values[UPLOAD_COUNCIL] = values.get(UPLOAD_COUNCIL, set()) | upload_ids
    state = appstate.AppState.beside(warehouse.Warehouse(app_env))
    for name in SAVED:
        saved_scenarios.save(state, parse_scenario(DEFAULT_SCENARIO | {"name": name}),
                             Viewer(user="hos.test", role="hos"))
    texts: list[str] = []
    names: list[str] = []
    for page in access.pages(viewer, ref):
        at = open_with_choices(role, la_code, page, upload)
        files = downloads(at, media[-1])
        exported = {r["detail"] for r in appstate.audit_rows(state, limit=5000) if r["action"] == "export"}
        for name, data in files.values():
            text = text_of(name, data)
            assert not personalkit.found(text, values, allowed), (role, la_code, page, name)
            assert f"Downloaded the file {name}." in exported, (page, name)
            texts.append(text)
            names.append(name)
    assert names, "every role is offered some download"
    if allowed:  # the same search finds a council's own identifiers where its child-level users may see them
        assert personalkit.found("\n".join(texts), {la: values[la] for la in allowed if la in values})
    if UPLOAD_COUNCIL in allowed:
        assert personalkit.found("\n".join(texts), {UPLOAD_COUNCIL: {"KC-0009"}}), "the drop's issues name the row"
    if role == "hos":  # opens every page and is offered every choice: each download behind a choice was read
        assert all(any(n.startswith(f"raa_{what}_") for n in names) for what in AFTER_CHOICE), sorted(names)
