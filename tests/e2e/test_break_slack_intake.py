"""Trying to break the bot's Slack intake (review round): replies "also sent to the channel", suggested prompts
from questions nobody else could read, and payloads Slack sends for org-wide installs.

Real components: the Bolt app behind bot/http_server.py, Postgres, and the Slack stand-in signing and delivering
requests and recording what the bot posts. The queue is a list (what was enqueued is what is asserted)."""

from __future__ import annotations

import pytest

from slack_standin import ALICE, BOT_USER_ID, GENERAL
from tests.support.bot_endpoint import endpoint_keys

# The bot in HTTP mode on a free port, the stand-in delivering to it; yields the enqueued keys.
endpoint = endpoint_keys


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
