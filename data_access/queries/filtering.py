"""Turning a ``Filters`` value into SQL conditions, with bound parameters only.

The date and event-type filters apply to the event; the region and stage
filters apply to the region and stage recorded on the fact row itself
(attendance, feedback or outcome), never to the event's host region.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, select

from data_access.filters import Filters
from data_access.models import Event, EventType, Region, Stage

event_t: Table = Event.__table__
event_type_t: Table = EventType.__table__
region_t: Table = Region.__table__
stage_t: Table = Stage.__table__


def event_conditions(filters: Filters, event: Table = event_t) -> list[ColumnElement[bool]]:
    """Return conditions on an ``event`` table for the date and event-type filters."""
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from is not None:
        conditions.append(event.c.date >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(event.c.date <= filters.date_to)
    if filters.event_types:
        conditions.append(
            event.c.event_type_id.in_(
                select(event_type_t.c.id).where(event_type_t.c.code.in_(filters.event_types))
            )
        )
    return conditions


def person_conditions(filters: Filters, fact: Table) -> list[ColumnElement[bool]]:
    """Return conditions on a fact table's own ``region_id`` and ``stage_id``."""
    conditions: list[ColumnElement[bool]] = []
    if filters.regions:
        conditions.append(
            fact.c.region_id.in_(select(region_t.c.id).where(region_t.c.code.in_(filters.regions)))
        )
    if filters.stages:
        conditions.append(
            fact.c.stage_id.in_(select(stage_t.c.id).where(stage_t.c.code.in_(filters.stages)))
        )
    return conditions


def date_conditions(filters: Filters, column: ColumnElement) -> list[ColumnElement[bool]]:
    """Return conditions applying the date filter to ``column`` (e.g. an outcome date)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.date_from is not None:
        conditions.append(column >= filters.date_from)
    if filters.date_to is not None:
        conditions.append(column <= filters.date_to)
    return conditions


def counted_conditions(filters: Filters, fact: Table) -> list[ColumnElement[bool]]:
    """Return conditions selecting the counted rows of a fact table that has
    ``event_id``, ``region_id`` and ``stage_id`` (attendance or feedback).

    The event filters become a semi-join (``event_id IN (...)``), not a join:
    SQLite then seeks the fact table's covering index once per selected event,
    and with no event filter it never touches the event table.
    """
    conditions = person_conditions(filters, fact)
    on_event = event_conditions(filters)
    if on_event:
        conditions.append(fact.c.event_id.in_(select(event_t.c.id).where(*on_event)))
    return conditions
