"""Fixtures of the fuzz tests: one stand-in per module, a fresh harness (and database) per test."""

from __future__ import annotations

import pytest

from slack_standin import SlackStandin
from tests.fuzz.harness import Harness
from tests.fuzz.seeded import PORT


@pytest.fixture(scope="module")
def slack():
    # No bot events: with no socket connected they would wait for one until the stand-in stops.
    with SlackStandin(port=PORT, emit_bot_events=False) as s:
        yield s


@pytest.fixture()
def harness(clean_db, slack, pii_guard):
    h = Harness(clean_db, slack, pii_guard)
    yield h
    h.close()
