"""Migration 0018 on a database that already has verified answers: each gets its approver as owner (a Slack
admin's `slack:U…` as that user), approval + 90 days as its review date, and the documents its corrected answer
cited as its sources."""

from __future__ import annotations

import uuid
from datetime import timedelta

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from yoyo import get_backend, read_migrations

from core import db, migrate


@pytest.fixture()
def db_at_0017(database_url):
    name = f"answerloop_mig_{uuid.uuid4().hex[:8]}"
    admin = db.as_url(database_url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db.as_url(database_url, dbname=name)
    backend = get_backend(migrate._yoyo_url(url))
    earlier = read_migrations(str(migrate.migrations_dir())).filter(lambda m: m.id < "0018")
    with backend.lock():
        backend.apply_migrations(backend.to_apply(earlier))
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _verified(conn, approved_by: str, citations: list[dict], reviewed_days_ago: int) -> int:
    iid = uuid.uuid4()
    conn.execute(
        "INSERT INTO interactions (id, source, collections, question_redacted, answer, status, reason, answerer, "
        "citations, closest, scores, guard, prompt_version_id, timings_ms) VALUES (%s, 'slack', '{eng}', 'q?', 'a', "
        "'answered', '', 'extractive', %s, '[]', '{}', '{}', 1, '{}')",
        (iid, Jsonb(citations)),
    )
    label = conn.execute(
        "INSERT INTO labels (interaction_id, kind, source, user_id, correction, status, split, reviewed_by, "
        "reviewed_at) VALUES (%s, 'correction', 'modal', 'U0BOB00001', 'better', 'approved', 'train', %s, "
        "now() - make_interval(days => %s)) RETURNING id",
        (iid, approved_by, reviewed_days_ago),
    ).fetchone()["id"]
    conn.execute(
        "INSERT INTO verified_answers (label_id, collection, question, answer, verified_by, approved_by) "
        "VALUES (%s, 'eng', 'q?', 'better', 'bob', %s)",
        (label, approved_by),
    )
    return label


def test_existing_verified_answers_get_their_approver_as_owner_and_approval_plus_90_days(db_at_0017):
    with psycopg.connect(db_at_0017, row_factory=dict_row) as conn:
        conn.execute("INSERT INTO collections (name) VALUES ('eng')")
        doc = conn.execute(
            "INSERT INTO documents (collection, source_path, title, url, format, content_hash, embedding_model) "
            "VALUES ('eng', 'deploy.md', 'Deploying', 'deploy.md', 'markdown', 'h1', 'none') RETURNING id"
        ).fetchone()["id"]
        chunk = conn.execute(
            "INSERT INTO chunks (document_id, collection, ordinal, section_title, link, content) "
            "VALUES (%s, 'eng', 0, 'Deploy', 'deploy.md#deploy', 'text') RETURNING id",
            (doc,),
        ).fetchone()["id"]
        by_slack = _verified(conn, "slack:U0ALICE001", [{"chunk_id": chunk}], reviewed_days_ago=10)
        by_cli = _verified(conn, "ann", [{"chunk_id": 999, "document_id": doc}], reviewed_days_ago=100)
        uncited = _verified(conn, "ann", [], reviewed_days_ago=1)
        conn.commit()

    assert migrate.upgrade(db_at_0017)[0] == "0018_verified_answer_reviews"
    with psycopg.connect(db_at_0017, row_factory=dict_row) as conn:
        rows = {
            r["label_id"]: r
            for r in conn.execute(
                "SELECT v.*, l.reviewed_at FROM verified_answers v JOIN labels l ON l.id = v.label_id"
            ).fetchall()
        }
        days = conn.execute("SELECT verified_review_days FROM collections WHERE name = 'eng'").fetchone()
    assert rows[by_slack]["owner"] == "U0ALICE001" and rows[by_cli]["owner"] == "ann"
    for r in rows.values():
        assert r["verified_at"] == r["reviewed_at"] and r["review_after"] - r["verified_at"] == timedelta(days=90)
        assert r["status"] == "active" and r["review_notified_for"] is None
    expected = [{"document_id": doc, "collection": "eng", "source_path": "deploy.md", "title": "Deploying",
                 "content_hash": "h1"}]  # fmt: skip
    assert rows[by_slack]["sources"] == expected and rows[by_cli]["sources"] == expected
    assert rows[uncited]["sources"] == []
    assert days == {"verified_review_days": None}, "unset: the 90-day default"
