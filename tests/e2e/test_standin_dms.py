"""The stand-in's app-initiated DMs, as Slack does them: conversations.open's refusals (a bot, a deactivated
account), and a click on a button of a message the app sent in a DM (a `block_actions` payload from an IM)."""

from __future__ import annotations

import json
import time

from slack_bolt import App
from slack_sdk import WebClient

from slack_standin import BOB, BOT_USER_ID, SlackStandin
from tests.e2e.test_slack_standin import socket_mode_app
from tests.support import standin_fixtures
from tests.support.standin_fixtures import api_error

# tests/support/standin_fixtures.py's: a stand-in of its own for each test, and a WebClient of its bot.
slack, client = standin_fixtures.slack, standin_fixtures.client


def test_conversations_open_refuses_a_bot_and_a_deactivated_account(slack: SlackStandin, client: WebClient):
    assert api_error(lambda: client.conversations_open(users=BOT_USER_ID)) == "cannot_dm_bot"
    assert api_error(lambda: client.conversations_open(users="U0NOBODY99")) == "user_not_found"
    carol = slack.add_user("carol")
    dm = client.conversations_open(users=carol.id)["channel"]["id"]
    slack.deactivate_user("carol")
    assert api_error(lambda: client.conversations_open(users=carol.id)) == "user_disabled"
    assert client.users_info(user=carol.id)["user"]["deleted"] is True
    assert dm.startswith("D")


def test_a_button_in_a_dm_the_app_sent_arrives_as_block_actions_from_the_im(slack: SlackStandin, client: WebClient):
    seen: list[dict] = []

    def register(app: App) -> None:
        @app.action("still_correct")
        def on_click(ack, body, client) -> None:
            ack()
            seen.append(body)
            client.views_open(trigger_id=body["trigger_id"], view={
                "type": "modal", "title": {"type": "plain_text", "text": "Update"}, "blocks": []})  # fmt: skip

    with socket_mode_app(slack, register):
        dm = client.conversations_open(users=BOB)["channel"]["id"]
        button = {"type": "button", "action_id": "still_correct", "value": "7",
                  "text": {"type": "plain_text", "text": "Still correct"}}  # fmt: skip
        posted = client.chat_postMessage(channel=dm, text="Review", blocks=[{"type": "actions", "elements": [button]}])
        slack.click_button(dm, posted["ts"], "still_correct", user="bob").wait(5)
        slack.wait_for(lambda: seen, timeout=5)
        view = slack.wait_for_view(user=BOB, timeout=5)
    body = seen[0]
    assert body["type"] == "block_actions" and body["user"]["id"] == BOB
    assert body["channel"] == {"id": dm, "name": "directmessage"}
    assert body["container"]["channel_id"] == dm and body["container"]["message_ts"] == posted["ts"]
    assert body["actions"][0]["value"] == "7" and json.dumps(view.data).count("Update") == 1


def _post_response_url(url: str, body: dict) -> tuple[int, dict]:
    from slack_sdk.webhook import WebhookClient

    resp = WebhookClient(url).send_dict(body)
    return resp.status_code, json.loads(resp.body)


def test_a_commands_response_url_in_a_dm_between_two_people_answers_the_asker_five_times_for_30_minutes(
    slack: SlackStandin,
):
    """Slack's rules for a slash command's response_url: ephemeral to the person who typed it by default (also in a
    conversation the app is not in), at most 5 uses (then 404 `used_url`), for 30 minutes (then 404 `expired_url`)."""
    people = slack.open_dm_between("alice", "bob")
    url = slack.slash_command("/ask", "anything", channel=people, user="alice").payload["response_url"]
    for i in range(5):
        assert _post_response_url(url, {"text": f"reply {i}"}) == (200, {"ok": True})
    assert _post_response_url(url, {"text": "one too many"}) == (404, {"ok": False, "error": "used_url"})
    assert [e.text for e in slack.ephemerals(people, user="alice")] == [f"reply {i}" for i in range(5)]
    assert slack.ephemerals(people, user="bob") == [] and slack.messages(people) == []

    assert slack.response_url_ttl == 30 * 60
    late = slack.slash_command("/ask", "anything", channel=people, user="alice").payload["response_url"]
    slack.response_url_ttl = 0.05
    try:
        time.sleep(0.1)
        assert _post_response_url(late, {"text": "too late"}) == (404, {"ok": False, "error": "expired_url"})
    finally:
        slack.response_url_ttl = 30 * 60
    assert len(slack.ephemerals(people, user="alice")) == 5
