"""Which Slack events say a person's message was deleted (bot/app.py `_deleted_persons_message`)."""

from __future__ import annotations

from bot.app import _deleted_persons_message


def test_message_deleted_names_the_deleted_ts():
    event = {"type": "message", "subtype": "message_deleted", "deleted_ts": "1.2", "previous_message": {"user": "U1"}}
    assert _deleted_persons_message(event) == "1.2"


def test_a_tombstone_names_the_message_it_replaced():
    event = {"subtype": "message_changed", "message": {"subtype": "tombstone", "ts": "3.4"}, "previous_message": {}}
    assert _deleted_persons_message(event) == "3.4"


def test_edits_bots_own_deletions_and_malformed_events_name_nothing():
    assert _deleted_persons_message({"subtype": "message_changed", "message": {"ts": "3.4", "text": "edited"}}) == ""
    bots = {"subtype": "message_deleted", "deleted_ts": "5.6", "previous_message": {"bot_id": "B1"}}
    assert _deleted_persons_message(bots) == ""
    assert _deleted_persons_message({"subtype": "message_deleted", "deleted_ts": 7}) == ""
    assert _deleted_persons_message({"subtype": "message_changed", "message": "tombstone"}) == ""
    assert _deleted_persons_message({}) == ""
