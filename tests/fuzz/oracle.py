"""The oracle: a model of what each payload should do, and the checks that compare it with Postgres."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from bot import feedback_blocks as fb
from bot.app_home import APPROVE_LABEL, APPROVE_PROMPT, REJECT_LABEL, REJECT_PROMPT
from bot.payload import has_words
from feedback.labels import REASONS
from guardrails.small_talk import small_talk
from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL, TEAM_ID
from tests.fuzz.harness import Harness
from tests.fuzz.seeded import (
    ANS_TS,
    CORRECTION_MAX,
    DK_ANS_TS,
    DK_TS,
    I_ANS,
    I_DK,
    L_CORR,
    L_DOWN,
    MAX_CHARS,
    Q_TS,
    SEEDED_KEYS,
    V_PENDING,
)
from workers.slack.store import RequestKey

_SLACK_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")  # how Slack encodes a mention of a person


def _question_text_ok(text: Any) -> bool:
    """Not blank and at most MAX_CHARS long as typed, where a `<PLACEHOLDER>`-shaped token counts as one."""
    if not isinstance(text, str):
        return False
    stripped = _SLACK_MENTION.sub(" ", text).strip()
    if not _has_words(stripped):
        return False  # no letter or digit (emoji codes, punctuation, invisible characters only): nothing asked
    if small_talk(stripped) is not None:
        return False  # "hi", "thanks!": a friendly reply (or, in a thread, nothing), never a question taken
    return 0 < len(re.sub(r"<[A-Z][A-Z_]+>", "·", stripped)) <= MAX_CHARS


def _bolt_user(payload: dict) -> Any:
    """The user id Bolt puts in the context (it drops the bot's own events by it)."""
    user = payload.get("user")
    return user.get("id") if isinstance(user, dict) else user


def _workspace(body: dict) -> str:
    team, user = body.get("team"), body.get("user")
    for container, key in ((team, "id"), (user, "team_id")):
        value = container.get(key) if isinstance(container, dict) else None
        if isinstance(value, str) and value:
            return value
    return ""


def _id(obj: Any) -> Any:
    return obj.get("id") if isinstance(obj, dict) else None


def _as_int(value: Any) -> int | None:
    """What `int(value)` gives, or None when it raises."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _row_id(value: Any) -> int | None:
    """A database id as a button value or in private_metadata: a string or an int (not a bool), in range."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    n = _as_int(value)
    return n if n is not None and 0 < n < 2**63 else None


def _str(value: Any) -> str:
    """A field that must be a string: itself, or '' when it is not one."""
    return value if isinstance(value, str) else ""


def _without_nul(value: Any) -> Any:
    """The payload as the listeners get it: NUL characters cannot be stored in Postgres, so they are dropped."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _nonblank(text: Any) -> bool:
    return isinstance(text, str) and bool(text.strip())


def _has_words(text: Any) -> bool:
    """A letter or digit once Slack's :emoji: codes are gone (emoji, punctuation, invisible characters say nothing)."""
    return isinstance(text, str) and any(c.isalnum() for c in re.sub(r":[a-z0-9_+'-]+:", " ", text))


def _typed(view: dict, block: str) -> Any:
    """The text typed into an input block, following Slack's view_submission shape."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    element = values.get(block) if isinstance(values, dict) else None
    typed = element.get("value") if isinstance(element, dict) else None
    value = typed.get("value") if isinstance(typed, dict) else None
    return value if isinstance(value, str) else ""


def _view_value_raises(view: dict) -> bool:
    """Whether `(x or {}).get(...)` along state.values[block].value fails for one of the modals' input blocks."""
    for block in ("correction", "note", "comment"):
        node: Any = view
        for key in ("state", "values", block, "value"):
            node = node.get(key) or {}
            if not isinstance(node, dict):
                return True
    return False


def _metadata(view: dict) -> dict | None:
    raw = view.get("private_metadata")
    try:
        meta = json.loads(raw or "{}") if isinstance(raw, str | type(None)) else None
    except ValueError:
        return None
    return meta if isinstance(meta, dict) else None


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def expected_message(body: dict) -> tuple[str, RequestKey | None]:
    """What a message/app_mention event should do: question (and its key) | expert (reply kept) | nothing."""
    ev = body["event"]
    if _bolt_user(ev) == BOT_USER_ID:
        return "nothing", None  # Bolt drops the bot's own events before any listener
    if ev.get("bot_id") or (ev.get("subtype") and ev.get("subtype") not in ("file_share", "thread_broadcast")):
        return "nothing", None  # bots, edits, joins… are never questions (a message sharing files may be)
    team = _str(body.get("team_id")) or _str(ev.get("team"))
    channel, ts, text = ev.get("channel"), ev.get("ts"), ev.get("text", "")
    if ev["type"] == "message":
        if not _str(ev.get("user")):
            return "nothing", None  # no person wrote it
        if ev.get("channel_type") != "im":
            thread_ts = ev.get("thread_ts")
            if not (thread_ts and thread_ts != ts and isinstance(channel, str)):
                return "nothing", None  # a channel message: a mention arrives separately as app_mention
            in_seeded_thread = team == TEAM_ID and channel == GENERAL and thread_ts in (Q_TS, DK_TS)
            if (
                in_seeded_thread
                and thread_ts == DK_TS
                and _str(ev.get("user")) not in ("", ALICE)  # someone other than the asker answers the "I don't know"
                and _str(ts)
                and _has_words(text)
                and f"<@{BOT_USER_ID}" not in text
            ):
                return "expert", None
            if not in_seeded_thread:
                return "nothing", None  # a thread the bot never answered in
    if not (isinstance(channel, str) and channel and isinstance(ts, str) and ts):
        return "nothing", None  # malformed: no channel or no ts
    if not _question_text_ok(text):
        return "nothing", None  # refused with a reply (empty or too long), not taken
    key = RequestKey(team, channel, ts)
    if key in SEEDED_KEYS:
        return "duplicate", None  # of a question already taken: recorded once, enqueued once
    return "question", key


def expected_vote(body: dict, positive: list[str], negative: list[str]) -> dict | None:
    """The vote a reaction event should record or retract, or None when it must change nothing."""
    ev = body["event"]
    item, user, reaction = ev.get("item"), ev.get("user"), ev.get("reaction")
    if _bolt_user(ev) == BOT_USER_ID or not (isinstance(user, str) and isinstance(reaction, str)):
        return None
    if not (isinstance(item, dict) and item.get("type") == "message"):
        return None
    team = _str(body.get("team_id")) or _str(_id(body.get("team")))
    if team != TEAM_ID or item.get("channel") != GENERAL or item.get("ts") not in (ANS_TS, DK_ANS_TS):
        return None  # not on one of our answers
    name = re.sub(r"::skin-tone-\d$", "", reaction.strip(":"))
    kind = "up" if name in positive else "down" if name in negative else None
    if kind is None:
        return None  # 🎉 and friends are not votes
    return {
        "interaction": I_ANS if item["ts"] == ANS_TS else I_DK,
        "user": user,
        "kind": kind,
        "reaction": name,
        "added": ev["type"] == "reaction_added",
    }


ADMIN_ACTIONS = (APPROVE_LABEL, REJECT_LABEL, APPROVE_PROMPT, REJECT_PROMPT)
# As bot/app_home.py registers it: `$` also matches before a trailing newline (see the bug below).
_ADMIN_ROUTE_AS_WRITTEN = re.compile(f"^({APPROVE_LABEL}|{REJECT_LABEL}|{APPROVE_PROMPT}|{REJECT_PROMPT})$")


def action_route(action_id: str) -> str | None:
    """Which listener should get a block_actions payload (None: none but bot.app's catch-all, which acknowledges
    it — an older message's button — and tells the person; Bolt alone would answer 404 and Slack retry)."""
    if action_id.startswith(fb.REASON_ACTION_PREFIX):
        return "reason"
    if action_id == fb.COMMENT_ACTION:
        return "comment"
    if action_id in ADMIN_ACTIONS:
        return "admin"
    return None


def expected_action(body: dict) -> dict | None:
    """The change a click should make (None: no label and no prompt version may change)."""
    action = body["actions"][0]
    action_id, user = action["action_id"], _id(body.get("user"))
    route = action_route(action_id)
    if route == "reason":
        reason = action_id.removeprefix(fb.REASON_ACTION_PREFIX)
        if (
            reason in REASONS
            and _row_id(action.get("value")) == L_DOWN
            and user == BOB
            and _str(body.get("response_url"))
        ):
            return {"label": L_DOWN, "reason": reason}  # only the voter gives reasons for their vote
    if route == "admin" and user == ALICE:  # only admins review
        target = _row_id(action.get("value"))
        # a label of the admin's own workspace only (the click's team, else the user's team; unknown = none)
        if action_id in (APPROVE_LABEL, REJECT_LABEL) and target in (L_DOWN, L_CORR) and _workspace(body) == TEAM_ID:
            return {"label": target, "status": "approved" if action_id == APPROVE_LABEL else "rejected"}
        if action_id == APPROVE_PROMPT and target == V_PENDING:
            return {"prompts": {"active": V_PENDING, "review": "approved"}}
        if action_id == REJECT_PROMPT and target == V_PENDING:
            return {"prompts": {"active": 1, "review": "rejected"}}
    return None


def command_route(command: str) -> str | None:
    if command == "/ask":
        return "ask"
    if re.search(r"^/(?!ask$).+", command):
        return "unknown"
    return None


def expected_command(body: dict) -> RequestKey | None:
    """The question an /ask should take (None: nothing may be enqueued or recorded)."""
    if command_route(body["command"]) != "ask":
        return None
    # Like a mention's: the team may be empty (single workspace), where and who and which request may not.
    if not all(_str(body.get(f)) for f in ("channel_id", "user_id", "trigger_id")):
        return None  # malformed: the question could never be answered where it was asked
    if not _question_text_ok(_str(body.get("text"))):
        return None  # refused with an ephemeral hint
    return RequestKey(_str(body.get("team_id")), body["channel_id"], f"cmd-{body['trigger_id']}")


# ------------------------------------------------------------------------------------------ the checks
# Each returns a label of what the example exercised (for the coverage assertions of the properties).


def check_message(h: Harness, body: dict) -> str:
    outcome, key = expected_message(_without_nul(body))
    before = h.labels()
    h.assert_healthy(h.dispatch(body), 200)  # events: Bolt acks before the listener runs
    if outcome == "question":
        assert h.enqueued == [key]
        assert h.new_requests() == [key]
    else:
        assert h.enqueued == [], f"enqueued a {outcome!r} event: {h.enqueued}"
        assert h.new_requests() == []
    after = h.labels()
    if outcome == "expert":
        new = [r for r in after if r not in before]
        assert len(after) == len(before) + 1, after
        assert (new[0]["kind"], new[0]["interaction_id"], new[0]["user_id"]) == (
            "correction",
            I_DK,
            body["event"]["user"],
        )
    else:
        assert after == before
    return outcome


def check_reaction(h: Harness, body: dict) -> str:
    vote = expected_vote(
        _without_nul(body), h.settings.feedback_positive_reactions, h.settings.feedback_negative_reactions
    )
    before = h.labels()
    h.assert_healthy(h.dispatch(body), 200)
    after = h.labels()
    assert h.enqueued == [] and h.new_requests() == []
    if vote is None:
        assert after == before, "a reaction that is not a vote on an answer changed labels"
        return "ignored"

    def mine(rows: list[dict]) -> list[dict]:
        return [
            r
            for r in rows
            if r["interaction_id"] == vote["interaction"] and r["user_id"] == vote["user"] and r["kind"] != "correction"
        ]

    assert [r for r in after if r not in mine(after)] == [r for r in before if r not in mine(before)]
    if vote["added"]:
        (row,) = mine(after)
        assert (row["kind"], row["status"]) == (vote["kind"], "pending") and vote["reaction"] in row["reactions"]
        return "vote"
    prior = mine(before)
    if prior and vote["reaction"] in prior[0]["reactions"] and prior[0]["reactions"] == [vote["reaction"]]:
        (row,) = mine(after)
        assert (row["status"], row["reactions"]) == ("retracted", [])
        return "retracted"
    if not prior:
        assert mine(after) == []
    return "nothing to retract"


def check_block_action(h: Harness, body: dict) -> str:
    route = action_route(body["actions"][0]["action_id"])
    change = expected_action(_without_nul(body))
    before, prompts = h.labels(), h.prompts()
    h.assert_healthy(h.dispatch(body), 200)  # an unknown action_id too: acknowledged, never Bolt's 404
    after = h.labels()
    if change is None:
        assert after == before, "labels changed"
        assert h.prompts() == prompts, "the prompt versions changed"
        assert h.published == []
        return f"{route}: nothing"
    if "prompts" in change:
        assert h.prompts() == change["prompts"]
        assert after == before
        return "admin: prompt reviewed"
    assert [r for r in after if r["id"] != change["label"]] == [r for r in before if r["id"] != change["label"]]
    (row,) = [r for r in after if r["id"] == change["label"]]
    if "reason" in change:
        assert change["reason"] in row["reasons"]
        return "reason: recorded"
    assert row["status"] == change["status"]
    assert h.published == ([(change["label"], f"slack:{ALICE}")] if change["status"] == "approved" else [])
    return "admin: label reviewed"


def check_view_submission(h: Harness, body: dict) -> str:
    model = _without_nul(body)
    view = model["view"]
    callback = view["callback_id"]
    block = {fb.IMPROVE_VIEW: "correction", fb.COMMENT_VIEW: "comment"}.get(callback)
    before, prompts = h.labels(), h.prompts()
    response = h.dispatch(body)
    h.assert_healthy(response, 200 if block else 404)
    after = h.labels()
    assert h.prompts() == prompts
    if block is None:
        assert after == before
        return "unhandled view"
    text = _typed(view, block).strip()
    # Nothing to read (only spaces, emoji, punctuation or invisible characters) is refused like nothing at all.
    if not has_words(text) or (block == "correction" and len(text) > CORRECTION_MAX):
        body_json = json.loads(response.body)
        assert body_json["response_action"] == "errors" and block in body_json["errors"], response.body
        assert after == before
        return f"{block}: refused in the form"
    assert response.body == "", response.body
    meta, user = _metadata(view), _id(model.get("user"))
    if block == "comment":
        if meta is not None and _row_id(meta.get("label_id")) == L_DOWN and user == BOB:
            assert [r for r in after if r["id"] != L_DOWN] == [r for r in before if r["id"] != L_DOWN]
            assert next(r for r in after if r["id"] == L_DOWN)["comment"]
            return "comment: saved"
        assert after == before
        return "comment: nothing"
    interaction = _uuid(meta.get("interaction_id")) if meta is not None else None
    if interaction in (I_ANS, I_DK) and _str(user) and _str(meta.get("channel")):
        new = [r for r in after if r not in before]
        assert len(after) == len(before) + 1 and len(new) == 1
        assert (new[0]["kind"], new[0]["interaction_id"], new[0]["user_id"]) == ("correction", interaction, user)
        return "correction: saved"
    assert after == before
    return "correction: nothing"


def check_message_action(h: Harness, body: dict) -> str:
    before, prompts = h.labels(), h.prompts()
    handled = body["callback_id"] == fb.IMPROVE_SHORTCUT
    h.assert_healthy(h.dispatch(body), 200 if handled else 404)
    assert h.labels() == before and h.prompts() == prompts  # opening a form changes nothing
    if not handled:
        return "unhandled shortcut"
    message = body.get("message")
    on_answer = isinstance(message, dict) and message.get("ts") in (ANS_TS, DK_ANS_TS)
    return "on an answer" if on_answer else "elsewhere"


def check_envelope(h: Harness, body: dict) -> str:
    event = body.get("event") if body.get("type") == "event_callback" else None
    home = isinstance(event, dict) and event.get("type") == "app_home_opened"
    # Nobody listens to the other events and bodies: Bolt's 404. The bot's own events Bolt may ack itself (200):
    # its IgnoringSelfEvents middleware does, for events it authorizes.
    own = isinstance(event, dict) and _bolt_user(event) == BOT_USER_ID
    before, prompts, published = h.labels(), h.prompts(), len(h.slack.calls("views.publish"))
    suggested = len(h.slack.calls("assistant.threads.setSuggestedPrompts"))
    h.assert_healthy(h.dispatch(body), {200, 404} if own else 200 if home else 404)
    assert h.labels() == before and h.prompts() == prompts and h.enqueued == [] and h.new_requests() == []
    calls = h.slack.calls("views.publish")[published:]
    if not home:
        assert calls == []
        return "unhandled"
    user = event.get("user")
    if not (event.get("tab", "home") == "home" and isinstance(user, str) and user != BOT_USER_ID):
        assert calls == [], "a home tab published for a malformed app_home_opened"
        agent_dm = event.get("tab") == "messages" and all(
            _str(v) for v in (user, event.get("channel"), body.get("team_id"))
        )
        asked = h.slack.calls("assistant.threads.setSuggestedPrompts")[suggested:]
        if agent_dm and user != BOT_USER_ID:
            assert len(asked) == 1 and "thread_ts" not in asked[0].args, "the agent DM got no suggested prompts"
            return "messages: prompts"
        assert asked == [], "suggested prompts for a malformed app_home_opened"
        return "home: nothing"
    (call,) = calls
    view = call.args.get("view")
    view = json.loads(view) if isinstance(view, str) else view
    headers = [b["text"]["text"] for b in view["blocks"] if b.get("type") == "header"]
    # The review queue only for admins, of the workspace the envelope names (none: no queue, it says why).
    admin = user == ALICE and bool(_str(body.get("team_id")))
    assert ("Review" in headers) == admin, headers
    return "home: admin" if admin else "home: published"


def check_command(h: Harness, body: dict) -> str:
    route, key = command_route(body["command"]), expected_command(_without_nul(body))
    # "/ask\n" is no /ask; whether the unknown-command listener takes it depends on `$` vs `\Z` in its pattern.
    status = {200, 404} if body["command"] == "/ask\n" else 404 if route is None else 200
    h.assert_healthy(h.dispatch(body), status)
    if key is None:
        assert h.enqueued == [], f"a malformed or refused command was enqueued: {h.enqueued}"
        assert h.new_requests() == []
        return f"{route}: nothing"
    assert h.enqueued == [key]
    assert h.new_requests() == [key]
    return "ask: question"


def check_uninstall(h: Harness, body: dict) -> str:
    """A bot-token install stores no token: nothing changes, the event is acked, and the operator is told at
    ERROR that SLACK_BOT_TOKEN is dead only when the event removes it (its workspace; its bot user's token)."""
    event = body["event"]
    tokens = event.get("tokens")
    bots = tokens.get("bot") if isinstance(tokens, dict) else None
    ours = body.get("team_id") == TEAM_ID and (
        event["type"] == "app_uninstalled"
        or (isinstance(bots, list) and all(isinstance(b, str) for b in bots) and BOT_USER_ID in bots)
    )
    before, prompts = h.labels(), h.prompts()
    response = h.dispatch(body)
    said = list(h.error_logs.records)
    h.error_logs.records.clear()
    h.assert_healthy(response, 200)
    assert h.labels() == before and h.prompts() == prompts and h.enqueued == [] and h.new_requests() == []
    assert len(said) == (1 if ours else 0), said
    assert all("SLACK_BOT_TOKEN no longer works" in m for m in said), said
    return "removed: told" if ours else "ignored"
