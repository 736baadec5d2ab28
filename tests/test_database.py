"""The schema, migrations and built-in reference data."""

from sqlalchemy import text

from data_access.db import current_revision, head_revision, migrate, schema_is_current


def test_migrate_brings_empty_database_to_head(engine):
    """An empty database is migrated to the newest revision."""
    assert current_revision(engine) == head_revision()
    assert schema_is_current(engine)


def test_migrate_twice_is_harmless(engine):
    """Running init again changes nothing and does not duplicate reference rows."""
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM region")).scalar_one() == 21


def test_nineteen_training_regions_plus_overseas_and_unknown(engine):
    """The 19 training regions are seeded, with OVS and UNK outside them."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, is_training_region FROM region")).all()
    training = {code for code, is_training in rows if is_training}
    assert len(training) == 19
    assert {"LDN", "KSS", "TV", "WX", "SEV", "PEN", "EOE", "EM", "WM", "MER", "NW", "YH", "NE",
            "SCN", "SCE", "SCSE", "SCW", "WAL", "NI"} == training
    assert {code for code, is_training in rows if not is_training} == {"OVS", "UNK"}


def test_reference_codes_are_seeded(engine):
    """Stages, event types and outcome measures match the import contract."""
    with engine.connect() as conn:
        stages = set(conn.execute(text("SELECT code FROM stage")).scalars())
        types = set(conn.execute(text("SELECT code FROM event_type")).scalars())
        measures = set(conn.execute(text("SELECT code FROM outcome_measure")).scalars())
        indicators = conn.execute(text("SELECT COUNT(*) FROM mwres_indicator")).scalar_one()
    assert stages == {"pre_nhs", "led", *(f"st{i}" for i in range(1, 9)), "sas", "consultant", "unknown"}
    assert types == {"induction", "arcp_portfolio", "interview_practice", "exam_prep",
                     "academic_careers", "mentoring", "other"}
    assert measures == {"mrcpch_fop", "mrcpch_tas", "mrcpch_akp", "mrcpch_clinical", "arcp",
                        "st1_recruitment", "st3_recruitment", "grid_recruitment"}
    assert indicators > 0


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    """The embedded database runs in WAL mode with foreign keys enforced."""
    from data_access.db import make_engine

    eng = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_migrations_match_the_models(engine):
    """Alembic finds no difference between the migrated schema and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from data_access.models import Base

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
