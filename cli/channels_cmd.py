"""`answerloop channels`: per-channel collections, expert and reply mode."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import admin
from cli.common import require_collections
from cli.output import console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings
from feedback.audit import record_action

channels_app = typer.Typer(help="Per-channel settings: collections, expert, reply mode.", no_args_is_help=True)


def _parse_channel(ref: str) -> tuple[str, str]:
    team, sep, channel = ref.partition("/")
    if not sep or not team or not channel:
        raise AnswerloopError(f"{ref!r} is not TEAM/CHANNEL.", hint="e.g. T0123ABC/C0456DEF")
    return team, channel


@channels_app.command("set")
def channels_set(
    channel: Annotated[str, typer.Argument(help="TEAM_ID/CHANNEL_ID")],
    collection: Annotated[list[str] | None, typer.Option("--collection", "-c", help="Allowed collections.")] = None,
    expert: Annotated[str | None, typer.Option(help="Who to tag on 'I don't know', e.g. <@U123>.")] = None,
    mode: Annotated[str | None, typer.Option(help="in_channel or ephemeral (for /ask).")] = None,
    actor: admin.Actor = "",
) -> None:
    """Configure a channel; options not given keep their value."""
    from workers import slack_store

    actor = admin.acting_admin(actor)
    if mode not in (None, "in_channel", "ephemeral"):
        raise AnswerloopError(f"Unknown mode {mode!r}.", hint="Use in_channel or ephemeral.")
    team, chan = _parse_channel(channel)
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if collection:
            require_collections(conn, collection)
        slack_store.set_channel(conn, team, chan, collections=collection, expert=expert, reply_mode=mode, actor=actor)
        record_action(
            conn, actor, "channels.set", f"{team}/{chan}", {"collections": collection, "expert": expert, "mode": mode}
        )
        conn.commit()
    console.print(f"updated {team}/{chan}")


@channels_app.command("show")
def channels_show() -> None:
    """Configured channels."""
    from workers import slack_store

    url = ready_database(get_settings())
    with db.connect(url) as conn:
        rows = slack_store.list_channels(conn)
    if not rows:
        console.print("no channel is configured: every channel searches the default collections")
    for r in rows:
        cols = ", ".join(r["collections"]) if r["collections"] is not None else "(default)"
        console.print(
            f"{r['team_id']}/{r['channel_id']}  collections: {cols}  expert: {r['expert'] or '—'}  "
            f"mode: {r['reply_mode']}  [dim]by {r['updated_by']} at {r['updated_at']:%Y-%m-%d %H:%M}[/]"
        )
