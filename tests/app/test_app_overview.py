"""AppTest: the Overview and Data drops pages on the sample warehouse."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from conftest import APP, SAMPLE_TODAY, signed_in
from factories import snap
from raa_core.ingest import freshness
from raa_core.presentation import count_noun, date_text
from raa_core.store import warehouse


def run_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def test_overview_shows_each_councils_freshness_from_raa_core(app_env, ref) -> None:
    at = run_app()
    assert at.title[0].value == "Overview"
    con = warehouse.Warehouse(app_env).connect()
    try:
        status = freshness.council_status(snap(con, ref=ref, today=SAMPLE_TODAY))
    finally:
        con.close()
    for dataset, label in (("performance", "Performance data"), ("finance", "Finance data")):
        shown = [m.value for m in at.metric if m.label == label]
        assert shown == [date_text(d) for d in status[f"{dataset}_drop"]]
        flags = [m.value for m in at.markdown if m.value.endswith(label.lower())]
        assert [("Stale" in f) for f in flags] == list(status[f"{dataset}_stale"])
    held = [m.value for m in at.markdown if "drops held" in m.value]
    assert held == [f"{count_noun(r.drops_held, 'drop')} held · {count_noun(r.open_warnings, 'open warning')}"
                    for r in status.itertuples()]
    table = at.dataframe[0].value
    assert list(table["Child journeys"]) == list(status["children_rows"])


def test_overview_flags_stale_councils(councils_drops, monkeypatch: pytest.MonkeyPatch, ref) -> None:
    later = SAMPLE_TODAY + dt.timedelta(days=ref.settings.freshness_days["performance"] + 5)
    monkeypatch.setenv("RAA_TODAY", later.isoformat())
    at = run_app()
    flags = [m.value for m in at.markdown if m.value.endswith("performance data")]
    assert len(flags) == 3 and all("Stale" in f for f in flags)
    finance = [m.value for m in at.markdown if m.value.endswith("finance data")]
    assert len(finance) == 3 and not any("Stale" in f for f in finance)  # 35 days for finance
    assert not any("Sample data" in i.value for i in at.info)


def test_fresh_first_start_months_later_shows_the_sample_as_current(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer who clones the repo months from now: first start builds the sample, labelled "sample data",
    with no stale warnings on day one."""
    import streamlit as st

    from conftest import SAMPLE_DROPS, _add_test_users, _serve_through_app_py, signed_in

    _serve_through_app_py(monkeypatch)

    monkeypatch.setenv("RAA_DB", str(tmp_path / "fresh" / "raa.duckdb"))
    monkeypatch.setenv("RAA_DROPS", str(SAMPLE_DROPS))
    monkeypatch.setenv("RAA_TODAY", "2027-08-01")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert [s.label for s in at.status] == ["Warehouse built: 27 drops loaded, 0 rejected"]
    # the first start ends on the sign-in screen; sign in as the Head of Service and look at the Overview
    _add_test_users(tmp_path / "fresh" / "raa.duckdb")
    signed_in(at)
    at.run()
    assert not at.exception, at.exception
    assert any("Sample data" in i.value and "20 Nov 2026" in i.value for i in at.info)
    flags = [m.value for m in at.markdown if m.value.endswith(" data")]
    assert len(flags) == 6 and not any("Stale" in f for f in flags)
    assert not [w.value for w in at.warning if "Demo users" not in w.value]  # no stale or other warning
    # the pages show the sample as at its own date, not the calendar's (review: "2026-27 is not over" beside
    # "as at 2027-08-01", and children waiting counted 8 months after the newest drop)
    assert at.text_input(key="as_at").value == "20 Nov 2026"
    assert any("partner councils on 20 Nov 2026" in c.value for c in at.caption)
    at.switch_page("pages/local_performance.py").run()
    assert not at.exception, at.exception
    assert any(i.value.startswith("2026-27 is not over: its figures run to 20 Nov 2026") for i in at.info)
    st.cache_data.clear()
    st.cache_resource.clear()


def test_first_start_builds_the_warehouse_from_bundled_drops(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    from conftest import SAMPLE_DROPS

    db = tmp_path / "fresh" / "raa.duckdb"
    monkeypatch.setenv("RAA_DB", str(db))
    monkeypatch.setenv("RAA_DROPS", str(SAMPLE_DROPS))
    monkeypatch.setenv("RAA_TODAY", SAMPLE_TODAY.isoformat())
    st.cache_data.clear()
    st.cache_resource.clear()
    assert warehouse.current_file(db) is None
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert [s.label for s in at.status] == ["Warehouse built: 27 drops loaded, 0 rejected"]
    first = warehouse.version(db)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.status, "a later start reuses the warehouse"
    assert warehouse.version(db) == first
    st.cache_data.clear()
    st.cache_resource.clear()


def test_app_shows_a_new_ingest_on_the_next_run(app_env, tmp_path, ref) -> None:
    """A scheduled ingest publishes a new version while the app runs; the next rerun shows it."""
    import dropkit as dk
    from raa_core.ingest import drops

    at = run_app()
    before = [m.value for m in at.markdown if "drops held" in m.value]
    assert "9 drops held" in before[0]
    dk.write_drop(tmp_path / "new", 303, "2026-11-22", children=[
        {**r, "child_id": r["child_id"].replace("KC", "BX")} for r in dk.children()])
    report = drops.ingest(app_env, tmp_path / "new", ref, today=SAMPLE_TODAY)
    assert report.by("accepted")
    at.run()
    after = [m.value for m in at.markdown if "drops held" in m.value]
    assert after, (at.exception, [e.value for e in at.error], [m.value for m in at.markdown][:8])
    assert "10 drops held" in after[0] and after[1:] == before[1:]
    assert next(m.value for m in at.metric if m.label == "Performance data") == "22 Nov 2026"


@pytest.mark.parametrize(("role", "la_code", "links"), [
    ("hos", None, ["Regional performance", "Local performance", "Pooled budget", "Contribution scenarios", "Board pack",
                   "Data drops", "Audit", "Users"]),
    ("board", None, ["Regional performance", "Pooled budget", "Contribution scenarios", "Board pack"]),
    ("finance", None, ["Regional performance", "Local performance", "Pooled budget", "Contribution scenarios"]),
    ("council_analyst", 887, ["Regional performance", "Local performance", "Data drops"]),
    ("admin", None, ["Data drops", "Audit", "Users"]),
])
def test_overview_links_follow_the_role(app_env, role, la_code, links) -> None:
    at = signed_in(AppTest.from_file(APP, default_timeout=60), role, la_code)
    at.run()
    assert not at.exception
    # the "Go to" links (the accessibility statement's link at the foot of the sidebar is on every page)
    assert [p.label for p in at.get("page_link") if p.label != "Accessibility statement"] == links
