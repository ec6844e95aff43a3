"""/ask where the bot is not a member, at the intake: what the asker is told comes back through the command's
response_url (the bot can post nothing there), each use is counted (Slack takes 5), and only a URL Slack can have
handed out is kept.

Real components: the Bolt app behind bot/http_server.py, Postgres, and the Slack stand-in signing and delivering
requests and recording what the bot posts. The queue is a list (what was enqueued is what is asserted)."""

from __future__ import annotations

import uuid

import pytest

from core import db
from slack_standin import ALICE
from tests.support.bot_endpoint import endpoint_keys
from workers.slack import respond
from workers.slack.store import RequestKey, take_response_url_use

# The bot in HTTP mode on a free port, the stand-in delivering to it; yields the enqueued keys.
endpoint = endpoint_keys


def _request(url: str) -> dict:
    with db.connect(url) as conn:
        [row] = conn.execute("SELECT * FROM slack_requests").fetchall()
    return row


def test_the_placeholder_of_an_ask_in_a_dm_between_two_people_reaches_the_asker_alone(slack, endpoint, clean_db):
    sent = endpoint
    people = slack.open_dm_between("alice", "bob")
    slack.slash_command("/ask", "what is the hotel cap?", channel=people, user="alice")
    [key] = slack.wait_for(lambda: list(sent), timeout=10)
    [placeholder] = slack.wait_for(lambda: slack.ephemerals(people, user=ALICE), timeout=10)
    assert "Looking into it" in placeholder.text and placeholder.source == "response_url"
    assert "asked:" not in placeholder.text, "the asker is not told what they asked"
    assert slack.ephemerals(people, user="bob") == [] and slack.messages(people) == []
    row = _request(clean_db)
    assert row["delivery"] == "response_url" and "channel_not_found" in row["delivery_note"]
    assert row["response_url_uses"] == 1 and row["response_url"].startswith(slack.base_url)
    assert "response_url" not in repr(key)


def test_a_usage_hint_in_a_private_channel_without_the_bot_reaches_the_asker(slack, endpoint, clean_db):
    name = f"nobot-{uuid.uuid4().hex[:6]}"
    hidden = slack.add_channel(name, members=["alice", "bob"], private=True, bot_member=False)
    slack.slash_command("/ask", "", channel=hidden.id, user="alice")
    [hint] = slack.wait_for(lambda: slack.ephemerals(hidden.id, user=ALICE), timeout=10)
    assert "/ask how do I deploy?" in hint.text and hint.source == "response_url"
    assert slack.ephemerals(hidden.id, user="bob") == []


def test_a_response_url_takes_five_messages_and_no_more(slack, endpoint, clean_db):
    sent = endpoint
    people = slack.open_dm_between("alice", "bob")
    slack.slash_command("/ask", "what is the meal allowance?", channel=people, user="alice")
    [key] = slack.wait_for(lambda: list(sent), timeout=10)
    slack.wait_for(lambda: _request(clean_db)["response_url_uses"] == 1, timeout=10)
    with db.connect(clean_db) as conn:
        taken = [take_response_url_use(conn, RequestKey(*key.as_args())) for _ in range(5)]
        conn.commit()
    assert taken == [True, True, True, True, False], "the placeholder took the first of Slack's 5"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.slack.com/commands/T1/123/abc", True),
        ("http://hooks.slack.com/commands/T1/123/abc", False),
        ("https://hooks.slack.com.evil.example/commands/T1", False),
        ("https://evil.example/commands/T1/123/abc", False),
        ("http://127.0.0.1:9/response_url/T1/abc", False),  # not the API the bot talks to
        ("", False),
        ("not a url", False),
    ],
)
def test_only_a_response_url_slack_can_have_handed_out_is_kept(url, ok):
    assert respond.acceptable(url, "https://slack.com/api/") is ok
