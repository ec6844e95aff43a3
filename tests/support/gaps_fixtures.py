"""Set-up of the coverage-gaps tests (the weekly digest and the App Home's list): unanswered questions asked through
the real pipeline, where Slack says they were asked, no digest of an earlier test left behind, and the weekly digest
posted through the Slack stand-in."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from core import db
from feedback.gaps_digest import DigestOutcome, DigestTarget, post_weekly_digest
from slack_standin import SlackStandin
from workers.access import readable_by_all
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


def poster(slack: SlackStandin, calls: list | None = None) -> Callable[[str, str, list[dict]], str]:
    """The digest's way to post: chat.postMessage as the bot through the stand-in, each channel tried appended to
    `calls` when given."""
    client = slack.web_client(token=slack.bot_token)

    def post(channel: str, text: str, blocks: list[dict]) -> str:
        if calls is not None:
            calls.append(channel)
        return str(client.chat_postMessage(channel=channel, text=text, blocks=blocks)["ts"])

    return post


def post_digest(
    conn,
    slack: SlackStandin,
    channel: str,
    *,
    now: datetime | None = None,
    embedder=None,
    calls: list | None = None,
) -> DigestOutcome:
    """The weekly digest of `now` (default: now) posted to `channel` through the stand-in, readable by all, a
    channel public as Slack says (conversations.info, the digest task's own check); questions grouped with
    `embedder`'s vectors when given, else with no embedding model."""
    from workers.digest_tasks import public_channel_check

    def embed():
        if embedder is None:
            return None
        return lambda texts: np.asarray(embedder.embed(texts), dtype=float)

    return post_weekly_digest(
        conn,
        DigestTarget("", channel),
        poster(slack, calls),
        now=datetime.now(UTC) if now is None else now,
        embed=embed,
        readable_by=readable_by_all,
        is_public=public_channel_check(slack.web_client(token=slack.bot_token)),
    )
