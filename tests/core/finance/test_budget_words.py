"""The budget page's words that carry a rule (the baseline year, the pay award, an entered share) come from
raa_core, so the page places them and a change of reference or year changes them in one place."""

from __future__ import annotations

from decimal import Decimal

from raa_core.finance import budget, budget_tables, settlement
from raa_core.reference import load_reference


def test_baseline_and_pay_award_words_name_the_baseline_year_and_the_reference_award() -> None:
    ref = load_reference()
    assert budget.BASELINE_YEAR in budget_tables.baseline_caption()
    assert budget_tables.pay_award_title() == f"Year-1 contributions: the {budget.BASELINE_YEAR} baseline plus the pay award"
    assert ref.settings.pay_award_2020_21_pct == Decimal("2.75")
    assert budget_tables.pay_award_caption(ref) == (
        "Staffing lines recharged quarterly carry the 2.75% pay award; other lines are unchanged.")
    whole = ref.model_copy(update={"settings": ref.settings.model_copy(update={"pay_award_2020_21_pct": Decimal(3)})})
    assert "carry the 3% pay award" in budget_tables.pay_award_caption(whole)


def test_an_entered_share_is_the_exact_decimal_written() -> None:
    assert settlement.entered_share(33.33) == Decimal("33.33")
    assert settlement.entered_share(0.1) == Decimal("0.10")
    assert settlement.entered_share(12.5) == Decimal("12.5")
