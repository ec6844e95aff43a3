"""Admin commands: labels, prompt versions, retune/eval reports, stats and a review sample.

Every command that changes state records who did it (`--actor`, default $ANSWERLOOP_ADMIN or $USER) in
`admin_actions`. Unknown ids are clear errors (exit code 2), never tracebacks.

Every command acts within one workspace (`--team`, required when several are installed: `workspace_scope`);
an id of another workspace's label, prompt version or report is "does not exist", never acted on.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cli.common import build_pipeline
from cli.output import console, err_console
from cli.reports import print_eval_report, print_retune_report
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings
from feedback import labels as labels_mod
from feedback import prompt_versions as pv
from feedback.audit import recent_actions

labels_app = typer.Typer(help="Labeled feedback: list, show, approve, reject, export.", no_args_is_help=True)
prompts_app = typer.Typer(
    help="Prompt versions: list, show, diff, activate, rollback, approve, export.", no_args_is_help=True
)
retune_app = typer.Typer(help="Build, evaluate and promote a better prompt version from the labels.")
review_app = typer.Typer(help="Read what the bot answered.", no_args_is_help=True)


def default_actor() -> str:
    try:
        return os.environ.get("ANSWERLOOP_ADMIN") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def acting_admin(actor: str, team: str | None = None) -> str:
    """The actor of a state-changing command; with ANSWERLOOP_ADMINS set, it must be one of them (or `TEAM:NAME`
    for the workspace acted in). (The CLI's real boundary is access to the database; the list keeps changes
    deliberate and attributed.)"""
    actor = actor or default_actor()
    admins = get_settings().admins
    if admins and actor not in admins and not (team and f"{team}:{actor}" in admins):
        raise AnswerloopError(
            f"{actor!r} is not an Answerloop admin; nothing was changed.",
            hint="Act as an admin with --actor NAME (one of ANSWERLOOP_ADMINS), or add this name to ANSWERLOOP_ADMINS.",
        )
    return actor


Actor = Annotated[str, typer.Option("--actor", help="Who does this (recorded). Default: $ANSWERLOOP_ADMIN or $USER.")]


Team = Annotated[
    str | None, typer.Option("--team", help="Workspace (T…) to act within; required when several are installed.")
]


def workspace_scope(conn, team: str | None) -> str | None:
    """The workspace an admin command reads: the one given; none needed with one workspace (or none)
    installed; refused when several are installed and none is given — one workspace never reads another's."""
    teams = [r["team_id"] for r in conn.execute("SELECT DISTINCT team_id FROM slack_installations").fetchall()]
    if team is not None:
        if teams and team not in teams:
            raise AnswerloopError(f"Workspace {team} is not installed.", hint=f"Installed: {', '.join(sorted(teams))}.")
        return team
    if len(teams) > 1:
        raise AnswerloopError(
            f"{len(teams)} workspaces are installed: say which one.",
            hint=f"Add --team with one of {', '.join(sorted(teams))}.",
        )
    return None


def prompt_scope(conn, team: str | None) -> str:
    """The prompt scope (`feedback.prompt_versions`) a command acts in: the workspace given or the only one
    installed, as its questions resolve it; the default scope when none is installed (a bot-token install)."""
    team = workspace_scope(conn, team)
    if team is None:
        rows = conn.execute("SELECT DISTINCT team_id FROM slack_installations").fetchall()
        team = rows[0]["team_id"] if len(rows) == 1 else ""
    return pv.scope_of(conn, team)


def _url() -> str:
    return ready_database(get_settings())


def parse_since(value: str | None) -> datetime | None:
    """'7d', '12h', '2w' or an ISO date/time."""
    if value is None:
        return None
    m = re.fullmatch(r"(\d+)\s*([hdw])", value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        delta = {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
        return datetime.now(UTC) - delta
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise AnswerloopError(f"--since {value!r} is not a date.", hint="Use e.g. 7d, 12h, 2w or 2026-11-01.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _short(text: str | None, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ------------------------------------------------------------------------------------------------ labels


@labels_app.command("list")
def labels_list(
    status: Annotated[str | None, typer.Option(help="pending | approved | rejected | retracted")] = None,
    kind: Annotated[str | None, typer.Option(help="up | down | correction")] = None,
    channel: Annotated[str | None, typer.Option(help="Slack channel id.")] = None,
    since: Annotated[str | None, typer.Option(help="7d, 12h, 2w or a date.")] = None,
    split: Annotated[str | None, typer.Option(help="train | heldout")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    team: Team = None,
) -> None:
    """Labels, newest first."""
    with db.connect(_url()) as conn:
        rows = labels_mod.list_labels(
            conn,
            status=status,
            kind=kind,
            channel=channel,
            split=split,
            since=parse_since(since),
            limit=limit,
            team=workspace_scope(conn, team),
        )
    if not rows:
        console.print("no labels match")
        return
    table = Table("id", "kind", "status", "split", "by", "question", "reasons / correction", "v", "created")
    for r in rows:
        detail = _short(r["correction"], 40) if r["kind"] == "correction" else ", ".join(r["reasons"])
        table.add_row(
            str(r["id"]),
            {"up": "👍 up", "down": "👎 down"}.get(r["kind"], "✎ correction"),
            r["status"],
            r["split"],
            escape(r["user_name"] or r["user_id"]),
            escape(_short(r["question"], 50)),
            escape(detail),
            str(r["prompt_version_id"] or "–"),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@labels_app.command("show")
def labels_show(label_id: Annotated[int, typer.Argument(help="Label id.")], team: Team = None) -> None:
    """One label with the question and the answer it is about."""
    with db.connect(_url()) as conn:
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
        console.print(f"reviewed by {r['reviewed_by']} at {r['reviewed_at']} {escape(r['review_note'])}")


@labels_app.command("approve")
def labels_approve(
    label_ids: Annotated[list[int], typer.Argument(help="Label ids.")],
    collection: Annotated[
        str | None, typer.Option(help="Publish approved corrections into this collection (default: the cited one).")
    ] = None,
    note: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Approve labels. An approved correction becomes a verified answer that similar questions are answered from."""
    from workers.embeddings import get_embedder
    from workers.kb import verified

    settings = get_settings()
    embedder = None
    with db.connect(_url()) as conn:
        team = workspace_scope(conn, team)
        actor = acting_admin(actor, team)
        if collection is not None and team is not None:
            _own_collection(conn, collection, team)
        for label_id in label_ids:
            label = labels_mod.review(conn, label_id, "approved", actor, note, team=team)
            if label["kind"] == "correction":
                embedder = embedder or get_embedder(settings)
                doc = verified.publish(conn, label, embedder=embedder, approved_by=actor, collection=collection)
                console.print(f"label {label_id} approved: verified answer published (document {doc})")
            else:
                console.print(f"label {label_id} approved")
            conn.commit()


@labels_app.command("reject")
def labels_reject(
    label_ids: Annotated[list[int], typer.Argument(help="Label ids.")],
    note: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Reject labels (they no longer count); a rejected correction's verified answer is withdrawn."""
    from workers.kb import verified

    with db.connect(_url()) as conn:
        team = workspace_scope(conn, team)
        actor = acting_admin(actor, team)
        for label_id in label_ids:
            rejection = verified.reject_label(conn, label_id, actor, note, team=team)
            conn.commit()
            withdrawn = " and its verified answer withdrawn" if rejection.withdrawn else ""
            console.print(f"label {label_id} rejected{withdrawn}")


def _own_collection(conn, name: str, team: str) -> None:
    """A verified answer may be published only into a collection of the workspace acting (or an unowned one)."""
    row = conn.execute("SELECT team_id FROM collections WHERE name = %s", (name,)).fetchone()
    if row is not None and row["team_id"] not in (None, team):
        raise AnswerloopError(
            f"Collection {name!r} does not exist.", hint=f"`answerloop collections show` lists {team}'s collections."
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
    with db.connect(_url()) as conn:
        rows = labels_mod.list_labels(
            conn,
            status=status,
            kind=kind,
            channel=channel,
            split=split,
            since=parse_since(since),
            limit=1_000_000,
            team=workspace_scope(conn, team),
        )
    lines = [json.dumps(labels_mod.as_export(r), default=str) for r in reversed(rows)]
    if out is None:
        for line in lines:
            sys.stdout.write(line + "\n")
        return
    out.write_text("".join(line + "\n" for line in lines))
    err_console.print(f"wrote {len(lines)} label(s) to {out}")


# ------------------------------------------------------------------------------------------------ prompt versions


@prompts_app.command("list")
def prompts_list(team: Team = None) -> None:
    """Prompt versions of the workspace (and the shared seed), newest first; * marks its active one."""
    with db.connect(_url()) as conn:
        versions = pv.list_versions(conn, prompt_scope(conn, team))
    table = Table("", "version", "created", "author", "parent", "demos", "held-out score", "review", "note")
    for v in versions:
        table.add_row(
            "*" if v.active else "",
            f"v{v.id}",
            f"{v.created_at:%Y-%m-%d %H:%M}",
            v.author + (" (shared)" if v.shared else ""),
            f"v{v.parent_id}" if v.parent_id else "–",
            str(v.few_shot),
            f"{v.score:.3f}" if v.score is not None else "–",
            v.review or "–",
            escape(_short(v.note, 70)),
        )
    console.print(table)


@prompts_app.command("show")
def prompts_show(version: Annotated[int, typer.Argument(help="Version id.")], team: Team = None) -> None:
    """One version's instructions, few-shot examples and parameters (JSON)."""
    with db.connect(_url()) as conn:
        v = pv.get_version(conn, version, prompt_scope(conn, team))
    print(json.dumps(pv.export(v), indent=2))


@prompts_app.command("diff")
def prompts_diff(a: Annotated[int, typer.Argument()], b: Annotated[int, typer.Argument()], team: Team = None) -> None:
    """What changed from version A to version B."""
    with db.connect(_url()) as conn:
        scope = prompt_scope(conn, team)
        d = pv.diff(pv.get_version(conn, a, scope), pv.get_version(conn, b, scope))
    console.print(f"[bold]v{a} → v{b}[/]")
    if d["params"]:
        table = Table("parameter", f"v{a}", f"v{b}")
        for k, (x, y) in d["params"].items():
            table.add_row(k, str(x), str(y))
        console.print(table)
    else:
        console.print("parameters: identical")
    for line in d["instructions"] or ["instructions: identical"]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        console.print(f"[{style}]{escape(line)}[/]" if style else escape(line))
    for s in d["few_shot_added"]:
        console.print(f"[green]+ demo[/] {escape(_short(s['question']))} → {escape(_short(s['answer']))}")
    for s in d["few_shot_removed"]:
        console.print(f"[red]- demo[/] {escape(_short(s['question']))} → {escape(_short(s['answer']))}")


@prompts_app.command("activate")
def prompts_activate(
    version: Annotated[int, typer.Argument(help="Version id.")],
    reason: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Make a version (the workspace's own or the shared seed) the workspace's active one."""
    with db.connect(_url()) as conn:
        scope = prompt_scope(conn, team)
        previous = pv.activate(conn, version, acting_admin(actor, scope), reason=reason, scope=scope)
        conn.commit()
    console.print(f"v{version} is active (was v{previous})")


@prompts_app.command("rollback")
def prompts_rollback(
    reason: Annotated[str, typer.Option(help="Why (recorded).")] = "", actor: Actor = "", team: Team = None
) -> None:
    """Move the workspace's active pointer back to the version that was active before."""
    with db.connect(_url()) as conn:
        scope = prompt_scope(conn, team)
        current, target = pv.rollback(conn, acting_admin(actor, scope), reason=reason, scope=scope)
        conn.commit()
    console.print(f"rolled back: v{target} is active again (was v{current})")


@prompts_app.command("approve")
def prompts_approve(
    version: Annotated[int, typer.Argument(help="A retuned version waiting for approval.")],
    note: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Approve a retuned candidate of the workspace and activate it there."""
    with db.connect(_url()) as conn:
        scope = prompt_scope(conn, team)
        previous = pv.approve(conn, version, acting_admin(actor, scope), note, scope=scope)
        conn.commit()
    console.print(f"v{version} approved and active (was v{previous})")


@prompts_app.command("reject")
def prompts_reject(
    version: Annotated[int, typer.Argument(help="A retuned version waiting for approval.")],
    note: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Reject a retuned candidate of the workspace (it stays stored, never active)."""
    with db.connect(_url()) as conn:
        scope = prompt_scope(conn, team)
        pv.reject(conn, version, acting_admin(actor, scope), note, scope=scope)
        conn.commit()
    console.print(f"v{version} rejected")


@prompts_app.command("export")
def prompts_export(
    version: Annotated[int, typer.Argument(help="Version id.")],
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
    team: Team = None,
) -> None:
    """A version as JSON (to review, archive or load elsewhere)."""
    with db.connect(_url()) as conn:
        text = json.dumps(pv.export(pv.get_version(conn, version, prompt_scope(conn, team))), indent=2)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n")
        err_console.print(f"wrote v{version} to {out}")


@prompts_app.command("history")
def prompts_history(limit: Annotated[int, typer.Option()] = 20, team: Team = None) -> None:
    """Who moved the workspace's active pointer, when and why."""
    with db.connect(_url()) as conn:
        rows = pv.activations(conn, limit, prompt_scope(conn, team))
    table = Table("at", "kind", "to", "from", "actor", "reason")
    for r in rows:
        prev = f"v{r['previous_version_id']}" if r["previous_version_id"] else "–"
        table.add_row(
            f"{r['at']:%Y-%m-%d %H:%M:%S}", r["kind"], f"v{r['version_id']}", prev, r["actor"], escape(r["reason"])
        )
    console.print(table)


# ------------------------------------------------------------------------------------------------ retune / eval


@retune_app.callback(invoke_without_command=True)
def retune(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compare and report; create and activate nothing.")
    ] = False,
    candidate: Annotated[
        list[int] | None,
        typer.Option(
            "--candidate", help="Also judge this existing version (e.g. one an admin wrote) through the gate."
        ),
    ] = None,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Build candidates from the workspace's labels, score them against its active version on its held-out
    split, and promote the best one if it is better (or leave it for `prompts approve`)."""
    if ctx.invoked_subcommand is not None:
        return
    from workers.retune_job import options_from, run_retune

    with db.connect(_url()) as conn:  # a wrong --team or --candidate fails before the models load
        scope = prompt_scope(conn, team)
        extra = [pv.get_version(conn, v, scope) for v in candidate or []]
    who = (actor or default_actor()) if dry_run else acting_admin(actor, scope)  # a dry run changes nothing
    pipeline = build_pipeline()
    options = options_from(pipeline.settings)
    options.extra_candidates = extra
    with err_console.status("Retuning: answering the labeled questions under each candidate…"):
        result = run_retune(pipeline, actor=who, dry_run=dry_run, options=options, scope=scope)
    with db.connect(_url()) as conn:
        from feedback.reports import get_report

        row = get_report(conn, result.report_id, scope=scope) if result.report_id else None
    if row is not None:
        print_retune_report(row)
    else:
        console.print(result.summary)
    if result.decision == "busy":
        raise typer.Exit(1)


@retune_app.command("list")
def retune_list(limit: Annotated[int, typer.Option()] = 20, team: Team = None) -> None:
    """The workspace's stored retune and eval reports, newest first."""
    from feedback.reports import list_reports

    with db.connect(_url()) as conn:
        rows = list_reports(conn, limit, prompt_scope(conn, team))
    table = Table("id", "kind", "at", "actor", "baseline", "candidate", "decision", "summary")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["kind"] + (" (dry run)" if r["dry_run"] else ""),
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            r["actor"],
            f"v{r['baseline_version_id']}" if r["baseline_version_id"] else "–",
            f"v{r['candidate_version_id']}" if r["candidate_version_id"] else "–",
            r["decision"],
            escape(_short(r["summary"], 80)),
        )
    console.print(table)


@retune_app.command("show")
def retune_show(
    report_id: Annotated[int | None, typer.Argument(help="Report id (default: the latest).")] = None,
    team: Team = None,
) -> None:
    """Print a stored report of the workspace again."""
    from feedback.reports import get_report

    with db.connect(_url()) as conn:
        row = get_report(conn, report_id, scope=prompt_scope(conn, team))
    (print_retune_report if row["kind"] == "retune" else print_eval_report)(row)


def eval_command(
    version: Annotated[int | None, typer.Option("--version", help="Version id (default: the active one).")] = None,
    actor: Actor = "",
    team: Team = None,
) -> None:
    """Score a prompt version on the workspace's held-out labels (the report is stored)."""
    from feedback.reports import get_report
    from workers.retune_job import run_eval

    with db.connect(_url()) as conn:
        scope = prompt_scope(conn, team)
        if version is not None:
            pv.get_version(conn, version, scope)  # another workspace's version fails before the models load
    pipeline = build_pipeline()
    with err_console.status("Evaluating on the held-out split…"):
        report_id, _, _ = run_eval(pipeline, version, actor=actor or default_actor(), scope=scope)
    with db.connect(_url()) as conn:
        print_eval_report(get_report(conn, report_id, scope=scope))


# ------------------------------------------------------------------------------------------------ stats / review


def stats_command(weeks: Annotated[int, typer.Option(help="How many weeks back.")] = 8, team: Team = None) -> None:
    """Questions, answered vs "I don't know", and 👍/👎 rate by week and prompt version."""
    from feedback.stats import weekly_stats

    with db.connect(_url()) as conn:
        rows = weekly_stats(conn, weeks, workspace_scope(conn, team))
    if not rows:
        console.print(f"no questions in the last {weeks} week(s)")
        return
    table = Table("week", "version", "questions", "answered", "I don't know", "👍", "👎", "👍 rate", "corrections")
    for r in rows:
        table.add_row(
            f"{r['week']:%Y-%m-%d}",
            f"v{r['version']}" if r["version"] else "–",
            str(r["questions"]),
            f"{r['answered']} ({r['answered_rate']:.0%})",
            str(r["dont_know"]),
            str(r["ups"]),
            str(r["downs"]),
            f"{r['up_rate']:.0%}" if r["up_rate"] is not None else "–",
            str(r["corrections"]),
        )
    console.print(table)


@review_app.command("sample")
def review_sample(
    n: Annotated[int, typer.Option("--n", help="How many.")] = 20,
    days: Annotated[int, typer.Option(help="From the last N days.")] = 7,
    seed: Annotated[str, typer.Option(help="Same seed, same sample (default: today's date).")] = "",
    team: Team = None,
) -> None:
    """A random sample of recent interactions to read (redacted questions only)."""
    from feedback.stats import review_sample as sample

    with db.connect(_url()) as conn:
        rows = sample(conn, n, days, seed or f"{datetime.now(UTC):%Y-%m-%d}", workspace_scope(conn, team))
    if not rows:
        console.print(f"no interactions in the last {days} day(s)")
        return
    for r in rows:
        votes = f"👍 {r['ups']} 👎 {r['downs']}" + (f" ✎ {r['corrections']}" if r["corrections"] else "")
        status = r["status"] + (f" ({r['reason']})" if r["reason"] else "")
        console.print(
            f"[bold]{r['created_at']:%Y-%m-%d %H:%M}[/] {r['source']} · {', '.join(r['collections'])} · "
            f"v{r['prompt_version_id']} · {status} · {votes}"
        )
        console.print(f"  [cyan]Q[/] {escape(_short(r['question_redacted'], 200))}")
        console.print(f"  [green]A[/] {escape(_short(r['answer'], 300))}")
        for c in (r["citations"] or [])[:3]:
            console.print(f"    [dim]{escape(c.get('document_title', ''))} › {escape(c.get('section', ''))}[/]")
        console.print(f"  [dim]id {r['id']}[/]")


def audit_command(limit: Annotated[int, typer.Option()] = 30, team: Team = None) -> None:
    """Recent admin actions of the workspace (who changed what, when)."""
    with db.connect(_url()) as conn:
        team = workspace_scope(conn, team)
        scope = prompt_scope(conn, team) if team is not None else None
        rows = recent_actions(conn, limit, team, scope)
    table = Table("at", "actor", "action", "target", "details")
    for r in rows:
        table.add_row(
            f"{r['at']:%Y-%m-%d %H:%M:%S}", r["actor"], r["action"], r["target"], escape(json.dumps(r["details"]))
        )
    console.print(table)


# ------------------------------------------------------------------------------------------------ Slack installs

slack_app = typer.Typer(help="Multi-workspace installs: token encryption keys and installations.", no_args_is_help=True)


@slack_app.command("new-key")
def slack_new_key() -> None:
    """Print a new key for ANSWERLOOP_TOKEN_KEYS (Fernet: 32 url-safe base64 bytes)."""
    from workers.slack_installations import new_key

    print(new_key())


@slack_app.command("installations")
def slack_installations() -> None:
    """Workspaces the app is installed in (never the tokens)."""
    with db.connect(_url()) as conn:
        rows = conn.execute(
            "SELECT team_id, team_name, enterprise_id, bot_user_id, bot_scopes, installer_user_id, installed_at, "
            "updated_at FROM slack_installations ORDER BY installed_at"
        ).fetchall()
    if not rows:
        console.print("no OAuth installations (a single-workspace bot uses SLACK_BOT_TOKEN)")
        return
    table = Table("team", "name", "bot user", "installed by", "installed", "updated", "scopes")
    for r in rows:
        table.add_row(
            r["team_id"],
            escape(r["team_name"]),
            r["bot_user_id"],
            r["installer_user_id"],
            f"{r['installed_at']:%Y-%m-%d %H:%M}",
            f"{r['updated_at']:%Y-%m-%d %H:%M}",
            r["bot_scopes"],
        )
    console.print(table)


@slack_app.command("rotate-keys")
def slack_rotate_keys(actor: Actor = "") -> None:
    """Re-encrypt every stored bot token with the first key of ANSWERLOOP_TOKEN_KEYS (then drop the old key)."""
    from feedback.audit import record_action
    from workers.slack_installations import TokenCipher, rotate_keys

    actor = acting_admin(actor)
    url = _url()
    n = rotate_keys(url, TokenCipher(get_settings().token_keys))
    with db.connect(url) as conn:
        record_action(conn, actor, "slack.rotate_keys", "slack_installations", {"tokens": n})
        conn.commit()
    console.print(f"re-encrypted {n} token(s) with the first key; the others can now be removed")
