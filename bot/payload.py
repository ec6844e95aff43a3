"""Reading Slack payloads defensively: a field is used only if it has the type Slack documents for it.

Slack sends well-formed payloads, but the bot must not crash — or store garbage — on the ones it does not
(a fuzzing pass found listeners failing on wrong types, NUL characters and out-of-range ids).
"""

from __future__ import annotations

import json
import re
from typing import Any

_BIGINT_MAX = 2**63 - 1
# How Slack encodes a mention of a person or app in message text: <@U123> or <@U123|name>; group 1 is the id.
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# A Slack file id (F…), and how many a message may carry (Slack shares at most 10 files with one message).
_FILE_ID = re.compile(r"^F[A-Z0-9]{2,40}$")
MAX_FILES = 10


# Slack writes an emoji in message text as its code: :+1:, :tada:, :pray::skin-tone-3:.
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:")


def has_words(message: str) -> bool:
    """Does a message say anything? A letter or digit of any script must remain once Slack's emoji codes are
    gone: emoji, punctuation, zero-width spaces, joiners, BOMs and direction marks alone are neither a question
    nor an answer (str.strip() keeps the invisible ones)."""
    return any(ch.isalnum() for ch in _EMOJI_CODE.sub(" ", message))


# How a person addresses the bot at the start of /ask text: <@UBOT>, <@UBOT|name> (Slack escapes users), or the
# name as typed, @Answerloop (it does not); a comma or colon after it is part of the address.
_LEADING_NAME = re.compile(r"^[\s\u200b-\u200f\u2060\ufeff]*@answerloop(?![\w.-])[\s,:]*", re.IGNORECASE)


def without_bot_address(message: str, bot_user_id: str | None) -> str:
    """/ask text without a leading mention of the bot itself: `/ask @Answerloop how do I…` asks "how do I…".
    Other people's mentions, and the bot's further on, are left to the intake."""
    match = MENTION.match(message.lstrip())
    if match and bot_user_id and match.group(1) == bot_user_id:
        return message.lstrip()[match.end() :].lstrip(" ,:")
    return _LEADING_NAME.sub("", message, count=1)


def text(container: Any, key: str) -> str:
    """container[key] if it is a string, else ''."""
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, str) else ""


# Subtypes of a message a person wrote: sharing files, or a thread reply "also sent to the channel" (or "…as a
# direct message": Slack's `thread_broadcast`, dropped before though it is a reply like any other).
_PERSONS_SUBTYPES = ("file_share", "thread_broadcast")


def question_subtype(event: Any) -> bool:
    """Can a message of this subtype be a question? A plain message, one sharing files or a thread reply also
    sent to the conversation; edits, joins, deletions, bot messages… are not."""
    subtype = event.get("subtype") if isinstance(event, dict) else None
    return not subtype or subtype in _PERSONS_SUBTYPES


def file_ids(event: Any) -> tuple[str, ...]:
    """The ids of the files shared with a message (`files`, Slack's file objects), in order, without duplicates;
    anything that is not a file object with an F… id is skipped. Only ids are kept: the worker reads the files."""
    files = event.get("files") if isinstance(event, dict) else None
    out: list[str] = []
    for f in files if isinstance(files, list) else []:
        fid = text(f, "id")
        if _FILE_ID.match(fid) and fid not in out:
            out.append(fid)
    return tuple(out[:MAX_FILES])


def event_team(body: Any) -> str:
    """The workspace an Events API callback is for: its installation, `authorizations[0].team_id`, else the
    wrapper's `team_id`. In a Slack Connect channel another organisation created, the wrapper's `team_id` is that
    organisation's workspace (the channel's creator), not the installation whose token answers; Slack's Events
    API lists the installation under `authorizations` (and Bolt authorizes with it)."""
    auths = body.get("authorizations") if isinstance(body, dict) else None
    first = auths[0] if isinstance(auths, list) and auths else None
    return text(first, "team_id") or text(body, "team_id")


def action_team(body: Any) -> str:
    """The workspace an interactive payload is for: the installation of the view it came from
    (`view.app_installed_team_id`, as Bolt authorizes it), else `team.id`, else `user.team_id`. A Home tab or modal
    reached through a Slack Connect connection names the other organisation as `team`; what was shown there was
    built for the installation (event_team), so a click on it is judged in that workspace too."""
    return (
        text(obj(body, "view"), "app_installed_team_id")
        or text(obj(body, "team"), "id")
        or text(obj(body, "user"), "team_id")
    )


_TS = re.compile(r"^\d{1,12}\.\d{1,9}$")
_CONVERSATION = re.compile(r"^[CDG][A-Z0-9]{2,40}$")


def slack_ts(container: Any, key: str) -> str:
    """container[key] if it is a message timestamp as Slack writes them ("1700000000.000100"), else ""."""
    value = text(container, key)
    return value if _TS.match(value) else ""


def conversation_id(container: Any, key: str) -> str:
    """container[key] if it is a conversation id (C…, D…, G…), else ""."""
    value = text(container, key)
    return value if _CONVERSATION.match(value) else ""


def obj(container: Any, key: str) -> dict:
    """container[key] if it is an object, else {}."""
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, dict) else {}


def row_id(value: Any) -> int | None:
    """A database id given as a string ('42'), or None if it is not one (wrong type, not a number, out of range)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        n = int(value)
    except ValueError:
        return None
    return n if 0 < n <= _BIGINT_MAX else None


def metadata(view: Any) -> dict:
    """A view's private_metadata (JSON we wrote), or {} if it is missing or not a JSON object."""
    raw = text(view, "private_metadata")
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# Set (bot.app's `once` middleware) in the context of a view submission another delivery of it was taken already
# (Slack redelivers one whose ack it did not get): its values are checked again — the field errors of the first ack
# may be what Slack did not get — but nothing is saved or said twice.
REDELIVERED = "answerloop_redelivered"


def redelivered(context: Any) -> bool:
    """Is this view submission one a bot process took already (REDELIVERED)?"""
    return isinstance(context, dict) and context.get(REDELIVERED) is True


def strip_nul(value: Any) -> Any:
    """Remove NUL characters from every string, in place for dicts and lists (Postgres text cannot hold them)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        for k, v in value.items():
            value[k] = strip_nul(v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            value[i] = strip_nul(v)
    return value
