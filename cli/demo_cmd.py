"""`answerloop demo`, the main job: the whole product on this machine, you chat as a Slack user."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cli.common import all_collections, build_pipeline, resolve_collections
from cli.kb_cmd import ingest_with_progress
from cli.output import console, err_console, print_answer
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError
from core.settings import get_settings

SAMPLE_KB = Path(__file__).resolve().parent.parent / "core" / "sample_kb"


def demo(
    question: Annotated[str | None, typer.Argument(help="Ask this; omit for an interactive prompt.")] = None,
    direct: Annotated[
        bool, typer.Option("--direct", help="Answer in this process, without Slack, Redis and workers.")
    ] = False,
    tour: Annotated[
        bool,
        typer.Option("--tour", help="A scripted tour of the feedback loop: ask, 👎, correct, approve, ask again."),
    ] = False,
) -> None:
    """The main job: Postgres, Redis, a Celery worker and the bot on a local Slack; you chat as a Slack user
    (/help lists what you can do with the last answer: /up, /down, /reply, /improve)."""
    if tour and (direct or question):
        raise typer.BadParameter("--tour plays its own questions through Slack: give no question and no --direct.")
    settings = get_settings()
    where = "configured DATABASE_URL" if settings.database_url else f"embedded Postgres in {settings.home / 'pgdata'}"
    err_console.print(f"[dim]Database: {where}[/]")
    url = ready_database(settings, auto_migrate=True)
    _ensure_sample_kb(url)
    questions = [question] if question else None if sys.stdin.isatty() else [q for q in sys.stdin if q.strip()]
    if direct:
        _demo_direct(questions)
    else:
        _demo_slack(settings, url, None if tour else questions, tour=tour)


def _ensure_sample_kb(url: str) -> None:
    with db.connect(url) as conn:
        empty = not all_collections(conn)
    if empty:
        err_console.print(f"[dim]Knowledge base is empty: ingesting the sample documents from {SAMPLE_KB}[/]")
        for folder in sorted(p for p in SAMPLE_KB.iterdir() if p.is_dir()):
            report = ingest_with_progress(folder, folder.name, None, keep_missing=False)
            err_console.print(
                f"[dim]  {folder.name}: {report['added']} documents, {report['chunks_written']} chunks[/]"
            )


def _interactive(prompt_help: str, handle) -> None:
    console.print(f"{prompt_help} Empty line or Ctrl-D to quit.")
    while True:
        try:
            line = console.input("[bold cyan]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            break
        if not line.strip() or line.strip() in ("quit", "exit"):
            break
        handle(line.strip())


def _demo_slack(settings, url: str, questions: list[str] | None, *, tour: bool = False) -> None:
    from cli.demo_actions import DemoActions, help_text
    from cli.local_stack import LocalSlackStack
    from cli.slack_chat import ask_in_slack
    from slack_standin import GENERAL

    with LocalSlackStack(settings, url, redis_url=os.environ.get("REDIS_URL")) as stack:
        err_console.print(
            f"[dim]Redis {stack.redis_url} · Slack stand-in {stack.slack.base_url} · "
            f"worker log {stack.workers[0].log_path}[/]"
        )
        with err_console.status("Starting the Celery worker (it loads Presidio and the embedding model once)…"):
            stack.wait_ready()

        if tour:
            _tour(stack, url)
            return
        actions = DemoActions(stack.slack, console, url, user="alice")

        def handle(line: str) -> None:
            if line.startswith("/"):
                console.print(f"[bold]alice:[/] {escape(line)}")
                actions.run_line(line)
                return
            console.print(f"[bold]alice in #general:[/] @answerloop {escape(line)}")
            actions.turn = ask_in_slack(stack.slack, console, line, channel=GENERAL) or actions.turn

        if questions is not None:
            for q in questions:
                handle(q.strip())
            return
        console.print(f"[dim]{escape(help_text())}[/]")
        _interactive("You are alice in #general; each line mentions @answerloop.", handle)


def _tour(stack, url: str) -> None:
    from cli.demo_actions import CommandError
    from cli.demo_tour import run_tour
    from slack_standin import GENERAL

    try:
        result = run_tour(stack.slack, console, url, channel=GENERAL)
    except (CommandError, TimeoutError) as exc:  # e.g. the bot did not react on an overloaded machine
        err_console.print(f"[red]The tour stopped: {escape(str(exc))}[/] The worker log is under {stack.log_dir}.")
        raise typer.Exit(1) from None
    if not result.verified_used:
        err_console.print("[red]The tour did not end as it should: the paraphrase was not answered from the fix.[/]")
        raise typer.Exit(1)


def _demo_direct(questions: list[str] | None) -> None:
    pipeline = build_pipeline()
    collections = resolve_collections(pipeline, None)
    if questions is not None:
        for q in questions:
            console.print(f"[bold]> {q.strip()}[/]")
            _ask_and_print(pipeline, q, collections)
        return
    _interactive(f"Ask about: {', '.join(collections)}.", lambda q: _ask_and_print(pipeline, q, collections))


def _ask_and_print(pipeline, question: str, collections: list[str]) -> None:
    try:
        print_answer(pipeline.ask(question, collections), verbose=True)
    except AnswerloopError as exc:
        err_console.print(f"[red]{exc.describe()}[/]")
