"""Column mappings remembered per source, suggestions and templates."""

from __future__ import annotations

import pytest

from data_access import importers
from data_access.mappings import (
    remember_mapping,
    remembered_mapping,
    source_names,
    suggested_columns,
    template_csv,
)

ZOOM = {"Email": "email", "Attended": "attended", "Country/Region Name": "region"}


def test_mapping_remembered_per_source_and_kind(engine):
    """A stored mapping comes back for its source and kind only."""
    remember_mapping(engine, source_name="Zoom webinar report", kind="attendance", mapping=ZOOM)
    assert remembered_mapping(engine, source_name="Zoom webinar report", kind="attendance") == ZOOM
    assert remembered_mapping(engine, source_name="Zoom webinar report", kind="feedback") == {}
    assert remembered_mapping(engine, source_name="Eventbrite", kind="attendance") == {}


def test_mapping_replaced_not_duplicated(engine):
    """Remembering again for the same source replaces the mapping."""
    remember_mapping(engine, source_name="Zoom", kind="attendance", mapping=ZOOM)
    remember_mapping(engine, source_name="Zoom", kind="attendance", mapping={"E-mail": "email"})
    assert remembered_mapping(engine, source_name="Zoom", kind="attendance") == {"E-mail": "email"}
    assert source_names(engine, kind="attendance") == ["Zoom"]


def test_unknown_field_refused(engine):
    """A mapping onto a field the kind does not have is refused and not stored."""
    with pytest.raises(ValueError, match="not attendance fields: rating"):
        remember_mapping(engine, source_name="Zoom", kind="attendance", mapping={"Score": "rating"})
    assert source_names(engine, kind="attendance") == []


def test_empty_source_name_refused(engine):
    """A blank source name is refused."""
    with pytest.raises(ValueError, match="empty"):
        remember_mapping(engine, source_name="  ", kind="attendance", mapping=ZOOM)


def test_suggestion_matches_names_like_the_importer():
    """Headers that match a field's name the importer's way are suggested for it."""
    suggestion = suggested_columns(["Event ID", "EMAIL", "Other"], kind="attendance")
    assert suggestion == {"event_id": "Event ID", "email": "EMAIL", "attended": None, "region": None,
                          "stage": None}


def test_suggestion_prefers_the_remembered_mapping():
    """A remembered mapping fills fields whose header is in the file, before name matches."""
    suggestion = suggested_columns(["Email", "Attended", "Country/Region Name", "region"], kind="attendance",
                                   remembered=ZOOM)
    assert suggestion["region"] == "Country/Region Name"
    assert suggestion["attended"] == "Attended"


def test_template_has_contract_headers():
    """The template is one CSV header row: the kind's required then optional fields."""
    required, optional = importers.FIELDS["feedback"]
    assert template_csv("feedback").decode().strip().split(",") == [*required, *optional]


def test_template_reads_back_as_the_contract():
    """The importer reads the template's header as the contract's fields, with no data rows."""
    table = importers.read_table(template_csv("events") + b"E1,Title,induction,2026-01-01\r\n")
    assert list(table.columns) == list(sum(importers.FIELDS["events"], ()))
