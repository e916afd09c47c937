"""The palette meets WCAG 2.2 AA contrast: 3:1 for marks on white (1.4.11), 4.5:1 for text (1.4.3)."""

from __future__ import annotations

import pytest

from raa_core.presentation import palette
from raa_core.reference import Council, load_reference

pytestmark = pytest.mark.core


def test_contrast_matches_the_wcag_reference_values() -> None:
    assert palette.contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert palette.contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1)
    assert palette.contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey for text on white
    assert palette.contrast("#FFFFFF", "#767676") == palette.contrast("#767676", "#FFFFFF")
    with pytest.raises(ValueError):
        palette.rgb("red")


@pytest.mark.parametrize("name", list(palette.GRAPHICS))
def test_every_mark_colour_reaches_3_to_1_on_white(name: str) -> None:
    assert palette.contrast(palette.GRAPHICS[name]) >= palette.GRAPHICS_MIN, name


@pytest.mark.parametrize("name", list(palette.TEXT_PAIRS))
def test_every_text_colour_reaches_4_5_to_1_on_its_background(name: str) -> None:
    text, background = palette.TEXT_PAIRS[name]
    assert palette.contrast(text, background) >= palette.TEXT_MIN, name


def test_every_councils_chart_colour_reaches_3_to_1() -> None:
    colours = load_reference().council_colours()
    assert colours and all(palette.contrast(c) >= palette.GRAPHICS_MIN for c in colours.values()), colours


def test_reference_data_refuses_a_council_colour_too_light_to_see() -> None:
    with pytest.raises(ValueError, match="too light"):
        Council(la_code=999, name="Somewhere", short_name="Some", london=False, colour="#E69F00")
    assert Council(la_code=999, name="Somewhere", short_name="Some", london=False, colour="#0072B2").colour


def test_every_colour_the_palette_names_is_listed_for_a_check() -> None:
    """A colour added to the palette without a place in GRAPHICS or TEXT_PAIRS would escape the checks above."""
    checked = set(palette.GRAPHICS.values()) | {c for pair in palette.TEXT_PAIRS.values() for c in pair}
    named = {v for k, v in vars(palette).items() if k.isupper() and isinstance(v, str) and v.startswith("#")}
    named |= {c for k, v in vars(palette).items() if k.isupper() and isinstance(v, tuple | dict)
              for c in (v.values() if isinstance(v, dict) else v) if isinstance(c, str) and c.startswith("#")}
    decorative = {palette.PERIOD_SHADE}  # a band behind the chosen period; the caption says what it is
    assert named - checked - decorative == set()
