"""A 'comment' click carries its conversation, message and response_url into the modal's private_metadata, which
Slack caps at 3,000 characters (slack_sdk refuses to build a longer one). A payload with an oversized or
malformed field must still open the modal — without that field — never reach the app's error path."""

from __future__ import annotations

import json
from types import SimpleNamespace

from bot import payload
from bot.feedback_listeners import FeedbackListeners
from workers.slack import respond

API = "https://slack.com/api/"


class _Client:
    def __init__(self) -> None:
        self.views: list[dict] = []

    def views_open(self, *, trigger_id: str, view: dict) -> None:
        self.views.append(view)


def _click(container: dict, response_url: str = "") -> list[dict]:
    client = _Client()
    listeners = SimpleNamespace(settings=SimpleNamespace(slack_api_url=API))
    body = {"trigger_id": "1337.42.abcdef", "container": container, "response_url": response_url}
    FeedbackListeners.on_comment_button(listeners, lambda: None, body, {"value": "7"}, client)  # type: ignore[arg-type]
    return client.views


def test_a_well_formed_click_keeps_its_conversation_message_and_response_url():
    url = "https://hooks.slack.com/actions/T0AAA/1/abc"
    (view,) = _click({"channel_id": "C0GENERAL1", "message_ts": "1700000000.000100"}, url)
    meta = json.loads(view["private_metadata"])
    assert (meta["channel"], meta["ts"], meta["response_url"]) == ("C0GENERAL1", "1700000000.000100", url)


def test_oversized_or_malformed_fields_are_left_out_and_the_modal_still_opens():
    huge_ts = "<!channel>" * 299
    (view,) = _click({"channel_id": "#general" * 400, "message_ts": huge_ts})
    meta = json.loads(view["private_metadata"])
    assert meta["label_id"] == 7 and meta["channel"] == "" and meta["ts"] == ""
    long_url = "https://hooks.slack.com/actions/" + "a" * 3000
    (view,) = _click({"channel_id": "C0GENERAL1", "message_ts": "1700000000.000100"}, long_url)
    assert len(view["private_metadata"]) <= 3000 and "response_url" not in json.loads(view["private_metadata"])


def test_the_validators_accept_slacks_forms_only():
    assert payload.slack_ts({"ts": "1700000000.000100"}, "ts") == "1700000000.000100"
    assert payload.slack_ts({"ts": "1700000000"}, "ts") == "" and payload.slack_ts({"ts": 1.5}, "ts") == ""
    assert payload.conversation_id({"c": "D0ABC123"}, "c") == "D0ABC123"
    assert payload.conversation_id({"c": "general"}, "c") == "" and payload.conversation_id({}, "c") == ""
    assert not respond.acceptable("https://hooks.slack.com/" + "x" * 2000, API)
    assert respond.acceptable("https://hooks.slack.com/actions/T0AAA/1/abc", API)
