"""Synthetic demo data: ``python -m data_access seed-demo`` and ``clear-demo``.

Everything here is invented. Participants are sha256 hashes of tokens such as
``demo-participant-17`` (never an email), rep names are built from invented
syllables, and the national benchmark rows are labelled as synthetic.

Determinism: each scale has a fixed numpy seed, and every date is an offset
from an anchor date. The anchor defaults to today so that the demo always
looks current (the dashboard opens on the last 12 months); the same scale and
the same anchor give identical rows on every run and on every backend.

Demo rows are marked by one ``import_batch`` row with ``is_demo`` true,
``kind`` "demo" and ``file_name`` "demo:<scale>"; every inserted row carries
its id in ``batch_id``. Seeding replaces any demo rows already present.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, Engine, delete, exists, insert, select, text
from sqlalchemy.exc import DBAPIError

from data_access.importers import bump_data_version
from data_access.models import (
    Attendance,
    Benchmark,
    Event,
    EventType,
    Feedback,
    ImportBatch,
    MwresIndicator,
    Outcome,
    OutcomeMeasure,
    Participant,
    Region,
    Rep,
    Stage,
    event_mwres,
)
from data_access.reference import outcome_flag

SCALES: tuple[str, ...] = ("small", "national")

BENCHMARK_SOURCE = "Synthetic demo benchmark (shape of GMC progression data)"
UK_GRADUATES = "UK graduates"
IMGS = "IMGs"

SPAN_DAYS = 3 * 365
FEEDBACK_PER_REGISTRATION = 0.30
OUTCOMES_PER_PARTICIPANT = 1.0
_CHUNK_ROWS = 100_000


@dataclass(frozen=True, slots=True)
class _ScaleSpec:
    seed: int
    events: int
    participants: int
    # None keeps the sum of the per-event sizes drawn for each event type.
    registrations: int | None


_SPECS: dict[str, _ScaleSpec] = {
    "small": _ScaleSpec(seed=20_230_801, events=60, participants=800, registrations=None),
    "national": _ScaleSpec(seed=20_230_802, events=5_000, participants=100_000, registrations=1_000_000),
}

# --- the shape of the synthetic organisation --------------------------------

# Relative size of each region's IMG paediatric population; London and the big
# English regions are heavier. Regions missing here weigh 1.
_REGION_WEIGHTS: dict[str, float] = {
    "LDN": 6.0, "NW": 2.2, "WM": 2.2, "YH": 2.0, "EOE": 2.0, "KSS": 1.8, "EM": 1.5, "NE": 1.2,
    "MER": 1.0, "SEV": 1.0, "TV": 1.0, "WX": 1.0, "WAL": 1.0, "SCW": 0.9, "SCSE": 0.7, "PEN": 0.6,
    "NI": 0.6, "SCE": 0.4, "SCN": 0.4,
}
_UNKNOWN_REGION_WEIGHT = 0.5
_OVERSEAS = "OVS"
_UNKNOWN_REGION = "UNK"

_STAGE_CODES: tuple[str, ...] = (
    "pre_nhs", "led", "st1", "st2", "st3", "st4", "st5", "st6", "st7", "st8", "sas", "consultant", "unknown",
)
# Stage at a participant's first contact: pre-NHS and ST1-3 heavier.
_START_STAGE_WEIGHTS = (40, 8, 15, 12, 9, 5, 3, 2, 1.5, 1, 2.5, 0.5, 0.5)
# Trainees move one step along this ladder per training year; LED, SAS and
# unknown stay put.
_LADDER: tuple[str, ...] = ("pre_nhs", "st1", "st2", "st3", "st4", "st5", "st6", "st7", "st8", "consultant")

_EVENT_TYPE_WEIGHTS: dict[str, float] = {
    "induction": 0.08, "arcp_portfolio": 0.17, "interview_practice": 0.17, "exam_prep": 0.20,
    "academic_careers": 0.10, "mentoring": 0.18, "other": 0.10,
}
_DELIVERIES: tuple[str, ...] = ("virtual", "hybrid", "in_person")
_DELIVERY_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "induction": (0.85, 0.15, 0.0),
    "interview_practice": (0.30, 0.25, 0.45),
    "mentoring": (0.0, 0.40, 0.60),
}
_WEBINAR_DELIVERY = (0.85, 0.10, 0.05)
# Attended headcount ranges (inclusive low, exclusive high) before scaling:
# inductions 150+ and every virtual event 100+, as the organisation reports.
_INDUCTION_ATTENDED = (155, 241)
_ATTENDED_BY_DELIVERY: dict[str, tuple[int, int]] = {
    "virtual": (100, 171), "hybrid": (60, 121), "in_person": (18, 61),
}
_MENTORING_ATTENDED = (4, 15)
_ATTENDANCE_RATE = (0.70, 0.85)
_ENTRANT_PRIORITY = 1e6
_VIRTUAL_CAPACITIES = (100, 300, 500, 1000)

_TITLES: dict[str, tuple[str, ...]] = {
    "induction": ("Induction for paediatricians new to the NHS",),
    "arcp_portfolio": ("ARCP and portfolio webinar", "Getting your ePortfolio ARCP-ready",
                       "Understanding ARCP outcomes"),
    "interview_practice": ("Mock interviews: ST1 recruitment", "Mock interviews: ST3 recruitment",
                           "Mock interviews: ST4 recruitment", "Mock interviews: GRID sub-specialty",
                           "Interview skills webinar"),
    "exam_prep": ("MRCPCH FOP preparation", "MRCPCH TAS preparation", "MRCPCH AKP preparation",
                  "MRCPCH Clinical exam practice"),
    "academic_careers": ("Academic careers evening", "Getting started in research and audit",
                         "Careers in medical education"),
    "mentoring": ("Peer mentoring clinic", "1:1 support drop-in"),
    "other": ("IMG wellbeing cafe", "NHS culture and ways of working", "Life in the UK Q&A",
              "Leadership for IMG trainees"),
}

_OTHER_RATINGS = (4, 3, 2, 1)
_OTHER_RATING_WEIGHTS = (0.70, 0.20, 0.07, 0.03)
_EXCELLENT_SHARE = (0.78, 0.92)
_COMMENT_SHARE = 0.25
# Invented phrases touching the recurring themes. One starts with '=' so that
# exports are exercised against formula injection.
_COMMENTS: tuple[str, ...] = (
    "Really helped me understand how the ARCP panel reads my portfolio.",
    "Clear explanation of the ePortfolio and what counts as evidence.",
    "The mock interview feedback was specific and useful.",
    "I feel much more confident about my ST1 interview now.",
    "Good tips on exam technique for the MRCPCH theory papers.",
    "Would love more practice questions for AKP.",
    "Learned a lot about NHS culture and how teams work here.",
    "Helpful to hear how handover and escalation work in the NHS.",
    "The induction made my first weeks on the ward much less stressful.",
    "Please share the induction slides before the session.",
    "Nice to know I am not alone; the wellbeing part was great.",
    "More on rota rules, exception reporting and leave would help.",
    "Speakers were approachable and honest about their own journeys.",
    "Session ran over time, but the content was worth it.",
    "=Excellent session, 10/10 for the portfolio walkthrough",
    "Breakout rooms were too short to ask questions.",
    "Would recommend to every IMG starting paediatrics.",
    "+ more sessions on supervised learning events please",
)

_MEASURE_CODES: tuple[str, ...] = (
    "mrcpch_fop", "mrcpch_tas", "mrcpch_akp", "mrcpch_clinical", "arcp",
    "st1_recruitment", "st3_recruitment", "grid_recruitment",
)
_MEASURE_CATEGORY: dict[str, str] = {
    "mrcpch_fop": "exam", "mrcpch_tas": "exam", "mrcpch_akp": "exam", "mrcpch_clinical": "exam",
    "arcp": "arcp", "st1_recruitment": "recruitment", "st3_recruitment": "recruitment",
    "grid_recruitment": "recruitment",
}
# Which outcomes a member can have at each stage, as weights over _MEASURE_CODES.
_MEASURES_BY_STAGE: dict[str, tuple[float, ...]] = {
    "pre_nhs": (0.25, 0.15, 0.10, 0, 0, 0.50, 0, 0),
    "led": (0.15, 0.10, 0.15, 0.05, 0, 0.30, 0.25, 0),
    "st1": (0.25, 0.20, 0.10, 0, 0.45, 0, 0, 0),
    "st2": (0.05, 0.15, 0.25, 0.05, 0.40, 0, 0.10, 0),
    "st3": (0, 0.10, 0.20, 0.25, 0.45, 0, 0, 0),
    "st4": (0, 0, 0, 0.25, 0.55, 0, 0, 0.20),
    "st5": (0, 0, 0, 0, 0.75, 0, 0, 0.25),
    "st6": (0, 0, 0, 0, 1, 0, 0, 0),
    "st7": (0, 0, 0, 0, 1, 0, 0, 0),
    "st8": (0, 0, 0, 0, 1, 0, 0, 0),
    "sas": (0, 0, 0.20, 0.30, 0, 0, 0.50, 0),
}
# Chance of a pass (exams) or an offer (recruitment) for a member with no
# prior engagement; each event attended before the outcome adds to the log-odds.
_SUCCESS_BASE: dict[str, float] = {
    "mrcpch_fop": 0.52, "mrcpch_tas": 0.50, "mrcpch_akp": 0.45, "mrcpch_clinical": 0.48,
    "st1_recruitment": 0.30, "st3_recruitment": 0.28, "grid_recruitment": 0.25,
}
_ENGAGEMENT_LOG_ODDS = 0.10
_ENGAGEMENT_CAP = 10
_ARCP_CODES: tuple[str, ...] = ("1", "2", "3", "5", "8", "10.1", "10.2")
_ARCP_WEIGHTS = (0.75, 0.06, 0.05, 0.07, 0.03, 0.03, 0.01)
_ARCP_UNSATISFACTORY = ("2", "3", "5")
_ARCP_ENGAGEMENT_DECAY = 0.05

_REP_INITIALS = "ABCDEFGHJKLMNOPRSTWY"
_REP_SYLLABLES_START = ("Ada", "Bel", "Cor", "Dar", "Eno", "Fal", "Gan", "Hal", "Ima", "Jor", "Kel", "Lun",
                        "Mar", "Nad", "Oko", "Pra", "Ros", "Sal", "Tem", "Ula", "Var", "Wen", "Yar", "Zol")
_REP_SYLLABLES_END = ("bari", "dane", "eke", "fort", "gara", "hurst", "ini", "jola", "kova", "lind", "mora",
                      "nsa", "oye", "pani", "quist", "rin", "sen", "tova", "uzo", "vell", "wick", "yemi")
_UNCOVERED_REGIONS = 3


# --- public API -------------------------------------------------------------


def seed_demo(engine: Engine, *, scale: str = "small", anchor: dt.date | None = None) -> dict[str, int]:
    """Replace any demo data with the synthetic ``scale`` data set, in one transaction.

    ``anchor`` is the last day the data reaches (default: today). Returns the
    rows inserted per table: events, mwres_links, participants,
    registrations (attendance rows), feedback, reps, outcomes, benchmarks.
    Raises ``ValueError`` for an unknown scale, before anything changes.
    """
    _spec(scale)  # refuse an unknown scale before any work
    anchor = anchor or dt.date.today()
    data = _generate(scale, anchor, _read_reference(engine))
    with engine.connect() as conn:
        _lock_for_writing(conn)
        _delete_demo_rows(conn)
        counts = _insert(conn, data, scale)
        bump_data_version(conn)
        conn.commit()
    return counts


def clear_demo(engine: Engine) -> int:
    """Remove every demo row from every table, and the demo batches, in one
    transaction. Returns the number of data rows removed (batch rows not
    counted); 0 when there was no demo data, in which case nothing changes."""
    with engine.connect() as conn:
        _lock_for_writing(conn)
        removed = _delete_demo_rows(conn)
        if removed:
            bump_data_version(conn)
        conn.commit()
    return removed


def seed_demo_if_empty(engine: Engine) -> bool:
    """Seed the ``small`` demo when the database has no events at all.

    Returns True if it seeded. Cheap when there are events (one query), so the
    dashboard can call it on every start; the check is repeated under a write
    lock so that two sessions starting together seed only once.
    """
    with engine.connect() as conn:
        if _has_events(conn):
            return False
    data = _generate("small", dt.date.today(), _read_reference(engine))
    with engine.connect() as conn:
        _lock_for_writing(conn)
        if _has_events(conn):
            conn.rollback()
            return False
        _delete_demo_rows(conn)
        _insert(conn, data, "small")
        bump_data_version(conn)
        conn.commit()
    return True


# --- reference data ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Reference:
    training_regions: tuple[str, ...]
    region_ids: dict[str, int]
    stage_ids: dict[str, int]
    event_type_ids: dict[str, int]
    measure_ids: dict[str, int]
    indicator_ids: tuple[int, ...]


def _read_reference(engine: Engine) -> _Reference:
    with engine.connect() as conn:
        regions = conn.execute(
            select(Region.code, Region.id, Region.is_training_region).order_by(Region.sort_order, Region.code)
        ).all()
        event_types = conn.execute(select(EventType.code, EventType.id)).all()
        # Indicator codes and labels are editable, so links are drawn from
        # whatever the table holds, in code order for determinism.
        indicators = conn.execute(select(MwresIndicator.id).order_by(MwresIndicator.code)).scalars().all()
        return _Reference(
            training_regions=tuple(code for code, _id, training in regions if training),
            region_ids={code: id_ for code, id_, _training in regions},
            stage_ids=dict(conn.execute(select(Stage.code, Stage.id)).all()),
            event_type_ids=dict(event_types),
            measure_ids=dict(conn.execute(select(OutcomeMeasure.code, OutcomeMeasure.id)).all()),
            indicator_ids=tuple(indicators),
        )


# --- generation (pure numpy; no database) -----------------------------------


@dataclass(slots=True)
class _Table:
    """Column name -> values (numpy array or list), all of equal length."""

    columns: dict[str, np.ndarray | list]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass(slots=True)
class _DemoData:
    events: _Table
    event_keys: list[str]
    mwres_event_index: np.ndarray
    mwres_indicator_id: np.ndarray
    pseudonyms: list[str]
    attendance: _Table
    attendance_event_index: np.ndarray
    attendance_participant_index: np.ndarray
    feedback: _Table
    feedback_event_index: np.ndarray
    outcomes: _Table
    outcome_participant_index: np.ndarray
    reps: list[dict]
    benchmarks: list[dict]


@dataclass(slots=True)
class _People:
    home_region: np.ndarray        # index into the region code list
    start_stage: np.ndarray        # index into _STAGE_CODES
    first_day: np.ndarray          # day offset of first contact (may precede the window)
    last_day: np.ndarray
    extra_pre_nhs_years: np.ndarray
    becomes_led: np.ndarray
    overseas_before_nhs: np.ndarray
    log_propensity: np.ndarray


def _spec(scale: str) -> _ScaleSpec:
    if scale not in _SPECS:
        raise ValueError(f"unknown demo scale {scale!r}; choose one of {', '.join(SCALES)}")
    return _SPECS[scale]


def _generate(scale: str, anchor: dt.date, refs: _Reference) -> _DemoData:
    spec = _spec(scale)
    rng = np.random.default_rng(spec.seed)
    window_start = np.datetime64(anchor - dt.timedelta(days=SPAN_DAYS), "D")
    region_codes = (*refs.training_regions, _OVERSEAS, _UNKNOWN_REGION)
    region_ids = np.array([refs.region_ids[code] for code in region_codes])
    stage_ids = np.array([refs.stage_ids[code] for code in _STAGE_CODES])

    events, event_day, attended_n, registered_n = _generate_events(spec, rng, refs, window_start)
    people = _generate_people(spec, rng, refs.training_regions)
    att_event, att_person, attended = _draw_registrations(rng, people, event_day, registered_n, attended_n)

    att_day = event_day[att_event]
    att_stage = _stage_at(people, att_person, att_day, window_start)
    att_region = _region_at(people, att_person, att_stage, len(refs.training_regions))
    attendance = _Table({
        "attended": attended,
        "region_id": region_ids[att_region],
        "stage_id": stage_ids[att_stage],
    })

    feedback, fb_rows = _generate_feedback(scale, rng, attended, att_event, att_day, window_start, len(events))
    feedback.columns["region_id"] = region_ids[att_region[fb_rows]]
    feedback.columns["stage_id"] = stage_ids[att_stage[fb_rows]]

    outcomes, outcome_person = _generate_outcomes(
        spec, rng, people, att_person[attended], att_day[attended], window_start, refs,
        region_ids, stage_ids,
    )
    mwres_event, mwres_indicator = _generate_mwres_links(rng, len(events), refs.indicator_ids)
    reps = _generate_reps(rng, anchor, refs)
    benchmarks = _generate_benchmarks(rng, anchor, refs)

    return _DemoData(
        events=events,
        event_keys=[f"demo-{scale}-{i + 1:05d}" for i in range(len(events))],
        mwres_event_index=mwres_event,
        mwres_indicator_id=mwres_indicator,
        pseudonyms=[hashlib.sha256(f"demo-participant-{i}".encode()).hexdigest()
                    for i in range(spec.participants)],
        attendance=attendance,
        attendance_event_index=att_event,
        attendance_participant_index=att_person,
        feedback=feedback,
        feedback_event_index=att_event[fb_rows],
        outcomes=outcomes,
        outcome_participant_index=outcome_person,
        reps=reps,
        benchmarks=benchmarks,
    )


def _generate_events(spec: _ScaleSpec, rng: np.random.Generator, refs: _Reference,
                     window_start: np.datetime64):
    """Return the event table (without keys) and, per event: day offset in
    the window, attended headcount and registrations."""
    type_codes = tuple(_EVENT_TYPE_WEIGHTS)
    # Counts per type are fixed by the weights (largest remainder), so even
    # the small demo has every type in proportion.
    event_type = rng.permutation(np.repeat(np.arange(len(type_codes)),
                                           _apportion(np.array(list(_EVENT_TYPE_WEIGHTS.values())), spec.events)))
    # Density rising linearly to double over the window: the organisation grows.
    # Inverse CDF of p(x) ∝ 1 + x on [0, 1]. The latest event is yesterday.
    growth = -1 + np.sqrt(1 + 3 * rng.random(spec.events))
    event_day = np.minimum((growth * SPAN_DAYS).astype(np.int64), SPAN_DAYS - 1)
    order = np.argsort(event_day, kind="stable")
    event_type, event_day = event_type[order], event_day[order]

    delivery = np.empty(spec.events, dtype=np.int64)
    for t, code in enumerate(type_codes):
        mask = event_type == t
        delivery[mask] = rng.choice(len(_DELIVERIES), size=mask.sum(),
                                    p=_DELIVERY_WEIGHTS.get(code, _WEBINAR_DELIVERY))

    low = np.empty(spec.events, dtype=np.int64)
    high = np.empty(spec.events, dtype=np.int64)
    for d, name in enumerate(_DELIVERIES):
        low[delivery == d], high[delivery == d] = _ATTENDED_BY_DELIVERY[name]
    is_induction = event_type == type_codes.index("induction")
    is_mentoring = event_type == type_codes.index("mentoring")
    low[is_induction], high[is_induction] = _INDUCTION_ATTENDED
    low[is_mentoring], high[is_mentoring] = _MENTORING_ATTENDED
    attended_n = rng.integers(low, high)
    rate = rng.uniform(*_ATTENDANCE_RATE, size=spec.events)
    registered_n = np.ceil(attended_n / rate).astype(np.int64)
    if spec.registrations is not None:
        registered_n = _apportion(registered_n.astype(float), spec.registrations)
        attended_n = np.minimum(np.round(registered_n * rate).astype(np.int64), registered_n)

    region_weights = np.array([_REGION_WEIGHTS.get(code, 1.0) for code in refs.training_regions])
    host = rng.choice(len(refs.training_regions), size=spec.events, p=region_weights / region_weights.sum())
    # Virtual events are mostly national; a tenth are run by a region.
    national = (delivery == 0) & (rng.random(spec.events) < 0.9)
    host_region_id: list[int | None] = [
        None if is_national else refs.region_ids[refs.training_regions[h]]
        for is_national, h in zip(national.tolist(), host.tolist())
    ]
    capacity: list[int | None] = []
    for d, n in zip(delivery.tolist(), registered_n.tolist()):
        if _DELIVERIES[d] == "virtual":
            capacity.append(next((c for c in _VIRTUAL_CAPACITIES if c >= n), None))
        else:
            capacity.append(int(np.ceil(n / 10) * 10 + 10))

    dates = window_start + event_day.astype("timedelta64[D]")
    title_pick = rng.integers(0, 1_000_000, size=spec.events)
    titles = []
    for t, d, pick, date, host_id in zip(event_type.tolist(), delivery.tolist(), title_pick.tolist(),
                                         dates.tolist(), host_region_id):
        options = _TITLES[type_codes[t]]
        title = f"{options[pick % len(options)]} ({date:%b %Y})"
        if host_id is not None and _DELIVERIES[d] != "virtual":
            title = f"{title}, {_region_code_for(refs, host_id)}"
        titles.append(title)

    events = _Table({
        "title": titles,
        "event_type_id": np.array([refs.event_type_ids[code] for code in type_codes])[event_type],
        "date": dates.astype(str).tolist(),
        "delivery": [_DELIVERIES[d] for d in delivery.tolist()],
        "host_region_id": host_region_id,
        "capacity": capacity,
    })
    return events, event_day, attended_n, registered_n


def _region_code_for(refs: _Reference, region_id: int) -> str:
    return next(code for code, id_ in refs.region_ids.items() if id_ == region_id)


def _apportion(weights: np.ndarray, total: int) -> np.ndarray:
    """Return whole numbers proportional to ``weights`` that sum to ``total``
    (largest-remainder rounding)."""
    exact = weights / weights.sum() * total
    whole = np.floor(exact).astype(np.int64)
    shortfall = total - int(whole.sum())
    if shortfall:
        whole[np.argsort(-(exact - whole), kind="stable")[:shortfall]] += 1
    return whole


def _generate_people(spec: _ScaleSpec, rng: np.random.Generator, training_regions: Sequence[str]) -> _People:
    n = spec.participants
    n_training_regions = len(training_regions)
    weights = np.array([*(_REGION_WEIGHTS.get(code, 1.0) for code in training_regions), _UNKNOWN_REGION_WEIGHT])
    region_choice = rng.choice(len(weights), size=n, p=weights / weights.sum())
    # Index n_training_regions is OVS and +1 is UNK in the region code list.
    home_region = np.where(region_choice == n_training_regions, n_training_regions + 1, region_choice)
    start_weights = np.array(_START_STAGE_WEIGHTS, dtype=float)
    first_day = rng.integers(-700, SPAN_DAYS - 60, size=n)
    return _People(
        home_region=home_region,
        start_stage=rng.choice(len(_STAGE_CODES), size=n, p=start_weights / start_weights.sum()),
        first_day=first_day,
        # Everyone is still around at least a month into the window, so has events to attend.
        last_day=np.maximum(first_day + rng.integers(300, 1100, size=n), 30),
        extra_pre_nhs_years=(rng.random(n) < 0.5).astype(np.int64),
        becomes_led=rng.random(n) < 0.3,
        overseas_before_nhs=rng.random(n) < 0.8,
        # Heavy-tailed: most people come once or twice, a few come to almost everything.
        log_propensity=rng.normal(0.0, 1.2, size=n),
    )


def _draw_registrations(rng: np.random.Generator, people: _People, event_day: np.ndarray,
                        registered_n: np.ndarray, attended_n: np.ndarray):
    """Return (event index, participant index, attended) per registration.

    Everyone registers for at least one event in their active period (chosen
    in proportion to event size), so every participant appears. The rest of each
    event's places go to people active on its date, sampled without
    replacement in proportion to their propensity (Gumbel top-k); the keenest
    registrants are the ones who turn up.
    """
    entry_event = _entry_events(rng, people, event_day, registered_n)
    entrants_by_event = np.split(np.argsort(entry_event, kind="stable"),
                                 np.cumsum(np.bincount(entry_event, minlength=len(event_day)))[:-1])
    event_parts, person_parts, attended_parts = [], [], []
    for e, (day, n, a) in enumerate(zip(event_day.tolist(), registered_n.tolist(), attended_n.tolist())):
        active = (people.first_day <= day) & (people.last_day >= day)
        if active.sum() < n:
            active[:] = True
        entrants = entrants_by_event[e]
        active[entrants] = True
        pool = np.flatnonzero(active)
        n = min(n, len(pool))
        keys = people.log_propensity[pool] + rng.gumbel(size=len(pool))
        # Entrants take their places first (the keenest of them if they
        # overflow) and, as newcomers, turn up.
        keys[np.searchsorted(pool, entrants)] += _ENTRANT_PRIORITY
        top = np.argpartition(-keys, n - 1)[:n]
        chosen = pool[top[np.argsort(-keys[top], kind="stable")]]
        event_parts.append(np.full(n, e, dtype=np.int64))
        person_parts.append(chosen)
        attended_parts.append(np.arange(n) < min(a, n))
    return np.concatenate(event_parts), np.concatenate(person_parts), np.concatenate(attended_parts)


def _entry_events(rng: np.random.Generator, people: _People, event_day: np.ndarray,
                  registered_n: np.ndarray) -> np.ndarray:
    """Return, per person, one event they are sure to register for: within
    their active period, drawn in proportion to event size (the nearest event
    when their period holds none)."""
    places_before = np.concatenate([[0], np.cumsum(registered_n)])
    low = np.searchsorted(event_day, np.maximum(people.first_day, 0), side="left")
    high = np.searchsorted(event_day, people.last_day, side="right")
    low = np.minimum(low, len(event_day) - 1)
    high = np.maximum(high, low + 1)
    place = places_before[low] + rng.random(len(low)) * (places_before[high] - places_before[low])
    return np.clip(np.searchsorted(places_before, place, side="right") - 1, low, high - 1)


def _training_year(day: np.ndarray, window_start: np.datetime64) -> np.ndarray:
    """Return the year in which the (approximate, 1 August) training year of each day starts."""
    dates = window_start + day.astype("timedelta64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return years - (months < 8)


def _stage_at(people: _People, person: np.ndarray, day: np.ndarray, window_start: np.datetime64) -> np.ndarray:
    """Return each person's stage (index into _STAGE_CODES) on the given day."""
    start = people.start_stage[person]
    years = _training_year(day, window_start) - _training_year(people.first_day[person], window_start)
    pre_nhs = _STAGE_CODES.index("pre_nhs")
    years = np.maximum(years - np.where(start == pre_nhs, people.extra_pre_nhs_years[person], 0), 0)
    ladder_position = {code: i for i, code in enumerate(_LADDER)}
    start_position = np.array([ladder_position.get(code, -1) for code in _STAGE_CODES])[start]
    ladder_stage = np.array([_STAGE_CODES.index(code) for code in _LADDER])
    position = np.minimum(start_position + years, len(_LADDER) - 1)
    stage = np.where(start_position >= 0, ladder_stage[np.maximum(position, 0)], start)
    leaves_for_led = (start == pre_nhs) & people.becomes_led[person] & (years >= 1)
    return np.where(leaves_for_led, _STAGE_CODES.index("led"), stage)


def _region_at(people: _People, person: np.ndarray, stage: np.ndarray, n_training_regions: int) -> np.ndarray:
    """Return each person's region (index into the region code list) at that stage:
    overseas while pre-NHS for most, otherwise their home region."""
    abroad = (stage == _STAGE_CODES.index("pre_nhs")) & people.overseas_before_nhs[person]
    return np.where(abroad, n_training_regions, people.home_region[person])


def _generate_feedback(scale: str, rng: np.random.Generator, attended: np.ndarray,
                       att_event: np.ndarray, att_day: np.ndarray, window_start: np.datetime64,
                       n_events: int):
    """Return the feedback table (without region and stage) and, per response,
    the attendance row it came from. Only people who attended respond."""
    registrations = len(attended)
    target = round(registrations * FEEDBACK_PER_REGISTRATION)
    attended_rows = np.flatnonzero(attended)
    rows = np.sort(rng.choice(attended_rows, size=min(target, len(attended_rows)), replace=False))
    n = len(rows)
    excellent_share = rng.uniform(*_EXCELLENT_SHARE, size=n_events)[att_event[rows]]
    other = np.array(_OTHER_RATINGS)[rng.choice(len(_OTHER_RATINGS), size=n, p=_OTHER_RATING_WEIGHTS)]
    rating = np.where(rng.random(n) < excellent_share, 5, other)
    delay = np.minimum(rng.geometric(0.35, size=n) - 1, 21)
    submitted_day = np.minimum(att_day[rows] + delay, SPAN_DAYS)
    recommend_chance = np.array([0.0, 0.2, 0.2, 0.6, 0.9, 0.98])[rating]
    recommends = rng.random(n) < recommend_chance
    asked = rng.random(n) >= 0.10
    has_comment = rng.random(n) < _COMMENT_SHARE
    comment_pick = rng.integers(0, len(_COMMENTS), size=n)
    table = _Table({
        "response_key": [f"demo-{scale}-r{i + 1:07d}" for i in range(n)],
        "rating": rating,
        "submitted": (window_start + submitted_day.astype("timedelta64[D]")).astype(str).tolist(),
        "would_recommend": [bool(r) if a else None for r, a in zip(recommends.tolist(), asked.tolist())],
        "comments": [_COMMENTS[p] if c else None for p, c in zip(comment_pick.tolist(), has_comment.tolist())],
    })
    return table, rows


def _generate_outcomes(spec: _ScaleSpec, rng: np.random.Generator, people: _People,
                       attended_person: np.ndarray, attended_day: np.ndarray, window_start: np.datetime64,
                       refs: _Reference, region_ids: np.ndarray, stage_ids: np.ndarray):
    """Return the outcome table (without participant ids) and the participant
    index of each row. Members who attended more events before the outcome
    do a little better."""
    target = round(spec.participants * OUTCOMES_PER_PARTICIPANT)
    draws = int(target * 1.8) + 100
    person = rng.integers(0, spec.participants, size=draws)
    # Some outcomes precede a member's first event, so every engagement band is populated.
    low = np.maximum(people.first_day[person] - 250, 0)
    high = np.minimum(people.last_day[person] + 200, SPAN_DAYS)
    day = low + (rng.random(draws) * (high - low + 1)).astype(np.int64)
    stage = _stage_at(people, person, day, window_start)

    measure_weights = np.zeros((len(_STAGE_CODES), len(_MEASURE_CODES)))
    for code, weights in _MEASURES_BY_STAGE.items():
        measure_weights[_STAGE_CODES.index(code)] = weights
    row_weights = measure_weights[stage]
    possible = (high >= low) & (row_weights.sum(axis=1) > 0)
    measure = _categorical(rng, row_weights, possible)

    key = (person * len(_MEASURE_CODES) + measure) * (SPAN_DAYS + 1) + day
    unique_keys, first = np.unique(np.where(possible, key, -1), return_index=True)
    keep = np.sort(first[unique_keys >= 0])[:target]
    person, day, stage, measure = person[keep], day[keep], stage[keep], measure[keep]

    prior = _prior_attended(attended_person, attended_day, person, day)
    result = _results(rng, measure, prior)
    categories = [_MEASURE_CATEGORY[_MEASURE_CODES[m]] for m in measure.tolist()]
    flags = {pair: outcome_flag(*pair) for pair in set(zip(categories, result))}
    region = _region_at(people, person, stage, len(refs.training_regions))
    order = np.lexsort((person, day))
    table = _Table({
        "measure_id": np.array([refs.measure_ids[code] for code in _MEASURE_CODES])[measure][order],
        "date": (window_start + day[order].astype("timedelta64[D]")).astype(str).tolist(),
        "result": [result[i] for i in order.tolist()],
        "flag": [flags[(categories[i], result[i])] for i in order.tolist()],
        "region_id": region_ids[region][order],
        "stage_id": stage_ids[stage][order],
    })
    return table, person[order]


def _categorical(rng: np.random.Generator, weights: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Return one column index per row, drawn with that row's weights; rows
    not ``valid`` get 0."""
    totals = weights.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(weights / np.where(totals > 0, totals, 1), axis=1)
    picks = (rng.random(len(weights))[:, None] > cumulative).sum(axis=1)
    return np.where(valid, np.minimum(picks, weights.shape[1] - 1), 0)


def _prior_attended(attended_person: np.ndarray, attended_day: np.ndarray, person: np.ndarray,
                    day: np.ndarray) -> np.ndarray:
    """Return how many events each (person, day) pair attended strictly before that day."""
    stride = SPAN_DAYS + 2
    history = np.sort(attended_person * stride + attended_day)
    return np.searchsorted(history, person * stride + day) - np.searchsorted(history, person * stride)


def _results(rng: np.random.Generator, measure: np.ndarray, prior: np.ndarray) -> list[str]:
    engagement = np.minimum(prior, _ENGAGEMENT_CAP)
    u = rng.random(len(measure))
    base = np.array([_SUCCESS_BASE.get(code, 0.5) for code in _MEASURE_CODES])[measure]
    log_odds = np.log(base / (1 - base)) + _ENGAGEMENT_LOG_ODDS * engagement
    success = u < 1 / (1 + np.exp(-log_odds))

    arcp_weights = np.tile(np.array(_ARCP_WEIGHTS), (len(measure), 1))
    unsatisfactory = np.array([code in _ARCP_UNSATISFACTORY for code in _ARCP_CODES])
    shrink = np.exp(-_ARCP_ENGAGEMENT_DECAY * engagement)[:, None]
    moved = (arcp_weights * unsatisfactory * (1 - shrink)).sum(axis=1)
    arcp_weights = np.where(unsatisfactory, arcp_weights * shrink, arcp_weights)
    arcp_weights[:, _ARCP_CODES.index("1")] += moved
    arcp_code = _categorical(rng, arcp_weights, np.ones(len(measure), dtype=bool))

    results = []
    for m, ok, code in zip(measure.tolist(), success.tolist(), arcp_code.tolist()):
        category = _MEASURE_CATEGORY[_MEASURE_CODES[m]]
        if category == "exam":
            results.append("pass" if ok else "fail")
        elif category == "recruitment":
            results.append("offer" if ok else "no_offer")
        else:
            results.append(_ARCP_CODES[code])
    return results


def _generate_mwres_links(rng: np.random.Generator, n_events: int, indicator_ids: Sequence[int]):
    """Return (event index, indicator id) pairs: about 40% of events get one or two indicators."""
    if not indicator_ids:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    linked = np.flatnonzero(rng.random(n_events) < 0.4)
    first = rng.integers(0, len(indicator_ids), size=len(linked))
    second = rng.integers(0, len(indicator_ids), size=len(linked))
    wants_second = (rng.random(len(linked)) < 0.3) & (second != first)
    events = np.concatenate([linked, linked[wants_second]])
    picks = np.concatenate([first, second[wants_second]])
    order = np.lexsort((picks, events))
    return events[order], np.array(indicator_ids)[picks][order]


def _generate_reps(rng: np.random.Generator, anchor: dt.date, refs: _Reference) -> list[dict]:
    """Return rep rows: every training region but a few has an active lead or
    rep today, many have deputies, some have predecessors who stood down."""
    regions = refs.training_regions
    small = [code for code in regions if _REGION_WEIGHTS.get(code, 1.0) < 1.5]
    uncovered = list(rng.choice(small, size=_UNCOVERED_REGIONS, replace=False))
    names = _rep_names(rng, 5 * len(regions))
    reps: list[dict] = []

    def add(region: str, role: str, start_days_ago: int, end_days_ago: int | None) -> None:
        reps.append({
            "name": names.pop(),
            "region_id": refs.region_ids[region],
            "role": role,
            "start_date": anchor - dt.timedelta(days=start_days_ago),
            "end_date": None if end_days_ago is None else anchor - dt.timedelta(days=end_days_ago),
        })

    for code in regions:
        if code == uncovered[0]:
            add(code, "rep", int(rng.integers(500, 900)), int(rng.integers(40, 150)))
            continue
        if code == uncovered[1]:
            continue
        if code == uncovered[2]:
            add(code, "lead", int(rng.integers(900, 1200)), int(rng.integers(300, 500)))
            add(code, "deputy", int(rng.integers(600, 800)), int(rng.integers(300, 500)))
            continue
        started = int(rng.integers(60, 900))
        role = "lead" if code == "LDN" or rng.random() < 0.5 else "rep"
        # One current rep is leaving next month: still active today.
        leaving = -30 if code == regions[1] else None
        add(code, role, started, leaving)
        if rng.random() < 0.35:
            add(code, "rep", started + int(rng.integers(200, 700)), started + 1)
        if rng.random() < 0.5:
            add(code, "deputy", int(rng.integers(30, started + 1)), None)
        if code == "LDN":
            add(code, "rep", int(rng.integers(30, 400)), None)
            add(code, "rep", int(rng.integers(30, 400)), None)
    return reps


def _rep_names(rng: np.random.Generator, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = (f"Dr {_REP_INITIALS[rng.integers(len(_REP_INITIALS))]}. "
                f"{_REP_SYLLABLES_START[rng.integers(len(_REP_SYLLABLES_START))]}"
                f"{_REP_SYLLABLES_END[rng.integers(len(_REP_SYLLABLES_END))]}")
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _generate_benchmarks(rng: np.random.Generator, anchor: dt.date, refs: _Reference) -> list[dict]:
    """Return synthetic national benchmark rows for the last six years: UK
    graduates pass MRCPCH exams 20-26 points more often than IMGs, IMGs get
    more unsatisfactory ARCP outcomes and fewer recruitment offers."""
    rows = []
    for year in range(anchor.year - 6, anchor.year):
        for code in _MEASURE_CODES:
            category = _MEASURE_CATEGORY[code]
            if category == "exam":
                uk_rate = rng.uniform(0.70, 0.80)
                img_rate = uk_rate - rng.uniform(0.205, 0.255)
            elif category == "arcp":
                uk_rate = rng.uniform(0.07, 0.10)
                img_rate = uk_rate + rng.uniform(0.05, 0.09)
            else:
                uk_rate = rng.uniform(0.62, 0.72)
                img_rate = rng.uniform(0.20, 0.28)
            for group, rate, size in ((UK_GRADUATES, uk_rate, (900, 1500)), (IMGS, img_rate, (500, 900))):
                denominator = int(rng.integers(*size))
                rows.append({
                    "year": year,
                    "measure_id": refs.measure_ids[code],
                    "group_label": group,
                    "numerator": round(rate * denominator),
                    "denominator": denominator,
                    "source": BENCHMARK_SOURCE,
                })
    return rows


# --- writing ----------------------------------------------------------------


def _lock_for_writing(conn: Connection) -> None:
    """Start the transaction holding the write lock, so that a concurrent
    seeder or import waits instead of interleaving with this one."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        # Every import and seeding inserts an import_batch row first.
        conn.execute(text("LOCK TABLE import_batch IN SHARE ROW EXCLUSIVE MODE"))


def _has_events(conn: Connection) -> bool:
    return conn.scalar(select(Event.id).limit(1)) is not None


def _insert(conn: Connection, data: _DemoData, scale: str) -> dict[str, int]:
    counts = {
        "events": len(data.events),
        "mwres_links": len(data.mwres_event_index),
        "participants": len(data.pseudonyms),
        "registrations": len(data.attendance),
        "feedback": len(data.feedback),
        "reps": len(data.reps),
        "outcomes": len(data.outcomes),
        "benchmarks": len(data.benchmarks),
    }
    batch_id = conn.execute(insert(ImportBatch).values(
        kind="demo", file_name=f"demo:{scale}", imported_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        is_demo=True, rows_read=0, rows_inserted=sum(counts.values()), rows_updated=0, rows_unchanged=0,
    )).inserted_primary_key[0]

    events = data.events.columns | {"event_key": data.event_keys}
    _bulk_insert(conn, "event", events, batch_id)
    event_ids = _ids_by_key(conn, Event.__table__.c.event_key, Event.__table__.c.id, batch_id, data.event_keys)
    _bulk_insert(conn, "event_mwres", {
        "event_id": event_ids[data.mwres_event_index],
        "indicator_id": data.mwres_indicator_id,
    }, None)

    _bulk_insert(conn, "participant", {"pseudonym": data.pseudonyms}, batch_id)
    person_ids = _ids_by_key(conn, Participant.__table__.c.pseudonym, Participant.__table__.c.id, batch_id,
                             data.pseudonyms)
    _bulk_insert(conn, "attendance", {
        "event_id": event_ids[data.attendance_event_index],
        "participant_id": person_ids[data.attendance_participant_index],
        **data.attendance.columns,
    }, batch_id)
    _bulk_insert(conn, "feedback", {
        "event_id": event_ids[data.feedback_event_index],
        "participant_id": [None] * len(data.feedback),
        **data.feedback.columns,
    }, batch_id)
    _bulk_insert(conn, "outcome", {
        "participant_id": person_ids[data.outcome_participant_index],
        **data.outcomes.columns,
    }, batch_id)
    conn.execute(insert(Rep), [row | {"batch_id": batch_id} for row in data.reps])
    conn.execute(insert(Benchmark), [row | {"batch_id": batch_id} for row in data.benchmarks])
    return counts


def _ids_by_key(conn: Connection, key_column, id_column, batch_id: int, keys: list[str]) -> np.ndarray:
    """Return the database ids of the rows just inserted, in the order of ``keys``."""
    position = {key: i for i, key in enumerate(keys)}
    ids = np.empty(len(keys), dtype=np.int64)
    for row_id, key in conn.execute(select(id_column, key_column).where(id_column.table.c.batch_id == batch_id)):
        ids[position[key]] = row_id
    return ids


def _bulk_insert(conn: Connection, table: str, columns: dict[str, np.ndarray | list], batch_id: int | None) -> None:
    """Insert the columns as rows of ``table`` in large chunks: executemany on
    SQLite, COPY on PostgreSQL. Values are plain Python ints, bools, strings
    (dates as YYYY-MM-DD) or None."""
    if batch_id is not None:
        columns = columns | {"batch_id": np.full(len(next(iter(columns.values()))), batch_id)}
    names = list(columns)
    total = len(columns[names[0]])
    chunks = (_rows(columns, names, start, min(start + _CHUNK_ROWS, total))
              for start in range(0, total, _CHUNK_ROWS))
    if conn.dialect.name == "postgresql":
        _copy_postgresql(conn, table, names, chunks)
        return
    placeholders = ", ".join("?" for _ in names)
    statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({placeholders})"
    for chunk in chunks:
        conn.exec_driver_sql(statement, chunk)


def _rows(columns: dict[str, np.ndarray | list], names: list[str], start: int, stop: int) -> list[tuple]:
    values = [columns[name][start:stop] for name in names]
    return list(zip(*(v.tolist() if isinstance(v, np.ndarray) else v for v in values)))


def _copy_postgresql(conn: Connection, table: str, names: list[str], chunks: Iterable[list[tuple]]) -> None:
    import psycopg

    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for chunk in chunks:
                for row in chunk:
                    copy.write_row(row)
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def _delete_demo_rows(conn: Connection) -> int:
    """Delete every row of every demo batch, children first, then the batches;
    return the number of data rows deleted. An event or participant that a
    non-demo row still refers to is kept, with its batch."""
    demo_batches = select(ImportBatch.id).where(ImportBatch.is_demo.is_(True))
    removed = 0
    for model in (Feedback, Attendance, Outcome, Rep, Benchmark):
        removed += conn.execute(delete(model).where(model.batch_id.in_(demo_batches))).rowcount
    unreferenced_events = select(Event.id).where(
        Event.batch_id.in_(demo_batches),
        ~exists().where(Attendance.event_id == Event.id),
        ~exists().where(Feedback.event_id == Event.id),
    )
    removed += conn.execute(delete(event_mwres).where(event_mwres.c.event_id.in_(unreferenced_events))).rowcount
    removed += conn.execute(delete(Event).where(Event.id.in_(unreferenced_events))).rowcount
    removed += conn.execute(delete(Participant).where(
        Participant.batch_id.in_(demo_batches),
        ~exists().where(Attendance.participant_id == Participant.id),
        ~exists().where(Feedback.participant_id == Participant.id),
        ~exists().where(Outcome.participant_id == Participant.id),
    )).rowcount
    conn.execute(delete(ImportBatch).where(
        ImportBatch.is_demo.is_(True),
        ~exists().where(Event.batch_id == ImportBatch.id),
        ~exists().where(Participant.batch_id == ImportBatch.id),
    ))
    return removed
