"""The weekly coverage-gaps digest end to end (issue G.2): questions the documents don't answer are asked in Slack,
the digest task runs on a real Celery worker (as the beat sends it) and lands once in the admin channel; a second
run in the same week posts nothing; an admin's App Home review tab shows the same gaps (stand-in, real Bolt,
Redis, worker and Postgres)."""

from __future__ import annotations

import json

import pytest

from slack_standin import ALICE, BOB
from tests.support import services
from tests.support.slack_stack import ask, handbook_and_hr, rows, worker_env

HR_DOC = "# Leave\n\n## Sick leave\n\nSick leave is paid from the first day, with a note from the third.\n"
ADMINS = "C0GAPSADM1"
PARENTAL = [
    "How many weeks of parental leave do new fathers get?",
    "What is our paternity leave policy for new dads?",
    "How long is parental leave when you have a baby?",
]


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    url = handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"), "leave.md", HR_DOC)
    rows(url, "DELETE FROM gaps_digests RETURNING week")
    return url


@pytest.fixture(scope="module")
def worker(settings, slack):
    """This module's worker posts the digest to the admins' channel (ANSWERLOOP_GAPS_CHANNEL)."""
    slack.add_channel("answerloop-admins", channel_id=ADMINS, members=["alice"])
    w = services.Worker(worker_env(settings, ANSWERLOOP_GAPS_CHANNEL=json.dumps([ADMINS])), queues="answer,ingest")
    w.start()
    yield w
    w.stop()
    rows(settings.database_url, "DELETE FROM gaps_digests RETURNING week")


def digests(slack) -> list:
    return [m for m in slack.messages(ADMINS) if m.bot_id and "Coverage gaps" in (m.text or "")]


def home_text(slack, user: str) -> str:
    view = slack.home_view(user)
    return json.dumps(view.data["blocks"], ensure_ascii=False) if view else ""


def test_the_weekly_digest_lands_once_and_the_app_home_shows_the_gaps(slack, bot, worker, settings):
    from workers.digest_tasks import post_gaps_digests

    for question in PARENTAL:
        _, reply = ask(slack, question)
        assert "don't know" in reply.text.lower() or "do not know" in reply.text.lower(), reply.text

    post_gaps_digests.apply_async()  # what the beat sends on Mondays
    [digest] = slack.wait_for(lambda: digests(slack), timeout=120)
    text = json.dumps(digest.blocks, ensure_ascii=False)
    assert digest.blocks[0]["type"] == "header" and "asked 3× by 1 person" in text
    assert any(q.split("?")[0] in text for q in PARENTAL) and "Closest documents: " in text

    post_gaps_digests.apply_async()  # a second run in the same week
    slack.wait_for(lambda: worker.log().count("succeeded") and "'-:already'" in worker.log(), timeout=60)
    assert len(digests(slack)) == 1
    [row] = rows(settings.database_url, "SELECT status, message_ts FROM gaps_digests")
    assert row == {"status": "posted", "message_ts": digest.ts}

    slack.open_home(user=ALICE)  # an admin: the review tab lists the digest's gaps
    slack.wait_for(lambda: "Coverage gaps" in home_text(slack, ALICE), timeout=10)
    home = home_text(slack, ALICE)
    assert "weekly digest of" in home and "asked 3× by 1 person" in home
    assert any(q.split("?")[0] in home for q in PARENTAL)
    slack.open_home(user=BOB)  # not an admin: no review tab, no gaps
    slack.wait_for(lambda: home_text(slack, BOB), timeout=10)
    assert "Coverage gaps" not in home_text(slack, BOB)
