"""`answerloop` — the command line: one module per command group, assembled here."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from cli.ask_cmd import ask
from cli.channels_cmd import channels_app
from cli.collections_cmd import collections_app
from cli.common import database_unreachable
from cli.db_cmd import db_app
from cli.demo_cmd import demo
from cli.gaps_cmd import gaps_command
from cli.kb_cmd import kb_app
from cli.labels_cmd import labels_app
from cli.output import err_console
from cli.prompts_cmd import prompts_app
from cli.retune_cmd import eval_command, retune_app
from cli.review_cmd import audit_command, review_app, stats_command
from cli.services_cmd import beat, bot, worker
from cli.slack_cmd import slack_app
from cli.verified_cmd import verified_app
from core import db
from core.errors import AnswerloopError
from core.logs import configure_logging
from core.settings import get_settings

app = typer.Typer(
    help="Answerloop: answers from your team's documents, guarded.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb")
app.add_typer(db_app, name="db")
app.add_typer(channels_app, name="channels")
app.add_typer(collections_app, name="collections")
app.add_typer(labels_app, name="labels")
app.add_typer(prompts_app, name="prompts")
app.add_typer(retune_app, name="retune")
app.add_typer(review_app, name="review")
app.add_typer(slack_app, name="slack")
app.add_typer(verified_app, name="verified")
for command in (ask, demo, bot, worker, beat):
    app.command()(command)
app.command("eval")(eval_command)
app.command("stats")(stats_command)
app.command("audit")(audit_command)
app.command("gaps")(gaps_command)


@app.callback()
def _setup(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO level.")] = False) -> None:
    settings = get_settings()
    configure_logging("INFO" if verbose else settings.log_level, settings.log_json)


def main() -> None:
    """Console entry point: user errors print as a message and a hint, never a traceback."""
    try:
        app()
    except Exception as exc:
        # Postgres refusing or dropping the connection, anywhere in any command: one message, not a traceback
        shown = database_unreachable(exc) or exc
        if not isinstance(shown, AnswerloopError):
            raise
        err_console.print(f"[red]error:[/] {escape(str(shown))}")
        if shown.hint:
            err_console.print(f"[dim]→ {escape(shown.hint)}[/]")
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    finally:
        db.close_pools()
