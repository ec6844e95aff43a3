"""Verified answers reviewed by their owner, end to end through the Slack stand-in (real Bolt, Redis, a Celery
worker and Postgres): a correction approved with an owner, past its review date still served but marked "last
verified on …", the review DM sent once by the beat's task on the worker, *Still correct* moving the review on,
*Update* opening the Improve-this-answer form, *Retire* taking it out of the answers, and clicks from someone else
refused."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from slack_standin import BOB, GENERAL
from tests.support.cli_runner import run_cli
from tests.support.slack_stack import ask, handbook_and_hr, rows
from workers.slack.verified_blocks import RETIRE, STILL_CORRECT, UPDATE

QUESTION = "How long before an unacknowledged page escalates to the secondary?"
PARAPHRASE = "After how many minutes does an unacknowledged page go to the secondary on call?"
CORRECTION = "Since the November change, an unacknowledged page escalates to the secondary after 7 minutes."
HR_DOC = "# Leave\n\n## Parental leave\n\nParental leave is 16 weeks at full pay, to be taken within 18 months.\n"


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    return handbook_and_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"), "leave.md", HR_DOC)


def review_tick(worker) -> None:
    """The beat's tick, sent to the ingest queue and run by the worker; returns once the worker has run it."""
    from workers.verified_review import request_due_reviews

    task_id = f"review-{uuid.uuid4().hex[:8]}"
    request_due_reviews.apply_async(task_id=task_id)
    deadline = time.monotonic() + 60
    while f"[{task_id}] succeeded" not in worker.log():
        if time.monotonic() > deadline:
            raise TimeoutError(f"review tick {task_id} did not run:\n{worker.log()[-2000:]}")
        time.sleep(0.2)


def review_dms(slack) -> list:
    return [m for m in slack.messages(slack.open_dm(BOB)) if m.is_bot and "verified answer" in (m.text or "")]


def age(url: str, answer_id: int, days: int = 91) -> None:
    rows(
        url,
        "UPDATE verified_answers SET verified_at = verified_at - make_interval(days => %s), "
        "review_after = review_after - make_interval(days => %s) WHERE label_id = %s RETURNING label_id",
        days,
        days,
        answer_id,
    )


def state(url: str, answer_id: int) -> dict:
    [row] = rows(url, "SELECT * FROM verified_answers WHERE label_id = %s", answer_id)
    return row


def test_the_owner_reviews_a_verified_answer_from_the_dm(slack, bot, settings, worker):
    url = settings.database_url
    msg, reply = ask(slack, QUESTION)
    slack.message_shortcut("improve_answer", GENERAL, reply.ts, user=BOB)
    view = slack.wait_for_view(user=BOB, timeout=10)
    slack.submit_view(view.id, {"correction": CORRECTION}).wait(10)
    [label] = slack.wait_for(lambda: rows(url, "SELECT id FROM labels WHERE kind = 'correction'"), timeout=10)
    answer_id = label["id"]
    r = run_cli(url, "labels", "approve", str(answer_id), "--owner", BOB, "--actor", "admin-ann", embeddings="local")
    assert r.returncode == 0, r.stderr

    # Past its review date: still the answer, marked.
    age(url, answer_id)
    _, answer = ask(slack, PARAPHRASE)
    assert "7 minutes" in answer.text
    day = f"{state(url, answer_id)['verified_at']:%Y-%m-%d}"
    assert f"last verified on {day}" in json.dumps(answer.blocks)

    # The beat's tick on the worker: one DM to the owner, however many ticks.
    review_tick(worker)
    [dm] = slack.wait_for(lambda: review_dms(slack), timeout=10)
    review_tick(worker)
    assert len(review_dms(slack)) == 1
    assert "Escalation" not in dm.text and CORRECTION[:30] in json.dumps(dm.blocks)
    dm_channel = slack.open_dm(BOB)

    # Someone who is not the owner (nor an admin) changes nothing.
    carol = slack.add_user("carol")
    slack.click_button(dm_channel, dm.ts, RETIRE, user=carol.id).wait(10)
    carols = slack.open_dm(carol.id)
    slack.wait_for(lambda: [m for m in slack.messages(carols) if "Only this verified answer's owner" in m.text], 10)
    assert state(url, answer_id)["status"] == "active"

    # Update opens the Improve-this-answer form, prefilled with the verified answer.
    slack.click_button(dm_channel, dm.ts, UPDATE, user=BOB).wait(10)
    form = slack.wait_for_view(user=BOB, timeout=10)
    element = next(b for b in form.data["blocks"] if b.get("block_id") == "correction")["element"]
    assert element["initial_value"] == CORRECTION
    assert state(url, answer_id)["status"] == "active", "opening the form changes nothing"

    # Still correct: verified now, next review one period on, the DM says so and has no buttons left.
    before = state(url, answer_id)
    slack.click_button(dm_channel, dm.ts, STILL_CORRECT, user=BOB).wait(10)
    after = slack.wait_for(lambda: (s := state(url, answer_id))["review_after"] > before["review_after"] and s, 10)
    assert (after["review_after"] - after["verified_at"]).days == 90
    slack.wait_for(lambda: "Still correct" in (slack.message(dm_channel, dm.ts).text or ""), timeout=10)
    assert "actions" not in json.dumps(slack.message(dm_channel, dm.ts).blocks)
    [audit] = rows(url, "SELECT actor FROM admin_actions WHERE action = 'verified.confirm'")
    assert audit["actor"] == f"slack:{BOB}"
    _, answer = ask(slack, PARAPHRASE)
    assert "7 minutes" in answer.text and "last verified on" not in json.dumps(answer.blocks)

    # The next period: asked again; Retire takes it out of the answers.
    age(url, answer_id)
    review_tick(worker)
    [second] = slack.wait_for(lambda: [m for m in review_dms(slack) if m.ts != dm.ts], timeout=10)
    slack.click_button(dm_channel, second.ts, RETIRE, user=BOB).wait(10)
    slack.wait_for(lambda: state(url, answer_id)["status"] == "retired", timeout=10)
    assert state(url, answer_id)["document_id"] is None and state(url, answer_id)["retired_by"] == f"slack:{BOB}"
    slack.wait_for(lambda: "Retired" in (slack.message(dm_channel, second.ts).text or ""), timeout=10)
    msg, answer = ask(slack, PARAPHRASE)
    assert "7 minutes" not in answer.text
    [row] = rows(
        url,
        "SELECT i.answerer FROM interactions i JOIN slack_requests r ON r.interaction_id = i.id "
        "WHERE r.message_ts = %s",
        msg.ts,
    )
    assert row["answerer"] != "verified"


@pytest.mark.parametrize(
    ("body", "action", "outcome"),
    [
        ({"user": {"id": BOB}}, {"action_id": STILL_CORRECT, "value": "not-a-number"}, "ignored"),
        ({"user": {"id": BOB}}, {"action_id": STILL_CORRECT, "value": None}, "ignored"),
        ({"user": {}}, {"action_id": RETIRE, "value": "1"}, "ignored"),
        ({"user": {"id": BOB}}, {"action_id": "something_else", "value": "1"}, "ignored"),
        ({"user": {"id": BOB}, "team": {"id": "T0STANDIN1"}}, {"action_id": RETIRE, "value": "999999"}, "missing"),
    ],
)
def test_malformed_or_unknown_review_clicks_change_nothing(slack, settings, body, action, outcome):
    from bot.verified_listeners import VerifiedReviewListeners

    listeners = VerifiedReviewListeners(settings, settings.database_url)
    acked: list[bool] = []
    client = slack.web_client(token=slack.bot_token)
    assert listeners.on_action(lambda *a, **k: acked.append(True), body, action, client) == outcome
    assert acked == [True]


def test_a_click_from_another_workspace_is_no_longer_there(slack, bot, settings):
    """On the verified answer the first test of this module made (the database is the module's)."""
    from bot.verified_listeners import VerifiedReviewListeners

    [row] = rows(settings.database_url, "SELECT label_id, status FROM verified_answers ORDER BY label_id LIMIT 1")
    listeners = VerifiedReviewListeners(settings, settings.database_url)
    body = {"user": {"id": BOB}, "team": {"id": "T0BRAVO001"}, "container": {}}
    action = {"action_id": STILL_CORRECT, "value": str(row["label_id"])}
    assert listeners.on_action(lambda *a, **k: None, body, action, slack.web_client(token=slack.bot_token)) == "missing"
    assert state(settings.database_url, row["label_id"])["status"] == row["status"]
