"""/ask typed where the bot is not a member — a DM between two people, a private channel it was not invited to —
end to end: real Bolt (Socket Mode), Redis, a Celery worker, Postgres and the Slack stand-in.

The bot can neither post nor post an ephemeral message there (channel_not_found / not_in_channel): the question
was recorded, answered, and shown to nobody. Slack's way for a slash command is the command's response_url:
ephemeral to the asker, at most 5 uses, for 30 minutes. The answer goes there, with its sources; the other
people in the conversation see nothing, and the collections searched are the non-DM ones (public collections
and restricted ones listing that channel: never the asker's "own DM" scope)."""

from __future__ import annotations

import json
import logging

import pytest

from slack_standin import ALICE, BOB
from tests.support.slack_stack import PLACEHOLDER_MARK, handbook_and_restricted_hr, rows
from workers.slack.blocks import FEEDBACK_ACTION

HOTEL = "What is the nightly hotel cap in London?"
SALARY = "What is the L5 salary band for Platform engineers?"


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder, tmp_path_factory):
    """HR is restricted to #team-private (alice is a member); the handbook is public."""
    return handbook_and_restricted_hr(database_url, local_embedder, tmp_path_factory.mktemp("hr"))


def _shown(e) -> str:
    return (e.text or "") + json.dumps(e.blocks or [])


def _request(settings, channel: str) -> dict:
    """The channel's one request ({} until the bot has written it: it does so after the ack)."""
    found = rows(
        settings.database_url,
        "SELECT status, error, delivery, delivery_note, response_url, in_dm FROM slack_requests WHERE channel_id = %s",
        channel,
    )
    assert len(found) <= 1
    return found[0] if found else {}


def _answered_to_alice_only(slack, settings, channel: str) -> list:
    slack.slash_command("/ask", HOTEL, channel=channel, user="alice")
    slack.wait_for(
        lambda: [e for e in slack.ephemerals(channel, user=ALICE) if "250" in (e.text or "")],
        timeout=90,
        message="the asker never saw the answer",
    )
    seen = slack.ephemerals(channel, user=ALICE)
    assert PLACEHOLDER_MARK in seen[0].text, "the placeholder first"
    answer = seen[-1]
    assert "250" in answer.text and "travel-policy" in _shown(answer), "the answer, with its sources"
    assert {e.source for e in seen} == {"response_url"}
    assert slack.ephemerals(channel, user=BOB) == [] and slack.messages(channel) == [], "bob sees nothing"
    row = slack.wait_for(lambda: (r := _request(settings, channel)).get("status") == "delivered" and r, timeout=10)
    assert row["delivery"] == "response_url" and row["in_dm"] is False
    assert row["response_url"] is None, "the response_url is kept only until the answer is delivered"
    return seen


def test_an_ask_in_a_dm_between_two_people_is_answered_to_the_asker_through_the_response_url(
    slack, bot, settings, worker, caplog
):
    caplog.set_level(logging.INFO)
    _answered_to_alice_only(slack, settings, slack.open_dm_between("alice", "bob"))
    assert "/response_url/" not in caplog.text + worker.log(), "a response_url is a capability: never logged"


def test_an_ask_in_a_private_channel_the_bot_is_not_in_is_answered_to_the_asker(slack, bot, settings):
    hidden = slack.add_channel("no-bot-here", members=["alice", "bob"], private=True, bot_member=False)
    _answered_to_alice_only(slack, settings, hidden.id)


def test_the_answer_in_a_dm_between_two_people_is_searched_with_the_non_dm_scope(slack, bot, settings):
    """HR is restricted to #team-private: answered "in alice's DM" it would be searched and shown where bob
    reads. The answer searches the public handbook only (the restricted part, if any, is marked as alice's)."""
    slack.add_user("carol")
    people = slack.open_dm_between("alice", "carol")
    slack.slash_command("/ask", SALARY, channel=people, user="alice")
    slack.wait_for(lambda: _request(settings, people).get("status") in ("delivered", "failed"), timeout=90)
    row = _request(settings, people)
    assert row["status"] == "delivered" and row["delivery"] == "response_url" and row["in_dm"] is False
    [main] = [e for e in slack.ephemerals(people, user=ALICE)[1:] if "only you can see" not in (e.text or "")]
    assert "142,000" not in _shown(main) and "salary-bands" not in _shown(main)
    # alice may read HR: its part comes to her alone, through the same response_url the public answer used
    mine = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people, user=ALICE) if "only you can see" in (e.text or "")], timeout=30
    )
    assert len(mine) == 1 and mine[0].source == "response_url", mine
    assert slack.ephemerals(people, user="carol") == []
    [interaction] = rows(
        settings.database_url,
        "SELECT i.collections FROM interactions i JOIN slack_requests r ON r.interaction_id = i.id "
        "WHERE r.channel_id = %s",
        people,
    )
    assert "hr" not in interaction["collections"]


def test_an_expired_response_url_leaves_the_answer_stored_and_the_failure_recorded(slack, bot, settings, worker):
    """Slack's 30 minutes ran out before the answer was ready (a backlog, a worker down): nothing can reach the
    asker any more. The answer is stored, and the request says why it was not delivered."""
    slack.add_user("dave")
    people = slack.open_dm_between("bob", "dave")
    worker.stop()
    try:
        slack.slash_command("/ask", HOTEL, channel=people, user="bob")
        slack.wait_for(lambda: slack.ephemerals(people, user=BOB), timeout=20, message="no placeholder")
        slack.response_url_ttl = 0.0  # every response_url handed out so far has expired
    finally:
        worker.start()
    try:
        row = slack.wait_for(lambda: (r := _request(settings, people)).get("status") == "failed" and r, timeout=90)
    finally:
        slack.response_url_ttl = 30 * 60
    assert "expired_url" in row["error"] and row["delivery"] == "response_url"
    assert row["response_url"] is None, "an unusable response_url is not kept"
    assert [PLACEHOLDER_MARK in e.text for e in slack.ephemerals(people, user=BOB)] == [True]
    assert slack.ephemerals(people, user="dave") == [] and slack.messages(people) == []
    [stored] = rows(
        settings.database_url,
        "SELECT i.status, i.answer FROM interactions i JOIN slack_requests r ON r.interaction_id = i.id "
        "WHERE r.channel_id = %s",
        people,
    )
    assert stored["status"] == "answered" and "250" in stored["answer"], "the answer itself is not lost"


def test_the_feedback_buttons_of_an_ephemeral_answer_record_the_askers_vote(slack, bot, settings):
    """A click on an ephemeral message names no message the bot can find (Slack's container says is_ephemeral and
    gives the ephemeral's ts, which a response_url never returned): the buttons' block_id names the answer, and
    only its asker — the only one who sees it — may vote. The 👎 follow-up comes back through the click's own
    response_url (the bot still cannot post there)."""
    slack.add_user("erin")
    people = slack.open_dm_between("alice", "erin")
    slack.slash_command("/ask", HOTEL, channel=people, user="alice")
    [answer] = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people, user=ALICE) if "250" in (e.text or "")], timeout=90
    )
    slack.click_ephemeral_button(answer, FEEDBACK_ACTION, value="negative")
    follow_up = slack.wait_for(
        lambda: [e for e in slack.ephemerals(people, user=ALICE) if "wrong" in _shown(e).lower()], timeout=20
    )
    assert follow_up, "the 👎 follow-up asks what was wrong"
    votes = rows(
        settings.database_url,
        "SELECT l.kind, l.user_id, l.channel_id FROM labels l JOIN slack_requests r "
        "ON r.interaction_id = l.interaction_id WHERE r.channel_id = %s",
        people,
    )
    assert votes == [{"kind": "down", "user_id": ALICE, "channel_id": people}]
    assert slack.ephemerals(people, user="erin") == [] and slack.messages(people) == []
