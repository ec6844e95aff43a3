"""Set-up of the coverage-gaps tests (the weekly digest and the App Home's list): unanswered questions asked through
the real pipeline, where Slack says they were asked, and no digest of an earlier test left behind."""

from __future__ import annotations

import time

from core import db
from workers.pipeline import Pipeline

TEAM = "T0STANDIN1"  # the stand-in's workspace
VISA = ["Does the company sponsor work visas for new hires?", "Can I get visa sponsorship if I move here from abroad?"]


def empty_gaps_digests(database_url: str) -> None:
    """No weekly digest: until there is one, the App Home groups the last 7 days live."""
    with db.connect(database_url) as conn:
        conn.execute("DELETE FROM gaps_digests")
        conn.commit()


def ask_unanswered(pipeline: Pipeline, questions: list[str]) -> Pipeline:
    """Each question asked from Slack in the handbook, which answers none of them."""
    for q in questions:
        assert pipeline.ask(q, ["handbook"], source="slack", team_id=TEAM).status == "dont_know"
    return pipeline


def asked_in(database_url: str, question: str, channel: str, kind: str = "mention") -> None:
    """Where the bot recorded a question was asked: its slack_requests row, as the intake writes it."""
    with db.connect(database_url) as conn:
        iid = conn.execute(
            "SELECT id FROM interactions WHERE question_redacted LIKE %s ORDER BY created_at DESC LIMIT 1",
            (question.split("?")[0][:40] + "%",),
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO slack_requests (team_id, channel_id, message_ts, thread_ts, user_id, kind, interaction_id, "
            "status) VALUES (%s, %s, %s, %s, 'U0ASKER01', %s, %s, 'delivered')",
            (TEAM, channel, f"{time.time():.6f}", f"{time.time():.6f}", kind, iid),
        )
        conn.commit()
