"""Normalising typed spreadsheet values (pure functions, no database)."""

import datetime as dt

import pytest

from data_access import normalise, reference

REGIONS = [(r.code, r.name) for r in reference.REGIONS]
STAGES = [(code, label) for code, label, _ in reference.STAGES]


@pytest.mark.parametrize("header", ["Event ID", "event_id", "EVENT__ID", " event  id ", "Event_ id"])
def test_header_key_ignores_case_spaces_and_underscores(header):
    """Column names match in any case, with spaces and underscores alike."""
    assert normalise.header_key(header) == "event_id"


@pytest.mark.parametrize("text", ["2025-03-01", "01/03/2025", "1/3/2025", " 2025-3-1 "])
def test_parse_date_accepts_iso_and_uk_order(text):
    """YYYY-MM-DD and UK DD/MM/YYYY give the same date."""
    assert normalise.parse_date(text) == dt.date(2025, 3, 1)


def test_parse_date_never_reads_us_order():
    """03/12/2025 is 3 December, and 03/13/2025 is impossible, not 13 March."""
    assert normalise.parse_date("03/12/2025") == dt.date(2025, 12, 3)
    with pytest.raises(ValueError, match="impossible date"):
        normalise.parse_date("03/13/2025")


@pytest.mark.parametrize("text", ["2025-02-30", "31/04/2025"])
def test_parse_date_refuses_impossible_dates(text):
    """A date that does not exist is refused."""
    with pytest.raises(ValueError, match="^impossible date$"):
        normalise.parse_date(text)


@pytest.mark.parametrize("text", ["March 1st", "2025/03/01", "01-03-2025", "45000"])
def test_parse_date_refuses_other_forms(text):
    """Anything but the two written forms is not a date."""
    with pytest.raises(ValueError, match=r"^not a date \(use YYYY-MM-DD or DD/MM/YYYY\)$"):
        normalise.parse_date(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", True), ("Y", True), ("TRUE", True), ("1", True),
    ("No", False), ("n", False), ("false", False), ("0", False),
])
def test_parse_yes_no_forms(text, expected):
    """yes/no, y/n, true/false and 1/0 in any case."""
    assert normalise.parse_yes_no(text) is expected


def test_parse_yes_no_refuses_maybe():
    """A third answer is not a yes/no value."""
    with pytest.raises(ValueError, match="not yes or no"):
        normalise.parse_yes_no("Maybe")


@pytest.mark.parametrize(("text", "expected"), [
    ("Yes", True), ("y", True), ("No", False), ("Maybe", False), ("not  sure", False), ("UNSURE", False),
])
def test_parse_recommend_counts_only_a_definite_yes(text, expected):
    """Only a yes is a recommendation; Maybe, like No, is not."""
    assert normalise.parse_recommend(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1", 1), ("5", 5), ("Poor", 1), ("fair", 2), ("GOOD", 3), ("Very  good", 4), ("Excellent", 5),
])
def test_parse_rating_digits_and_labels(text, expected):
    """Ratings are 1–5 or the five labels, Excellent being 5."""
    assert normalise.parse_rating(text) == expected


@pytest.mark.parametrize("text", ["0", "6", "4.5", "Outstanding"])
def test_parse_rating_refuses_others(text):
    """Anything outside 1–5 and the labels is refused."""
    with pytest.raises(ValueError, match="not a rating"):
        normalise.parse_rating(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("KSS", "KSS"), ("kss", "KSS"), ("Kent, Surrey & Sussex", "KSS"), ("kent surrey and sussex", "KSS"),
    ("Yorkshire and Humber", "YH"), ("  north   east & north cumbria. ", "NE"),
    ("Oxford", "TV"), ("Northern", "NE"), ("North Western", "NW"), ("HEIW", "WAL"), ("nimdta", "NI"),
])
def test_region_lookup_codes_names_and_aliases(text, expected):
    """Codes, names (& as and, punctuation ignored) and aliases find a region."""
    lookup = normalise.region_lookup(REGIONS, reference.REGION_ALIASES)
    assert lookup[normalise.region_token(text)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("st3", "st3"), ("ST3", "st3"), ("st 3", "st3"), ("ST-3", "st3"),
    ("LED", "led"), ("Locally employed doctor", "led"), ("Trust grade", "led"), ("Clinical fellow", "led"),
    ("SAS", "sas"), ("Specialty doctor", "sas"), ("Specialist", "sas"),
    ("Pre-NHS", "pre_nhs"), ("Not yet in NHS", "pre_nhs"), ("pre_nhs", "pre_nhs"),
    ("Consultant", "consultant"),
    ("Trust grade / LED", "led"),
])
def test_lookup_stage_forms(text, expected):
    """Stage codes, ST forms and the everyday names map to stage codes."""
    assert normalise.lookup_stage(text, normalise.stage_lookup(STAGES)) == expected


@pytest.mark.parametrize("text", ["ST9", "Registrar", "SAS / ST3"])
def test_lookup_stage_refuses_unknown(text):
    """A stage that names no stage, or two different ones, is refused."""
    with pytest.raises(ValueError, match="^unknown stage$"):
        normalise.lookup_stage(text, normalise.stage_lookup(STAGES))


def test_stage_alias_needs_its_code_in_the_table():
    """An alias is only accepted when its stage exists in the reference table."""
    lookup = normalise.stage_lookup([("st1", "ST1")])
    assert "trust grade" not in lookup


@pytest.mark.parametrize("text", ["0", "150", " 42 "])
def test_parse_whole_number_accepts_digits(text):
    """Whole numbers are digits only."""
    assert normalise.parse_whole_number(text) == int(text)


@pytest.mark.parametrize("text", ["-1", "1.5", "ten", "٣"])
def test_parse_whole_number_refuses_others(text):
    """Negative, fractional, worded and non-ASCII numbers are refused."""
    with pytest.raises(ValueError, match="not a whole number ≥ 0"):
        normalise.parse_whole_number(text)


def test_parse_whole_number_refuses_out_of_range():
    """A number beyond what the database column holds is refused."""
    with pytest.raises(ValueError, match="not between 0 and 2147483647"):
        normalise.parse_whole_number("2147483648")


def test_mask_email_hides_the_local_part():
    """Problem messages show only the first letter and the domain."""
    assert normalise.mask_email(" amina.yusuf@example.org ") == "a***@example.org"


@pytest.mark.parametrize("text", ["anonymous", "a@b@example.org", "two words@example.org", "@example.org"])
def test_parse_email_refuses_non_addresses(text):
    """Something that is not an address is refused."""
    with pytest.raises(ValueError, match="^not an email address$"):
        normalise.parse_email(text)
