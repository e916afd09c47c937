"""How the forecast follows adopter households (docs/forecast.md, "How it works", 1): registration and stage 1
are counted in the first (enquiry) stage, which starts at the enquiry, else the registration, else stage 1's end;
the Forecast page says so."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from raa_core.forecast import model as fm
from raa_core.forecast.journeys import ADVANCE, OPEN, from_frames, month_of
from raa_core.presentation import forecast_text as ft

AS_AT = dt.date(2025, 3, 31)
D = dt.date


def households() -> pd.DataFrame:
    # A: enquiry, registration, stage 2, approval; B: registration only then stage 2; C: stage 1 end only
    return pd.DataFrame({
        "area": ["886", "886", "886"],
        "enquiry_date": [D(2024, 1, 10), D(2024, 5, 2), D(2024, 9, 30)],  # the query's coalesce, as read
        "roi_date": [D(2024, 2, 20), D(2024, 5, 2), None],
        "stage2_start_date": [D(2024, 6, 1), D(2024, 8, 1), None],
        "approval_date": [D(2024, 12, 5), None, None],
        "matched_date": [None, None, None], "withdrawn_date": [None, None, None], "children_placed": [0, 0, 0],
    })


def test_registration_is_within_the_first_stage() -> None:
    children = pd.DataFrame(columns=["area", "adm_decision_date", "placement_order_date", "matched_date",
                                     "placed_date", "adoption_order_date", "plan_reversed_date", "disruption_date",
                                     "interagency", "sibling"])
    j = from_frames(children, households(), AS_AT, ("886",))
    s = j.adopters
    assert fm.ADOPTER_STAGES == 3 and set(s.stage) == {0, 1, 2}
    first = s.stage == 0
    # A's first spell runs from its enquiry (January) to stage 2 (June): the registration in February is inside it
    assert sorted(zip(s.entry[first], s.end[first], s.outcome[first], strict=True)) == [
        (month_of(D(2024, 1, 1)), month_of(D(2024, 6, 1)), ADVANCE),
        (month_of(D(2024, 5, 1)), month_of(D(2024, 8, 1)), ADVANCE),
        (month_of(D(2024, 9, 1)), 10**7, OPEN)]
    # approvals are the moves out of stage 2 (stage index 1): one, in December
    approved = (s.stage == 1) & (s.outcome == ADVANCE)
    assert s.end[approved].tolist() == [month_of(D(2024, 12, 1))]
    assert np.all(s.first == first)


def test_the_page_note_says_registration_is_in_the_first_stage() -> None:
    note = ft.ADOPTER_STAGES_NOTE
    assert "Registration" in note and "stage 1 are counted in the first stage" in note and "Why" in note


def test_the_first_stage_starts_at_the_enquiry_else_the_registration_else_stage_1s_end() -> None:
    from raa_core.forecast.journeys import ADOPTERS_SQL

    assert "coalesce(a.enquiry_date, a.roi_date, a.stage1_end_date) AS enquiry_date" in ADOPTERS_SQL
