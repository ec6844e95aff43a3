"""Trying to break the bot's Slack intake (review round): replies "also sent to the channel", suggested prompts
from questions nobody else could read, and payloads Slack sends for org-wide installs.

Real components: the Bolt app behind bot/http_server.py, Postgres, and the Slack stand-in signing and delivering
requests and recording what the bot posts. The queue is a list (what was enqueued is what is asserted)."""

from __future__ import annotations

import json
import time

import pytest

from bot.intake import Intake
from core import db
from feedback.labels import record_vote
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL, RANDOM, TEAM_ID
from tests.conftest import SAMPLE_KB, make_settings
from tests.support.bot_endpoint import bot_endpoint, endpoint_keys, http_settings, post_events, serving
from tests.support.records import add_interaction
from workers.kb.ingest import ingest_folder
from workers.slack import store as slack_store
from workers.slack.store import RequestKey

# The bot in HTTP mode on a free port, the stand-in delivering to it; yields the enqueued keys.
endpoint = endpoint_keys


def _signed(slack, body: str, **extra: str) -> dict[str, str]:
    """Headers of a JSON body signed now with the stand-in's secret, as Slack sends it."""
    now = str(int(time.time()))
    return {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now,
            "X-Slack-Signature": slack.sign(body, now), **extra}  # fmt: skip


@pytest.mark.parametrize("where", ["channel", "dm"])
def test_a_reply_also_sent_to_the_conversation_is_a_question_like_any_reply(slack, endpoint, where):
    """A thread reply with "Also send to #channel" (or "…as direct message") is Slack's `thread_broadcast`
    subtype: a person's message like any other. The bot took only plain and file-sharing messages, so such a
    follow-up — in its own DM too — was dropped without a word."""
    sent = endpoint
    channel = GENERAL if where == "channel" else slack.open_dm(ALICE)
    mention = f"<@{BOT_USER_ID}> " if where == "channel" else ""
    first = slack.post_message(channel, f"{mention}What is the nightly hotel cap in London?")
    slack.wait_for(lambda: len(sent) == 1, timeout=15)
    follow = slack.post_message(channel, "and in Zurich?", thread_ts=first.ts, reply_broadcast=True)
    assert slack.message(channel, follow.ts).subtype == "thread_broadcast"
    slack.wait_for(lambda: len(sent) == 2, timeout=15)
    assert sent[-1].message_ts == follow.ts


@pytest.fixture()
def handbook(clean_db, local_embedder, pii_guard):
    """The sample handbook in the workspace's knowledge base, and the pipeline a worker would answer with."""
    from workers.pipeline import Pipeline

    settings = make_settings(clean_db)
    with db.connect(clean_db) as conn:
        ingest_folder(conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder, settings=settings)
        conn.execute("UPDATE collections SET team_id = %s", (TEAM_ID,))
        conn.commit()
    return Pipeline(settings, guard=pii_guard, embedder=local_embedder, database_url=clean_db)


def _answered_and_liked(url: str, pipe, key: RequestKey, question: str) -> None:
    """What the worker does with the question the bot took (its answer from the handbook), then the asker's 👍."""
    result = pipe.ask(question, ["handbook"], source="slack", interaction_id=key.interaction_id(), team_id=TEAM_ID)
    assert result.status == "answered", (question, result.reason)
    with db.connect(url) as conn:
        record_vote(conn, result.interaction_id, kind="up", reaction="+1", user_id=ALICE, team_id=TEAM_ID)
        conn.commit()


def _suggested(slack, user: str) -> list[str]:
    dm = slack.open_dm(user)
    before = len(slack.suggested_prompts(dm))
    slack.open_home(user=user, tab="messages")
    slack.wait_for(lambda: len(slack.suggested_prompts(dm)) > before, timeout=15)
    return [p["message"] for p in slack.suggested_prompts(dm)[-1]["prompts"]]


IN_CHANNEL = "What is the nightly hotel cap in London?"
ASKED_PRIVATELY = "What is the nightly hotel cap for the secret offsite?"
NOT_A_MEMBER = "How much may a hotel night cost for the secret offsite?"
ASKED_IN_CHANNEL = "How much may a hotel night in London cost?"


def test_an_ask_only_its_asker_saw_is_never_suggested_to_someone_else(slack, handbook, endpoint, clean_db):
    """An /ask's text is invisible to the channel; where its answer is ephemeral (the channel's reply mode, or the
    bot not being a member: through the command's response_url) nobody but the asker ever read the question.
    Bob's agent DM suggested such a question of alice's, word for word, once it got a 👍: it was asked in a public
    channel. Now only questions the channel saw are suggested to others; alice still gets her own."""
    sent = endpoint
    with db.connect(clean_db) as conn:
        slack_store.set_channel(
            conn, TEAM_ID, GENERAL, collections=None, expert=None, reply_mode="ephemeral", actor="test"
        )
        conn.commit()
    public = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {IN_CHANNEL}")
    slack.wait_for(lambda: len(sent) == 1, timeout=15)
    slack.slash_command("/ask", ASKED_PRIVATELY, channel=GENERAL)  # ephemeral: the channel's reply mode
    slack.wait_for(lambda: len(sent) == 2, timeout=15)
    slack.slash_command("/ask", NOT_A_MEMBER, channel=RANDOM)  # the bot is not in #random: its response_url
    slack.wait_for(lambda: len(sent) == 3, timeout=15)
    support = slack.add_channel("travel-help", members=["alice", "bob"])
    slack.invite_bot(support.id)
    slack.slash_command("/ask", ASKED_IN_CHANNEL, channel=support.id)  # in-channel: "<@alice> asked: …"
    slack.wait_for(lambda: len(sent) == 4, timeout=15)
    assert [m for m in slack.messages(support.id) if f"<@{ALICE}> asked: {ASKED_IN_CHANNEL}" in (m.text or "")]
    assert sent[0].message_ts == public.ts
    for key, question in zip(sent, (IN_CHANNEL, ASKED_PRIVATELY, NOT_A_MEMBER, ASKED_IN_CHANNEL), strict=True):
        _answered_and_liked(clean_db, handbook, key, question)

    bob = _suggested(slack, BOB)
    assert {IN_CHANNEL, ASKED_IN_CHANNEL} <= set(bob), bob
    assert not [q for q in bob if "secret" in q], f"bob was shown questions only alice saw: {bob}"
    assert {IN_CHANNEL, ASKED_PRIVATELY, NOT_A_MEMBER, ASKED_IN_CHANNEL} == set(_suggested(slack, ALICE))


def test_the_question_an_ask_shows_the_channel_is_text_never_a_link_or_a_ping(slack, endpoint, pii_guard):
    """An in-channel /ask shows the channel what was asked ("<@alice> asked: …"), redacted: the redaction's
    placeholders (<EMAIL_ADDRESS>) and any control sequence in the text went out as Slack markup — a link to
    nowhere named EMAIL_ADDRESS, or an @channel ping sent by the bot. They are shown as the text they are."""
    from slack_standin.blocks import control_sequences

    sent = endpoint
    slack.slash_command("/ask", "how do I mail bob@example.com about <!channel> and <!here> rules?")
    slack.wait_for(lambda: sent, timeout=15)
    [placeholder] = slack.wait_for(
        lambda: [m for m in slack.messages(GENERAL) if m.is_bot and "asked:" in (m.text or "")], timeout=10
    )
    assert control_sequences(placeholder.text) == [f"<@{ALICE}>"], placeholder.text
    assert "&lt;EMAIL_ADDRESS&gt;" in placeholder.text and "bob@example.com" not in placeholder.text
    assert "&lt;!channel&gt;" in placeholder.text


def test_a_home_opened_without_its_workspace_shows_no_review_queue(slack, clean_db, pii_guard):
    """The App Home's review queue is one workspace's: `team=None` means every workspace to the queries behind it.
    An app_home_opened whose envelope names no workspace (Slack sends `team_id: null` for some org-level events)
    showed an admin listed by bare user id the figures of every workspace; now it shows why there is no queue."""
    with db.connect(clean_db) as conn:
        add_interaction(conn, "T0ELSEWHER", "What is the hotel cap in the other workspace?")
        conn.commit()
    settings = http_settings(slack, clean_db, slack_signing_secret=slack.signing_secret, admins=[ALICE])
    intake = Intake(settings, pii_guard, lambda key, priority: None, clean_db)
    with serving(slack, settings, intake) as port:
        slack.open_home(user="alice")  # from its workspace: the review queue of that workspace
        home = slack.wait_for(lambda: slack.home_view(ALICE), timeout=15)
        assert "This week" not in json.dumps(home.data["blocks"]), "another workspace's figures"
        event = {"type": "app_home_opened", "user": ALICE, "channel": slack.open_dm(ALICE), "tab": "home",
                 "event_ts": f"{time.time():.6f}"}  # fmt: skip
        body = json.dumps({"token": "x", "team_id": None, "api_app_id": "A0STANDIN1", "type": "event_callback",
                           "event": event, "event_id": "Ev0NOTEAM01", "event_time": int(time.time())})  # fmt: skip
        headers = _signed(slack, body)
        publishes = len(slack.calls("views.publish"))
        assert post_events(port, body.encode(), headers)[0] == 200
        slack.wait_for(lambda: len(slack.calls("views.publish")) > publishes, timeout=15)
        shown = json.dumps(slack.home_view(ALICE).data["blocks"])
    assert "This week" not in shown, f"a home of no workspace showed every workspace's figures: {shown}"
    assert "Review" not in shown and "workspace" in shown


@pytest.mark.parametrize("text", ["hi!", "", "x" * 5000])
def test_a_retried_event_the_bot_already_replied_to_gets_no_second_reply(slack, clean_db, pii_guard, text):
    """Slack retries an event whose acknowledgement it did not get in time (X-Slack-Retry-Num, same event_id). A
    question is de-duplicated by its row in Postgres, but what the bot answers without storing anything — a
    greeting, the usage hint, a refusal of an over-long question — was posted once per delivery."""
    with bot_endpoint(slack, clean_db, pii_guard) as (port, sent):
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {text}")
        slack.wait_for(lambda: slack.bot_replies(GENERAL, msg.ts), timeout=15)
        [mention] = slack.deliveries(event_type="app_mention", ts=msg.ts)
        body = json.dumps(mention.payload)
        headers = _signed(slack, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert post_events(port, body.encode(), headers)[0] == 200
        time.sleep(1)  # listeners run after the ack: give a second reply the time to appear, if there were one
        assert len(slack.bot_replies(GENERAL, msg.ts)) == 1, [m.text for m in slack.bot_replies(GENERAL, msg.ts)]
        assert sent == []
