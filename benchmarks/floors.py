"""Each page's main aggregates three ways, on the same rows: the dashboard's
own queries (the views' ``run_query``, ``compute_kpis``), DuckDB over an
in-memory copy (the columnar floor), and a naive "load every table into
pandas, then filter and aggregate" approach.

``check_same`` compares the three results figure by figure; the suite
refuses to print a ratio between computations that disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import Boolean, Date, Engine, text

from data_access import kpis
from data_access.filters import Filters
from data_access.models import Base
from data_access.queries import reach
from domain.periods import previous_period
from views.attainment import ENGAGEMENT_VIEWS, MEMBERS_GROUP, MWRES_REACH, OUTCOME_VIEWS
from views.base import run_query
from views.coverage import REGION_COVERAGE, REGIONS_COVERED_BY_MONTH, period_end
from views.feedback import EXCELLENT_BY_MONTH, MEAN_RATING_BY_EVENT, RATING_DISTRIBUTION, RESPONSE_RATE
from views.overview import OVERVIEW_VIEWS
from views.reach import (
    ATTENDANCES_BY_MONTH,
    ATTENDANCES_BY_REGION,
    ATTENDANCES_BY_STAGE,
    CONVERSION_BY_EVENT_TYPE,
    CUMULATIVE_REACH,
    NEW_VS_RETURNING,
    REACH_BY_MONTH,
)

Frames = Mapping[str, pd.DataFrame]

# The KPI figures compared (the rates are derived from these).
KPI_FIGURES = (
    "events", "registrations", "attendances", "unique_participants", "returning_participants",
    "feedback_responses", "regions_total", "regions_with_active_rep",
)
ENGAGEMENT_BANDS = ("0", "1-2", "3+")
# Relative tolerance for float figures (mean ratings): the engines sum in different orders.
FLOAT_TOLERANCE = 1e-9


class Mismatch(RuntimeError):
    """Two computations of the same aggregate gave different figures."""


@dataclass(frozen=True, kw_only=True)
class Aggregate:
    """One aggregate a page shows, computed three ways.

    Each function takes (source, filters, today) and returns a frame with
    the ``keys`` and ``values`` columns; rows whose values are all zero are
    ignored when comparing (the dashboard zero-fills some breakdowns)."""

    name: str
    keys: tuple[str, ...]
    values: tuple[str, ...]
    ours: Callable[[Engine, Filters, dt.date], pd.DataFrame]
    duck: Callable[[duckdb.DuckDBPyConnection, Filters, dt.date], pd.DataFrame]
    pandas: Callable[[Frames, Filters, dt.date], pd.DataFrame]


# --- comparing --------------------------------------------------------------


def _key(value: object) -> str:
    if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date().isoformat()
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _figures(frame: pd.DataFrame, keys: Sequence[str], values: Sequence[str]) -> dict[tuple, tuple]:
    out: dict[tuple, tuple] = {}
    for row in frame[list(keys) + list(values)].itertuples(index=False):
        figures = tuple(0.0 if v is None or pd.isna(v) else float(v) for v in row[len(keys):])
        if any(figures):
            out[tuple(_key(k) for k in row[: len(keys)])] = figures
    return out


def check_same(name: str, results: Mapping[str, pd.DataFrame], *, keys: Sequence[str],
               values: Sequence[str]) -> int:
    """Return the number of rows compared; raise ``Mismatch`` unless every
    result in ``results`` (source name -> frame) has the same rows (by
    ``keys``) with the same ``values``: whole numbers exactly, fractions
    within ``FLOAT_TOLERANCE``."""
    (first_name, first), *others = [(source, _figures(frame, keys, values)) for source, frame in results.items()]
    for other_name, other in others:
        if set(first) != set(other):
            missing = sorted(set(first) ^ set(other))[:3]
            raise Mismatch(f"{name}: {first_name} and {other_name} have different rows, e.g. {missing}")
        for row_key, figures in first.items():
            for column, a, b in zip(values, figures, other[row_key], strict=True):
                if not math.isclose(a, b, rel_tol=FLOAT_TOLERANCE, abs_tol=0.0):
                    raise Mismatch(f"{name} {row_key} {column}: {first_name} {a:g} vs {other_name} {b:g}")
    return len(first)


# --- loading ----------------------------------------------------------------


def load_tables(engine: Engine) -> dict[str, pd.DataFrame]:
    """Return every table of the schema as a pandas DataFrame (the naive
    approach's first step), with real dates and booleans."""
    frames: dict[str, pd.DataFrame] = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            frame = pd.read_sql(text(f"SELECT * FROM {table.name}"), conn)
            for column in table.columns:
                if isinstance(column.type, Date):
                    frame[column.name] = pd.to_datetime(frame[column.name])
                elif isinstance(column.type, Boolean):
                    frame[column.name] = frame[column.name].astype("boolean").fillna(False).astype(bool)
            frames[table.name] = frame
    return frames


def duckdb_from_tables(frames: Frames) -> duckdb.DuckDBPyConnection:
    """Return an in-memory DuckDB holding a copy of ``frames`` as tables."""
    con = duckdb.connect()
    for name, frame in frames.items():
        con.register(f"{name}_df", frame)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM {name}_df')
        con.unregister(f"{name}_df")
    return con


# --- DuckDB -----------------------------------------------------------------

# Fact rows f (attendance, feedback) with their event e and type et.
_DUCK_JOINS = "JOIN event e ON e.id = f.event_id JOIN event_type et ON et.id = e.event_type_id"


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({','.join('?' * len(values))})"


def _duck_where(filters: Filters, *, fact: str = "f", events: bool = True) -> tuple[str, list]:
    """Return SQL conditions (and their parameters) for ``filters``: dates and
    types on event ``e`` / type ``et``, region and stage on ``fact``'s own."""
    where, params = ["TRUE"], []
    if events and filters.date_from:
        where.append("e.date >= ?")
        params.append(filters.date_from)
    if events and filters.date_to:
        where.append("e.date <= ?")
        params.append(filters.date_to)
    if events and filters.event_types:
        where.append(_in("et.code", filters.event_types))
        params.extend(filters.event_types)
    if filters.regions:
        where.append(f"{fact}.region_id IN (SELECT id FROM region WHERE {_in('code', filters.regions)})")
        params.extend(filters.regions)
    if filters.stages:
        where.append(f"{fact}.stage_id IN (SELECT id FROM stage WHERE {_in('code', filters.stages)})")
        params.extend(filters.stages)
    return " AND ".join(where), params


def _duck_counted(fact: str, filters: Filters) -> tuple[str, list]:
    """Return a query of the counted rows of ``fact`` with the event's month, type code and key."""
    where, params = _duck_where(filters)
    return (f"SELECT f.*, date_trunc('month', e.date) AS month, et.code AS event_type, "
            f"e.event_key, e.date AS event_date FROM {fact} f {_DUCK_JOINS} WHERE {where}"), params


def _sql(con: duckdb.DuckDBPyConnection, query: str, params: list) -> pd.DataFrame:
    return con.execute(query, params).fetchdf()


def duck_kpis(con, filters: Filters, as_of: dt.date) -> pd.DataFrame:
    """Return the compared KPI figures computed by DuckDB (one row)."""
    counted, params = _duck_counted("attendance", filters)
    feedback, feedback_params = _duck_counted("feedback", filters)
    region_where = "r.is_training_region" + (f" AND {_in('r.code', filters.regions)}" if filters.regions else "")
    return _sql(con, f"""
        WITH counted AS ({counted})
        SELECT
          (SELECT COUNT(DISTINCT event_id) FROM counted WHERE attended) AS events,
          (SELECT COUNT(*) FROM counted) AS registrations,
          (SELECT COUNT(*) FROM counted WHERE attended) AS attendances,
          (SELECT COUNT(DISTINCT participant_id) FROM counted WHERE attended) AS unique_participants,
          (SELECT COUNT(*) FROM (SELECT participant_id FROM counted WHERE attended
             GROUP BY participant_id HAVING COUNT(DISTINCT event_id) >= 2)) AS returning_participants,
          (SELECT COUNT(*) FROM ({feedback})) AS feedback_responses,
          (SELECT COUNT(*) FROM region r WHERE {region_where}) AS regions_total,
          (SELECT COUNT(DISTINCT p.region_id) FROM rep p JOIN region r ON r.id = p.region_id
             WHERE {region_where} AND p.start_date <= ? AND (p.end_date IS NULL OR p.end_date >= ?))
             AS regions_with_active_rep
        """, params + feedback_params + list(filters.regions) + list(filters.regions) + [as_of, as_of])


def _duck_by(con, filters: Filters, group: str, select: str, *, fact: str = "attendance",
             attended_only: bool = True) -> pd.DataFrame:
    counted, params = _duck_counted(fact, filters)
    where = "WHERE attended" if attended_only else ""
    return _sql(con, f"WITH counted AS ({counted}) SELECT {group}, {select} FROM counted {where} "
                     f"GROUP BY {group}", params)


PEOPLE = "COUNT(*) AS attendances, COUNT(DISTINCT participant_id) AS unique_participants"


def duck_reach_by_month(con, filters, _today):
    return _duck_by(con, filters, "month", "COUNT(*) AS registrations, COUNT(*) FILTER (WHERE attended) "
                    "AS attendances, COUNT(DISTINCT participant_id) FILTER (WHERE attended) "
                    "AS unique_participants", attended_only=False)


def duck_by_region(con, filters, _today):
    return _duck_by(con, filters, "region_id", PEOPLE).merge(
        _sql(con, "SELECT id AS region_id, code AS region FROM region", []), on="region_id")


def duck_by_stage(con, filters, _today):
    return _duck_by(con, filters, "stage_id", PEOPLE).merge(
        _sql(con, "SELECT id AS stage_id, code AS stage FROM stage", []), on="stage_id")


def duck_by_month_and_type(con, filters, _today):
    return _duck_by(con, filters, "month, event_type", "COUNT(*) AS attendances")


def duck_conversion(con, filters, _today):
    return _duck_by(con, filters, "event_type", "COUNT(*) AS registrations, "
                    "COUNT(*) FILTER (WHERE attended) AS attendances", attended_only=False)


def duck_new_vs_returning(con, filters, _today):
    counted, params = _duck_counted("attendance", filters)
    return _sql(con, f"""
        WITH counted AS ({counted}),
        people AS (SELECT month, COUNT(DISTINCT participant_id) AS n FROM counted WHERE attended GROUP BY month),
        firsts AS (SELECT a.participant_id, MIN(date_trunc('month', e.date)) AS first_month
                   FROM attendance a JOIN event e ON e.id = a.event_id WHERE a.attended
                   GROUP BY a.participant_id),
        first_counted AS (SELECT participant_id, MIN(month) AS month FROM counted WHERE attended
                          GROUP BY participant_id),
        new AS (SELECT c.month, COUNT(*) AS n FROM first_counted c JOIN firsts f
                ON f.participant_id = c.participant_id AND f.first_month = c.month GROUP BY c.month)
        SELECT p.month, COALESCE(new.n, 0) AS new_participants, p.n - COALESCE(new.n, 0) AS returning_participants
        FROM people p LEFT JOIN new ON new.month = p.month""", params)


def duck_cumulative(con, filters, _today):
    counted, params = _duck_counted("attendance", filters)
    return _sql(con, f"""
        WITH counted AS ({counted}),
        months AS (SELECT DISTINCT month FROM counted WHERE attended),
        firsts AS (SELECT MIN(month) AS month FROM counted WHERE attended GROUP BY participant_id),
        new AS (SELECT month, COUNT(*) AS n FROM firsts GROUP BY month)
        SELECT m.month, COALESCE(new.n, 0) AS new_participants,
               SUM(COALESCE(new.n, 0)) OVER (ORDER BY m.month) AS cumulative_unique_participants
        FROM months m LEFT JOIN new ON new.month = m.month""", params)


def duck_events_table(con, filters, _today):
    counted, params = _duck_counted("attendance", filters)
    feedback, feedback_params = _duck_counted("feedback", filters)
    return _sql(con, f"""
        WITH a AS (SELECT event_key, COUNT(*) AS registrations, COUNT(*) FILTER (WHERE attended) AS attendances
                   FROM ({counted}) GROUP BY event_key),
             fb AS (SELECT event_key, COUNT(*) AS feedback_responses FROM ({feedback}) GROUP BY event_key)
        SELECT COALESCE(a.event_key, fb.event_key) AS event_id, COALESCE(registrations, 0) AS registrations,
               COALESCE(attendances, 0) AS attendances, COALESCE(feedback_responses, 0) AS feedback_responses
        FROM a FULL JOIN fb ON fb.event_key = a.event_key""", params + feedback_params)


def duck_rating_distribution(con, filters, _today):
    return _duck_by(con, filters, "event_type, rating", "COUNT(*) AS responses", fact="feedback",
                    attended_only=False)


def duck_excellent_by_month(con, filters, _today):
    return _duck_by(con, filters, "month", "COUNT(*) AS responses, COUNT(*) FILTER (WHERE rating = 5) "
                    "AS excellent", fact="feedback", attended_only=False)


def duck_response_rate(con, filters, _today):
    responses = _duck_by(con, filters, "event_type", "COUNT(*) AS responses", fact="feedback",
                         attended_only=False)
    attendances = _duck_by(con, filters, "event_type", "COUNT(*) AS attendances")
    return responses.merge(attendances, on="event_type", how="outer").fillna(0)


def duck_mean_rating(con, filters, _today):
    return _duck_by(con, filters, "event_key", "COUNT(*) AS responses, AVG(rating) AS mean_rating",
                    fact="feedback", attended_only=False).rename(columns={"event_key": "event_id"})


def duck_region_coverage(con, filters, today):
    as_of = period_end(filters, today=today)
    counted, params = _duck_counted("attendance", filters)
    region_where = "r.is_training_region" + (f" AND {_in('r.code', filters.regions)}" if filters.regions else "")
    return _sql(con, f"""
        WITH reach AS (SELECT region_id, {PEOPLE} FROM ({counted}) WHERE attended GROUP BY region_id),
             reps AS (SELECT region_id, COUNT(DISTINCT name) AS active_reps FROM rep
                      WHERE start_date <= ? AND (end_date IS NULL OR end_date >= ?) GROUP BY region_id)
        SELECT r.code AS region, COALESCE(reps.active_reps, 0) AS active_reps,
               COALESCE(reach.attendances, 0) AS attendances,
               COALESCE(reach.unique_participants, 0) AS unique_participants
        FROM region r LEFT JOIN reach ON reach.region_id = r.id LEFT JOIN reps ON reps.region_id = r.id
        WHERE {region_where}""", params + [as_of, as_of] + list(filters.regions))


def duck_regions_covered(con, filters, today):
    region_where = "r.is_training_region" + (f" AND {_in('r.code', filters.regions)}" if filters.regions else "")
    last_day = filters.date_to or today
    first_day = filters.date_from
    if first_day is None:
        event_where, params = _duck_where(dataclasses.replace(filters, regions=(), stages=()), fact="e")
        first_day = con.execute(
            f"SELECT LEAST((SELECT MIN(p.start_date) FROM rep p JOIN region r ON r.id = p.region_id "
            f"WHERE {region_where}), (SELECT MIN(e.date) FROM event e JOIN event_type et "
            f"ON et.id = e.event_type_id WHERE {event_where}))", list(filters.regions) + params).fetchone()[0]
    return _sql(con, f"""
        WITH months AS (SELECT m AS month, LEAST(last_day(m), ?::DATE) AS as_of
                        FROM generate_series(date_trunc('month', ?::DATE), ?::DATE, INTERVAL 1 MONTH) g(m))
        SELECT months.month, COUNT(DISTINCT p.region_id) AS regions_with_active_rep,
               (SELECT COUNT(*) FROM region r WHERE {region_where}) AS regions_total
        FROM months LEFT JOIN (SELECT p.* FROM rep p JOIN region r ON r.id = p.region_id WHERE {region_where}) p
          ON p.start_date <= months.as_of AND (p.end_date IS NULL OR p.end_date >= months.as_of)
        GROUP BY months.month""", [last_day, first_day, last_day, *filters.regions, *filters.regions])


def _duck_outcomes(filters: Filters) -> tuple[str, list]:
    where, params = _duck_where(filters, fact="o", events=False)
    if filters.date_from:
        where += " AND o.date >= ?"
        params.append(filters.date_from)
    if filters.date_to:
        where += " AND o.date <= ?"
        params.append(filters.date_to)
    return (f"SELECT o.*, m.code AS measure FROM outcome o JOIN outcome_measure m ON m.id = o.measure_id "
            f"WHERE o.flag IS NOT NULL AND {where}"), params


def duck_outcome_rates(con, filters, _today):
    outcomes, params = _duck_outcomes(filters)
    # The training year starts on the first Wednesday in August (isodow 3).
    august = "make_date(year(date)::INTEGER, 8, 1)"
    start = f"({august} + ((10 - isodow({august})) % 7)::INTEGER)"
    return _sql(con, f"""
        SELECT measure, year(date) - CASE WHEN date < {start} THEN 1 ELSE 0 END AS training_year,
               COUNT(*) AS n, SUM(flag) AS events
        FROM ({outcomes}) GROUP BY ALL""", params)


def duck_engagement(con, filters, _today):
    outcomes, params = _duck_outcomes(filters)
    return _sql(con, f"""
        WITH counted AS ({outcomes}),
        prior AS (SELECT o.id, COUNT(*) AS n FROM counted o
                  JOIN attendance a ON a.participant_id = o.participant_id AND a.attended
                  JOIN event e ON e.id = a.event_id AND e.date < o.date GROUP BY o.id)
        SELECT measure, CASE WHEN prior.n IS NULL THEN '0' WHEN prior.n < 3 THEN '1-2' ELSE '3+' END
               AS engagement, COUNT(*) AS n, SUM(flag) AS events
        FROM counted LEFT JOIN prior ON prior.id = counted.id GROUP BY ALL""", params)


def duck_mwres(con, filters, _today):
    counted, params = _duck_counted("attendance", filters)
    return _sql(con, f"""
        SELECT i.code AS indicator, COUNT(DISTINCT c.event_id) AS events, COUNT(*) AS attendances,
               COUNT(DISTINCT c.participant_id) AS unique_participants
        FROM ({counted}) c JOIN event_mwres em ON em.event_id = c.event_id
        JOIN mwres_indicator i ON i.id = em.indicator_id WHERE c.attended GROUP BY i.code""", params)


# --- naive pandas -----------------------------------------------------------


def _ids(frame: pd.DataFrame, codes: Sequence[str]) -> pd.Series:
    return frame.loc[frame["code"].isin(codes), "id"]


def _person_mask(t: Frames, rows: pd.DataFrame, filters: Filters) -> pd.Series:
    mask = pd.Series(True, index=rows.index)
    if filters.regions:
        mask &= rows["region_id"].isin(_ids(t["region"], filters.regions))
    if filters.stages:
        mask &= rows["stage_id"].isin(_ids(t["stage"], filters.stages))
    return mask


def _pd_events(t: Frames, filters: Filters) -> pd.DataFrame:
    event = t["event"]
    mask = pd.Series(True, index=event.index)
    if filters.date_from:
        mask &= event["date"] >= pd.Timestamp(filters.date_from)
    if filters.date_to:
        mask &= event["date"] <= pd.Timestamp(filters.date_to)
    if filters.event_types:
        mask &= event["event_type_id"].isin(_ids(t["event_type"], filters.event_types))
    types = t["event_type"][["id", "code"]].rename(columns={"id": "event_type_id", "code": "event_type"})
    selected = event.loc[mask, ["id", "event_key", "date", "event_type_id"]].merge(types, on="event_type_id")
    return selected.rename(columns={"id": "event_id", "date": "event_date"}).assign(
        month=lambda df: df["event_date"].dt.to_period("M").dt.start_time
    )


def _pd_counted(t: Frames, fact: str, filters: Filters) -> pd.DataFrame:
    rows = t[fact]
    return rows[_person_mask(t, rows, filters)].merge(_pd_events(t, filters), on="event_id")


def _attended(t: Frames, filters: Filters) -> pd.DataFrame:
    rows = _pd_counted(t, "attendance", filters)
    return rows[rows["attended"]]


def _people(rows: pd.DataFrame, by: str | list[str]) -> pd.DataFrame:
    return rows.groupby(by).agg(attendances=("participant_id", "size"),
                                unique_participants=("participant_id", "nunique")).reset_index()


def pandas_kpis(t: Frames, filters: Filters, as_of: dt.date) -> pd.DataFrame:
    """Return the compared KPI figures computed with pandas (one row)."""
    counted = _pd_counted(t, "attendance", filters)
    attended = counted[counted["attended"]]
    events_per_person = attended.groupby("participant_id")["event_id"].nunique()
    region = t["region"]
    regions = region[region["is_training_region"]]
    if filters.regions:
        regions = regions[regions["code"].isin(filters.regions)]
    rep = t["rep"]
    active = rep[(rep["start_date"] <= pd.Timestamp(as_of))
                 & (rep["end_date"].isna() | (rep["end_date"] >= pd.Timestamp(as_of)))]
    return pd.DataFrame([{
        "events": attended["event_id"].nunique(),
        "registrations": len(counted),
        "attendances": len(attended),
        "unique_participants": attended["participant_id"].nunique(),
        "returning_participants": int((events_per_person >= 2).sum()),
        "feedback_responses": len(_pd_counted(t, "feedback", filters)),
        "regions_total": len(regions),
        "regions_with_active_rep": active.loc[active["region_id"].isin(regions["id"]), "region_id"].nunique(),
    }])


def pandas_reach_by_month(t, filters, _today):
    rows = _pd_counted(t, "attendance", filters)
    counts = rows.groupby("month").agg(registrations=("attended", "size"), attendances=("attended", "sum"))
    people = rows[rows["attended"]].groupby("month")["participant_id"].nunique().rename("unique_participants")
    return counts.join(people).fillna(0).reset_index()


def pandas_by_region(t, filters, _today):
    codes = t["region"][["id", "code"]].rename(columns={"id": "region_id", "code": "region"})
    return _people(_attended(t, filters), "region_id").merge(codes, on="region_id")


def pandas_by_stage(t, filters, _today):
    codes = t["stage"][["id", "code"]].rename(columns={"id": "stage_id", "code": "stage"})
    return _people(_attended(t, filters), "stage_id").merge(codes, on="stage_id")


def pandas_by_month_and_type(t, filters, _today):
    return _attended(t, filters).groupby(["month", "event_type"]).size().rename("attendances").reset_index()


def pandas_conversion(t, filters, _today):
    rows = _pd_counted(t, "attendance", filters)
    return rows.groupby("event_type").agg(registrations=("attended", "size"),
                                          attendances=("attended", "sum")).reset_index()


def pandas_new_vs_returning(t, filters, _today):
    attended = _attended(t, filters)
    people = attended.groupby("month")["participant_id"].nunique()
    every = _pd_counted(t, "attendance", Filters())
    first_ever = every[every["attended"]].groupby("participant_id")["month"].min()
    first_counted = attended.groupby("participant_id")["month"].min()
    new = first_counted[first_counted == first_ever.reindex(first_counted.index)].value_counts()
    new = new.reindex(people.index, fill_value=0)
    return pd.DataFrame({"new_participants": new, "returning_participants": people - new}).reset_index()


def pandas_cumulative(t, filters, _today):
    attended = _attended(t, filters)
    months = pd.Index(sorted(attended["month"].unique()), name="month")
    new = attended.groupby("participant_id")["month"].min().value_counts().reindex(months, fill_value=0)
    return pd.DataFrame({"new_participants": new, "cumulative_unique_participants": new.cumsum()}).reset_index()


def pandas_events_table(t, filters, _today):
    rows = _pd_counted(t, "attendance", filters)
    counts = rows.groupby("event_key").agg(registrations=("attended", "size"), attendances=("attended", "sum"))
    responses = _pd_counted(t, "feedback", filters).groupby("event_key").size().rename("feedback_responses")
    table = counts.join(responses, how="outer").fillna(0)
    return table.rename_axis("event_id").reset_index()


def pandas_rating_distribution(t, filters, _today):
    rows = _pd_counted(t, "feedback", filters)
    return rows.groupby(["event_type", "rating"]).size().rename("responses").reset_index()


def pandas_excellent_by_month(t, filters, _today):
    rows = _pd_counted(t, "feedback", filters).assign(excellent=lambda df: df["rating"] == 5)
    return rows.groupby("month").agg(responses=("rating", "size"), excellent=("excellent", "sum")).reset_index()


def pandas_response_rate(t, filters, _today):
    responses = _pd_counted(t, "feedback", filters).groupby("event_type").size().rename("responses")
    attendances = _attended(t, filters).groupby("event_type").size().rename("attendances")
    return pd.concat([responses, attendances], axis=1).fillna(0).rename_axis("event_type").reset_index()


def pandas_mean_rating(t, filters, _today):
    rows = _pd_counted(t, "feedback", filters)
    return rows.groupby("event_key").agg(responses=("rating", "size"), mean_rating=("rating", "mean")) \
        .rename_axis("event_id").reset_index()


def _pd_training_regions(t: Frames, filters: Filters) -> pd.DataFrame:
    region = t["region"]
    regions = region[region["is_training_region"]]
    return regions[regions["code"].isin(filters.regions)] if filters.regions else regions


def _active_on(rep: pd.DataFrame, day) -> pd.DataFrame:
    day = pd.Timestamp(day)
    return rep[(rep["start_date"] <= day) & (rep["end_date"].isna() | (rep["end_date"] >= day))]


def pandas_region_coverage(t, filters, today):
    regions = _pd_training_regions(t, filters)[["id", "code"]].rename(columns={"id": "region_id",
                                                                               "code": "region"})
    reps = _active_on(t["rep"], period_end(filters, today=today)).groupby("region_id")["name"].nunique()
    table = regions.merge(_people(_attended(t, filters), "region_id"), on="region_id", how="left")
    return table.assign(active_reps=table["region_id"].map(reps)).fillna(0)


def pandas_regions_covered(t, filters, today):
    regions = _pd_training_regions(t, filters)
    rep = t["rep"][t["rep"]["region_id"].isin(regions["id"])]
    last_day = pd.Timestamp(filters.date_to or today)
    first_day = filters.date_from
    if first_day is None:
        events = _pd_events(t, dataclasses.replace(filters, regions=(), stages=()))
        first_day = min(rep["start_date"].min(), events["event_date"].min())
    months = pd.date_range(pd.Timestamp(first_day).to_period("M").start_time, last_day, freq="MS")
    return pd.DataFrame({
        "month": months,
        "regions_with_active_rep": [
            _active_on(rep, min(month + pd.offsets.MonthEnd(0), last_day))["region_id"].nunique()
            for month in months
        ],
        "regions_total": len(regions),
    })


def _pd_outcomes(t: Frames, filters: Filters) -> pd.DataFrame:
    outcome = t["outcome"]
    mask = outcome["flag"].notna() & _person_mask(t, outcome, filters)
    if filters.date_from:
        mask &= outcome["date"] >= pd.Timestamp(filters.date_from)
    if filters.date_to:
        mask &= outcome["date"] <= pd.Timestamp(filters.date_to)
    measures = t["outcome_measure"][["id", "code"]].rename(columns={"id": "measure_id", "code": "measure"})
    return outcome[mask].merge(measures, on="measure_id")


def pandas_outcome_rates(t, filters, _today):
    rows = _pd_outcomes(t, filters)
    august = pd.to_datetime(pd.DataFrame({"year": rows["date"].dt.year, "month": 8, "day": 1}))
    start = august + pd.to_timedelta((2 - august.dt.day_of_week) % 7, unit="D")
    rows = rows.assign(training_year=rows["date"].dt.year - (rows["date"] < start).astype(int))
    return rows.groupby(["measure", "training_year"]).agg(n=("flag", "size"), events=("flag", "sum")) \
        .reset_index()


def pandas_engagement(t, filters, _today):
    rows = _pd_outcomes(t, filters)
    attendance = t["attendance"]
    history = attendance[attendance["attended"]].merge(
        t["event"][["id", "date"]].rename(columns={"id": "event_id", "date": "event_date"}), on="event_id")
    joined = rows[["id", "participant_id", "date"]].merge(history[["participant_id", "event_date"]],
                                                          on="participant_id")
    prior = joined[joined["event_date"] < joined["date"]].groupby("id").size()
    n = rows["id"].map(prior).fillna(0)
    band = np.select([n == 0, n < 3], ENGAGEMENT_BANDS[:2], default=ENGAGEMENT_BANDS[2])
    return rows.assign(engagement=band).groupby(["measure", "engagement"]) \
        .agg(n=("flag", "size"), events=("flag", "sum")).reset_index()


def pandas_mwres(t, filters, _today):
    indicators = t["mwres_indicator"][["id", "code"]].rename(columns={"id": "indicator_id", "code": "indicator"})
    rows = _attended(t, filters).merge(t["event_mwres"], on="event_id").merge(indicators, on="indicator_id")
    return rows.groupby("indicator").agg(events=("event_id", "nunique"), attendances=("event_id", "size"),
                                         unique_participants=("participant_id", "nunique")).reset_index()


# --- the dashboard's own queries --------------------------------------------


def _view(view):
    return lambda engine, filters, _today: run_query(view, engine, filters=filters)


def ours_kpis(engine: Engine, filters: Filters, today: dt.date) -> pd.DataFrame:
    """Return ``compute_kpis`` as one row, as the Overview calls it."""
    return pd.DataFrame([kpis.compute_kpis(engine, filters=filters, as_of=filters.date_to or today)])


def _previous(filters: Filters) -> Filters:
    if filters.date_from is None or filters.date_to is None:
        return filters
    earlier_from, earlier_to = previous_period(filters.date_from, filters.date_to)
    return dataclasses.replace(filters, date_from=earlier_from, date_to=earlier_to)


def _members_only(engine, filters, _today):
    rows = run_query(OUTCOME_VIEWS[0], engine, filters=filters)
    return rows[rows["group"] == MEMBERS_GROUP]


def _on_previous(fn):
    return lambda source, filters, today: fn(source, _previous(filters), _previous(filters).date_to or today)


PEOPLE_VALUES = ("attendances", "unique_participants")

OVERVIEW = (
    Aggregate(name="KPI figures", keys=(), values=KPI_FIGURES, ours=ours_kpis, duck=duck_kpis,
              pandas=pandas_kpis),
    Aggregate(name="KPI figures, previous period", keys=(), values=KPI_FIGURES, ours=_on_previous(ours_kpis),
              duck=_on_previous(duck_kpis), pandas=_on_previous(pandas_kpis)),
    Aggregate(name="reach by month", keys=("month",),
              values=("registrations", "attendances", "unique_participants"),
              ours=_view(OVERVIEW_VIEWS[0]), duck=duck_reach_by_month, pandas=pandas_reach_by_month),
    Aggregate(name="attendances by region", keys=("region",), values=PEOPLE_VALUES,
              ours=lambda engine, filters, _today: reach.attendances_by_region(engine, filters=filters),
              duck=duck_by_region, pandas=pandas_by_region),
)

EVENT_REACH = (
    Aggregate(name="attendances by month and type", keys=("month", "event_type"), values=("attendances",),
              ours=_view(ATTENDANCES_BY_MONTH), duck=duck_by_month_and_type, pandas=pandas_by_month_and_type),
    Aggregate(name="attendances by region", keys=("region",), values=PEOPLE_VALUES,
              ours=_view(ATTENDANCES_BY_REGION), duck=duck_by_region, pandas=pandas_by_region),
    Aggregate(name="attendances by stage", keys=("stage",), values=PEOPLE_VALUES,
              ours=_view(ATTENDANCES_BY_STAGE), duck=duck_by_stage, pandas=pandas_by_stage),
    Aggregate(name="conversion by type", keys=("event_type",), values=("registrations", "attendances"),
              ours=_view(CONVERSION_BY_EVENT_TYPE), duck=duck_conversion, pandas=pandas_conversion),
    Aggregate(name="new vs returning by month", keys=("month",),
              values=("new_participants", "returning_participants"),
              ours=_view(NEW_VS_RETURNING), duck=duck_new_vs_returning, pandas=pandas_new_vs_returning),
    Aggregate(name="cumulative reach", keys=("month",),
              values=("new_participants", "cumulative_unique_participants"),
              ours=_view(CUMULATIVE_REACH), duck=duck_cumulative, pandas=pandas_cumulative),
    Aggregate(name="events table", keys=("event_id",),
              values=("registrations", "attendances", "feedback_responses"),
              ours=lambda engine, filters, _today: reach.events_table(engine, filters=filters),
              duck=duck_events_table, pandas=pandas_events_table),
)

FEEDBACK = (
    Aggregate(name="ratings by type", keys=("event_type", "rating"), values=("responses",),
              ours=_view(RATING_DISTRIBUTION), duck=duck_rating_distribution, pandas=pandas_rating_distribution),
    Aggregate(name="excellent by month", keys=("month",), values=("responses", "excellent"),
              ours=_view(EXCELLENT_BY_MONTH), duck=duck_excellent_by_month, pandas=pandas_excellent_by_month),
    Aggregate(name="response rate by type", keys=("event_type",), values=("responses", "attendances"),
              ours=_view(RESPONSE_RATE), duck=duck_response_rate, pandas=pandas_response_rate),
    Aggregate(name="mean rating per event", keys=("event_id",), values=("responses", "mean_rating"),
              ours=_view(MEAN_RATING_BY_EVENT), duck=duck_mean_rating, pandas=pandas_mean_rating),
)

REGIONAL_COVERAGE = (
    Aggregate(name="region coverage", keys=("region",), values=("active_reps", *PEOPLE_VALUES),
              ours=lambda engine, filters, today: REGION_COVERAGE.query(
                  engine, filters=filters, as_of=period_end(filters, today=today)),
              duck=duck_region_coverage, pandas=pandas_region_coverage),
    Aggregate(name="regions covered by month", keys=("month",),
              values=("regions_with_active_rep", "regions_total"),
              ours=lambda engine, filters, today: REGIONS_COVERED_BY_MONTH.query(engine, filters=filters,
                                                                                today=today),
              duck=duck_regions_covered, pandas=pandas_regions_covered),
)

ATTAINMENT = (
    Aggregate(name="outcomes by training year", keys=("measure", "training_year"), values=("n", "events"),
              ours=_members_only, duck=duck_outcome_rates, pandas=pandas_outcome_rates),
    Aggregate(name="outcomes by engagement", keys=("measure", "engagement"), values=("n", "events"),
              ours=_view(ENGAGEMENT_VIEWS[0]), duck=duck_engagement, pandas=pandas_engagement),
    Aggregate(name="MWRES reach", keys=("indicator",), values=("events", *PEOPLE_VALUES),
              ours=_view(MWRES_REACH), duck=duck_mwres, pandas=pandas_mwres),
)

# Page (as named in the page benchmark) -> the aggregates it shows.
PAGE_AGGREGATES: dict[str, tuple[Aggregate, ...]] = {
    "dashboard": OVERVIEW,
    "1_Event_reach": EVENT_REACH,
    "2_Feedback": FEEDBACK,
    "3_Regional_coverage": REGIONAL_COVERAGE,
    "4_Differential_attainment": ATTAINMENT,
}
