"""Built-in reference data seeded by ``python -m data_access init``.

These tuples are seed values only. Once seeded, the database tables are the
source of truth; logic reads the tables, never these constants, so that an
organisation can edit labels (notably the MWRES indicators) without a release.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegionSeed:
    code: str
    name: str
    nation: str
    nhse_region: str | None
    lat: float | None
    lon: float | None
    is_training_region: bool


# The 19 GMC reporting regions keep the pre-2013 deanery structure so figures
# compare over time (see shared/domain.md). Coordinates are a representative
# city, for map markers only.
REGIONS: tuple[RegionSeed, ...] = (
    RegionSeed("LDN", "London", "England", "London", 51.507, -0.128, True),
    RegionSeed("KSS", "Kent, Surrey & Sussex", "England", "South East", 51.11, -0.19, True),
    RegionSeed("TV", "Thames Valley", "England", "South East", 51.752, -1.258, True),
    RegionSeed("WX", "Wessex", "England", "South East", 51.063, -1.308, True),
    RegionSeed("SEV", "Severn", "England", "South West", 51.454, -2.588, True),
    RegionSeed("PEN", "Peninsula", "England", "South West", 50.375, -4.143, True),
    RegionSeed("EOE", "East of England", "England", "East of England", 52.205, 0.119, True),
    RegionSeed("EM", "East Midlands", "England", "Midlands", 52.954, -1.158, True),
    RegionSeed("WM", "West Midlands", "England", "Midlands", 52.486, -1.890, True),
    RegionSeed("MER", "Mersey", "England", "North West", 53.408, -2.992, True),
    RegionSeed("NW", "North West", "England", "North West", 53.481, -2.242, True),
    RegionSeed("YH", "Yorkshire & Humber", "England", "North East & Yorkshire", 53.800, -1.549, True),
    RegionSeed("NE", "North East & North Cumbria", "England", "North East & Yorkshire", 54.978, -1.618, True),
    RegionSeed("SCN", "Scotland North", "Scotland", None, 57.150, -2.094, True),
    RegionSeed("SCE", "Scotland East", "Scotland", None, 56.462, -2.971, True),
    RegionSeed("SCSE", "Scotland South East", "Scotland", None, 55.953, -3.188, True),
    RegionSeed("SCW", "Scotland West", "Scotland", None, 55.864, -4.252, True),
    RegionSeed("WAL", "Wales", "Wales", None, 52.30, -3.70, True),
    RegionSeed("NI", "Northern Ireland", "Northern Ireland", None, 54.597, -5.930, True),
    RegionSeed("OVS", "Overseas (not yet in the UK)", "Overseas", None, None, None, False),
    RegionSeed("UNK", "Unknown", "Unknown", None, None, None, False),
)

# Accepted alternative spellings for region names in imports; keys are
# normalised with ``normalise.region_token``.
REGION_ALIASES: dict[str, str] = {
    "oxford": "TV",
    "northern": "NE",
    "north western": "NW",
    "heiw": "WAL",
    "nimdta": "NI",
}

# (code, label, group)
STAGES: tuple[tuple[str, str, str], ...] = (
    ("pre_nhs", "Pre-NHS", "non_training"),
    ("led", "Locally employed doctor", "non_training"),
    ("st1", "ST1", "core"),
    ("st2", "ST2", "core"),
    ("st3", "ST3", "core"),
    ("st4", "ST4", "core"),
    ("st5", "ST5", "specialty"),
    ("st6", "ST6", "specialty"),
    ("st7", "ST7", "specialty"),
    ("st8", "ST8", "specialty"),
    ("sas", "SAS doctor", "non_training"),
    ("consultant", "Consultant", "consultant"),
    ("unknown", "Unknown", "unknown"),
)

STAGE_GROUP_LABELS: dict[str, str] = {
    "non_training": "Non-training (pre-NHS, LED, SAS)",
    "core": "Core ST1–4",
    "specialty": "Specialty ST5–8",
    "consultant": "Consultant",
    "unknown": "Unknown",
}

EVENT_TYPES: tuple[tuple[str, str], ...] = (
    ("induction", "Induction"),
    ("arcp_portfolio", "ARCP & portfolio"),
    ("interview_practice", "Interview practice"),
    ("exam_prep", "Exam preparation"),
    ("academic_careers", "Academic careers"),
    ("mentoring", "1:1 mentoring"),
    ("other", "Other"),
)

# (code, label, category)
OUTCOME_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("mrcpch_fop", "MRCPCH Foundation of Practice", "exam"),
    ("mrcpch_tas", "MRCPCH Theory and Science", "exam"),
    ("mrcpch_akp", "MRCPCH Applied Knowledge in Practice", "exam"),
    ("mrcpch_clinical", "MRCPCH Clinical", "exam"),
    ("arcp", "ARCP", "arcp"),
    ("st1_recruitment", "ST1 recruitment", "recruitment"),
    ("st3_recruitment", "ST3 recruitment", "recruitment"),
    ("grid_recruitment", "GRID (sub-specialty) recruitment", "recruitment"),
)

# The organisation's working labels. The official MWRES sub-code wording was
# not confirmed (shared/domain.md), so these seed an editable table.
MWRES_INDICATORS: tuple[tuple[str, str], ...] = (
    ("1a", "Career progression: entry to specialty training"),
    ("1b", "Career progression: progression through training"),
    ("1c", "Academic careers"),
    ("2", "Pay and senior roles"),
    ("3", "Access to non-mandatory training and development"),
    ("4a", "Differential attainment: postgraduate exams"),
    ("4b", "Differential attainment: ARCP outcomes"),
    ("4c", "Differential attainment: recruitment"),
    ("5", "Experience of harassment or abuse from patients and public"),
    ("6", "Experience of harassment or abuse from colleagues"),
    ("7", "Belief in equal opportunities for career progression"),
    ("8", "Experience of discrimination from a manager or colleague"),
    ("9", "Referrals to fitness-to-practise and disciplinary processes"),
    ("10", "Support at work and wellbeing"),
    ("11", "Board and council diversity"),
)

# Gold Guide ARCP outcome codes and the grouping used for rates.
ARCP_UNSATISFACTORY: frozenset[str] = frozenset({"2", "3", "4", "5", "7.2", "7.3", "7.4"})
ARCP_SATISFACTORY: frozenset[str] = frozenset({"1", "6", "7.1"})
ARCP_EXCLUDED: frozenset[str] = frozenset({"8", "9", "10.1", "10.2"})

RESULTS_BY_CATEGORY: dict[str, frozenset[str]] = {
    "exam": frozenset({"pass", "fail"}),
    "arcp": ARCP_UNSATISFACTORY | ARCP_SATISFACTORY | ARCP_EXCLUDED,
    "recruitment": frozenset({"offer", "no_offer"}),
}


def outcome_flag(category: str, result: str) -> int | None:
    """Return 1 when the result is the event a measure's rate counts, 0 when
    it is not, and None when it is excluded from the denominator.

    The counted event is a pass for exams, an *unsatisfactory* outcome for
    ARCP (the MWRES differential-attainment measure), and an offer for
    recruitment.
    """
    if category == "exam":
        return 1 if result == "pass" else 0
    if category == "arcp":
        if result in ARCP_EXCLUDED:
            return None
        return 1 if result in ARCP_UNSATISFACTORY else 0
    if category == "recruitment":
        return 1 if result == "offer" else 0
    raise ValueError(f"unknown outcome category {category!r}")
