"""`answerloop verified list|show|retire|reassign`: the verified answers of one workspace, who owns them, when
they are due for review, and which were based on documents that changed since they were approved."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import Actor, Note, Team, admin_db_url, shorten, workspace_change, workspace_scope
from cli.common import all_or_none
from cli.output import console, err_console
from core import db
from core.settings import get_settings
from workers.kb import verified
from workers.kb.verified import VerifiedAnswer
from workers.slack.owners import OwnerCheck, check_owner_in_slack, check_owner_may_read

verified_app = typer.Typer(
    help="Verified answers: owners, review dates, changed sources; retire or reassign.", no_args_is_help=True
)


class Format(StrEnum):
    table = "table"
    json = "json"


class Status(StrEnum):
    active = "active"
    retired = "retired"
    all = "all"


FormatOption = Annotated[Format, typer.Option("--format", help="table or json.")]


def _asked(a: VerifiedAnswer) -> str:
    """What became of this period's review DM."""
    if a.notice.get("error"):
        return f"can't DM: {a.notice['error']}"
    if a.notice.get("ts") and a.notified_for == a.review_after:
        return f"asked {str(a.notice.get('at', ''))[:10]}"
    return "–"


def _state(a: VerifiedAnswer) -> str:
    colour = {"current": "green", "retired": "dim"}.get(a.state, "yellow")
    return f"[{colour}]{a.state}[/]"


@verified_app.command("list")
def verified_list(
    status: Annotated[Status, typer.Option(help="active, retired or all.")] = Status.active,
    due: Annotated[bool, typer.Option("--due", help="Only those flagged for review.")] = False,
    fmt: FormatOption = Format.table,
    team: Team = None,
) -> None:
    """Verified answers, those due for review first."""
    with db.connect(admin_db_url()) as conn:
        rows = verified.list_answers(
            conn,
            team=workspace_scope(conn, team),
            status=None if status is Status.all else status.value,
            needs_review=due,
        )
    if fmt is Format.json:
        print(json.dumps([a.as_json() for a in rows], indent=2, default=str))
        return
    if not rows:
        console.print("no verified answers match")
        return
    table = Table("id", "collection", "question", "owner", "last verified", "review after", "state", "review DM")
    for a in rows:
        table.add_row(
            str(a.id),
            escape(a.collection),
            escape(shorten(a.question, 50)),
            escape(a.owner),
            f"{a.verified_at:%Y-%m-%d}",
            f"{a.review_after:%Y-%m-%d}" if a.status == "active" else "–",
            _state(a),
            escape(_asked(a)),
        )
    console.print(table)


@verified_app.command("show")
def verified_show(
    answer_id: Annotated[int, typer.Argument(help="Verified answer id (the id of its approved correction).")],
    fmt: FormatOption = Format.table,
    team: Team = None,
) -> None:
    """One verified answer: its question and answer, owner, review dates and sources."""
    with db.connect(admin_db_url()) as conn:
        a = verified.get(conn, answer_id, workspace_scope(conn, team))
    if fmt is Format.json:
        print(json.dumps(a.as_json(), indent=2, default=str))
        return
    console.print(f"[bold]verified answer {a.id}[/]  {_state(a)} · collection {escape(a.collection)}")
    console.print(f"[bold]question[/] {escape(a.question)}")
    console.print(f"[bold]answer[/] {escape(a.answer)}")
    console.print(
        f"owner {escape(a.owner)}" + ("" if a.owner_is_slack_user else " [yellow](not a Slack user: no review DM)[/]")
    )
    console.print(
        f"verified by {escape(a.verified_by)}, approved by {escape(a.approved_by)} on {a.created_at:%Y-%m-%d}"
    )
    console.print(f"last verified {a.verified_at:%Y-%m-%d} · review after {a.review_after:%Y-%m-%d}")
    if a.status == "retired":
        console.print(f"retired by {escape(a.retired_by or '')} on {a.retired_at:%Y-%m-%d}")
    console.print(f"review DM: {escape(_asked(a))}")
    for s in a.sources:
        mark = {"unchanged": "[green]unchanged[/]", "changed": "[yellow]changed since approval[/]"}.get(
            s.state, "[red]removed since approval[/]"
        )
        console.print(f"  source: {escape(s.title)} ({escape(s.collection)}/{escape(s.source_path)}) {mark}")
    if not a.sources:
        console.print("  [dim]no cited documents (made from an expert's reply or an uncited answer)[/]")
    if a.permalink:
        console.print(f"[dim]{a.permalink}[/]")


@verified_app.command("retire")
def verified_retire(
    answer_ids: Annotated[list[int], typer.Argument(help="Verified answer ids.")],
    note: Note = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Stop answering from verified answers (kept for the record; approving the correction again restores one)."""
    with workspace_change(team, actor) as (conn, team, actor), all_or_none(answer_ids) as ids:
        for answer_id in ids:
            verified.retire(conn, answer_id, actor, note, team=team)
    for answer_id in ids:
        console.print(f"verified answer {answer_id} retired: no longer used to answer")


@verified_app.command("reassign")
def verified_reassign(
    answer_ids: Annotated[list[int], typer.Argument(help="Verified answer ids.")],
    owner: Annotated[str, typer.Option("--owner", help="The new owner's Slack user id (U…).")],
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Give verified answers a new owner, who is asked to review them when they are due. Slack is asked first
    (users.info): an id of no one, a deactivated account or a bot is refused; Slack out of reach, a warning."""
    with workspace_change(team, actor) as (conn, team, actor), all_or_none(answer_ids) as ids:
        owner = verified.check_owner(owner)
        answers = [verified.get(conn, answer_id, team) for answer_id in ids]
        checked = asked_slack(owner, [a.team_id for a in answers])
        if not checked.unchecked:  # Slack answered: who may read what is asked of it too
            check_owner_may_read(get_settings(), conn, owner, answers)
        done = [verified.reassign(conn, answer_id, owner, actor, team=team) for answer_id in ids]
    for a in done:
        due = " (review due: they will be asked)" if a.needs_review else ""
        console.print(f"verified answer {a.id} now owned by {escape(checked.named)}{due}")


def asked_slack(owner: str, teams: list[str]) -> OwnerCheck:
    """Slack's word on a new owner of answers of these workspaces (workers.slack.owners): refused, or a warning
    when Slack could not be asked; before anything changes."""
    checked = check_owner_in_slack(get_settings(), owner, teams)
    if checked.warning:
        err_console.print(f"[yellow]warning[/]: {escape(checked.warning)}", soft_wrap=True)
    return checked
