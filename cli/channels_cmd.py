"""`answerloop channels`: per-channel collections, expert, reply mode and thread follow-ups."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.markup import escape

from cli import admin
from cli.common import require_collections
from cli.output import console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings
from feedback.audit import record_action

channels_app = typer.Typer(
    help="Per-channel settings: collections, expert, reply mode, thread follow-ups.", no_args_is_help=True
)


def _parse_channel(ref: str) -> tuple[str, str]:
    """TEAM/CHANNEL as Slack ids: a name (#general), a lower-case id or anything else no channel can have would be
    stored and then never match a question."""
    team, sep, channel = ref.partition("/")
    if not sep or not re.fullmatch(r"[TE][A-Z0-9]+", team) or not re.fullmatch(r"[CGD][A-Z0-9]+", channel):
        raise AnswerloopError(
            f"{ref!r} is not TEAM/CHANNEL.",
            hint="e.g. T0123ABC/C0456DEF: Slack ids, not names (a channel's id is at the bottom of its details).",
        )
    return team, channel


_SWITCH = {"on": True, "off": False}


def _parse_switch(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() not in _SWITCH:
        raise AnswerloopError(f"--thread-followups {value!r} is not on or off.", hint="Use on or off.")
    return _SWITCH[value.lower()]


@channels_app.command("set")
def channels_set(
    channel: Annotated[str, typer.Argument(help="TEAM_ID/CHANNEL_ID")],
    collection: Annotated[list[str] | None, typer.Option("--collection", "-c", help="Allowed collections.")] = None,
    expert: Annotated[str | None, typer.Option(help="Who to tag on 'I don't know', e.g. <@U123>.")] = None,
    mode: Annotated[str | None, typer.Option(help="in_channel or ephemeral (for /ask).")] = None,
    thread_followups: Annotated[
        str | None,
        typer.Option(
            "--thread-followups",
            metavar="on|off",
            help="Answer replies in threads the bot answered without a mention (on by default).",
        ),
    ] = None,
    actor: admin.Actor = "",
) -> None:
    """Configure a channel; options not given keep their value."""
    from workers.slack import store as slack_store

    actor = admin.acting_admin(actor)
    if mode not in (None, "in_channel", "ephemeral"):
        raise AnswerloopError(f"Unknown mode {mode!r}.", hint="Use in_channel or ephemeral.")
    followups = _parse_switch(thread_followups)
    team, chan = _parse_channel(channel)
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        admin.check_workspace(conn, team)
        if collection:
            require_collections(conn, collection)
        slack_store.set_channel(
            conn,
            team,
            chan,
            collections=collection,
            expert=expert,
            reply_mode=mode,
            thread_followups=followups,
            actor=actor,
        )
        changes = {"collections": collection, "expert": expert, "mode": mode, "thread_followups": followups}
        record_action(conn, actor, "channels.set", f"{team}/{chan}", changes)
        conn.commit()
    console.print(f"updated {team}/{chan}")


@channels_app.command("show")
@channels_app.command("list", hidden=True)
def channels_show(
    team: Annotated[str | None, typer.Option(help="Only this workspace's channels (T…).")] = None,
) -> None:
    """Configured channels (an unconfigured channel answers thread follow-ups and searches the defaults)."""
    from workers.slack import store as slack_store

    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if team is not None:
            admin.check_workspace(conn, team, changing=False)
        rows = [r for r in slack_store.list_channels(conn) if team is None or r["team_id"] == team]
    if not rows:
        console.print("no channel is configured: every channel searches the default collections")
    for r in rows:
        cols = ", ".join(r["collections"]) if r["collections"] is not None else "(default)"
        console.print(
            f"{r['team_id']}/{r['channel_id']}  collections: {cols}  expert: {escape(r['expert'] or '—')}  "
            f"mode: {r['reply_mode']}  thread follow-ups: {'on' if r['thread_followups'] else 'off'}  "
            f"[dim]by {escape(r['updated_by'])} at {r['updated_at']:%Y-%m-%d %H:%M}[/]"
        )
