"""The Slack stand-in, exercised only through unmodified slack_sdk / slack_bolt code (no mocks)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.runner import EnvelopeSocketModeHandler
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL, PRIVATE, RANDOM, SlackStandin
from slack_standin import cli as standin_cli
from slack_standin.control import ControlClient
from tests.support import standin_fixtures
from tests.support.standin_fixtures import api_error

REPO = Path(__file__).resolve().parents[2]


# tests/support/standin_fixtures.py's: a stand-in of its own for each test, and a WebClient of its bot.
slack, client = standin_fixtures.slack, standin_fixtures.client


@contextlib.contextmanager
def socket_mode_app(slack: SlackStandin, register: Callable[[App], None]) -> Iterator[App]:
    """A Bolt app on Socket Mode (the builtin client), connected to the stand-in."""
    app = App(client=WebClient(base_url=slack.web_api_url, token=slack.bot_token))
    register(app)
    handler = EnvelopeSocketModeHandler(app, slack.app_token)
    handler.connect()
    try:
        slack.wait_until_connected(5)
        yield app
    finally:
        with contextlib.suppress(TimeoutError):
            slack.wait_idle(2)
        handler.close()


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def http_mode_app(slack: SlackStandin, register: Callable[[App], None]) -> Iterator[App]:
    """A Bolt app behind a WSGI server (Bolt's wsgi adapter), receiving the stand-in's signed requests."""
    app = App(client=WebClient(base_url=slack.web_api_url, token=slack.bot_token), signing_secret=slack.signing_secret)
    register(app)
    server = make_server("127.0.0.1", 0, SlackRequestHandler(app), _ThreadingWSGIServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    slack.set_request_url(f"http://127.0.0.1:{server.server_port}/slack/events")
    try:
        yield app
    finally:
        with contextlib.suppress(TimeoutError):
            slack.wait_idle(2)
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------------------------- Web API


def test_web_api_round_trip(slack: SlackStandin, client: WebClient) -> None:
    auth = client.auth_test()
    assert auth["user_id"] == BOT_USER_ID and auth["bot_id"] == slack.bot_id and auth["team_id"] == slack.team_id
    assert "chat:write" in auth.headers["X-OAuth-Scopes"]

    question = slack.post_message(GENERAL, "How do I rotate the API key?")
    placeholder = client.chat_postMessage(channel=GENERAL, text="Looking…", thread_ts=question.ts)
    assert placeholder["message"]["thread_ts"] == question.ts
    assert placeholder["message"]["parent_user_id"] == ALICE
    answer_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Rotate* it in Settings › Keys."}}]
    client.chat_update(channel=GENERAL, ts=placeholder["ts"], text="Draft answer")
    updated = client.chat_update(
        channel=GENERAL, ts=placeholder["ts"], text="Rotate it in Settings.", blocks=answer_blocks
    )
    assert updated["message"]["edited"]["user"] == BOT_USER_ID

    replies = client.conversations_replies(channel=GENERAL, ts=question.ts)
    assert [m["ts"] for m in replies["messages"]] == [question.ts, placeholder["ts"]]
    assert replies["messages"][0]["reply_count"] == 1
    assert replies["messages"][0]["reply_users"] == [BOT_USER_ID]
    assert replies["messages"][1]["text"] == "Rotate it in Settings."
    assert replies["messages"][1]["blocks"] == answer_blocks
    history = client.conversations_history(channel=GENERAL)
    assert [m["ts"] for m in history["messages"]] == [question.ts]  # replies stay in the thread

    (reply,) = slack.bot_replies(GENERAL, question.ts)
    assert reply.text == "Rotate it in Settings." and reply.blocks == answer_blocks
    assert [v["text"] for v in reply.versions] == ["Looking…", "Draft answer", "Rotate it in Settings."]

    client.reactions_add(channel=GENERAL, timestamp=placeholder["ts"], name="eyes")
    slack.add_reaction(GENERAL, placeholder["ts"], "thumbsup", user=BOB)
    reactions = client.reactions_get(channel=GENERAL, timestamp=placeholder["ts"])["message"]["reactions"]
    assert {r["name"]: r["users"] for r in reactions} == {"eyes": [BOT_USER_ID], "thumbsup": [BOB]}
    client.reactions_remove(channel=GENERAL, timestamp=placeholder["ts"], name="eyes")
    assert list(slack.message(GENERAL, placeholder["ts"]).reactions) == ["thumbsup"]

    link = client.chat_getPermalink(channel=GENERAL, message_ts=placeholder["ts"])["permalink"]
    assert link == (
        f"https://answerloop-standin.slack.com/archives/{GENERAL}/p{placeholder['ts'].replace('.', '')}"
        f"?thread_ts={question.ts}&cid={GENERAL}"
    )
    alice = client.users_info(user=ALICE)["user"]
    assert alice["name"] == "alice" and alice["profile"]["email"] == "alice@example.com" and not alice["is_bot"]
    assert client.users_info(user=BOT_USER_ID)["user"]["is_bot"]
    info = client.conversations_info(channel=GENERAL)["channel"]
    assert info["is_member"] and info["is_channel"] and not info["is_private"]
    dm = client.conversations_open(users=ALICE)["channel"]["id"]
    assert dm.startswith("D") and client.conversations_open(users=ALICE)["already_open"]
    assert client.conversations_info(channel=dm)["channel"]["is_im"]

    ephemeral = client.chat_postEphemeral(channel=GENERAL, user=ALICE, text="only you see this")
    (seen,) = slack.ephemerals(GENERAL, user="alice")
    assert seen.ts == ephemeral["message_ts"] and seen.text == "only you see this"

    assert [c.method for c in slack.calls("chat.update")] == ["chat.update", "chat.update"]
    assert slack.calls("chat.update")[1].args["blocks"] == answer_blocks
    assert slack.calls("chat.postMessage")[0].args["thread_ts"] == question.ts


def test_ts_are_unique_and_increasing(slack: SlackStandin, client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=GENERAL, text=str(i))["ts"] for i in range(20)]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 20
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)
    first_page = client.conversations_history(channel=GENERAL, limit=15)
    assert first_page["has_more"] and len(first_page["messages"]) == 15
    rest = client.conversations_history(
        channel=GENERAL, limit=15, cursor=first_page["response_metadata"]["next_cursor"]
    )
    assert [m["ts"] for m in first_page["messages"] + rest["messages"]] == stamps[::-1] and not rest["has_more"]


def test_form_json_query_and_token_field(slack: SlackStandin) -> None:
    def call(
        method: str, *, data: bytes | None = None, ctype: str | None = None, bearer: str | None = None, query: str = ""
    ) -> dict[str, Any]:
        headers = {"Content-Type": ctype} if ctype else {}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        req = urllib.request.Request(f"{slack.web_api_url}{method}{query}", data=data, headers=headers)
        with urllib.request.urlopen(req) as resp:
            return json.loads(resp.read())

    form = f"token={slack.bot_token}&channel={GENERAL}&text=form+body".encode()
    posted = call("chat.postMessage", data=form, ctype="application/x-www-form-urlencoded")
    assert posted["ok"] and posted["message"]["text"] == "form body"
    body = json.dumps({"channel": GENERAL, "text": "json body", "thread_ts": posted["ts"]}).encode()
    assert call("chat.postMessage", data=body, ctype="application/json", bearer=slack.bot_token)["ok"]
    replies = call("conversations.replies", query=f"?channel={GENERAL}&ts={posted['ts']}", bearer=slack.bot_token)
    assert [m["text"] for m in replies["messages"]] == ["form body", "json body"]
    assert slack.calls("chat.postMessage")[0].token == slack.bot_token

    assert call("auth.test")["error"] == "not_authed"
    assert call("auth.test", bearer="xoxb-not-a-real-token")["error"] == "invalid_auth"
    assert call("chat.postMessage", data=body, ctype="application/json", bearer=slack.app_token)["error"] == (
        "not_allowed_token_type"
    )
    assert call("apps.connections.open", bearer=slack.bot_token, data=b"")["error"] == "not_allowed_token_type"
    opened = call("apps.connections.open", bearer=slack.app_token, data=b"")
    assert opened["ok"] and opened["url"].startswith(f"ws://127.0.0.1:{slack.port}/link/?ticket=")
    assert call("no.such.method", bearer=slack.bot_token)["error"] == "unknown_method"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_slack_errors(slack: SlackStandin, client: WebClient) -> None:
    mine = client.chat_postMessage(channel=GENERAL, text="bot message")["ts"]
    theirs = slack.post_message(GENERAL, "a person's message").ts

    assert api_error(lambda: client.chat_postMessage(channel="C0NOPE00000", text="x")) == "channel_not_found"
    assert api_error(lambda: client.chat_postMessage(channel=RANDOM, text="x")) == "not_in_channel"
    slack.remove_bot(PRIVATE)
    assert api_error(lambda: client.chat_postMessage(channel=PRIVATE, text="x")) == "channel_not_found"
    assert api_error(lambda: client.chat_postMessage(channel=GENERAL)) == "no_text"
    assert api_error(lambda: client.chat_postMessage(channel=GENERAL, text="x" * 40_001)) == "msg_too_long"
    assert client.chat_postMessage(channel=GENERAL, text="x" * 40_000)["ok"]

    too_many = [{"type": "divider"}] * 51
    assert api_error(lambda: client.chat_postMessage(channel=GENERAL, text="x", blocks=too_many)) == "invalid_blocks"
    long_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=GENERAL, text="x", blocks=long_section)
    assert info.value.response["error"] == "invalid_blocks"
    assert "json-pointer:/blocks/0/text/text" in info.value.response["errors"][0]
    ok_section = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3000}}]
    assert client.chat_postMessage(channel=GENERAL, text="x", blocks=ok_section)["ok"]
    assert client.chat_postMessage(channel=GENERAL, text="x", blocks=[{"type": "divider"}] * 50)["ok"]

    assert api_error(lambda: client.chat_update(channel=GENERAL, ts="1.000001", text="x")) == "message_not_found"
    assert api_error(lambda: client.chat_update(channel=GENERAL, ts=theirs, text="x")) == "cant_update_message"
    assert api_error(lambda: client.chat_update(channel=GENERAL, ts=mine, text="x" * 40_001)) == "msg_too_long"
    assert api_error(lambda: client.chat_update(channel=GENERAL, ts=mine)) == "no_text"
    assert api_error(lambda: client.chat_getPermalink(channel=GENERAL, message_ts="1.2")) == "message_not_found"

    client.reactions_add(channel=GENERAL, timestamp=theirs, name="eyes")
    assert api_error(lambda: client.reactions_add(channel=GENERAL, timestamp=theirs, name="eyes")) == "already_reacted"
    assert api_error(lambda: client.reactions_remove(channel=GENERAL, timestamp=theirs, name="tada")) == "no_reaction"
    assert api_error(lambda: client.reactions_add(channel=GENERAL, timestamp="1.2", name="x")) == "message_not_found"
    assert api_error(lambda: client.conversations_replies(channel=GENERAL, ts="1.2")) == "thread_not_found"
    assert api_error(lambda: client.conversations_history(channel=RANDOM)) == "not_in_channel"
    assert api_error(lambda: client.users_info(user="U0NOBODY00")) == "user_not_found"
    slack.add_channel("alice-only", channel_id="C0ALICEONL", members=["alice"])
    assert api_error(lambda: client.chat_postEphemeral(channel="C0ALICEONL", user=BOB, text="x")) == (
        "user_not_in_channel"
    )
    assert [c.error for c in slack.calls("reactions.add")] == [None, "already_reacted", "message_not_found"]


def test_rate_limit_is_honoured_by_the_sdk_retry_handler(slack: SlackStandin) -> None:
    slack.inject_rate_limit("chat.postMessage", count=1, retry_after=1)
    client = WebClient(
        base_url=slack.web_api_url,
        token=slack.bot_token,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel=GENERAL, text="after a 429")["ok"]

    first, second = slack.calls("chat.postMessage")
    assert (first.http_status, first.fault, first.headers["Retry-After"]) == (429, "rate_limited", "1")
    assert second.http_status == 200 and second.ok
    assert second.time - first.time >= 1.0  # Retry-After respected
    assert [m.text for m in slack.messages(GENERAL)] == ["after a 429"]

    slack.inject_rate_limit(None, count=1, retry_after=7)  # any method; without a retry handler it surfaces
    with pytest.raises(SlackApiError) as info:
        WebClient(base_url=slack.web_api_url, token=slack.bot_token).users_info(user=ALICE)
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7" and info.value.response["error"] == "ratelimited"


def test_server_errors_are_injected(slack: SlackStandin) -> None:
    slack.inject_server_error("chat.update", count=1)
    plain = WebClient(base_url=slack.web_api_url, token=slack.bot_token)
    ts = plain.chat_postMessage(channel=GENERAL, text="v1")["ts"]
    with pytest.raises(SlackApiError) as info:
        plain.chat_update(channel=GENERAL, ts=ts, text="v2")
    assert info.value.response.status_code == 500
    slack.inject_server_error("chat.update", count=1, status=503)
    retrying = WebClient(
        base_url=slack.web_api_url, token=slack.bot_token, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)]
    )
    assert retrying.chat_update(channel=GENERAL, ts=ts, text="v2")["ok"]
    assert [c.http_status for c in slack.calls("chat.update")] == [500, 503, 200]
    assert slack.message(GENERAL, ts).text == "v2"


# ---------------------------------------------------------------------------------------------- Socket Mode


def test_socket_mode_bolt_app_answers_a_mention_in_thread(slack: SlackStandin) -> None:
    reactions: list[dict[str, Any]] = []
    dms: list[dict[str, Any]] = []

    def register(app: App) -> None:
        @app.event("app_mention")
        def on_mention(event: dict[str, Any], say: Any) -> None:
            say(text=f"Answer to: {event['text']}", thread_ts=event.get("thread_ts") or event["ts"])

        @app.event("message")
        def on_message(event: dict[str, Any]) -> None:
            if event.get("channel_type") == "im":
                dms.append(event)

        @app.event("reaction_added")
        def on_reaction(event: dict[str, Any]) -> None:
            reactions.append(event)

    with socket_mode_app(slack, register):
        question = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> where is the runbook?")
        reply = slack.wait_for_bot_reply(GENERAL, question.ts, 5)
        assert reply.text == f"Answer to: <@{BOT_USER_ID}> where is the runbook?"
        assert reply.thread_ts == question.ts and reply.user == BOT_USER_ID

        (as_message,) = slack.deliveries(event_type="message", ts=question.ts)
        (as_mention,) = slack.deliveries(event_type="app_mention", ts=question.ts)
        assert as_message.event["ts"] == as_mention.event["ts"] == question.ts
        assert as_message.event_id != as_mention.event_id
        assert as_message.event["channel_type"] == "channel" and "channel_type" not in as_mention.event
        assert as_mention.payload["authorizations"][0]["user_id"] == BOT_USER_ID
        slack.wait_idle(5)
        for delivery in (as_message, as_mention):
            assert delivery.status == "acked" and [a.retry_attempt for a in delivery.attempts] == [0]
            assert 0 <= delivery.ack_latency < 3

        slack.add_reaction(GENERAL, reply.ts, "thumbsup", user=BOB)
        slack.wait_for(lambda: reactions, 5)
        assert reactions[0]["item"] == {"type": "message", "channel": GENERAL, "ts": reply.ts}
        assert reactions[0]["user"] == BOB and reactions[0]["reaction"] == "thumbsup"

        dm = slack.send_dm("hello in private")
        slack.wait_for(lambda: dms, 5)
        assert dms[0]["channel"] == dm.channel and dms[0]["ts"] == dm.ts
        assert not slack.deliveries(event_type="app_mention", ts=dm.ts)

        # Slack refreshes the connection: the builtin client reconnects through apps.connections.open.
        assert slack.disconnect_socket("refresh_requested") == 1
        slack.wait_for(lambda: slack.connections_opened >= 2 and slack.socket_connection_count() == 1, 5)
        assert len(slack.calls("apps.connections.open")) == 2
        again = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> still there?", thread_ts=question.ts)
        follow_up = slack.wait_for_bot_reply(GENERAL, question.ts, 5, lambda m: "still there" in m.text)
        assert follow_up.thread_ts == question.ts
        assert slack.deliveries(event_type="app_mention", ts=again.ts)[0].event["thread_ts"] == question.ts
        assert all(latency < 3 for latency in slack.ack_latencies())


def test_unacked_envelope_is_redelivered(slack: SlackStandin) -> None:
    seen: list[SocketModeRequest] = []

    def listener(sm_client: SocketModeClient, req: SocketModeRequest) -> None:
        seen.append(req)
        if req.retry_attempt:  # ignore the first delivery, ack the retry
            sm_client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    sm_client = SocketModeClient(app_token=slack.app_token, web_client=slack.web_client())
    sm_client.socket_mode_request_listeners.append(listener)
    sm_client.connect()
    try:
        slack.wait_until_connected(5)
        msg = slack.post_message(GENERAL, "nobody acks me the first time")
        (delivery,) = slack.deliveries(event_type="message", ts=msg.ts)
        assert delivery.wait(slack.ack_timeout + 3)
    finally:
        sm_client.close()

    assert slack.ack_timeout == 3.0 and slack.max_retries == 3
    assert [(r.retry_attempt, r.retry_reason) for r in seen] == [(0, ""), (1, "timeout")]
    assert seen[0].envelope_id == seen[1].envelope_id == delivery.envelope_id
    assert seen[1].payload["event_id"] == seen[0].payload["event_id"]
    first, second = delivery.attempts
    assert second.sent_at - first.sent_at >= slack.ack_timeout
    assert (
        delivery.ack_attempt == 1
        and delivery.ack_latency < slack.ack_timeout
        and delivery.total_latency >= slack.ack_timeout
    )


def test_slash_command_and_modal_round_trip(slack: SlackStandin) -> None:
    corrections: list[dict[str, Any]] = []
    modal = {
        "type": "modal",
        "callback_id": "correction",
        "title": {"type": "plain_text", "text": "Correct the answer"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "block_id": "fix",
                "label": {"type": "plain_text", "text": "Better answer"},
                "element": {"type": "plain_text_input", "action_id": "text", "multiline": True},
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "How wrong?"},
                "element": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [
                        {"text": {"type": "plain_text", "text": "Slightly"}, "value": "minor"},
                        {"text": {"type": "plain_text", "text": "Very"}, "value": "major"},
                    ],
                },
            },
        ],
    }

    def register(app: App) -> None:
        @app.command("/ask")
        def ask(ack: Any, command: dict[str, Any], respond: Any) -> None:
            ack(f"Looking into: {command['text']}")
            respond(f"Answer for {command['user_name']}")

        @app.shortcut("correct_answer")
        def correct(ack: Any, shortcut: dict[str, Any], client: WebClient) -> None:
            ack()
            view = {
                **modal,
                "private_metadata": json.dumps({"channel": shortcut["channel"]["id"], "ts": shortcut["message"]["ts"]}),
            }
            client.views_open(trigger_id=shortcut["trigger_id"], view=view)

        @app.view("correction")
        def submitted(ack: Any, view: dict[str, Any]) -> None:
            values = view["state"]["values"]
            text = values["fix"]["text"]["value"]
            if len(text) < 10:
                ack(response_action="errors", errors={"fix": "Please write a full sentence."})
                return
            ack()
            corrections.append(
                {
                    "text": text,
                    "severity": values["severity"]["pick"]["selected_option"]["value"],
                    **json.loads(view["private_metadata"]),
                }
            )

    with socket_mode_app(slack, register):
        command = slack.slash_command("/ask", "how do I deploy?", channel=GENERAL, user="bob")
        assert command.wait(5)
        assert command.payload["command"] == "/ask" and command.payload["user_id"] == BOB
        slack.wait_for(lambda: len(slack.ephemerals(GENERAL, user="bob")) == 2, 5)
        # The ack and respond() race each other (as on Slack): compare without order.
        assert {(e.source, e.text) for e in slack.ephemerals(GENERAL, user="bob")} == {
            ("command_ack", "Looking into: how do I deploy?"),
            ("response_url", "Answer for bob"),
        }

        answer = slack.web_client().chat_postMessage(channel=GENERAL, text="Deploy with `make ship`.")
        shortcut = slack.message_shortcut("correct_answer", GENERAL, answer["ts"], user="alice")
        assert shortcut.payload["type"] == "message_action" and shortcut.payload["message_ts"] == answer["ts"]
        view = slack.wait_for_view(5, user="alice")
        assert view.callback_id == "correction" and view.data["id"].startswith("V")

        too_short = slack.submit_view(view.id, {"fix": "no", "severity": "minor"})
        assert too_short.wait(5)
        assert slack.view(view.id).errors == {"fix": "Please write a full sentence."}
        assert not slack.view(view.id).closed

        good = slack.submit_view(view.id, {"fix": "Deploy with `make release`.", "severity": "major"})
        assert good.wait(5)
        state = good.payload["view"]["state"]["values"]
        assert state["fix"]["text"] == {"type": "plain_text_input", "value": "Deploy with `make release`."}
        assert state["severity"]["pick"]["selected_option"]["value"] == "major"
        slack.wait_for(lambda: corrections, 5)
        assert corrections == [
            {"text": "Deploy with `make release`.", "severity": "major", "channel": GENERAL, "ts": answer["ts"]}
        ]
        assert slack.view(view.id).closed


def test_trigger_ids_expire_and_are_single_use(slack: SlackStandin, client: WebClient) -> None:
    assert slack.trigger_ttl == 3.0  # Slack's window
    view = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}

    trigger = slack.slash_command("/ask", "x").payload["trigger_id"]
    opened = client.views_open(trigger_id=trigger, view=view)["view"]
    assert opened["id"].startswith("V") and opened["root_view_id"] == opened["id"] and opened["hash"]
    assert slack.view(opened["id"]).user == ALICE
    assert api_error(lambda: client.views_open(trigger_id=trigger, view=view)) == "exchanged_trigger_id"
    assert api_error(lambda: client.views_open(trigger_id="123.456.nope", view=view)) == "invalid_trigger_id"

    stale = slack.slash_command("/ask", "y").payload["trigger_id"]
    slack.trigger_ttl = 0.05  # age the trigger past the window without waiting 3 s
    time.sleep(0.1)
    assert api_error(lambda: client.views_open(trigger_id=stale, view=view)) == "expired_trigger_id"
    slack.trigger_ttl = 3.0

    bad_title = {**view, "title": {"type": "plain_text", "text": "x" * 25}}
    fresh = slack.slash_command("/ask", "z").payload["trigger_id"]
    assert api_error(lambda: client.views_open(trigger_id=fresh, view=bad_title)) == "invalid_arguments"
    v2 = {**view, "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "v2"}}]}
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=v2)["view"]
    assert updated["blocks"] == v2["blocks"] and updated["hash"] != opened["hash"]
    assert api_error(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)) == (
        "hash_conflict"
    )
    assert api_error(lambda: client.views_update(view_id="V0NOPE0000", view=view)) == "not_found"

    # views.push takes a trigger from an interaction inside the open modal; Slack stacks at most 3 views.
    top = opened["id"]
    for _ in range(2):
        pointer = slack.submit_view(top).payload["trigger_id"]
        top = client.views_push(trigger_id=pointer, view=view)["view"]["id"]
    stack = [v.id for v in slack.views(open_only=True)]
    assert len(stack) == 3 and stack[0] == opened["id"] and stack[-1] == top
    assert slack.view(top).root_view_id == opened["id"] and slack.view(top).data["previous_view_id"] == stack[1]
    pointer = slack.submit_view(top).payload["trigger_id"]
    assert api_error(lambda: client.views_push(trigger_id=pointer, view=view)) == "push_limit_reached"


# ---------------------------------------------------------------------------------------------- HTTP mode


def test_http_mode_signed_events_and_rejected_signatures() -> None:
    mentions: list[dict[str, Any]] = []

    def register(app: App) -> None:
        @app.event("app_mention")
        def on_mention(event: dict[str, Any], say: Any) -> None:
            mentions.append(event)
            say(text="on it", thread_ts=event["ts"])

        @app.command("/ask")
        def ask(ack: Any, command: dict[str, Any]) -> None:
            ack(f"You asked: {command['text']}")

    with SlackStandin(subscriptions={"app_mention"}) as slack, http_mode_app(slack, register):
        assert slack.verify_request_url()

        question = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> hi over HTTP")
        assert slack.wait_for_bot_reply(GENERAL, question.ts, 5).text == "on it"
        (delivery,) = slack.deliveries(event_type="app_mention", ts=question.ts)
        assert delivery.wait(5)
        (attempt,) = delivery.attempts
        assert attempt.http_status == 200
        assert attempt.request_headers["Content-Type"] == "application/json"
        assert attempt.request_headers["X-Slack-Signature"] == slack.sign(
            json.dumps(delivery.payload), attempt.request_headers["X-Slack-Request-Timestamp"]
        )

        for fault in ("forged", "stale"):
            slack.inject_signature_fault(fault)
            msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {fault} signature")
            (delivery,) = slack.deliveries(event_type="app_mention", ts=msg.ts)
            assert delivery.wait(5)
            rejected, retried = delivery.attempts
            assert (rejected.signature_fault, rejected.http_status) == (fault, 401)
            assert retried.http_status == 200 and retried.signature_fault is None
            assert retried.request_headers["X-Slack-Retry-Num"] == "1"
            assert retried.request_headers["X-Slack-Retry-Reason"] == "http_error"
            slack.wait_for_bot_reply(GENERAL, msg.ts, 5)
            assert sum(1 for m in mentions if m["ts"] == msg.ts) == 1  # the rejected request never ran
        stale_ts = int(
            slack.deliveries(event_type="app_mention")[-1].attempts[0].request_headers["X-Slack-Request-Timestamp"]
        )
        assert time.time() - stale_ts > 300

        command = slack.slash_command("/ask", "form encoded?")
        assert command.wait(5)
        assert command.attempts[0].request_headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert slack.ephemerals(GENERAL)[-1].text == "You asked: form encoded?"


def test_http_mode_retries_on_timeout() -> None:
    calls: list[float] = []

    def register(app: App) -> None:
        @app.event("app_mention")
        def slow_ack(ack: Any, event: dict[str, Any]) -> None:
            calls.append(time.monotonic())

    def slow(app: App) -> None:
        register(app)

        @app.middleware
        def delay_first(req: Any, resp: Any, next: Any) -> Any:
            if not req.headers.get("x-slack-retry-num"):
                time.sleep(1.0)
            return next()

    with SlackStandin(subscriptions={"app_mention"}, http_timeout=0.5) as slack, http_mode_app(slack, slow):
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> slow")
        (delivery,) = slack.deliveries(event_type="app_mention", ts=msg.ts)
        assert delivery.wait(5)
        first, second = delivery.attempts[:2]
        assert first.http_status is None or first.answered_at - first.sent_at >= 0.5
        assert second.request_headers["X-Slack-Retry-Num"] == "1"
        assert second.request_headers["X-Slack-Retry-Reason"] == "http_timeout"
        assert delivery.attempts[delivery.ack_attempt].http_status == 200 and delivery.ack_attempt >= 1
        slack.wait_for(lambda: len(calls) >= 2, 5)  # at-least-once: the slow first request still ran


# ---------------------------------------------------------------------------------------------- control API + CLI


def test_control_api_and_cli(slack: SlackStandin, capsys: pytest.CaptureFixture[str]) -> None:
    url = slack.base_url
    assert standin_cli.main(["say", "--url", url, "--channel", GENERAL, "hello from the CLI"]) == 0
    ts = capsys.readouterr().out.strip()
    assert slack.message(GENERAL, ts).text == "hello from the CLI"
    assert standin_cli.main(["react", "--url", url, "--channel", "general", "--ts", ts, "--name", "tada"]) == 0
    assert slack.message(GENERAL, ts).reactions == {"tada": [ALICE]}
    slack.web_client().chat_postMessage(channel=GENERAL, thread_ts=ts, text="bot reply")
    capsys.readouterr()
    assert standin_cli.main(["thread", "--url", url, "--channel", GENERAL, "--ts", ts]) == 0
    assert "bot: bot reply" in capsys.readouterr().out
    assert standin_cli.main(["fault", "--url", url, "rate_limit", "--method", "auth.test", "--retry-after", "2"]) == 0
    assert api_error(slack.web_client().auth_test) == "ratelimited"
    assert standin_cli.main(["say", "--url", url, "--channel", "nowhere", "x"]) == 1


def test_serve_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "slack_standin", "serve", "--port", "0", "--json"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        text = ""
        info: dict[str, Any] | None = None
        deadline = time.monotonic() + 10
        while info is None and time.monotonic() < deadline:
            text += proc.stdout.readline()
            with contextlib.suppress(ValueError):
                info = json.loads(text)
        assert info is not None, text
        client = WebClient(base_url=info["web_api_url"], token=info["bot_token"])
        assert client.auth_test()["user_id"] == info["bot_user_id"]
        assert info["app_token"].startswith("xapp-") and info["signing_secret"]
    finally:
        proc.terminate()
        assert proc.wait(5) == 0


def _feedback_block(block_id: str = "fb-1", **overrides: Any) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "feedback_buttons",
        "action_id": "answer_feedback",
        "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "up"},
        "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "down"},
    }
    element.update(overrides)
    return {"type": "context_actions", "block_id": block_id, "elements": [element]}


def test_context_actions_and_feedback_buttons_are_validated_like_slack(slack: SlackStandin, client: WebClient) -> None:
    from slack_sdk.models.blocks import ContextActionsBlock, FeedbackButtonObject, FeedbackButtonsElement

    # slack_sdk's own classes serialise to what the stand-in accepts.
    built = ContextActionsBlock(
        block_id="fb-sdk",
        elements=[
            FeedbackButtonsElement(
                action_id="answer_feedback",
                positive_button=FeedbackButtonObject(text="Good", value="up", accessibility_label="Helpful"),
                negative_button=FeedbackButtonObject(text="Bad", value="down"),
            )
        ],
    )
    ok = client.chat_postMessage(channel=GENERAL, text="answer", blocks=[built])
    assert slack.message(GENERAL, ok["ts"]).blocks[0]["elements"][0]["positive_button"]["value"] == "up"

    def refused(block: dict[str, Any]) -> str:
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel=GENERAL, text="answer", blocks=[block])
        assert info.value.response["error"] == "invalid_blocks"
        return " ".join(info.value.response["errors"])

    six = {**_feedback_block(), "elements": _feedback_block()["elements"] * 6}
    assert "no more than 5 items" in refused(six)
    assert "at least 1 item" in refused({"type": "context_actions", "elements": []})
    assert "must be one of" in refused({"type": "context_actions", "elements": [{"type": "button", "text": {}}]})
    long_text = {"text": {"type": "plain_text", "text": "x" * 76}, "value": "up"}
    assert "/positive_button/text/text" in refused(_feedback_block(positive_button=long_text))
    long_value = {"text": {"type": "plain_text", "text": "👎"}, "value": "v" * 2001}
    assert "/negative_button/value" in refused(_feedback_block(negative_button=long_value))
    assert "missing required field: value" in refused(
        _feedback_block(negative_button={"text": {"type": "plain_text", "text": "👎"}})
    )
    assert "plain_text" in refused(
        _feedback_block(positive_button={"text": {"type": "mrkdwn", "text": "*up*"}, "value": "up"})
    )
    assert "missing required field: negative_button" in refused(_feedback_block(negative_button=None))
    # Exactly at the limits is fine.
    at_limit = {"text": {"type": "plain_text", "text": "x" * 75}, "value": "v" * 2000}
    client.chat_postMessage(channel=GENERAL, text="answer", blocks=[_feedback_block(positive_button=at_limit)])


def test_a_feedback_click_sends_slacks_block_actions_payload(slack: SlackStandin, client: WebClient) -> None:
    clicks: list[dict[str, Any]] = []

    def register(app: App) -> None:
        @app.action("answer_feedback")
        def on_feedback(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
            ack()
            clicks.append({"body": body, "action": action})

    with socket_mode_app(slack, register):
        question = slack.post_message(GENERAL, "how?")
        posted = client.chat_postMessage(
            channel=GENERAL, thread_ts=question.ts, text="answer", blocks=[_feedback_block("fb-42")]
        )
        slack.click_feedback(GENERAL, posted["ts"], positive=False, user=BOB)
        slack.click_feedback(GENERAL, posted["ts"], positive=True, user=BOB)
        slack.wait_for(lambda: len(clicks) == 2, 5)
    first, second = clicks
    assert first["action"]["type"] == "feedback_buttons" and first["action"]["block_id"] == "fb-42"
    assert first["action"]["value"] == "down" and first["action"]["text"]["text"] == "👎"
    assert second["action"]["value"] == "up"
    body = first["body"]
    assert body["type"] == "block_actions" and body["user"]["id"] == BOB
    assert body["container"]["message_ts"] == posted["ts"] and body["container"]["channel_id"] == GENERAL
    assert body["container"]["thread_ts"] == question.ts and body["message"]["ts"] == posted["ts"]
    with pytest.raises(KeyError):
        slack.click_feedback(GENERAL, question.ts, positive=True)  # no feedback buttons there


def test_streaming_a_reply_follows_slacks_rules(slack: SlackStandin, client: WebClient) -> None:
    from slack_sdk.models.messages.chunk import PlanUpdateChunk, TaskUpdateChunk

    question = slack.post_message(GENERAL, "how do I deploy?", user=BOB)
    start = {"channel": GENERAL, "thread_ts": question.ts}
    # Outside a DM a stream names its recipient.
    assert api_error(lambda: client.chat_startStream(**start)) == "missing_recipient_user_id"
    assert api_error(lambda: client.chat_startStream(**start, recipient_user_id=BOB)) == "missing_recipient_team_id"
    assert (
        api_error(
            lambda: client.chat_startStream(
                **start, recipient_user_id=BOB, recipient_team_id=slack.team_id, markdown_text="x" * 12_001
            )
        )
        == "msg_too_long"
    )
    assert (
        api_error(
            lambda: client.chat_startStream(
                **start, recipient_user_id=BOB, recipient_team_id=slack.team_id, chunks=[{"type": "nope"}]
            )
        )
        == "invalid_chunks"
    )

    # slack_sdk's ChatStream: thinking steps (plan/task chunks), then text, then the final blocks.
    stream = client.chat_stream(
        **start, recipient_user_id=BOB, recipient_team_id=slack.team_id, task_display_mode="plan", buffer_size=10_000
    )
    stream.append(
        chunks=[PlanUpdateChunk(title="Answering"), TaskUpdateChunk(id="s", title="Search", status="complete")]
    )
    assert stream.ts is not None and slack.is_streaming(GENERAL, stream.ts)
    assert slack.message(GENERAL, stream.ts).text == "", "no text before any was streamed"
    stream.append(markdown_text="Deploys go out ")
    stream.append(markdown_text="from main.")
    final_blocks = [_feedback_block("fb-stream")]
    stream.stop(blocks=final_blocks)
    msg = slack.message(GENERAL, stream.ts)
    assert (
        msg.thread_ts == question.ts
        and msg.text == "Deploys go out from main."
        and not slack.is_streaming(GENERAL, stream.ts)
    )
    assert msg.blocks[-1]["block_id"] == "fb-stream" and msg.blocks[0] == {"type": "markdown", "text": msg.text}
    assert [c["type"] for c in msg.chunks] == ["plan_update", "task_update", "markdown_text"]
    # A stopped stream takes no more; a chat.update of its message is the fallback.
    assert api_error(lambda: client.chat_appendStream(channel=GENERAL, ts=stream.ts, markdown_text="!")) == (
        "message_not_in_streaming_state"
    )
    assert (
        api_error(lambda: client.chat_stopStream(channel=GENERAL, ts=question.ts)) == "message_not_in_streaming_state"
    )
    client.chat_update(channel=GENERAL, ts=stream.ts, text="rewritten")
    assert slack.message(GENERAL, stream.ts).text == "rewritten"

    # stopStream's blocks are validated like a message's; markdown_text per call is bounded.
    other = client.chat_startStream(**start, recipient_user_id=BOB, recipient_team_id=slack.team_id)
    too_many = [{"type": "divider"}] * 51
    assert api_error(lambda: client.chat_stopStream(channel=GENERAL, ts=other["ts"], blocks=too_many)) == (
        "invalid_blocks"
    )
    assert api_error(lambda: client.chat_appendStream(channel=GENERAL, ts=other["ts"], markdown_text="y" * 12_001)) == (
        "msg_too_long"
    )
    # A stream ends on its own (Slack: ~5 minutes): then it answers message_not_in_streaming_state.
    slack.stream_ttl = 0.0
    assert api_error(lambda: client.chat_appendStream(channel=GENERAL, ts=other["ts"], markdown_text="z")) == (
        "message_not_in_streaming_state"
    )
    # In a DM no recipient is needed.
    dm = slack.send_dm("hi")
    slack.stream_ttl = 300.0
    in_dm = client.chat_startStream(channel=dm.channel, thread_ts=dm.ts, markdown_text="Hello")
    client.chat_stopStream(channel=dm.channel, ts=in_dm["ts"])
    assert slack.message(dm.channel, in_dm["ts"]).text == "Hello"


def test_assistant_status_and_refusals(slack: SlackStandin, client: WebClient) -> None:
    question = slack.post_message(GENERAL, "how do I deploy?")
    status = {"channel_id": GENERAL, "thread_ts": question.ts}
    client.assistant_threads_setStatus(**status, status="is looking…", loading_messages=["Searching", "Checking"])
    shown = slack.thread_status(GENERAL, question.ts)
    assert shown and shown["status"] == "is looking…" and shown["loading_messages"] == ["Searching", "Checking"]
    with pytest.raises(SlackApiError) as info:
        client.assistant_threads_setStatus(**status, status="x", loading_messages=[f"m{i}" for i in range(11)])
    assert info.value.response["error"] == "invalid_arguments"
    assert "no more than 10" in info.value.response["response_metadata"]["messages"][0]
    assert api_error(lambda: client.assistant_threads_setStatus(channel_id=RANDOM, thread_ts="1.0", status="x")) == (
        "not_in_channel"
    )
    # The app's reply in the thread clears the status.
    client.chat_postMessage(channel=GENERAL, thread_ts=question.ts, text="answer")
    assert slack.thread_status(GENERAL, question.ts) is None
    assert [s["status"] for s in slack.statuses(GENERAL, question.ts)] == ["is looking…"]

    # A workspace can refuse a method (e.g. streaming not allowed), or the app can lack a scope.
    slack.refuse_method("chat.startStream", "method_not_supported")
    assert api_error(lambda: client.chat_startStream(channel=GENERAL, thread_ts=question.ts)) == "method_not_supported"
    slack.allow_method("chat.startStream")
    slack.remove_scope("chat:write")
    with pytest.raises(SlackApiError) as info:
        client.assistant_threads_setStatus(**status, status="x")
    assert info.value.response["error"] == "missing_scope" and info.value.response["needed"] == "chat:write"


def test_control_api_clicks_feedback_buttons_and_refuses_methods(slack: SlackStandin, client: WebClient) -> None:
    """Another process (a bot under test, the demo) can click an answer's 👍/👎 and make a method refuse."""
    control = ControlClient(slack.base_url)
    clicks: list[dict[str, Any]] = []

    def register(app: App) -> None:
        @app.action("answer_feedback")
        def on_feedback(ack: Any, action: dict[str, Any], body: dict[str, Any]) -> None:
            ack()
            clicks.append({"value": action["value"], "user": body["user"]["id"]})

    with socket_mode_app(slack, register):
        question = slack.post_message(GENERAL, "how?")
        posted = client.chat_postMessage(
            channel=GENERAL, thread_ts=question.ts, text="answer", blocks=[_feedback_block("fb-7")]
        )
        done = control.request("feedback", {"channel": GENERAL, "ts": posted["ts"], "vote": "down", "user": BOB})
        assert done["ok"] and done["delivery"]["envelope_id"]
        assert standin_cli.main(["feedback", "--url", slack.base_url, "--ts", posted["ts"], "up"]) == 0
        slack.wait_for(lambda: len(clicks) == 2, 5)
    assert clicks == [{"value": "down", "user": BOB}, {"value": "up", "user": ALICE}]
    wrong = control.request("feedback", {"channel": GENERAL, "ts": posted["ts"], "vote": "meh"})
    assert not wrong["ok"] and "vote must be 'up'" in wrong["error"]
    missing = control.request("feedback", {"channel": GENERAL, "ts": question.ts, "vote": "up"})
    assert not missing["ok"] and "no feedback_buttons element" in missing["error"]

    refused = control.request("refuse", {"method": "chat.startStream", "error": "method_not_supported"})
    assert refused == {"ok": True, "refused": {"chat.startStream": "method_not_supported"}}
    assert api_error(lambda: client.chat_startStream(channel=GENERAL, thread_ts=question.ts)) == "method_not_supported"
    assert control.request("refuse", {"method": "chat.startStream", "allow": True}) == {"ok": True, "refused": {}}
    assert client.chat_startStream(
        channel=GENERAL, thread_ts=question.ts, recipient_user_id=ALICE, recipient_team_id=slack.team_id
    )["ok"]
    assert standin_cli.main(["refuse", "--url", slack.base_url, "assistant.threads.setStatus"]) == 0
    assert (
        api_error(lambda: client.assistant_threads_setStatus(channel_id=GENERAL, thread_ts=question.ts, status="x"))
        == "not_allowed"
    )
    unknown = control.request("refuse", {"method": "chat.nonsense"})
    assert not unknown["ok"] and "unknown method 'chat.nonsense'" in unknown["error"]


def test_conversations_replies_follows_slacks_rules(slack: SlackStandin, client: WebClient) -> None:
    """A reply's ts reads its whole thread, parent first; channel_not_found, not_in_channel, thread_not_found; the
    history scope of the conversation's type (a private channel: groups:history) or missing_scope."""
    parent = slack.post_message(PRIVATE, "how do I deploy?")
    answer = client.chat_postMessage(channel=PRIVATE, thread_ts=parent.ts, text="make deploy")
    reply = slack.post_message(PRIVATE, "thanks", thread_ts=parent.ts)
    read = client.conversations_replies(channel=PRIVATE, ts=reply.ts, limit=2)
    assert [m["ts"] for m in read["messages"]] == [parent.ts, answer["ts"]] and read["has_more"] is True
    assert read["messages"][1]["user"] == BOT_USER_ID and read["messages"][1]["bot_id"]
    assert api_error(lambda: client.conversations_replies(channel="C0NOPE00000", ts=parent.ts)) == "channel_not_found"
    assert api_error(lambda: client.conversations_replies(channel=RANDOM, ts="1.2")) == "not_in_channel"
    slack.remove_scope("groups:history")
    with pytest.raises(SlackApiError) as info:
        client.conversations_replies(channel=PRIVATE, ts=parent.ts)
    assert (info.value.response["error"], info.value.response["needed"]) == ("missing_scope", "groups:history")
    assert client.conversations_replies(channel=GENERAL, ts=slack.post_message(GENERAL, "hi").ts)["ok"]
