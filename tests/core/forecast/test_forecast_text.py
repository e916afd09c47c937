"""The forecast's words (raa_core/presentation/forecast_text.py): the approvals-gap sentence and the tables."""

from __future__ import annotations

import datetime as dt

from raa_core.presentation import forecast_text as ft


def test_gap_sentence_in_words() -> None:
    by = dt.date(2027, 3, 31)
    assert ft.gap_sentence("the RAA", by, 38.2, 25, 52) == (
        "To match the children forecast to need a family by March 2027, the RAA needs about 38 more approvals "
        "than its pipeline will give (80% range 25 to 52).")
    assert ft.gap_sentence("Kent", by, -14.3, -27, -2) == (
        "To match the children forecast to need a family by March 2027, Kent's pipeline should give about 14 more "
        "approvals than it needs (80% range 2 to 27 more).")
    assert ft.gap_sentence("Medway", by, 0.8, -8, 10) == (
        "To match the children forecast to need a family by March 2027, Medway needs about as many approvals as "
        "its pipeline will give (80% range: from 8 fewer to 10 more than the pipeline gives).")


def test_figures_as_text() -> None:
    from decimal import Decimal

    assert ft.figure_text("matches", 12.0) == "12" and ft.figure_text("matches", 12.4) == "12.4"
    assert ft.figure_text("interagency_fees_gbp", Decimal("25228.40")) == "£25,228"


def test_pooling_caption_names_each_councils_own_share(ref) -> None:
    import pandas as pd

    class F:
        pooling = pd.DataFrame({"area": ["303", "886"], "children_weight": [0.554, 0.927]})

    text = ft.pooling_caption(F(), ref)  # type: ignore[arg-type]
    assert text.endswith("Bexley 55%, Kent 93%.")
