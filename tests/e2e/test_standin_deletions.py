"""The Slack stand-in sends a person's deletion of their message as Slack does: `message_deleted` with the
deleted message's ts (`deleted_ts`) and `previous_message`; a message with thread replies stays in the thread's
place as a tombstone, sent as a `message_changed` whose new message has subtype `tombstone`."""

from __future__ import annotations

import pytest

from slack_standin import GENERAL, SlackStandin


@pytest.fixture()
def slack():
    with SlackStandin() as s:
        yield s


def test_a_message_without_replies_is_deleted_with_message_deleted(slack):
    msg = slack.post_message(GENERAL, "a question I regret")
    event = slack.delete_message(GENERAL, msg.ts).event
    assert (event["type"], event["subtype"], event["hidden"]) == ("message", "message_deleted", True)
    assert event["deleted_ts"] == msg.ts and event["ts"] != msg.ts
    assert event["previous_message"]["text"] == "a question I regret"
    assert slack.message(GENERAL, msg.ts).deleted and slack.thread(GENERAL, msg.ts) == []


def test_a_message_with_replies_leaves_a_tombstone_sent_as_message_changed(slack):
    msg = slack.post_message(GENERAL, "a question with an answer")
    slack.post_message(GENERAL, "an answer", user="bob", thread_ts=msg.ts)
    event = slack.delete_message(GENERAL, msg.ts).event
    assert (event["subtype"], event["hidden"]) == ("message_changed", True)
    tombstone = event["message"]
    assert (tombstone["subtype"], tombstone["ts"], tombstone["thread_ts"]) == ("tombstone", msg.ts, msg.ts)
    assert tombstone["text"] == "This message was deleted." and tombstone["user"] == "USLACKBOT"
    assert event["previous_message"]["text"] == "a question with an answer"


def test_only_its_author_deletes_a_message(slack):
    msg = slack.post_message(GENERAL, "alice's question")
    with pytest.raises(ValueError, match="not bob's message"):
        slack.delete_message(GENERAL, msg.ts, user="bob")
    assert not slack.message(GENERAL, msg.ts).deleted
