"""SSDA903 files as children data: reading the files, each derived column's rule, the DfE checks, and 903 drops
giving the same rows and figures as the same journeys sent as Parquet (docs/ssda903.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import ssda903kit as k9
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dropkit as dk
from raa_core.ingest import drops
from raa_core.ingest import ssda903 as s9
from raa_core.ingest.drops import DropFolder

D = dt.date
TODAY = D(2022, 10, 10)


def ep(decom: dt.date, rne: str, ls: str, place: str, dec: dt.date | None = None, rec: str | None = None,
       provider: str = "PR1", urn: str | None = None, row: int = 0) -> s9.Episode:
    return s9.Episode(row, "C1", decom, rne, ls, place, provider, dec, rec, urn)


def period(*steps: tuple[dt.date, str, str, str], end: dt.date | None = None, rec: str | None = None,
           provider: str = "PR1") -> list[s9.Episode]:
    """Contiguous episodes of one period (X1 between them), as the mapping sees them."""
    out = []
    for i, (decom, rne, ls, place) in enumerate(steps):
        last = i == len(steps) - 1
        out.append(ep(decom, rne, ls, place, end if last else steps[i + 1][0], rec if last else "X1", provider,
                      row=i))
    return out


# ---------------------------------------------------------------- periods of care


def test_periods_of_care_end_and_restart_at_each_rne_s() -> None:
    eps = [*period((D(2018, 1, 1), "S", "C2", "U1"), end=D(2018, 6, 1), rec="E4A"),
           *period((D(2019, 2, 1), "S", "C2", "U1"), (D(2019, 5, 1), "L", "E1", "U1"))]
    periods = s9.periods_of_care(eps)
    assert [s9.entered_care_date(p) for p in periods] == [D(2018, 1, 1), D(2019, 2, 1)]
    assert s9.period_end(periods[0]) == D(2018, 6, 1) and s9.period_end(periods[1]) is None


def test_x1_end_and_new_episode_the_same_day_stay_one_period() -> None:
    eps = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 3, 1), "P", "C2", "U3"), (D(2018, 9, 1), "L", "E1", "U3"))
    assert len(s9.periods_of_care(eps)) == 1
    assert s9.placement_order_date(eps) == D(2018, 9, 1)


def test_placement_order_date_is_first_e1_or_d1_episode() -> None:
    assert s9.placement_order_date(period((D(2018, 1, 1), "S", "D1", "U1"), (D(2018, 2, 1), "L", "E1", "U1"))) \
        == D(2018, 1, 1)
    assert s9.placement_order_date(period((D(2018, 1, 1), "S", "C2", "U1"))) is None


def test_adm_decision_is_placed_adoption_date_within_the_period() -> None:
    p = period((D(2019, 2, 1), "S", "C2", "U1"))
    placed = [s9.Placed(0, D(2018, 3, 1), None, None), s9.Placed(1, D(2019, 4, 1), None, None)]
    assert s9.adm_decision_date(p, placed) == D(2019, 4, 1)
    assert s9.adm_decision_date(p, placed[:1]) is None  # an earlier period's decision


# ---------------------------------------------------------------- placements


def test_placed_under_consent_a3_a4_without_an_order() -> None:
    p = period((D(2018, 1, 1), "S", "V2", "U1"), (D(2018, 5, 1), "P", "V2", "A4"))
    assert s9.placed_date(p) == D(2018, 5, 1)
    assert s9.placed_with_consent(p) is True
    assert s9.placement_order_date(p) is None
    a5 = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 3, 1), "L", "E1", "U1"), (D(2018, 5, 1), "P", "E1", "A6"))
    assert s9.placed_with_consent(a5) is False


def test_fostering_for_adoption_u2_u5_before_a5_is_early_permanence() -> None:
    for place in ("U2", "U5"):
        p = period((D(2018, 1, 1), "S", "C2", place), (D(2018, 3, 1), "L", "E1", place),
                   (D(2018, 6, 1), "T", "E1", "A5"))
        assert s9.early_permanence(p) is True
        assert s9.fostered_by_adopters_from(p, None) == D(2018, 1, 1)
    assert s9.early_permanence(period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 6, 1), "P", "E1", "A6"))) is False
    # U2 but never placed for adoption: not (yet) an early permanence placement in the contract's sense
    assert s9.early_permanence(period((D(2018, 1, 1), "S", "C2", "U2"))) is False


def test_adopted_by_foster_carers_follows_the_chain_of_same_carer_episodes() -> None:
    p = period((D(2017, 6, 1), "S", "C2", "U1"), (D(2018, 1, 1), "P", "C2", "U4"), (D(2018, 4, 1), "L", "E1", "U4"),
               (D(2018, 7, 1), "U", "E1", "U4"), (D(2019, 1, 1), "T", "E1", "A5"), end=D(2019, 9, 1), rec="E11")
    ad1 = s9.Ad1(0, None, D(2018, 12, 1), "1")
    # the carers changed on 1 January 2018 (RNE P): the time with them starts there
    assert s9.fostered_by_adopters_from(p, ad1) == D(2018, 1, 1)
    # FOSTER_CARE 1 alone (an A6 placement reached with RNE T) also counts
    a6 = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 5, 1), "T", "E1", "A6"))
    assert s9.fostered_by_adopters_from(a6, s9.Ad1(0, None, None, "1")) == D(2018, 1, 1)
    assert s9.fostered_by_adopters_from(a6, s9.Ad1(0, None, None, "0")) is None
    # new carers at the placement itself: no time with them before
    new = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 5, 1), "P", "E1", "A5"))
    assert s9.fostered_by_adopters_from(new, None) is None


def test_adoption_order_is_dec_of_e11_or_e12_episode() -> None:
    for rec in ("E11", "E12"):
        p = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 5, 1), "P", "E1", "A6"), end=D(2019, 2, 3), rec=rec)
        assert s9.adoption_order_date(p) == D(2019, 2, 3)
    assert s9.adoption_order_date(period((D(2018, 1, 1), "S", "C2", "U1"), end=D(2019, 1, 1), rec="E4A")) is None


def test_disruption_then_placed_again() -> None:
    p = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 3, 1), "L", "E1", "U1"), (D(2018, 5, 1), "P", "E1", "A6"),
               (D(2018, 9, 1), "P", "E1", "U3"), (D(2019, 3, 1), "P", "E1", "A6"))
    assert s9.disruption_date(p) == D(2018, 9, 1)
    assert s9.placed_date(p) == D(2019, 3, 1)  # the contract's meaning: the new placement
    waiting = p[:4]
    assert s9.disruption_date(waiting) == D(2018, 9, 1) and s9.placed_date(waiting) == D(2018, 5, 1)
    adopted = period((D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 5, 1), "P", "E1", "A6"), end=D(2019, 1, 1),
                     rec="E11")
    assert s9.disruption_date(adopted) is None


def test_plan_reversals_rd1_to_rd4_in_words() -> None:
    p = period((D(2018, 1, 1), "S", "C2", "U1"))
    for rd, words in s9.REVERSAL_REASONS.items():
        placed = [s9.Placed(0, D(2018, 2, 1), D(2018, 8, 1), rd)]
        assert s9.plan_reversed(p, placed) == (D(2018, 8, 1), words)
    assert s9.plan_reversed(p, [s9.Placed(0, D(2018, 2, 1), None, None)]) == (None, None)
    assert set(s9.REVERSAL_REASONS) == {"RD1", "RD2", "RD3", "RD4"}


def test_interagency_from_the_placements_provider() -> None:
    def placed(provider: str, urn: str | None = None) -> list[s9.Episode]:
        return [ep(D(2018, 1, 1), "S", "C2", "U1", D(2018, 5, 1), "X1"),
                ep(D(2018, 5, 1), "P", "E1", "A6", provider=provider, urn=urn)]
    assert s9.interagency(placed("PR2")) and s9.interagency(placed("PR5"))
    assert not s9.interagency(placed("PR1"))
    assert not s9.interagency(placed("PR2", s9.RAA_URN), own_raa_pr2=True)  # the RAA hosted by another council
    assert s9.interagency(placed("PR2", "SC12345"), own_raa_pr2=True)


def test_matched_date_from_ad1() -> None:
    p = period((D(2018, 1, 1), "S", "C2", "U1"))
    assert s9.matched_date(p, s9.Ad1(0, None, D(2018, 4, 1), "0")) == D(2018, 4, 1)
    assert s9.matched_date(p, None) is None


def test_a_period_is_a_journey_with_an_adm_decision_or_an_adoptive_placement() -> None:
    p = period((D(2018, 1, 1), "S", "C2", "U1"))
    assert not s9.in_journey(p, [])
    assert s9.in_journey(p, [s9.Placed(0, D(2018, 2, 1), None, None)])


# ---------------------------------------------------------------- reading the files


def test_tables_go_by_their_header_set_not_the_file_name() -> None:
    assert s9.recognise(list(reversed(s9.TABLE_HEADERS["Episodes"]))) == ("Episodes", True)
    assert s9.recognise([" child ", "dob", "review", "REVIEW_CODE"]) == ("Reviews", False)
    assert s9.recognise(["CHILD", "X"]) == (None, False)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_utf8_with_or_without_bom_and_windows_1252_are_read(encoding: str) -> None:
    data = k9.csv_bytes("Header", [k9.header("Zoë-1", "2", D(2017, 1, 1))], encoding)
    read = s9.read_files({"h.csv": data})
    assert not read.issues
    assert read.tables["Header"].rows[0]["CHILD"] == "Zoë-1"
    assert "UPN" not in read.tables["Header"].rows[0]  # personal columns are dropped on reading


def test_utf16_refused_with_how_to_resave_and_bad_bytes_located() -> None:
    data = k9.csv_bytes("Header", [k9.header("C1", "1", D(2017, 1, 1))]).decode().encode("utf-16")
    [issue] = s9.read_files({"h.csv": data}).issues
    assert issue.rule == "ssda903_encoding" and "CSV UTF-8" in issue.message
    bad = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nC1,1,01/01/2017,WBRI,,,\r\nC\x81,1,01/01/2017,,,,\r\n"
    [issue] = s9.read_files({"h.csv": bad}).issues
    assert "line 3" in issue.message


def test_other_903_tables_ignored_with_a_note_and_unknown_csv_is_an_error() -> None:
    reviews = b"CHILD,DOB,REVIEW,REVIEW_CODE\r\n"
    odd = b"CHILD,DECOM,RNE\r\n"
    read = s9.read_files({"r.csv": reviews, "x.csv": odd})
    by = {i.file: i for i in read.issues}
    assert by["r.csv"].severity == "warning" and by["r.csv"].rule == "ssda903_table_ignored"
    assert by["x.csv"].severity == "error" and "closest to the Episodes table" in by["x.csv"].message


def test_dates_dmy_or_iso_and_anything_else_located_by_file_column_and_row() -> None:
    assert s9.parse_date("07/10/2022") == D(2022, 10, 7) and s9.parse_date("2022-10-07") == D(2022, 10, 7)
    with pytest.raises(ValueError):
        s9.parse_date("10/2022")
    files = {"h.csv": k9.csv_bytes("Header", [k9.header("C1", "1", D(2017, 1, 1)),
                                              {"CHILD": "C2", "SEX": "1", "DOB": "2017/01/01"}]),
             "e.csv": k9.csv_bytes("Episodes", [])}
    [issue] = [i for i in s9.derive(s9.read_files(files)).issues if i.rule == "ssda903_bad_date"]
    assert (issue.file, issue.column, issue.rows) == ("h.csv", "DOB", [1])
    assert "row 2 (the first data row is row 1)" in issue.message


# ---------------------------------------------------------------- DfE rules


def _derive(episodes: list[dict], ad1: list[dict] | None = None, placed: list[dict] | None = None) -> s9.Derived:
    files = {"h.csv": k9.csv_bytes("Header", [k9.header("C1", "1", D(2017, 1, 1))]),
             "e.csv": k9.csv_bytes("Episodes", episodes), "a.csv": k9.csv_bytes("AD1", ad1 or []),
             "p.csv": k9.csv_bytes("PlacedAdoption", placed or [])}
    return s9.derive(s9.read_files(files))


def _rules(d: s9.Derived) -> dict[str, tuple[str, str | None, list[int] | None]]:
    return {i.rule: (i.severity, i.column, i.rows) for i in d.issues}


def test_dfe_390_adopted_from_a_non_adoptive_placement() -> None:
    d = _derive(k9.chain("C1", [(D(2018, 1, 1), "S", "E1", "U1")], end=D(2019, 1, 1), rec="E11"),
                placed=[{"CHILD": "C1", "DATE_PLACED": D(2018, 2, 1)}])
    assert _rules(d)["ssda903_390"] == ("warning", "REC", [0])


def test_dfe_408_a5_a6_needs_placement_order() -> None:
    d = _derive(k9.chain("C1", [(D(2018, 1, 1), "S", "C2", "U1"), (D(2018, 5, 1), "P", "C2", "A6")]))
    assert _rules(d)["ssda903_408"] == ("error", "LS", [1])
    assert "DfE rule 408" in next(i.message for i in d.issues if i.rule == "ssda903_408")


def test_dfe_335_foster_care_flag_against_the_placement() -> None:
    eps = k9.chain("C1", [(D(2018, 1, 1), "S", "E1", "U1"), (D(2018, 5, 1), "P", "E1", "A6")], end=D(2019, 1, 1),
                   rec="E11")
    d = _derive(eps, ad1=[{"CHILD": "C1", "DATE_MATCH": D(2018, 4, 1), "FOSTER_CARE": "1"}])
    assert _rules(d)["ssda903_335"] == ("warning", "FOSTER_CARE", [0])


def test_dfe_523_date_int_equals_date_placed() -> None:
    eps = k9.chain("C1", [(D(2018, 1, 1), "S", "E1", "U1"), (D(2018, 5, 1), "P", "E1", "A6")], end=D(2019, 1, 1),
                   rec="E11")
    d = _derive(eps, ad1=[{"CHILD": "C1", "DATE_INT": D(2018, 2, 2), "DATE_MATCH": D(2018, 4, 1),
                           "FOSTER_CARE": "0"}], placed=[{"CHILD": "C1", "DATE_PLACED": D(2018, 2, 1)}])
    assert _rules(d)["ssda903_523"] == ("warning", "DATE_INT", [0])


def test_dfe_217_a3_a5_starts_with_s_t_or_u() -> None:
    d = _derive(k9.chain("C1", [(D(2018, 1, 1), "S", "E1", "U1"), (D(2018, 5, 1), "P", "E1", "A5")]))
    assert _rules(d)["ssda903_217"] == ("warning", "RNE", [1])


def test_overlapping_episodes_and_dec_before_decom_located_by_row() -> None:
    eps = [k9.episode("C1", D(2018, 1, 1), "S", "C2", "U1", D(2018, 6, 1), "X1"),
           k9.episode("C1", D(2018, 3, 1), "P", "C2", "U3", D(2018, 2, 1), "X1")]
    rules = _rules(_derive(eps))
    assert rules["ssda903_episodes_overlap"] == ("error", "DECOM", [1])
    assert rules["ssda903_episode_dates"] == ("error", "DEC", [1])


# ---------------------------------------------------------------- as a drop


def _adopters_only(folder: Path) -> None:
    dk.write_drop(folder.parent.parent, 886, folder.name, children=None, ledger=None, budget=None,
                  establishment=None)


def test_a_903_drop_is_checked_and_says_its_form(tmp_path: Path, ref) -> None:
    folder = tmp_path / "886" / "2022-10-07"
    j = k9.Journey("KC-1", "F", D(2016, 5, 1), D(2017, 1, 10), 60, 120, 200, "A5", "PR1", True, 20, 150)
    k9.write_journeys(folder, [j])
    _adopters_only(folder)
    result = drops.check_only(DropFolder("886/2022-10-07", folder, 886, D(2022, 10, 7)), ref, TODAY)
    assert result.outcome == "accepted", [i.located() for i in result.errors]
    assert result.children_form == "903" and result.as_cli()["children_form"] == "903"
    assert "SSDA903" in result.form_text()


def test_derived_rows_pass_every_contract_rule_or_are_refused_as_derived(tmp_path: Path, ref) -> None:
    folder = tmp_path / "886" / "2022-10-07"
    # sex U is not known: the contract needs M or F, so the derived row breaks a contract rule
    k9.write_903(folder, header_rows=[k9.header("KC-1", "U", D(2016, 5, 1))],
                 episodes=k9.chain("KC-1", [(D(2017, 1, 10), "S", "C2", "U1")]),
                 placed=[{"CHILD": "KC-1", "DATE_PLACED": D(2017, 3, 1)}])
    result = drops.check_only(DropFolder("886/2022-10-07", folder, 886, D(2022, 10, 7)), ref, TODAY)
    [err] = [e for e in result.errors if e.column == "sex"]
    assert err.file == drops.DERIVED_903 and "KC-1" in err.message
    assert "in the 903 files: f2.csv, row 1 (the first data row is row 1)" in err.message


def test_903_files_beside_children_parquet_are_refused(tmp_path: Path, ref) -> None:
    folder = dk.write_drop(tmp_path, 886, "2022-10-07")
    k9.write_journeys(folder, [k9.Journey("KC-9", "F", D(2016, 5, 1), D(2017, 1, 10), 60, None, None, "A5", "PR1",
                                          False, 0, None)])
    result = drops.check_only(DropFolder("886/2022-10-07", folder, 886, D(2022, 10, 7)), ref, TODAY)
    assert "ssda903_and_children_file" in {e.rule for e in result.errors}


# ---------------------------------------------------------------- the same journeys in both forms

_DAY0 = D(2015, 1, 1)


@st.composite
def journeys(draw: st.DrawFn, i: int) -> k9.Journey:
    entered = _DAY0 + dt.timedelta(days=draw(st.integers(0, 1300)))
    dob = entered - dt.timedelta(days=draw(st.integers(0, 2000)))
    placed = draw(st.one_of(st.none(), st.integers(30, 500)))
    adm = draw(st.one_of(st.none(), st.integers(0, placed if placed is not None else 500)))
    if placed is None and adm is None:
        adm = 10
    order = draw(st.one_of(st.none(), st.integers(1, 500)))
    under_order = order is not None and placed is not None and order <= placed
    place = draw(st.sampled_from(["A5", "A6"] if under_order else ["A3", "A4"]))
    adopted = draw(st.one_of(st.none(), st.integers(1, 300))) if placed is not None else None
    return k9.Journey(f"KC-{i}", draw(st.sampled_from(["M", "F"])), dob, entered, adm, order, placed, place,
                      draw(st.sampled_from(["PR1", "PR2", "PR5"])), draw(st.booleans()),
                      draw(st.integers(0, 29)), adopted)


many = st.integers(1, 8).flatmap(lambda n: st.tuples(*[journeys(i) for i in range(n)]))


@settings(max_examples=60, deadline=None)
@given(js=many)
def test_journeys_as_903_files_give_the_contract_rows(js: tuple[k9.Journey, ...]) -> None:
    parts: list[list[dict]] = [[], [], [], []]
    for j in js:
        for part, rows in zip(parts, j.files(), strict=True):
            part += rows
    files = {f"{n}.csv": k9.csv_bytes(t, rows) for n, (t, rows) in
             enumerate(zip(["Header", "Episodes", "AD1", "PlacedAdoption"], parts, strict=True))}
    derived = s9.derive(s9.read_files(files))
    assert not [i for i in derived.issues if i.severity == "error"], [i.message for i in derived.issues]
    assert sorted(derived.rows, key=lambda r: r["child_id"]) == [j.row() for j in sorted(js, key=lambda j: j.child)]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(js=many)
def test_903_and_parquet_drops_give_the_same_a1_a2_a3_a10(tmp_path_factory, ref, js) -> None:
    from factories import req, snap
    from raa_core.performance import indicators
    from raa_core.store import warehouse

    # one journey always adopted within the periods compared, so the figures are never all empty
    js = (k9.Journey("KC-F", "M", D(2016, 1, 1), D(2017, 3, 1), 30, 90, 200, "A5", "PR1", False, 10, 200), *js)
    figures = []
    for form in ("903", "parquet"):
        base = tmp_path_factory.mktemp(form)
        folder = base / "drops" / "886" / "2022-10-07"
        if form == "903":
            k9.write_journeys(folder, list(js))
            _adopters_only(folder)
        else:
            dk.write_drop(base / "drops", 886, "2022-10-07", children=[j.row() for j in js])
        report = drops.ingest(base / "wh" / "raa.duckdb", base / "drops", ref, today=TODAY)
        assert report.by("accepted"), [i.located() for r in report.results for i in r.errors]
        con = warehouse.Warehouse(base / "wh" / "raa.duckdb").connect()
        try:
            frames = [indicators.scorecard(snap(con, ref, TODAY), req(p)) for p in ("2018-19", "2019-20", "2020-21")]
        finally:
            con.close()
        figures.append([f[f["indicator"].isin(["A1", "A2", "A3", "A10"])].reset_index(drop=True) for f in frames])
    assert any(f["n"].sum() > 0 for f in figures[0])
    for a, b in zip(*figures, strict=True):
        assert a.equals(b)
