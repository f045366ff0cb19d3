"""The migrations build exactly the schema the models describe, and come back down."""

from __future__ import annotations

import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from reporting import keys, migrate
from reporting.db import database
from reporting.models import Base

from .helpers import full_answers


def test_migrated_schema_matches_the_models(app) -> None:
    engine = database(app).engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_and_upgrade_again_keeps_data_flowing(app, reporter, team) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    with database(app).session() as db:
        keys.create_team(db, slug="review", name="Review", today=dt.date.today())
        db.commit()
    reporter.start()
    reporter.answer_all(full_answers())
    assert reporter.send().status_code == 200


def test_0002_keeps_reports_written_under_0001(app) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO reports (id, reference, received_on, status, reporter_type, district,"
                " incident_month, answers, receipt_lookup, reporter_public_key,"
                " reporter_private_key_encrypted) VALUES ('a1', 'HC-AAAA-BBBB', '2026-01-02',"
                " 'new', 'witness', 'corby', '2025-12', :blob, :lookup, :blob, :blob)"
            ),
            {"blob": b"\x01ciphertext", "lookup": b"\x02lookup"},
        )
        connection.execute(
            text("INSERT INTO report_strands (report_id, strand) VALUES ('a1', 'race')")
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT reference, district, answers, assigned_to_id, closed_reason FROM reports")
        ).one()
        strands = connection.execute(text("SELECT strand FROM report_strands")).all()
    assert row == ("HC-AAAA-BBBB", "corby", b"\x01ciphertext", None, None)
    assert strands == [("race",)]
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_0004_copies_status_and_district_to_the_strands_of_existing_reports(app) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "0003")
    with engine.begin() as connection:
        for report_id, reference, status, district in [
            ("a1", "HC-AAAA-BBBB", "closed", "corby"),
            ("a2", "HC-AAAA-CCCC", "new", None),
        ]:
            connection.execute(
                text(
                    "INSERT INTO reports (id, reference, received_on, status, reporter_type,"
                    " district, answers, receipt_lookup, reporter_public_key,"
                    " reporter_private_key_encrypted) VALUES (:id, :reference, '2026-01-02',"
                    " :status, 'witness', :district, :blob, :lookup, :blob, :blob)"
                ),
                {
                    "id": report_id,
                    "reference": reference,
                    "status": status,
                    "district": district,
                    "blob": b"\x01ciphertext",
                    "lookup": reference.encode(),
                },
            )
        connection.execute(
            text(
                "INSERT INTO report_strands (report_id, strand) VALUES"
                " ('a1', 'race'), ('a1', 'religion'), ('a2', 'age')"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        strands = connection.execute(
            text(
                "SELECT report_id, strand, status, district FROM report_strands"
                " ORDER BY report_id, strand"
            )
        ).all()
    assert [tuple(row) for row in strands] == [
        ("a1", "race", "closed", "corby"),
        ("a1", "religion", "closed", "corby"),
        ("a2", "age", "new", None),
    ]


def test_0006_marks_reports_sent_before_it_as_not_in_danger(app) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO reports (id, reference, received_on, status, reporter_type,"
                " answers, receipt_lookup, reporter_public_key,"
                " reporter_private_key_encrypted) VALUES ('a1', 'HC-AAAA-BBBB', '2026-01-02',"
                " 'new', 'victim', :blob, :lookup, :blob, :blob)"
            ),
            {"blob": b"\x01ciphertext", "lookup": b"\x02lookup"},
        )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        flags = connection.execute(text("SELECT reference, in_danger FROM reports")).all()
    assert [(ref, bool(flag)) for ref, flag in flags] == [("HC-AAAA-BBBB", False)]


def test_0007_keeps_unsent_drafts_and_its_downgrade_drops_only_sent_ones(app) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "0006")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO drafts (id, answers, expires_at)"
                " VALUES ('d1', :blob, '2099-01-01 00:00:00'), ('d2', NULL, '2099-01-01 00:00:00')"
            ),
            {"blob": b"\x01ciphertext"},
        )
    migrate.upgrade(engine, "0007")  # 0011 deletes drafts
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT id, answers, sent, receipt FROM drafts ORDER BY id")
        ).all()
        assert [tuple(row) for row in rows] == [
            ("d1", b"\x01ciphertext", False, None),
            ("d2", None, False, None),
        ]
        connection.execute(
            text("UPDATE drafts SET sent = :yes, answers = NULL, receipt = :blob WHERE id = 'd2'"),
            {"yes": True, "blob": b"\x02sealed"},
        )
    migrate.downgrade(engine, "0006")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, answers FROM drafts")).all()
    assert [tuple(row) for row in rows] == [("d1", b"\x01ciphertext")]
    migrate.upgrade(engine)


def test_0012_keeps_reports_and_its_downgrade_drops_only_messages(app, reporter, team) -> None:
    reporter.start()
    reporter.answer_all(full_answers())
    assert reporter.send().status_code == 200
    engine = database(app).engine
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO messages (id, report_id, position, author, written_on, body,"
                " key_for_report, read_by_team, read_by_reporter) SELECT 'm1', id, 1, 'team',"
                " '2026-12-10', :blob, :blob, :yes, :no FROM reports"
            ),
            {"blob": b"\x01ciphertext", "yes": True, "no": False},
        )
    migrate.downgrade(engine, "0011")
    names = set(inspect(engine).get_table_names())
    assert "messages" not in names and "receipt_sessions" not in names
    assert "reporter_data_key" not in {c["name"] for c in inspect(engine).get_columns("reports")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reports")).scalar() == 1
    migrate.upgrade(engine)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT reporter_data_key FROM reports")).one()
        assert row == (None,)
        assert connection.execute(text("SELECT count(*) FROM messages")).scalar() == 0


def test_0016_numbers_existing_reports_in_list_order_and_leaves_markers_unknown(app) -> None:
    engine = database(app).engine
    migrate.downgrade(engine, "0013")
    with engine.begin() as connection:
        for report_id, reference, day in [
            ("a1", "HC-BBBB-2222", "2026-01-03"),
            ("a2", "HC-AAAA-3333", "2026-01-03"),
            ("a3", "HC-ZZZZ-9999", "2026-01-02"),
        ]:
            connection.execute(
                text(
                    "INSERT INTO reports (id, reference, received_on, status, reporter_type,"
                    " answers, receipt_lookup, reporter_public_key,"
                    " reporter_private_key_encrypted) VALUES (:id, :reference, :day,"
                    " 'new', 'victim', :blob, :lookup, :blob, :blob)"
                ),
                {
                    "id": report_id,
                    "reference": reference,
                    "day": day,
                    "blob": b"\x01ciphertext",
                    "lookup": reference.encode(),
                },
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, arrival, ongoing, wants_contact, support_requested FROM reports"
                " ORDER BY arrival"
            )
        ).all()
    # received_on, then reference: the order the list showed them in before 0016.
    assert [tuple(row) for row in rows] == [
        ("a3", 1, None, None, None),
        ("a2", 2, None, None, None),
        ("a1", 3, None, None, None),
    ]
    migrate.downgrade(engine, "0013")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id FROM reports ORDER BY id")).scalars().all()
    assert kept == ["a1", "a2", "a3"]
    migrate.upgrade(engine)
