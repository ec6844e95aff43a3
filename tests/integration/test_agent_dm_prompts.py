"""Suggested prompts of the agent DM come from liked questions that read well on their own."""

from __future__ import annotations

import psycopg

from bot.agent_dm import popular_prompts
from core import db
from feedback.labels import record_vote
from tests.conftest import reset_database
from tests.support.records import add_interaction

TEAM = "T0PROMPTS1"


def _liked(conn, question: str, **fields) -> None:
    iid = add_interaction(conn, TEAM, question, **fields)
    record_vote(conn, iid, kind="up", reaction="+1", user_id="U0LIKER01", team_id=TEAM)


def test_liked_offline_follow_ups_are_not_suggested_but_model_condensed_ones_are(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        reset_database(conn)
    with db.connect(database_url) as conn:
        _liked(conn, "What is the nightly hotel cap in London?")
        # The offline path stores the follow-up with the earlier question's terms appended.
        _liked(
            conn,
            "and in Zurich? (maximum nightly hotel rate london)",
            thread_ts="1.0001",
            asked_redacted="and in Zurich?",
            standalone_by="terms",
        )
        # A model-written standalone question reads well on its own.
        _liked(
            conn,
            "What is the nightly hotel cap in Zurich?",
            thread_ts="1.0002",
            asked_redacted="and in Zurich?",
            standalone_by="model",
        )
        conn.commit()
        shown = [p["message"] for p in popular_prompts(conn, TEAM, ["docs"])]
    assert "What is the nightly hotel cap in London?" in shown
    assert "What is the nightly hotel cap in Zurich?" in shown
    assert not [m for m in shown if "Zurich? (" in m], shown
