"""Hypothesis strategies: Slack payloads of every kind the bot listens to, well-formed and malformed."""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import strategies as st

from bot import feedback_blocks as fb
from bot.app_home import APPROVE_LABEL, APPROVE_PROMPT, REJECT_LABEL, REJECT_PROMPT
from feedback.labels import REASONS
from slack_standin import ALICE, APP_ID, BOB, BOT_ID, BOT_USER_ID, GENERAL, PRIVATE, RANDOM, TEAM_ID
from tests.fuzz.oracle import action_route
from tests.fuzz.seeded import ANS_TS, DK_ANS_TS, DK_TS, I_ANS, I_DK, L_CORR, L_DOWN, Q_TS, RESPONSE_URL, V_PENDING

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
SPECIAL = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    f"<@{BOT_USER_ID}>",
    f"<@{ALICE}|alice>",
    "<@W0ENTERPRISE9>",
    "<#C0GENERAL1|general>",
    "\x00",
    "\x07",
    "\x1b[2J",
    "\r\n",
    "\t",
    "\u202e",
    "😀👍🏽",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "%s %(x)s {0}",
    "'; DROP TABLE labels; --",
    "\\",
    "&lt;&gt;&amp;",
    " ",
    "alice@example.com",
    "xoxb-123456789012-123456789012-abcdefghijklmnopqrstuvwx",
    *ZERO_WIDTH,
]
small_text = st.text(max_size=24)  # any code point but surrogates: control characters included
mixed_text = st.lists(st.one_of(small_text, st.sampled_from(SPECIAL)), max_size=6).map("".join)


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


# Oversize strings are built by repetition: drawing 50k code points one by one would be slow and overrun
# hypothesis' buffer. Sizes: around the 3,000-character limits, around the 4,000-character question limit, huge.
sizes = st.one_of(st.integers(2_990, 3_010), st.integers(3_990, 4_010), st.integers(4_011, 50_000))
huge_text = st.builds(_repeat, st.one_of(st.sampled_from(SPECIAL), mixed_text.filter(bool)), sizes)
strings = st.one_of(st.just(""), mixed_text, huge_text)
# Wrong types: `bolt_safe_wrong` for the fields Bolt parses itself (see the module docstring).
bolt_safe_wrong = st.one_of(
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["id", "name", "x"]), st.integers() | st.none(), max_size=2),
)
wrong = st.one_of(bolt_safe_wrong, st.booleans(), st.integers(), st.floats())


def weighted(*choices: tuple[int, st.SearchStrategy]) -> st.SearchStrategy:
    """One of the strategies, picked with the given weights; shrinks towards the first one."""
    total = sum(w for w, _ in choices)

    def pick(n: int) -> st.SearchStrategy:
        for w, strategy in choices:
            if n < w:
                return strategy
            n -= w
        raise AssertionError(n)

    return st.integers(0, total - 1).flatmap(pick)


# How malformed an example is, drawn once per example (st.shared): c in 20 + 2c is the share of fields that are
# wrong, and c in 20 + c the share of missing ones. Calm examples reach the listeners' real work (a lookup, a
# vote, a question taken); wild ones pile malformations up. Shrinking goes towards calm.
CHAOS = st.shared(st.sampled_from([0, 1, 3, 8, 20]), key="chaos")


def fuzz(*plausible: Any, bolt_parsed: bool = False) -> st.SearchStrategy:
    """A field value: a plausible one, or an arbitrary or huge string, or a value of the wrong type. Shrinks
    towards the first plausible value."""
    bad = bolt_safe_wrong if bolt_parsed else wrong
    if not plausible:
        return weighted((1, strings), (1, bad))
    return CHAOS.flatmap(
        lambda c: weighted((12, st.just(plausible[0])), (8, st.sampled_from(plausible)), (c, strings), (c, bad))
    )


def either(good: st.SearchStrategy, *, bolt_parsed: bool = False) -> st.SearchStrategy:
    """An object of the right shape, or a string or a value of the wrong type."""
    return CHAOS.flatmap(lambda c: weighted((20, good), (c, strings), (c, bolt_safe_wrong if bolt_parsed else wrong)))


@st.composite
def optional(draw, **fields: st.SearchStrategy) -> dict:
    """A dict in which every field may also be missing (shrinking makes them missing)."""
    c = draw(CHAOS)
    return {name: draw(value) for name, value in fields.items() if draw(st.integers(0, 19 + c)) >= c}


ts_values = (Q_TS, ANS_TS, DK_TS, DK_ANS_TS, "1700000001.000001", "1700000002.000002")
users = (BOB, ALICE, BOT_USER_ID, "U0NOBODY01", "W0ENTERPR1")
channels = (GENERAL, PRIVATE, RANDOM, "D0DIRECT01", "C0NOWHERE1")
teams = (TEAM_ID, "T0OTHER001")
real_text = st.sampled_from(
    [
        f"<@{BOT_USER_ID}> how do I deploy?",
        "how do I roll back?",
        f"<@{BOT_USER_ID}>",
        "   ",
        "the VPN config is in the IT wiki",
        f"<@{BOT_USER_ID}> my email is alice@example.com",
    ]
)
texts = CHAOS.flatmap(lambda c: weighted((20, real_text), (c, strings), (c, wrong)))


def user_obj(*ids: str) -> st.SearchStrategy:
    """Slack's `user` object of an interaction; the first id is the likeliest."""
    return either(
        optional(id=fuzz(*ids, "U0NOBODY01"), username=fuzz("someone"), team_id=fuzz(TEAM_ID)), bolt_parsed=True
    )


team_obj = either(optional(id=fuzz(TEAM_ID, "T0OTHER001"), domain=fuzz("answerloop-standin")), bolt_parsed=True)
channel_obj = either(optional(id=fuzz(GENERAL, PRIVATE, RANDOM), name=fuzz("general")), bolt_parsed=True)
trigger_ids = fuzz("1337.42.abcdef", "1337.43.fedcba")
response_urls = fuzz(RESPONSE_URL, "not a url", "slack.com/response")


def envelope(event: dict, extra: dict) -> dict:
    body = {"type": "event_callback", "api_app_id": APP_ID, "event_id": "Ev0FUZZ", "event_time": 1700000000}
    return body | extra | {"event": event}


@st.composite
def message_events(draw) -> dict:
    """1: an `app_mention` or `message` event_callback, every field fuzzed."""
    kind = draw(st.sampled_from(["app_mention", "message"]))
    event = draw(
        optional(
            user=fuzz(*users, bolt_parsed=True),
            text=texts,
            ts=fuzz(*ts_values),
            channel=fuzz(*channels, bolt_parsed=True),
            channel_type=fuzz("im", "channel", "group", "mpim"),
            thread_ts=fuzz(DK_TS, Q_TS, "1700000009.000009"),
            subtype=fuzz("bot_message", "message_changed", "channel_join", "file_share", "thread_broadcast"),
            bot_id=fuzz(BOT_ID, "B0OTHERBOT"),
            team=fuzz(*teams, bolt_parsed=True),
            event_ts=fuzz("1700000005.000005"),
            blocks=st.one_of(st.just([]), wrong),
        )
    )
    # People's messages carry no subtype and no bot_id: without this, the listeners would drop most examples
    # at their first line.
    for noise in ("subtype", "bot_id"):
        if noise in event and draw(st.integers(0, 2)):
            del event[noise]
    event["type"] = kind
    return envelope(event, draw(optional(team_id=fuzz(*teams))))


reactions = fuzz("-1", "+1", "thumbsup", "x", "+1::skin-tone-3", ":-1:", "tada", "white_check_mark", "-1::skin-tone-6")


@st.composite
def reaction_events(draw) -> dict:
    """2: `reaction_added` / `reaction_removed` with arbitrary item, reaction and user."""
    item = either(
        optional(
            type=fuzz("message", "file", "file_comment"),
            channel=fuzz(GENERAL, PRIVATE, RANDOM, bolt_parsed=True),
            ts=fuzz(ANS_TS, DK_ANS_TS, Q_TS),
        )
    )
    event = draw(
        optional(
            user=fuzz(BOB, ALICE, BOT_USER_ID, "U0NOBODY01", bolt_parsed=True),
            reaction=reactions,
            item=item,
            item_user=fuzz(BOT_USER_ID),
            event_ts=fuzz("1700000005.000005"),
        )
    )
    event["type"] = draw(st.sampled_from(["reaction_added", "reaction_removed"]))
    return envelope(event, draw(optional(team_id=fuzz(*teams), team=team_obj)))


ACTION_IDS = [f"{fb.REASON_ACTION_PREFIX}{r}" for r in REASONS] + [
    fb.COMMENT_ACTION,
    APPROVE_LABEL,
    REJECT_LABEL,
    APPROVE_PROMPT,
    REJECT_PROMPT,
]
NEAR_MISS_ACTION_IDS = [
    "feedback_reason_",
    "feedback_reason_bogus",
    "feedback_reason_wrong\n",
    "feedback_comment\n",
    "admin_approve_label\n",
    "admin_reject_prompt\n",
    "admin_approve_label_x",
    "Feedback_comment",
    "unknown_action",
]
action_values = fuzz(str(L_DOWN), str(L_CORR), str(V_PENDING), "", "abc", "-1", "0", "99999999999999999999", " 1 ")


@st.composite
def block_actions(draw) -> dict:
    """3a: `block_actions` on the 👎 follow-up and the App Home buttons (real action ids and near misses)."""
    action = draw(optional(value=action_values, block_id=fuzz("feedback_reasons", "label-2"), type=fuzz("button")))
    # Bolt routes on actions[0].action_id: it is always a string here (anything else fails Bolt's matchers).
    action["action_id"] = draw(
        weighted((8, st.sampled_from(ACTION_IDS)), (1, st.sampled_from(NEAR_MISS_ACTION_IDS)), (1, strings))
    )
    # The voter gives reasons and comments (bob voted 👎 on the answer), an admin (alice) reviews.
    voter = action_route(action["action_id"]) in ("reason", "comment")
    body = {"type": "block_actions", "api_app_id": APP_ID}
    body |= draw(
        optional(
            user=user_obj(BOB, ALICE) if voter else user_obj(ALICE, BOB),
            team=team_obj,
            container=either(
                optional(
                    type=fuzz("message", "view"),
                    channel_id=fuzz(GENERAL, PRIVATE),
                    message_ts=fuzz(ANS_TS, DK_ANS_TS),
                    is_ephemeral=fuzz(True, False),
                )
            ),
            trigger_id=trigger_ids,
            response_url=response_urls,
            channel=channel_obj,
            state=either(st.just({"values": {}})),
        )
    )
    body["actions"] = [action, *draw(st.lists(either(st.just({"action_id": "x"})), max_size=2))]
    return body


# An input block of a submitted view: state.values[block] = {"value": {"type": ..., "value": text}}
typed_input = either(st.fixed_dictionaries({"type": st.just("plain_text_input"), "value": texts}))
input_block = either(st.fixed_dictionaries({"value": typed_input}))
metadata = optional(
    interaction_id=fuzz(str(I_ANS), str(I_DK), str(uuid.UUID(int=0)), "not-a-uuid", str(I_ANS).upper()),
    team=fuzz(TEAM_ID),
    channel=fuzz(GENERAL, PRIVATE, RANDOM),
    ts=fuzz(ANS_TS, DK_ANS_TS),
    thread_ts=fuzz(Q_TS, DK_TS),
    label_id=fuzz(L_DOWN, str(L_DOWN), L_CORR, 0, -1, 99999999999999999999, "abc"),
)
private_metadata = weighted(
    (6, metadata.map(json.dumps)),
    (2, st.sampled_from(["", "{", "null", "[]", "42", '"x"', "{'label_id': 1}", "NaN"])),
    (1, strings),
    (1, wrong),
)


@st.composite
def view_submissions(draw) -> dict:
    """3b: `view_submission` of the two modals, with arbitrary private_metadata and state."""
    callback = draw(
        weighted((8, st.sampled_from([fb.IMPROVE_VIEW, fb.COMMENT_VIEW])), (1, st.sampled_from(["other_view", ""])))
    )
    # state.values holds the modal's own input blocks (and, at times, the other modal's)
    own = {fb.IMPROVE_VIEW: ("correction", "note"), fb.COMMENT_VIEW: ("comment",)}.get(callback, ())
    blocks = {
        block: input_block for block in (*own, *draw(st.lists(st.sampled_from(["comment", "correction"]), max_size=1)))
    }
    state = CHAOS.flatmap(
        lambda c: weighted(
            (20, st.fixed_dictionaries({"values": optional(**blocks)})),
            (c, st.fixed_dictionaries({"values": wrong})),
            (c, wrong),
        )
    )
    view = draw(
        optional(
            id=fuzz("V0FUZZ0001"),
            private_metadata=private_metadata,
            state=state,
            hash=fuzz("1700000000.abcdef"),
        )
    )
    # Bolt's kwargs injection reads view["type"] (is it a workflow step?) for every view_submission: without it,
    # Bolt's own middleware and error handler raise KeyError out of dispatch() before any listener runs.
    view["type"] = draw(fuzz("modal", "home"))
    view["callback_id"] = callback
    body = {"type": "view_submission", "api_app_id": APP_ID}
    body |= draw(
        optional(
            user=user_obj(BOB, ALICE) if view["callback_id"] == fb.COMMENT_VIEW else user_obj(ALICE, BOB),
            team=team_obj,
            trigger_id=trigger_ids,
            # Bolt reads response_urls[0]["response_url"] itself: a list of dicts, or nothing.
            response_urls=st.sampled_from([[], [{"response_url": RESPONSE_URL, "channel_id": GENERAL}]]),
        )
    )
    body["view"] = view
    return body


@st.composite
def message_actions(draw) -> dict:
    """3c: the *Improve this answer* message shortcut, with channel and message missing or malformed."""
    body = {"type": "message_action", "api_app_id": APP_ID}
    body |= draw(
        optional(
            user=user_obj(ALICE, BOB),
            team=team_obj,
            channel=channel_obj,
            message=either(
                optional(
                    ts=fuzz(ANS_TS, DK_ANS_TS, Q_TS),
                    text=texts,
                    user=fuzz(BOT_USER_ID, bolt_parsed=True),
                    type=fuzz("message"),
                    thread_ts=fuzz(Q_TS),
                )
            ),
            trigger_id=trigger_ids,
            response_url=response_urls,
            message_ts=fuzz(ANS_TS),
            action_ts=fuzz("1700000000.123456"),
        )
    )
    body["callback_id"] = draw(
        weighted((8, st.just(fb.IMPROVE_SHORTCUT)), (1, st.sampled_from(["improve_answer ", "other_shortcut"])))
    )
    return body


@st.composite
def slash_commands(draw) -> dict:
    """4: `/ask` and unknown commands, arbitrary text, fields missing."""
    body = draw(
        optional(
            text=texts,
            team_id=fuzz(TEAM_ID),
            channel_id=fuzz(GENERAL, PRIVATE, RANDOM, "D0DIRECT01"),
            user_id=fuzz(ALICE, BOB),
            trigger_id=trigger_ids,
            response_url=response_urls,
            team_domain=fuzz("answerloop-standin"),
            channel_name=fuzz("general"),
            user_name=fuzz("alice"),
            api_app_id=fuzz(APP_ID),
        )
    )
    # Bolt routes on `command`: always a string here.
    body["command"] = draw(
        weighted(
            (6, st.just("/ask")),
            (3, st.sampled_from(["/answerloop", "/Ask", "/ask ", "/askme", "/", "ask", "", "/ask\n"])),
            (1, strings),
        )
    )
    return body


LISTENED_EVENTS = (
    "app_mention",
    "message",
    "reaction_added",
    "reaction_removed",
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
)
odd_types = weighted(
    (2, st.sampled_from(["", "member_joined_channel", "APP_UNINSTALLED", "APP_MENTION", "message.im", "shortcut"])),
    (1, strings),
    (2, wrong),  # unhashable ones too: lists, dicts
).filter(lambda t: t not in LISTENED_EVENTS)


@st.composite
def other_envelopes(draw) -> dict:
    """5: the App Home tab being opened, events nobody listens to, and bodies whose `type` is unknown or not
    even a string — what the global `measure` middleware sees before any listener."""
    shape = draw(st.sampled_from(["app_home_opened", "other event", "other body"]))
    if shape == "other body":
        body = draw(optional(token=fuzz("verification"), team_id=fuzz(TEAM_ID), api_app_id=fuzz(APP_ID)))
        return body | {"type": draw(odd_types)}
    event = draw(
        optional(
            user=fuzz(ALICE, BOB, "U0NOBODY01", BOT_USER_ID, bolt_parsed=True),
            tab=fuzz("home", "messages"),
            channel=fuzz("D0DIRECT01", bolt_parsed=True),
            text=texts,
            event_ts=fuzz("1700000005.000005"),
        )
    )
    event["type"] = "app_home_opened" if shape == "app_home_opened" else draw(odd_types)
    return envelope(event, draw(optional(team_id=fuzz(TEAM_ID))))


@st.composite
def uninstall_events(draw) -> dict:
    """6: `app_uninstalled` / `tokens_revoked` to a bot-token install, of this workspace or another, revoking this
    bot user's token, another's or people's, every field fuzzed."""
    kind = draw(st.sampled_from(["app_uninstalled", "tokens_revoked"]))
    event: dict[str, Any] = {"type": kind}
    if kind == "tokens_revoked":
        ids = st.lists(fuzz(BOT_USER_ID, "U0OTHERBOT1"), max_size=3)
        event |= draw(optional(tokens=either(optional(bot=either(ids), oauth=either(ids)))))
    return envelope(event, draw(optional(team_id=fuzz(TEAM_ID, "T0OTHER001", bolt_parsed=True))))
