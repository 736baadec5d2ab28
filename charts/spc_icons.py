"""Making Data Count variation and assurance icons, drawn as small inline
SVGs (no files, no network), each with its text equivalent.

A variation icon is a circle in the variation colour around a short run of
dots: level and grey for common cause; rising or falling, with the last
dots coloured and an "H" (high) or "L" (low), for special cause. An
assurance icon is a circle around a letter over a dashed target line: "P"
(consistently passes, blue), "F" (consistently fails, orange) or "?" (hit
and miss, grey).
"""

from __future__ import annotations

from html import escape

from domain.spc import (
    ASSURANCE_DESCRIPTIONS,
    COMMON_CAUSE_COLOUR,
    CONCERN_COLOUR,
    IMPROVEMENT_COLOUR,
    NEUTRAL_COLOUR,
    TARGET_COLOUR,
    VARIATION_DESCRIPTIONS,
)

ICON_SIZE = 64

VARIATION_NAMES: dict[str, str] = {
    "common_cause": "Common cause variation",
    "special_cause_improvement_high": "Special cause variation: improvement (high)",
    "special_cause_improvement_low": "Special cause variation: improvement (low)",
    "special_cause_concern_high": "Special cause variation: concern (high)",
    "special_cause_concern_low": "Special cause variation: concern (low)",
    "special_cause_neutral_high": "Special cause variation: neither better nor worse (high)",
    "special_cause_neutral_low": "Special cause variation: neither better nor worse (low)",
}
ASSURANCE_NAMES: dict[str, str] = {
    "consistently_pass": "Assurance: consistently passes the target",
    "consistently_fail": "Assurance: consistently fails the target",
    "hit_and_miss": "Assurance: hit and miss",
}
_ASSURANCE_STYLE: dict[str, tuple[str, str]] = {
    "consistently_pass": (IMPROVEMENT_COLOUR, "P"),
    "consistently_fail": (CONCERN_COLOUR, "F"),
    "hit_and_miss": (COMMON_CAUSE_COLOUR, "?"),
}
_KIND_COLOURS: dict[str, str] = {
    "improvement": IMPROVEMENT_COLOUR,
    "concern": CONCERN_COLOUR,
    "neutral": NEUTRAL_COLOUR,
}
_DOT_XS = (16, 24, 32, 40, 48)
_LEVEL_YS = (36, 33, 37, 34, 36)
_RISING_YS = (42, 40, 37, 28, 22)


def _svg(body: str, *, name: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{ICON_SIZE}" height="{ICON_SIZE}" '
        f'viewBox="0 0 64 64" role="img" aria-label="{escape(name)}">'
        f"<title>{escape(name)}</title><desc>{escape(description)}</desc>{body}</svg>"
    )


def _ring(colour: str) -> str:
    return f'<circle cx="32" cy="32" r="28" fill="#FFFFFF" stroke="{colour}" stroke-width="4"/>'


def variation_icon_svg(icon: str) -> str:
    """Return the SVG of a ``domain.spc`` variation icon (e.g.
    "special_cause_concern_low"), with its name as title and aria-label.
    Raises KeyError for an unknown icon."""
    name, description = VARIATION_NAMES[icon], VARIATION_DESCRIPTIONS[icon]
    if icon == "common_cause":
        colour, ys, letter = COMMON_CAUSE_COLOUR, _LEVEL_YS, ""
        dot_colours = [COMMON_CAUSE_COLOUR] * len(_DOT_XS)
    else:
        _, _, kind, side = icon.split("_")
        colour = _KIND_COLOURS[kind]
        ys = _RISING_YS if side == "high" else tuple(64 - y for y in _RISING_YS)
        letter = "H" if side == "high" else "L"
        dot_colours = [COMMON_CAUSE_COLOUR] * 3 + [colour] * 2
    points = " ".join(f"{x},{y}" for x, y in zip(_DOT_XS, ys, strict=True))
    body = _ring(colour)
    body += f'<polyline points="{points}" fill="none" stroke="{COMMON_CAUSE_COLOUR}" stroke-width="2"/>'
    body += "".join(
        f'<circle cx="{x}" cy="{y}" r="3.5" fill="{dot}"/>'
        for x, y, dot in zip(_DOT_XS, ys, dot_colours, strict=True)
    )
    if letter:
        # The letter sits in the corner the dots leave free: top left for high, bottom left for low.
        letter_y = 26 if letter == "H" else 50
        body += (
            f'<text x="20" y="{letter_y}" font-family="Arial, sans-serif" font-size="15" font-weight="bold" '
            f'fill="{colour}" text-anchor="middle">{letter}</text>'
        )
    return _svg(body, name=name, description=description)


def assurance_icon_svg(icon: str) -> str:
    """Return the SVG of a ``domain.spc`` assurance icon ("consistently_pass",
    "consistently_fail" or "hit_and_miss"), with its name as title and
    aria-label. Raises KeyError for an unknown icon."""
    colour, letter = _ASSURANCE_STYLE[icon]
    body = _ring(colour)
    body += (
        f'<text x="32" y="38" font-family="Arial, sans-serif" font-size="24" font-weight="bold" '
        f'fill="{colour}" text-anchor="middle">{letter}</text>'
        f'<line x1="12" y1="46" x2="52" y2="46" stroke="{TARGET_COLOUR}" stroke-width="2" '
        'stroke-dasharray="4 3"/>'
    )
    return _svg(body, name=ASSURANCE_NAMES[icon], description=ASSURANCE_DESCRIPTIONS[icon])
