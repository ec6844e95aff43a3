"""`answerloop labels`: feedback labels of one workspace — list, show, approve, reject, export."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import MAX_ROWS, Actor, Note, Team, admin_db_url, parse_since, shorten, workspace_change, workspace_scope
from cli.common import all_or_none
from cli.output import Format, FormatOption, console, err_console, print_records, write_file
from core import db
from core.errors import AnswerloopError, NotFound
from core.settings import get_settings
from feedback import labels as labels_mod

labels_app = typer.Typer(help="Labeled feedback: list, show, approve, reject, export.", no_args_is_help=True)


def _matching(
    status: str | None,
    kind: str | None,
    channel: str | None,
    since: str | None,
    split: str | None,
    team: str | None,
    *,
    limit: int,
) -> list[dict]:
    """The workspace's labels that `labels list` and `labels export` filter by the same options, newest first."""
    with db.connect(admin_db_url()) as conn:
        return labels_mod.list_labels(
            conn,
            status=status,
            kind=kind,
            channel=channel,
            split=split,
            since=parse_since(since),
            limit=limit,
            team=workspace_scope(conn, team),
        )


@labels_app.command("list")
def labels_list(
    status: Annotated[str | None, typer.Option(help="pending | approved | rejected | retracted")] = None,
    kind: Annotated[str | None, typer.Option(help="up | down | correction")] = None,
    channel: Annotated[str | None, typer.Option(help="Slack channel id.")] = None,
    since: Annotated[str | None, typer.Option(help="7d, 12h, 2w or a date.")] = None,
    split: Annotated[str | None, typer.Option(help="train | heldout")] = None,
    limit: Annotated[int, typer.Option(min=1, max=MAX_ROWS, help="At most this many, newest first.")] = 50,
    fmt: FormatOption = Format.table,
    team: Team = None,
) -> None:
    """Labels, newest first; --format json or csv: every field `labels export` writes (redacted text only)."""
    rows = _matching(status, kind, channel, since, split, team, limit=limit)
    if fmt is not Format.table:
        print_records(fmt, "labels", labels_mod.EXPORT_FIELDS, [labels_mod.as_export(r) for r in rows])
        return
    if not rows:
        console.print("no labels match")
        return
    table = Table("id", "kind", "status", "split", "by", "question", "reasons / correction", "v", "created")
    for r in rows:
        detail = shorten(r["correction"], 40) if r["kind"] == "correction" else ", ".join(r["reasons"])
        table.add_row(
            str(r["id"]),
            {"up": "👍 up", "down": "👎 down"}.get(r["kind"], "✎ correction"),
            r["status"],
            r["split"],
            escape(r["user_name"] or r["user_id"]),
            escape(shorten(r["question"], 50)),
            escape(detail),
            str(r["prompt_version_id"] or "–"),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@labels_app.command("show")
def labels_show(label_id: Annotated[int, typer.Argument(help="Label id.")], team: Team = None) -> None:
    """One label with the question and the answer it is about."""
    with db.connect(admin_db_url()) as conn:
        r = labels_mod.get_label(conn, label_id, workspace_scope(conn, team))
    console.print(f"[bold]label {r['id']}[/]  {r['kind']} · {r['status']} · split {r['split']} · source {r['source']}")
    console.print(
        f"by {escape(r['user_name'] or r['user_id'])} in {r['team_id']}/{r['channel_id']} at {r['created_at']}"
    )
    console.print(f"[bold]question[/] {escape(r['question'])}")
    console.print(f"[bold]answer[/] ({r['answer_status']}, prompt v{r['prompt_version_id']}) {escape(r['answer'])}")
    for c in r["citations"] or []:
        console.print(f"  source: {escape(c.get('document_title', ''))} › {escape(c.get('section', ''))}")
    if r["correction"] is not None:
        console.print(f"[bold]correction[/] {escape(r['correction'])}")
    if r["reasons"]:
        console.print(f"[bold]reasons[/] {', '.join(labels_mod.REASONS.get(x, x) for x in r['reasons'])}")
    if r["comment"]:
        console.print(f"[bold]comment[/] {escape(r['comment'])}")
    if r["pii"].get("found"):
        console.print(f"[magenta]redacted before storing: {', '.join(r['pii'].get('entities', {}))}[/]")
    if r["permalink"]:
        console.print(f"[dim]{r['permalink']}[/]")
    if r["reviewed_by"]:
        console.print(f"reviewed by {escape(r['reviewed_by'])} at {r['reviewed_at']} {escape(r['review_note'])}")


_APPROVABLE = ("pending", "approved")  # approving again (a batch re-run) changes nothing; a rejection needs --force


@labels_app.command("approve")
def labels_approve(
    label_ids: Annotated[list[int], typer.Argument(help="Label ids.")],
    collection: Annotated[
        str | None, typer.Option(help="Publish approved corrections into this collection (default: the cited one).")
    ] = None,
    note: Note = "",
    owner: Annotated[
        str | None,
        typer.Option(help="Slack user id (U…) who owns the verified answers and reviews them (default: you)."),
    ] = None,
    actor: Actor = "",
    team: Team = None,
    force: Annotated[
        bool, typer.Option("--force", help="Approve labels another admin rejected (overturns their decision).")
    ] = False,
) -> None:
    """Approve labels. An approved correction becomes a verified answer that similar questions are answered from.
    A rejected label stays rejected unless --force says to overturn that decision."""
    from cli.verified_cmd import asked_slack
    from workers.embeddings import get_embedder
    from workers.kb import verified
    from workers.slack.owners import check_owner_may_read

    settings = get_settings()
    embedder = None
    with workspace_change(team, actor) as (conn, team, actor):
        if collection is not None:
            _own_collection(conn, collection, team)
        owner = verified.check_owner(owner) if owner is not None else None
        done = []
        with all_or_none(label_ids) as ids:
            checked, published = None, []
            if owner is not None:  # the owner of the corrections' verified answers: Slack is asked before any change
                given = [labels_mod.get_label(conn, label_id, team) for label_id in ids]
                checked = asked_slack(owner, [r["team_id"] for r in given if r["kind"] == "correction"])
            for label_id in ids:
                label = labels_mod.review(
                    conn, label_id, "approved", actor, note, team=team, only_from=None if force else _APPROVABLE
                )
                if label["kind"] == "correction":
                    embedder = embedder or get_embedder(settings)
                    where, who = _kept(conn, label_id, collection, owner)
                    doc = verified.publish(
                        conn, label, embedder=embedder, approved_by=actor, collection=where, owner=who
                    )
                    published.append(label_id)
                    owned_by = f" owned by {escape(checked.named)}" if checked else ""
                    done.append(f"label {label_id} approved: verified answer published (document {doc}){owned_by}")
                else:
                    done.append(f"label {label_id} approved")
            if checked and not checked.unchecked:  # Slack answered: may they read what the answers were made from?
                answers = [verified.get(conn, label_id, team) for label_id in published]
                check_owner_may_read(settings, conn, checked.owner, answers)  # refused: nothing is approved
    for line in done:
        console.print(line)


@labels_app.command("reject")
def labels_reject(
    label_ids: Annotated[list[int], typer.Argument(help="Label ids.")],
    note: Note = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Reject labels (they no longer count); a rejected correction's verified answer is withdrawn."""
    from workers.kb import verified

    with workspace_change(team, actor) as (conn, team, actor), all_or_none(label_ids) as ids:
        rejections = [verified.reject_label(conn, label_id, actor, note, team=team) for label_id in ids]
    for label_id, rejection in zip(ids, rejections, strict=True):
        withdrawn = " and its verified answer withdrawn" if rejection.withdrawn else ""
        console.print(f"label {label_id} rejected{withdrawn}")


def _kept(conn, label_id: int, collection: str | None, owner: str | None) -> tuple[str | None, str | None]:
    """The collection and owner to publish an approved correction with: those given, else — when it already has an
    active verified answer (approved before: a batch re-run, an overlapping one) — that answer's, so that approving
    it again does not quietly move it or take it from its owner (named with --owner or `verified reassign`)."""
    from workers.kb import verified

    try:
        current = verified.get(conn, label_id)
    except NotFound:
        return collection, owner
    if current.status != "active":  # a retired answer brought back is owned anew by its approver
        return collection, owner
    return collection or current.collection, owner or (current.owner if current.owner_is_slack_user else None)


def _own_collection(conn, name: str, team: str | None) -> None:
    """A verified answer may be published only into an existing collection (a typo must not create one that only
    this answer is in, searched by no channel) of the workspace acting (or an unowned one)."""
    row = conn.execute("SELECT team_id FROM collections WHERE name = %s", (name,)).fetchone()
    if row is None or (team is not None and row["team_id"] not in (None, team)):
        where = f"{team}'s collections" if team is not None else "the collections"
        raise AnswerloopError(
            f"Collection {name!r} does not exist.", hint=f"`answerloop collections show` lists {where}."
        )


@labels_app.command("export")
def labels_export(
    status: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    channel: Annotated[str | None, typer.Option()] = None,
    since: Annotated[str | None, typer.Option(help="7d, 12h, 2w or a date.")] = None,
    split: Annotated[str | None, typer.Option()] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
    team: Team = None,
) -> None:
    """Labels as JSON lines (redacted text only), oldest first."""
    rows = _matching(status, kind, channel, since, split, team, limit=MAX_ROWS)
    lines = [json.dumps(labels_mod.as_export(r), default=str) for r in reversed(rows)]
    if out is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return
    write_file(out, "".join(line + "\n" for line in lines))
    err_console.print(f"wrote {len(lines)} label(s) to {escape(str(out))}")
