"""Making Data Count variation and assurance icons as inline SVG with text equivalents."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from charts.spc_icons import ASSURANCE_NAMES, VARIATION_NAMES, assurance_icon_svg, variation_icon_svg
from domain.spc import (
    ASSURANCE_DESCRIPTIONS,
    COMMON_CAUSE_COLOUR,
    CONCERN_COLOUR,
    IMPROVEMENT_COLOUR,
    NEUTRAL_COLOUR,
    VARIATION_DESCRIPTIONS,
)

SVG = "{http://www.w3.org/2000/svg}"


def _ring_colour(svg: str) -> str:
    return ET.fromstring(svg).find(f"{SVG}circle").get("stroke")


def _letter(svg: str) -> str | None:
    text = ET.fromstring(svg).find(f"{SVG}text")
    return None if text is None else text.text


def test_every_domain_icon_has_a_name():
    """Each variation and assurance icon domain.spc can return has a drawing and a name."""
    assert set(VARIATION_NAMES) == set(VARIATION_DESCRIPTIONS)
    assert set(ASSURANCE_NAMES) == set(ASSURANCE_DESCRIPTIONS)


@pytest.mark.parametrize("icon", sorted(VARIATION_DESCRIPTIONS))
def test_variation_icons_are_labelled_images(icon):
    """Each variation icon is valid SVG with role img, its name as aria-label and title, and its meaning."""
    root = ET.fromstring(variation_icon_svg(icon))
    assert root.get("role") == "img"
    assert root.get("aria-label") == VARIATION_NAMES[icon] == root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text == VARIATION_DESCRIPTIONS[icon]


@pytest.mark.parametrize(
    ("icon", "colour", "letter"),
    [
        ("common_cause", COMMON_CAUSE_COLOUR, None),
        ("special_cause_improvement_high", IMPROVEMENT_COLOUR, "H"),
        ("special_cause_concern_low", CONCERN_COLOUR, "L"),
        ("special_cause_neutral_high", NEUTRAL_COLOUR, "H"),
    ],
)
def test_variation_icon_colour_and_letter(icon, colour, letter):
    """The ring takes the MDC colour of the variation; special cause says H (high) or L (low)."""
    svg = variation_icon_svg(icon)
    assert _ring_colour(svg) == colour
    assert _letter(svg) == letter


@pytest.mark.parametrize(
    ("icon", "colour", "letter"),
    [
        ("consistently_pass", IMPROVEMENT_COLOUR, "P"),
        ("consistently_fail", CONCERN_COLOUR, "F"),
        ("hit_and_miss", COMMON_CAUSE_COLOUR, "?"),
    ],
)
def test_assurance_icons(icon, colour, letter):
    """Pass is a blue P, fail an orange F, hit and miss a grey question mark, each labelled."""
    svg = assurance_icon_svg(icon)
    assert _ring_colour(svg) == colour
    assert _letter(svg) == letter
    assert ET.fromstring(svg).get("aria-label") == ASSURANCE_NAMES[icon]


def test_unknown_icon_is_refused():
    """An icon name domain.spc never returns raises KeyError rather than drawing something."""
    with pytest.raises(KeyError):
        variation_icon_svg("special_cause_sideways")
