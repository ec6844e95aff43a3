"""`answerloop collections set|show`: who owns a collection and who may read it (workers.access)."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.table import Table

from cli import admin
from cli.output import console
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, NotFound
from core.settings import get_settings
from feedback.audit import record_action
from workers.kb import verified

collections_app = typer.Typer(help="Collections: owning workspace and visibility.", no_args_is_help=True)
_CHANNEL = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USERGROUP = re.compile(r"^S[A-Z0-9]{2,}$")


@collections_app.command("set")
def collections_set(
    name: Annotated[str, typer.Argument(help="The collection.")],
    visibility: Annotated[
        str | None, typer.Option(help="public (any channel or DM of the workspace) or restricted.")
    ] = None,
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Restricted to members of this channel (C…/G…).")
    ] = None,
    usergroup: Annotated[
        list[str] | None, typer.Option("--usergroup", help="Restricted to members of this user group (S…).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="The workspace that owns it (T…); needed with several.")] = None,
    review_days: Annotated[
        int | None,
        typer.Option("--review-days", max=36_500, help="Days until its verified answers are due for review (90)."),
    ] = None,
    actor: admin.Actor = "",
) -> None:
    """Set a collection's owner and visibility; options not given keep their value."""
    actor = admin.acting_admin(actor)
    if visibility not in (None, "public", "restricted"):
        raise AnswerloopError(f"Unknown visibility {visibility!r}.", hint="Use public or restricted.")
    bad = [c for c in channel or [] if not _CHANNEL.match(c)] + [g for g in usergroup or [] if not _USERGROUP.match(g)]
    if bad:
        raise AnswerloopError(
            f"Not a Slack channel or user group id: {', '.join(bad)}.",
            hint="Channels look like C0123ABCD (G… for private ones), user groups like S0123ABCD.",
        )
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if team is not None:
            admin.check_workspace(conn, team)
        row = conn.execute("SELECT * FROM collections WHERE name = %s FOR UPDATE", (name,)).fetchone()
        if row is None:
            raise NotFound(f"No collection {name!r}.", hint="`answerloop kb list` shows the collections.")
        new_visibility = visibility or row["visibility"]
        channels = channel if channel is not None else row["allowed_channels"]
        groups = usergroup if usergroup is not None else row["allowed_usergroups"]
        if new_visibility == "restricted" and not (channels or groups):
            raise AnswerloopError(
                f"A restricted collection needs at least one --channel or --usergroup: nobody could read {name}.",
                hint="Name the channel(s) or user group(s) whose members may read it.",
            )
        conn.execute(
            "UPDATE collections SET visibility = %s, allowed_channels = %s, allowed_usergroups = %s, "
            "team_id = coalesce(%s, team_id), access_updated_by = %s WHERE name = %s",
            (new_visibility, list(channels), list(groups), team, actor, name),
        )
        if review_days is not None:
            moved = verified.set_review_days(conn, name, review_days)
            console.print(
                f"{name}: verified answers due for review {review_days} days after verification ({moved} moved)"
            )
        record_action(
            conn,
            actor,
            "collections.set",
            name,
            {"visibility": new_visibility, "channels": list(channels), "usergroups": list(groups), "team": team}
            | ({"review_days": review_days} if review_days is not None else {}),
        )
        conn.commit()
    readers = ", ".join([*channels, *groups])
    console.print(f"{name}: {new_visibility}" + (f" to {readers}" if readers else ""))


@collections_app.command("show")
def collections_show(
    team: Annotated[
        str | None, typer.Option(help="Only this workspace's collections (T…) and those no workspace owns yet.")
    ] = None,
) -> None:
    """Every collection (or one workspace's) with its workspace and who may read it."""
    url = ready_database(get_settings())
    with db.connect(url) as conn:
        if team is not None:
            admin.check_workspace(conn, team, changing=False)
        rows = conn.execute(
            "SELECT name, team_id, visibility, allowed_channels, allowed_usergroups FROM collections "
            "WHERE %(team)s::text IS NULL OR team_id IS NULL OR team_id = %(team)s ORDER BY name",
            {"team": team},
        ).fetchall()
    table = Table("collection", "workspace", "visibility", "readers")
    for r in rows:
        readers = ", ".join([*(f"#{c}" for c in r["allowed_channels"]), *(f"@{g}" for g in r["allowed_usergroups"])])
        owner = r["team_id"] or "— (claimed by the first workspace that asks)"
        table.add_row(r["name"], owner, r["visibility"], readers or "everyone in the workspace")
    console.print(table)
