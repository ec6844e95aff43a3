"""Product bugs the fuzzing found, each with its minimal payloads: xfail (strict) while open."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import example

from bot import feedback_blocks as fb
from bot.app_home import APPROVE_LABEL, APPROVE_PROMPT, REJECT_LABEL
from slack_standin import ALICE, APP_ID, BOB, BOT_USER_ID, GENERAL, TEAM_ID
from tests.fuzz.harness import Harness
from tests.fuzz.oracle import (
    _ADMIN_ROUTE_AS_WRITTEN,
    ADMIN_ACTIONS,
    _as_int,
    _bolt_user,
    _id,
    _metadata,
    _nonblank,
    _str,
    _typed,
    _uuid,
    _view_value_raises,
    action_route,
    check_block_action,
    check_command,
    check_envelope,
    check_message,
    check_message_action,
    check_reaction,
    check_uninstall,
    check_view_submission,
    expected_message,
)
from tests.fuzz.seeded import ANS_TS, CORRECTION_MAX, DK_TS, I_ANS, I_DK, L_CORR, L_DOWN, Q_TS, RESPONSE_URL, V_PENDING
from tests.fuzz.strategies import _repeat, envelope

Check = Callable[[Harness, dict], str]


@dataclass(frozen=True)
class Bug:
    name: str
    fix: str  # the fix proposed: file, function, what
    examples: tuple[tuple[Check, dict], ...]  # hypothesis' shrunk payloads (and hand-made ones of the same class)
    matches: Callable[[Check, dict], bool]  # the payloads it stands for: skipped by the properties while open
    open: bool = True  # set to False once fixed: its examples must then pass, and the properties fuzz it again
    fixed_in: str = ""  # the commit that fixed it


def _only(check: Check, predicate: Callable[[dict], bool]) -> Callable[[Check, dict], bool]:
    return lambda c, body: c is check and predicate(body)


def _event(team_id: Any = TEAM_ID, **event: Any) -> dict:
    return envelope(event, {} if team_id is None else {"team_id": team_id})


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _unhashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return True
    return False


def _not_str(value: Any) -> bool:
    return not isinstance(value, str)


def _app_team(body: dict) -> Any:
    """bot/app.py `_team(body, event)` as written."""
    return body.get("team_id") or body["event"].get("team") or ""


def _thread_path(body: dict) -> bool:
    """A channel message in a thread: on_message looks the thread up (and may keep it as an expert reply)."""
    ev = body["event"]
    thread_ts = ev.get("thread_ts")
    return (
        ev["type"] == "message"
        and not (
            ev.get("bot_id") or (ev.get("subtype") and ev.get("subtype") not in ("file_share", "thread_broadcast"))
        )
        and bool(ev.get("user"))
        and _bolt_user(ev) != BOT_USER_ID
        and ev.get("channel_type") != "im"
        and bool(thread_ts)
        and thread_ts != ev.get("ts")
        and isinstance(ev.get("channel"), str)
    )


def _feedback_team_fails(body: dict) -> bool:
    """bot/feedback_listeners.py `_team(body)` raises, or returns something Postgres cannot compare to text."""
    if body.get("team_id"):
        return _not_str(body["team_id"])
    team = body.get("team")
    if not team:
        return False
    return not isinstance(team, dict) or (bool(team.get("id")) and _not_str(team.get("id")))


def _reaches_answer_lookup(body: dict) -> bool:
    """A reaction on_reaction looks up in Postgres (a vote, with string channel/ts, not by the bot)."""
    ev = body["event"]
    item, user, reaction = ev.get("item"), ev.get("user"), ev.get("reaction")
    return (
        isinstance(item, dict)
        and item.get("type") == "message"
        and isinstance(user, str)
        and user != BOT_USER_ID
        and isinstance(reaction, str)
        and re.sub(r"::skin-tone-\d$", "", reaction.strip(":"))
        in ("+1", "thumbsup", "white_check_mark", "heavy_check_mark", "-1", "thumbsdown", "x")
        and isinstance(item.get("channel"), str)
        and isinstance(item.get("ts"), str)
    )


def _int_fails(value: Any) -> bool:
    """`int(value)` raises something other than ValueError (None, lists, dicts, infinite floats)."""
    try:
        int(value)
    except ValueError:
        return False
    except (TypeError, OverflowError):
        return True
    return False


def _view_meta_ok_for_improve(view: dict) -> bool:
    meta = _metadata(view)
    return (
        meta is not None
        and _uuid(meta.get("interaction_id")) is not None
        and all(isinstance(meta.get(k, ""), str) for k in ("team", "channel", "ts", "thread_ts"))
        and bool(meta.get("channel"))
    )


def _improve_text_ok(view: dict) -> bool:
    text = _typed(view, "correction").strip()
    return bool(text) and len(text) <= CORRECTION_MAX


def _view(callback: str, block: str, text: str, metadata: Any = None, user: Any = BOB) -> dict:
    view = {"type": "modal", "callback_id": callback, "state": {"values": {block: {"value": {"value": text}}}}}
    if metadata is not None:
        view["private_metadata"] = metadata if isinstance(metadata, str) else json.dumps(metadata)
    body = {"type": "view_submission", "api_app_id": APP_ID, "view": view}
    if user is not None:
        body["user"] = {"id": user}
    return body


def _click(action_id: str, value: Any = None, user: Any = BOB, **extra: Any) -> dict:
    action = {"action_id": action_id} | ({} if value is None else {"value": value})
    body = {"type": "block_actions", "api_app_id": APP_ID, "actions": [action]} | extra
    if user is not None:
        body["user"] = {"id": user}
    return body


def _ask(**fields: Any) -> dict:
    return {"command": "/ask"} | fields


ASK_OK = {"team_id": TEAM_ID, "channel_id": GENERAL, "user_id": ALICE, "trigger_id": "1337.42.abcdef"}
IMPROVE_META = {"interaction_id": str(I_ANS), "team": TEAM_ID, "channel": GENERAL, "ts": ANS_TS, "thread_ts": Q_TS}
SHORTCUT_OK = {
    "type": "message_action",
    "api_app_id": APP_ID,
    "callback_id": fb.IMPROVE_SHORTCUT,
    "team": {"id": TEAM_ID},
    "user": {"id": ALICE},
    "channel": {"id": GENERAL},
    "message": {"ts": ANS_TS},
    "trigger_id": "1337.42.abcdef",
    "response_url": RESPONSE_URL,
}

BUGS: list[Bug] = [
    Bug(
        "respond_with_a_malformed_response_url",
        "bot/feedback_listeners.py: a small helper around respond() for on_reason and on_improve_shortcut that "
        "catches ValueError and OSError (urllib's 'unknown url type', URLError) and logs a warning — the fix in "
        "b660441 checks only that response_url is a non-empty string (an unreachable Slack raises URLError too)",
        (
            (
                check_block_action,
                _click("feedback_reason_wrong", value=str(L_DOWN), user=BOB, response_url="not a url"),
            ),
            (check_message_action, SHORTCUT_OK | {"response_url": "not a url"}),
        ),
        lambda check, b: (
            (
                (check is check_block_action and action_route(b["actions"][0]["action_id"]) == "reason")
                or (check is check_message_action and b["callback_id"] == fb.IMPROVE_SHORTCUT)
            )
            and bool(_str(b.get("response_url")))
            and b["response_url"] != RESPONSE_URL
        ),
        open=False,
        fixed_in="the commit after b660441",
    ),
    Bug(
        "nul_character_reaches_postgres",
        "bot/app.py build_app(): a global middleware registered first that removes '\\x00' from every string of "
        "the payload (Postgres text cannot hold NUL: psycopg raises DataError in every listener that stores or "
        "looks up that string)",
        (
            (
                check_message,
                _event(
                    user=ALICE, text="how do I\x00 deploy?", ts="1700000001.000001", channel=GENERAL, type="app_mention"
                ),
            ),
            (
                check_reaction,
                _event(
                    user="U\x00",
                    reaction="+1",
                    item={"type": "message", "channel": GENERAL, "ts": ANS_TS},
                    type="reaction_added",
                ),
            ),
            (
                check_view_submission,
                _view(fb.COMMENT_VIEW, "comment", "wrong\x00", {"label_id": L_DOWN, "channel": GENERAL}),
            ),
            (check_command, _ask(**ASK_OK, text="how\x00 do I deploy?")),
        ),
        lambda check, body: check is not check_envelope and _has_nul(body),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "measure_middleware_unhashable_type",
        "bot/app.py _kind(): test membership only for strings (`isinstance(t, str) and t in _EVENT_KINDS`, same "
        "for the interaction type): the global `measure` middleware raises TypeError, Bolt answers 500 (no ack)",
        (
            (check_envelope, {"type": []}),
            (check_envelope, _event(type=[])),
        ),
        _only(
            check_envelope,
            lambda b: (
                _unhashable(b.get("type"))
                or (
                    b.get("type") == "event_callback"
                    and isinstance(b.get("event"), dict)
                    and _unhashable(b["event"].get("type"))
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "take_user_or_team_not_a_string",
        "bot/app.py take() and _team(): use event['user'] and the team id only if isinstance(..., str), else ''",
        (
            (
                check_message,
                _event(
                    team_id=None,
                    user=None,
                    text=f"<@{BOT_USER_ID}> how do I deploy?",
                    ts=Q_TS,
                    channel=GENERAL,
                    type="app_mention",
                ),
            ),
            (
                check_message,
                _event(
                    team_id=5,
                    user=ALICE,
                    text="how do I deploy?",
                    ts="1700000001.000001",
                    channel=GENERAL,
                    type="app_mention",
                ),
            ),
            (
                check_message,
                _event(
                    team_id=[1],
                    user=ALICE,
                    text="how do I deploy?",
                    ts="1700000001.000001",
                    channel=GENERAL,
                    type="app_mention",
                ),
            ),
        ),
        _only(
            check_message,
            lambda b: (
                (expected_message(b)[0] in ("question", "duplicate") or _thread_path(b))
                and (_not_str(b["event"].get("user", "")) or _not_str(_app_team(b)))
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "thread_ts_not_a_string",
        "bot/app.py on_message() and take(): use event.get('thread_ts') only if isinstance(..., str), else None",
        ((check_message, _event(team_id=None, user=ALICE, channel=GENERAL, thread_ts=True, type="message")),),
        _only(check_message, lambda b: bool(b["event"].get("thread_ts")) and _not_str(b["event"]["thread_ts"])),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "expert_reply_text_or_ts_unchecked",
        "bot/feedback_listeners.py capture_expert_reply(): return False unless event['text'] and event['ts'] are str",
        (
            (
                check_message,
                _event(team_id=None, user=ALICE, text={"id": None}, channel=GENERAL, thread_ts=Q_TS, type="message"),
            ),
            (
                check_message,
                _event(user=BOB, text="it is in the IT wiki", channel=GENERAL, thread_ts=DK_TS, type="message"),
            ),
        ),
        _only(
            check_message,
            lambda b: (
                _thread_path(b)
                and (
                    (bool(b["event"].get("text")) and _not_str(b["event"]["text"]))
                    or ("ts" not in b["event"] and b["event"].get("thread_ts") == DK_TS)
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "feedback_team_not_a_string",
        "bot/feedback_listeners.py _team(): return body['team_id'] if it is a str, else body['team']['id'] if team "
        "is a dict and its id a str, else ''",
        (
            (
                check_reaction,
                _event(
                    team_id=None,
                    user=BOB,
                    reaction="+1",
                    item={"type": "message", "channel": GENERAL, "ts": ANS_TS},
                    type="reaction_added",
                )
                | {"team": TEAM_ID},
            ),
            (
                check_reaction,
                _event(
                    team_id=5,
                    user=BOB,
                    reaction="+1",
                    item={"type": "message", "channel": GENERAL, "ts": ANS_TS},
                    type="reaction_added",
                ),
            ),
        ),
        lambda check, b: (
            (
                (check is check_reaction and _reaches_answer_lookup(b))
                or (check is check_message_action and b["callback_id"] == fb.IMPROVE_SHORTCUT)
            )
            and _feedback_team_fails(b)
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "reason_click_unchecked",
        "bot/feedback_listeners.py on_reason(): take the user id and the value only if they are str (ignore the "
        "click otherwise), and answer through client.chat_postEphemeral when the payload has no response_url",
        (
            (check_block_action, _click("feedback_reason_wrong", user=None)),
            (check_block_action, _click("feedback_reason_wrong", user=ALICE)),
            (
                check_block_action,
                _click("feedback_reason_wrong", value=None, response_url=RESPONSE_URL)
                | {"actions": [{"action_id": "feedback_reason_wrong", "value": None}]},
            ),
        ),
        _only(
            check_block_action,
            lambda b: (
                action_route(b["actions"][0]["action_id"]) == "reason"
                and (
                    _not_str(_id(b.get("user")))
                    or b.get("response_url") != RESPONSE_URL
                    or _int_fails(b["actions"][0].get("value", "0"))
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "comment_button_unchecked",
        "bot/feedback_listeners.py on_comment_button(): parse the value in a try/except (ValueError, TypeError), "
        "read trigger_id and container with .get()/isinstance, and ignore a malformed click",
        (
            (check_block_action, _click(fb.COMMENT_ACTION, user=None)),
            (check_block_action, _click(fb.COMMENT_ACTION, value="abc", trigger_id="1337.42.abcdef")),
        ),
        _only(
            check_block_action,
            lambda b: (
                b["actions"][0]["action_id"] == fb.COMMENT_ACTION
                and (
                    "trigger_id" not in b
                    or _as_int(b["actions"][0].get("value", "0")) is None
                    or (bool(b.get("container")) and not isinstance(b["container"], dict))
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "admin_action_unchecked",
        "bot/app_home.py on_admin_action(): read the user from body['user'] only if it is a dict, and catch "
        "TypeError and OverflowError too around int(action.get('value', ''))",
        (
            (check_block_action, _click(APPROVE_LABEL, user=None) | {"user": "0"}),
            (
                check_block_action,
                _click(APPROVE_LABEL, user=ALICE) | {"actions": [{"action_id": APPROVE_LABEL, "value": None}]},
            ),
        ),
        _only(
            check_block_action,
            lambda b: (
                action_route(b["actions"][0]["action_id"]) == "admin"
                and (
                    (bool(b.get("user")) and not isinstance(b["user"], dict))
                    or (_id(b.get("user")) == ALICE and _int_fails(b["actions"][0].get("value", "")))
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "admin_action_id_falls_through_to_reject_prompt",
        "bot/app_home.py register_app_home(): match the action ids exactly (`\\Z` or a fullmatch: `$` also matches "
        "before a trailing newline, so 'admin_approve_label\\n' reaches on_admin_action), and AppHome._apply(): "
        "`if action_id == REJECT_PROMPT` instead of treating every other id as a prompt rejection (an admin's click "
        "on 'admin_approve_label\\n' rejects prompt version 2)",
        ((check_block_action, _click(APPROVE_LABEL + "\n", value=str(V_PENDING), user=ALICE)),),
        _only(
            check_block_action,
            lambda b: (
                bool(_ADMIN_ROUTE_AS_WRITTEN.search(b["actions"][0]["action_id"]))
                and b["actions"][0]["action_id"] not in ADMIN_ACTIONS
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "view_state_not_a_dict",
        "bot/feedback_blocks.py view_value(): walk state/values/block/value with isinstance(..., dict) checks "
        "instead of `(x or {}).get` (the listener fails before its ack: Slack shows the user an error)",
        (
            (
                check_view_submission,
                {
                    "type": "view_submission",
                    "api_app_id": APP_ID,
                    "view": {"state": 1, "type": "modal", "callback_id": fb.IMPROVE_VIEW},
                },
            ),
        ),
        _only(
            check_view_submission,
            lambda b: b["view"]["callback_id"] in (fb.IMPROVE_VIEW, fb.COMMENT_VIEW) and _view_value_raises(b["view"]),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "comment_submit_unchecked",
        "bot/feedback_listeners.py on_comment_submit(): read the user id with .get()/isinstance and parse "
        "private_metadata and its label_id in a try/except (ValueError, TypeError); log and return on a malformed one",
        (
            (check_view_submission, _view(fb.COMMENT_VIEW, "comment", "it is wrong", user=None)),
            (check_view_submission, _view(fb.COMMENT_VIEW, "comment", "it is wrong", "{")),
            (check_view_submission, _view(fb.COMMENT_VIEW, "comment", "it is wrong", {"label_id": "abc"})),
        ),
        _only(
            check_view_submission,
            lambda b: (
                b["view"]["callback_id"] == fb.COMMENT_VIEW
                and _nonblank(_typed(b["view"], "comment"))
                and (
                    _not_str(_id(b.get("user")))
                    or _metadata(b["view"]) is None
                    or _as_int(_metadata(b["view"]).get("label_id", 0)) is None
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "improve_submit_metadata_unchecked",
        "bot/feedback_listeners.py on_improve_submit(): read the user id with .get()/isinstance, parse "
        "private_metadata in a try/except and require interaction_id (a UUID) and channel as strings before "
        "recording; today a missing channel raises KeyError after the correction was committed (no thanks posted)",
        (
            (
                check_view_submission,
                _view(fb.IMPROVE_VIEW, "correction", "Use the blue button.", IMPROVE_META, user=None),
            ),
            (check_view_submission, _view(fb.IMPROVE_VIEW, "correction", "Use the blue button.", "{")),
            (check_view_submission, _view(fb.IMPROVE_VIEW, "correction", "Use the blue button.", {})),
            (
                check_view_submission,
                _view(fb.IMPROVE_VIEW, "correction", "Use the blue button.", IMPROVE_META | {"interaction_id": "abc"}),
            ),
            (
                check_view_submission,
                _view(fb.IMPROVE_VIEW, "correction", "Use the blue button.", {"interaction_id": str(I_ANS)}),
            ),
        ),
        _only(
            check_view_submission,
            lambda b: (
                b["view"]["callback_id"] == fb.IMPROVE_VIEW
                and _improve_text_ok(b["view"])
                and (_not_str(_id(b.get("user"))) or not _view_meta_ok_for_improve(b["view"]))
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "improve_submit_unknown_interaction",
        "bot/feedback_listeners.py on_improve_submit(): catch AnswerloopError (NotFound) from "
        "labels.record_correction, as on_comment_submit does, and tell the user the answer no longer exists",
        (
            (
                check_view_submission,
                _view(
                    fb.IMPROVE_VIEW,
                    "correction",
                    "Use the blue button.",
                    IMPROVE_META | {"interaction_id": str(uuid.UUID(int=0))},
                ),
            ),
        ),
        _only(
            check_view_submission,
            lambda b: (
                b["view"]["callback_id"] == fb.IMPROVE_VIEW
                and _improve_text_ok(b["view"])
                and _view_meta_ok_for_improve(b["view"])
                and _uuid(_metadata(b["view"])["interaction_id"]) not in (I_ANS, I_DK)
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "improve_shortcut_unchecked",
        "bot/feedback_listeners.py on_improve_shortcut(): take channel.id and message.ts only from dicts and as "
        "str, read trigger_id with .get(), and fall back to client.chat_postEphemeral when there is no response_url",
        (
            (
                check_message_action,
                {"type": "message_action", "api_app_id": APP_ID, "callback_id": fb.IMPROVE_SHORTCUT},
            ),
            (check_message_action, SHORTCUT_OK | {"message": 1}),
            (check_message_action, SHORTCUT_OK | {"channel": {"id": {}}}),
            (check_message_action, {k: v for k, v in SHORTCUT_OK.items() if k != "trigger_id"}),
        ),
        _only(
            check_message_action,
            lambda b: (
                b["callback_id"] == fb.IMPROVE_SHORTCUT
                and (
                    b.get("response_url") != RESPONSE_URL
                    or "trigger_id" not in b
                    or any(bool(b.get(k)) and not isinstance(b[k], dict) for k in ("channel", "message"))
                    or (isinstance(b.get("channel"), dict) and _not_str(b["channel"].get("id", "")))
                    or (isinstance(b.get("message"), dict) and _not_str(b["message"].get("ts", "")))
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
    Bug(
        "ask_unchecked",
        "bot/app.py on_ask(): after ack(), validate as take() does — channel_id, user_id and trigger_id non-empty "
        "str, team_id a str (missing: ''), text a str — and answer a malformed command with the usage hint",
        (
            (check_command, {"command": "/ask"}),
            (check_command, _ask(**{k: v for k, v in ASK_OK.items() if k != "team_id"}, text="how do I deploy?")),
            (check_command, _ask(**ASK_OK | {"channel_id": ""}, text="how do I deploy?")),
            (check_command, _ask(**ASK_OK, text=5)),
        ),
        _only(
            check_command,
            lambda b: (
                b["command"] == "/ask"
                and (
                    _not_str(b.get("team_id"))
                    or not all(isinstance(b.get(f), str) and b.get(f) for f in ("channel_id", "user_id", "trigger_id"))
                    or (bool(b.get("text")) and _not_str(b["text"]))
                )
            ),
        ),
        open=False,
        fixed_in="b660441",
    ),
]


# Well-formed payloads, as Slack sends them: explicit examples of every property, so that each run exercises
# the real work (a question taken, a vote, a correction saved, the admin's review…) whatever hypothesis draws.
WELL_FORMED: dict[Check, list[dict]] = {
    check_message: [
        _event(
            user=ALICE,
            text=f"<@{BOT_USER_ID}> how do I deploy?",
            ts="1700000001.000001",
            channel=GENERAL,
            type="app_mention",
        ),
        _event(
            user=ALICE,
            text="how do I roll back?",
            ts="1700000002.000002",
            channel="D0DIRECT01",
            channel_type="im",
            type="message",
        ),
        _event(
            user=ALICE,
            text="and on Fridays?",
            ts="1700000003.000003",
            channel=GENERAL,
            channel_type="channel",
            thread_ts=Q_TS,
            type="message",
        ),
        _event(
            user=BOB,
            text="It is in the IT wiki.",
            ts="1700000004.000004",
            channel=GENERAL,
            channel_type="channel",
            thread_ts=DK_TS,
            type="message",
        ),
        _event(
            user=ALICE,
            text=f"<@{BOT_USER_ID}> " + _repeat("why? ", 50_000),
            ts="1700000005.000005",
            channel=GENERAL,
            type="app_mention",
        ),
    ],
    check_reaction: [
        _event(
            user=ALICE, reaction="+1", item={"type": "message", "channel": GENERAL, "ts": ANS_TS}, type="reaction_added"
        ),
        _event(
            user=BOB, reaction="-1", item={"type": "message", "channel": GENERAL, "ts": ANS_TS}, type="reaction_removed"
        ),
    ],
    check_block_action: [
        _click("feedback_reason_wrong", value=str(L_DOWN), user=BOB, response_url=RESPONSE_URL),
        _click(APPROVE_LABEL, value=str(L_CORR), user=ALICE, team={"id": TEAM_ID}),  # an admin of this workspace
        _click(APPROVE_PROMPT, value=str(V_PENDING), user=ALICE),
        _click(REJECT_LABEL, value=str(L_CORR), user=BOB),
    ],
    check_view_submission: [
        _view(fb.IMPROVE_VIEW, "correction", "Run `make deploy` from main.", IMPROVE_META, user=ALICE),
        _view(fb.COMMENT_VIEW, "comment", "It is outdated.", {"label_id": L_DOWN, "channel": GENERAL}),
        _view(fb.IMPROVE_VIEW, "correction", _repeat("long ", 3001), IMPROVE_META, user=ALICE),
    ],
    check_message_action: [SHORTCUT_OK],
    check_command: [
        _ask(**ASK_OK, text="how do I deploy?"),
        _ask(**ASK_OK, text="", response_url=RESPONSE_URL),
        {**ASK_OK, "command": "/answerloop", "text": "help"},
    ],
    check_envelope: [
        _event(user=ALICE, tab="home", type="app_home_opened"),
        _event(user=BOB, tab="home", type="app_home_opened"),
        {"type": "app_rate_limited", "team_id": TEAM_ID},
    ],
    check_uninstall: [
        _event(type="app_uninstalled"),
        _event(type="tokens_revoked", tokens={"bot": [BOT_USER_ID]}),
        _event(type="tokens_revoked", tokens={"oauth": [ALICE]}),
        _event(team_id="T0OTHER001", type="app_uninstalled"),
    ],
}


def open_bug(check: Check, body: dict) -> Bug | None:
    return next((b for b in BUGS if b.open and b.matches(check, body)), None)


def with_bug_examples(check: Check):
    """The well-formed payloads of this property, and every bug payload of it (skipped while its bug is open),
    as explicit @examples."""

    def decorate(prop):
        for body in WELL_FORMED[check]:
            prop = example(body=body)(prop)
        for bug in BUGS:
            for c, body in bug.examples:
                if c is check:
                    prop = example(body=body)(prop)
        return prop

    return decorate
