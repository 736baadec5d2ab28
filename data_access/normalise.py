"""Normalising the values people type into spreadsheets.

Pure functions, one value at a time. The importer calls them once per
*distinct* value of a column and maps the results back, so they can stay
simple and readable without costing per-row time.

A parser returns the normalised value or raises ``ValueError`` whose message
is the reason shown to the person importing (``row N, column C: 'v' — reason``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

_WHITESPACE = re.compile(r"\s+")
_HEADER_SEPARATORS = re.compile(r"[\s_]+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TRAINING_YEAR = re.compile(r"st ?(\d)")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

YES_WORDS = frozenset({"yes", "y", "true", "1"})
NO_WORDS = frozenset({"no", "n", "false", "0"})
# The middle answer of a three-choice recommend question (Yes / Maybe / No).
MAYBE_WORDS = frozenset({"maybe", "not sure", "unsure"})

RATING_LABELS: dict[str, int] = {"poor": 1, "fair": 2, "good": 3, "very good": 4, "excellent": 5}

# Everyday names for stages that are neither the code nor the seeded label.
# Keys are ``stage_token`` forms; values are stage codes, which must also
# exist in the stage table to be accepted.
STAGE_ALIASES: dict[str, str] = {
    "led": "led",
    "locally employed doctor": "led",
    "trust grade": "led",
    "clinical fellow": "led",
    "sas": "sas",
    "specialty doctor": "sas",
    "specialist": "sas",
    "pre nhs": "pre_nhs",
    "not yet in nhs": "pre_nhs",
    "consultant": "consultant",
}

INT32_MAX = 2**31 - 1


def is_blank(text: str) -> bool:
    """True when the cell holds nothing but whitespace."""
    return not text.strip()


def header_key(name: str) -> str:
    """Return the form a column name is matched in: trimmed, lower case, with
    runs of spaces and underscores as one underscore (``Event ID`` -> ``event_id``)."""
    return _HEADER_SEPARATORS.sub("_", name.strip().lower()).strip("_")


def collapse_spaces(text: str) -> str:
    """Return ``text`` trimmed, with each run of whitespace as one space."""
    return _WHITESPACE.sub(" ", text).strip()


def region_token(text: str) -> str:
    """Return the matching form of a region code or name: lower case, ``&`` read
    as ``and``, punctuation and extra spaces dropped (``Kent, Surrey & Sussex``
    -> ``kent surrey and sussex``)."""
    spaced = text.lower().replace("&", " and ")
    return _NOT_ALNUM.sub(" ", spaced).strip()


def stage_token(text: str) -> str:
    """Return the matching form of a stage: as ``region_token``, with a training
    year written ``st3`` whether typed ``ST3``, ``st 3`` or ``ST-3``."""
    token = region_token(text)
    return _TRAINING_YEAR.sub(r"st\1", token) if _TRAINING_YEAR.fullmatch(token) else token


def code_token(text: str) -> str:
    """Return the matching form of a short code: lower case, with spaces and
    hyphens as underscores (``In person`` -> ``in_person``)."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def region_lookup(regions: Iterable[tuple[str, str]], aliases: Mapping[str, str]) -> dict[str, str]:
    """Return a map from ``region_token`` form to region code, built from
    (code, name) pairs and the alias map (alias token -> code). Aliases to a
    code not among ``regions`` are left out."""
    lookup: dict[str, str] = {}
    codes = set()
    for code, name in regions:
        codes.add(code)
        lookup[region_token(code)] = code
        lookup[region_token(name)] = code
    for alias, code in aliases.items():
        if code in codes:
            lookup[region_token(alias)] = code
    return lookup


def stage_lookup(stages: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return a map from ``stage_token`` form to stage code, built from
    (code, label) pairs plus ``STAGE_ALIASES`` for codes that exist."""
    lookup: dict[str, str] = {}
    for code, label in stages:
        lookup[stage_token(code)] = code
        lookup[stage_token(label)] = code
    codes = set(lookup.values())
    for alias, code in STAGE_ALIASES.items():
        if code in codes:
            lookup.setdefault(alias, code)
    return lookup


def label_lookup(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return a map from lower-case, space-collapsed code or label to code."""
    lookup: dict[str, str] = {}
    for code, label in pairs:
        lookup[collapse_spaces(code).lower()] = code
        lookup[collapse_spaces(label).lower()] = code
    return lookup


def parse_date(text: str) -> dt.date:
    """Return the date written as ``YYYY-MM-DD`` or UK ``DD/MM/YYYY``.
    US order is never guessed: ``03/13/2025`` is an impossible date."""
    text = text.strip()
    iso = _ISO_DATE.fullmatch(text)
    uk = _UK_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        raise ValueError("not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError("impossible date") from None


def parse_yes_no(text: str) -> bool:
    """Return True for yes/y/true/1 and False for no/n/false/0, in any case."""
    word = text.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueError("not yes or no (use yes/no, y/n, true/false or 1/0)")


def is_maybe(text: str) -> bool:
    """True when ``text`` is the middle answer of a Yes / Maybe / No question."""
    return collapse_spaces(text).lower() in MAYBE_WORDS


def parse_recommend(text: str) -> bool:
    """Return whether a "would you recommend" answer is a definite yes: True
    for the yes words, False for the no words and for Maybe (not sure,
    unsure), which is not a recommendation."""
    if is_maybe(text):
        return False
    try:
        return parse_yes_no(text)
    except ValueError:
        raise ValueError("not yes, no or maybe (use yes/no/maybe, y/n, true/false or 1/0)") from None


def parse_rating(text: str) -> int:
    """Return the rating 1–5 given as a digit or as Poor, Fair, Good, Very good
    or Excellent (5), in any case."""
    word = collapse_spaces(text).lower()
    if word in {"1", "2", "3", "4", "5"}:
        return int(word)
    if word in RATING_LABELS:
        return RATING_LABELS[word]
    raise ValueError("not a rating (use 1–5 or Poor, Fair, Good, Very good, Excellent)")


def parse_whole_number(text: str, *, minimum: int = 0, maximum: int = INT32_MAX) -> int:
    """Return the whole number written in ``text`` (digits only), which must lie
    in ``minimum``..``maximum``."""
    digits = text.strip()
    if not digits.isascii() or not digits.isdigit():
        raise ValueError(f"not a whole number ≥ {minimum}")
    number = int(digits)
    if not minimum <= number <= maximum:
        raise ValueError(f"not between {minimum} and {maximum}")
    return number


def parse_email(text: str) -> str:
    """Return the email trimmed (its case is left to ``pseudonymise``); it must
    have one ``@`` with something either side and no spaces."""
    email = text.strip()
    if not _EMAIL.fullmatch(email):
        raise ValueError("not an email address")
    return email


def mask_email(text: str) -> str:
    """Return an email with its local part hidden (``a***@example.org``), for
    problem messages, which must never repeat a participant's address."""
    local, at, domain = text.strip().partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def lookup_stage(text: str, lookup: Mapping[str, str]) -> str:
    """Return the stage code for ``text``. A choice that names one stage two
    ways (``Trust grade / LED``) is accepted when every part names that stage."""
    token = stage_token(text)
    if token in lookup:
        return lookup[token]
    parts = {lookup.get(stage_token(part)) for part in text.split("/")}
    if len(parts) == 1 and None not in parts:
        return parts.pop()
    raise ValueError("unknown stage")
