"""`answerloop demo --tour`: the feedback loop end to end, scripted, on the local stack.

alice asks in #general; she clicks 👎 and picks a reason; bob, who knows the answer, uses *Improve this answer*;
an admin approves the correction with the very function `answerloop labels approve` runs; alice asks the same
thing in other words and is answered from the verified answer. Each step says what happened (read back from
Postgres, not assumed) and which admin command shows or does it. Offline: the extractive answerer, no model.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from cli.demo_actions import DemoActions
from cli.output import frame_width
from cli.slack_chat import ask_in_slack
from core import db
from core.errors import AnswerloopError

QUESTION = "Who approves production deploys for the data team's services?"
REASON = "incomplete"
CORRECTION = (
    "Production deploys of data team services are approved by the data platform lead on duty; "
    "the on-call rota names who that is this week."
)
PARAPHRASE = "Who has to approve a prod deploy of a data team service?"


@dataclass
class TourResult:
    """What the tour stored, for its summary (and tests): the labels and whether the paraphrase used the fix."""

    down_label: int | None = None
    correction_label: int | None = None
    verified_used: bool = False


def run_tour(slack, console: Console, database_url: str, *, channel: str, actor: str = "") -> TourResult:
    from slack_standin import GENERAL

    channel = channel or GENERAL
    result = TourResult()
    alice = DemoActions(slack, console, database_url, user="alice")
    bob = DemoActions(slack, console, database_url, user="bob")

    _step(console, 1, "alice asks something the handbook does not quite answer")
    console.print(f"[bold]alice in #general:[/] @answerloop {QUESTION}")
    turn = ask_in_slack(slack, console, QUESTION, channel=channel)
    if turn is None:
        raise AnswerloopError("The first question got no answer.", hint="Look at the worker log.")
    alice.turn = bob.turn = turn
    _admin(console, "answerloop review sample --n 5", "every answer is stored (redacted) with its scores")

    _step(console, 2, f"alice clicks 👎 and picks the reason “{REASON}”")
    down = alice.down(REASON).label
    result.down_label = down["id"] if down else None
    _admin(console, "answerloop labels list --kind down", "votes and their reasons, per answer and prompt version")

    _step(console, 3, "bob knows better: ⋮ → Improve this answer, and types the right answer")
    fixed = bob.improve(CORRECTION).label
    if fixed is None:
        raise AnswerloopError("The correction was not stored.", hint="Look at the bot's log above.")
    result.correction_label = fixed["id"]
    _admin(console, "answerloop labels list --status pending --kind correction", "what waits for review")

    _step(console, 4, "an admin approves the correction: it becomes a verified answer")
    console.print(f"[dim]$ answerloop labels approve {fixed['id']}   (the same function runs here)[/]")
    from cli.labels_cmd import labels_approve

    labels_approve([fixed["id"]], collection=None, note="demo tour", actor=actor, team=None)
    _admin(console, f"answerloop labels reject {fixed['id']}", "would withdraw it again")

    _step(console, 5, "alice asks the same thing in other words")
    console.print(f"[bold]alice in #general:[/] @answerloop {PARAPHRASE}")
    again = ask_in_slack(slack, console, PARAPHRASE, channel=channel)
    if again is not None:
        result.verified_used = _answered_from_verified(database_url, again.thread_ts)
    if result.verified_used:
        console.print("[green]Answered from the verified answer[/] — cited as “Verified answer (verified by bob)”.")
    else:
        console.print("[yellow]This answer did not come from the verified answer.[/]")
    _admin(console, "answerloop stats", "answers, 'I don't know' and 👍/👎 by week and prompt version")
    console.print(Rule(), width=frame_width(console))
    return result


def _answered_from_verified(database_url: str, message_ts: str) -> bool:
    with db.connect(database_url) as conn:
        row = conn.execute(
            "SELECT i.answerer FROM slack_requests r JOIN interactions i ON i.id = r.interaction_id "
            "WHERE r.message_ts = %s",
            (message_ts,),
        ).fetchone()
    return row is not None and row["answerer"] == "verified"


def _step(console: Console, n: int, title: str) -> None:
    console.print(Rule(f"[bold]Step {n}[/] · {escape(title)}", align="left"), width=frame_width(console))


def _admin(console: Console, command: str, why: str) -> None:
    console.print(f"[dim]admin: [bold]{escape(command)}[/] — {escape(why)}[/]")
