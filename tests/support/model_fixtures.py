"""Fixtures and helpers of the integration tests of the model path: the real Pipeline and instructor against the
scripted OpenAI-compatible server (tests/support/fake_openai.py), real Postgres, the real PII guard and the local
embedder.

pytest finds fixtures by the names a test module holds, so a module binds the ones it uses to its own names, as
tests/e2e/test_stream_escaping_e2e.py does with another module's:

    fake, _fresh_script = model_fixtures.fake, model_fixtures.fresh_script

`make_pipeline` builds on the `kb` fixture (a database URL) of the module that uses it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from core import db
from core.settings import Settings
from tests.conftest import SAMPLE_KB, make_settings, reset_database
from tests.support.fake_openai import FakeOpenAI, serve
from workers.kb.ingest import ingest_folder
from workers.pipeline import Pipeline

MODEL = "openai/gpt-4o-mini"
HOTEL_QUESTION = "What is the hotel cost cap per night in London?"
HOTEL_FACT = "250 euros per night"  # the sentence of the expense policy that answers HOTEL_QUESTION
HANDBOOK = (SAMPLE_KB / "handbook", "handbook")  # (folder, collection)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAI]:
    """One scripted server per module."""
    yield from serve()


@pytest.fixture(autouse=True)
def fresh_script(fake: FakeOpenAI) -> Iterator[None]:
    """Scripts and recorded requests reset before each test; a scripted reply that raised fails the test."""
    fake.reset()
    yield
    assert fake.script_errors == [], "a scripted reply raised inside the fake server"


def model_settings(database_url: str, fake: FakeOpenAI, **overrides) -> Settings:
    """conftest's settings with the scripted server as the model."""
    return make_settings(database_url, llm=MODEL, llm_base_url=fake.base_url, llm_api_key="test", **overrides)


def pipeline_factory(database_url: str, fake: FakeOpenAI, pii_guard, embedder) -> Callable[..., Pipeline]:
    """Builds a Pipeline answering with the scripted server; keyword arguments override its settings."""

    def build(**overrides) -> Pipeline:
        settings = model_settings(database_url, fake, **overrides)
        return Pipeline(settings, guard=pii_guard, embedder=embedder, database_url=database_url)

    return build


@pytest.fixture()
def make_pipeline(kb, local_embedder, pii_guard, fake) -> Callable[..., Pipeline]:
    return pipeline_factory(kb, fake, pii_guard, local_embedder)


@pytest.fixture()
def model_pipeline(make_pipeline) -> Pipeline:
    return make_pipeline()


def fresh_kb(database_url: str, embedder, *folders: tuple[Path, str]) -> str:
    """The database emptied (conftest's reset_database), then each (folder, collection) ingested; every
    document must ingest."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        reset_database(conn)
    settings = make_settings(database_url)
    with db.connect(database_url) as conn:
        for root, name in folders:
            report = ingest_folder(conn, root, name, embedder=embedder, settings=settings)
            assert report.failed == []
    return database_url


def within(limit: float, call: Callable[[], object]) -> tuple[object, float]:
    """(what `call` returned, or the exception it raised; seconds taken), run in a thread: fails without waiting
    for it when it takes longer than `limit` (a model budget that was not kept)."""
    out: dict = {}

    def run() -> None:
        t0 = time.monotonic()
        try:
            out["result"] = call()
        except Exception as exc:  # returned for the test to look at
            out["result"] = exc
        out["elapsed"] = time.monotonic() - t0

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"still calling the model after {limit:.0f} s: the model budget was not kept"
    return out["result"], out["elapsed"]
