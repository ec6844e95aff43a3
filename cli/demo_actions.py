"""The demo's terminal commands on the last answer: `/up`, `/down [reason] [comment]`, `/reply TEXT`,
`/improve TEXT`, `/help`.

Each one does what a Slack user does, through the stand-in: a click on the answer's 👍/👎 (or a reaction where an
answer has no buttons), a click on the ephemeral "what was wrong?" reason, the comment modal, a message in the
answer's thread, the *Improve this answer* message shortcut and its modal. What the bot shows back is printed,
and what it stored is read from Postgres, so the terminal says what happened and which admin command comes next.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape

from bot import feedback_blocks as fb
from cli.slack_chat import ThreadWatcher, Turn, show_answer, to_terminal
from core import db
from feedback.labels import REASONS
from workers.slack import store as slack_store

HELP = """Commands on the last answer (anything else is a question to @answerloop):
  /up                      👍 the answer (its feedback button)
  /down [REASON] [COMMENT] 👎 it; REASON is one of {reasons}; the rest becomes a comment
  /reply TEXT              a follow-up in the answer's thread (no mention needed there)
  /improve TEXT            Improve this answer: submit TEXT as the corrected answer
  /help                    this list"""

WAIT_S = 20.0  # the bot acts on a click within milliseconds; a slow machine gets time


@dataclass(frozen=True)
class Command:
    name: str
    arg: str


class CommandError(ValueError):
    """A command the demo cannot run: unknown, missing its argument, or no answer to act on yet."""


def parse(line: str) -> Command | None:
    """`/name args…` → Command; None when the line is a question."""
    if not line.startswith("/"):
        return None
    name, _, arg = line[1:].partition(" ")
    return Command(name.lower(), arg.strip())


def help_text() -> str:
    return HELP.format(reasons=", ".join(REASONS))


@dataclass
class Outcome:
    """What a command did, as stored: the label it created or changed (None when nothing was stored)."""

    label: dict[str, Any] | None
    message: str


class DemoActions:
    """Runs the terminal commands as `user` on the last answer (`turn`)."""

    def __init__(self, slack, console: Console, database_url: str, *, user: str = "alice") -> None:
        self.slack, self.console, self.database_url, self.user = slack, console, database_url, user
        self.turn: Turn | None = None
        self.handlers: dict[str, Callable[[str], Outcome | None]] = {
            "up": self.up,
            "down": self.down,
            "reply": self.reply,
            "improve": self.improve,
            "help": self.help,
        }

    # ---------------------------------------------------------------------------------------------- dispatch

    def run(self, command: Command) -> Outcome | None:
        handler = self.handlers.get(command.name)
        if handler is None:
            raise CommandError(f"Unknown command /{command.name}. Type /help for the list.")
        return handler(command.arg)

    def run_line(self, line: str) -> Outcome | None:
        """Run a command line and print what happened; a bad command is a clear message, never a traceback."""
        command = parse(line)
        if command is None:
            raise CommandError("Not a command.")
        try:
            return self.run(command)
        except CommandError as exc:
            self.console.print(f"[red]{escape(str(exc))}[/]")
        except TimeoutError as exc:
            self.console.print(f"[red]The bot did not react in time ({escape(str(exc))}).[/]")
        except (KeyError, ValueError) as exc:  # what Slack would not let a person do (e.g. react twice)
            reason = exc.args[0] if exc.args else type(exc).__name__
            self.console.print(f"[red]Slack would not do that: {escape(str(reason))}.[/]")
        return None

    def _turn(self) -> Turn:
        if self.turn is None:
            raise CommandError("There is no answer yet: ask a question first.")
        return self.turn

    # ---------------------------------------------------------------------------------------------- commands

    def help(self, _: str) -> None:
        self.console.print(escape(help_text()))

    def up(self, arg: str) -> Outcome:
        if arg:
            raise CommandError("/up takes no argument.")
        label = self._vote(positive=True)
        return self._stored(label, "answerloop labels list --kind up")

    def down(self, arg: str) -> Outcome:
        words = arg.split()
        reason = _reason(words[0]) if words else None
        comment = " ".join(words[1:] if reason else words)
        label = self._vote(positive=False)
        if reason or comment:
            follow_up = self._follow_up(label["id"])
            if reason:
                self.slack.click_ephemeral_button(follow_up, f"{fb.REASON_ACTION_PREFIX}{reason}", user=self.user)
                label = self._wait_label(lambda lb: reason in (lb["reasons"] or []), label["id"])
                self._said(f"you clicked the reason [bold]{REASONS[reason]}[/]")
            if comment:
                view = self._open_form(
                    lambda: self.slack.click_ephemeral_button(follow_up, fb.COMMENT_ACTION, user=self.user)
                )
                self.slack.submit_view(view.id, {"comment": comment}, user=self.user)
                label = self._wait_label(lambda lb: bool(lb["comment"]), label["id"])
                self._said(f"you wrote in the comment form: {escape(comment)}")
        return self._stored(label, "answerloop labels list --kind down")

    def reply(self, text: str) -> Outcome | None:
        if not text:
            raise CommandError("/reply needs the text of your follow-up, e.g. /reply and on weekends?")
        turn = self._turn()
        posted = self.slack.post_message(turn.channel, text, user=self.user, thread_ts=turn.thread_ts)
        self.console.print(f"[bold]{self.user} in the thread:[/] {escape(text)}")
        watcher = ThreadWatcher(self.slack, self.console, turn.channel, turn.thread_ts, after_ts=posted.ts)
        try:
            final = watcher.wait_for_answer(180)
        except TimeoutError:
            seen = [e for e in self.slack.ephemerals(turn.channel, self.user) if e.ts > posted.ts]
            for e in seen:
                self._said(f"(only you see this) {escape(to_terminal(e.text))}")
            return Outcome(None, "no answer in the thread" if not seen else "an ephemeral reply")
        show_answer(self.console, final, time.monotonic() - watcher.start)
        self.turn = Turn(turn.channel, turn.thread_ts, final.ts, final.text, list(final.blocks or []))
        return Outcome(None, "answered in the thread")

    def improve(self, text: str) -> Outcome:
        if not text:
            raise CommandError("/improve needs the corrected answer, e.g. /improve Pages escalate after 5 minutes.")
        turn = self._turn()
        since = len(self.slack.bot_replies(turn.channel, turn.thread_ts))
        before = {lb["id"] for lb in self.labels()}
        view = self._open_form(
            lambda: self.slack.message_shortcut(fb.IMPROVE_SHORTCUT, turn.channel, turn.answer_ts, user=self.user)
        )
        self._said("the “Improve this answer” form opened, prefilled with the answer")
        self.slack.submit_view(view.id, {"correction": text}, user=self.user)
        thanks = self.slack.wait_for(
            lambda: [m for m in self.slack.bot_replies(turn.channel, turn.thread_ts)[since:] if "suggested" in m.text],
            WAIT_S,
        )
        self._said(escape(to_terminal(thanks[-1].text)))
        label = self._wait_label(lambda lb: lb["kind"] == "correction" and lb["id"] not in before, None)
        return self._stored(label, f"answerloop labels show {label['id']}")

    # ---------------------------------------------------------------------------------------------- helpers

    def _vote(self, *, positive: bool) -> dict[str, Any]:
        turn = self._turn()
        kind = "up" if positive else "down"
        if turn.has_feedback_buttons:
            self.slack.click_feedback(turn.channel, turn.answer_ts, positive=positive, user=self.user)
            self._said(f"you clicked {'👍' if positive else '👎'} under the answer")
        else:  # an answer without Slack's buttons (e.g. a failure message): a reaction is the same vote
            name = "+1" if positive else "-1"
            self.slack.add_reaction(turn.channel, turn.answer_ts, name, user=self.user)
            self._said(f"you reacted :{name}: to the answer")
        return self._wait_label(lambda lb: lb["kind"] == kind and lb["user_id"] == self._uid(), None)

    def _open_form(self, open_it: Callable[[], object], attempts: int = 3) -> Any:
        """Open a modal the way a person does, again when it did not open: Slack's trigger_id lives 3 s, and a
        bot slowed down by a busy machine can miss it (`views.open` answers `expired_trigger_id`)."""
        for _ in range(attempts):
            seen = {v.id for v in self.slack.views(self.user)}
            calls = len(self.slack.calls("views.open"))

            def opened(seen: set[str] = seen, calls: int = calls) -> Any:
                new = [v for v in self.slack.views(self.user, open_only=True) if v.id not in seen]
                if new:
                    return new[-1]
                refused = [c for c in self.slack.calls("views.open")[calls:] if not c.ok]
                return "refused" if refused else None

            open_it()
            try:
                got = self.slack.wait_for(opened, WAIT_S, message="the form did not open")
            except TimeoutError:
                got = "refused"
            if got != "refused":
                return got
            self._said("the form did not open in time (Slack's trigger expired); trying again")
        raise CommandError("The form did not open; the bot may be overloaded. Try the command again.")

    def _follow_up(self, label_id: int) -> Any:
        """The ephemeral 'what was wrong?' the bot shows the voter in the thread."""
        turn = self._turn()
        value = str(label_id)
        found = self.slack.wait_for(
            lambda: [
                e
                for e in self.slack.ephemerals(turn.channel, self.user)
                if e.thread_ts == turn.thread_ts and value in str(e.blocks)
            ],
            WAIT_S,
        )[-1]
        self._said(f"(only you see this) {escape(to_terminal(found.text))}")
        return found

    def _uid(self) -> str:
        return str(self.slack.user_id(self.user))

    def labels(self) -> list[dict[str, Any]]:
        """The labels stored on the last answer, oldest first."""
        turn = self._turn()
        with db.connect(self.database_url) as conn:
            answer = slack_store.answer_at(conn, self.slack.team_id, turn.channel, turn.answer_ts)
            if answer is None:
                return []
            return conn.execute(
                "SELECT id, kind, status, reasons, comment, user_id, correction FROM labels "
                "WHERE interaction_id = %s ORDER BY id",
                (answer.interaction_id,),
            ).fetchall()

    def _wait_label(self, predicate: Callable[[dict[str, Any]], bool], label_id: int | None) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            hits = [lb for lb in self.labels() if (label_id is None or lb["id"] == label_id) and predicate(lb)]
            return hits[-1] if hits else None

        return self.slack.wait_for(found, WAIT_S, interval=0.1, message="nothing was stored")

    def _stored(self, label: dict[str, Any], see: str) -> Outcome:
        """Print what Postgres now holds for the action, and the admin commands that show and review it."""
        reasons = f", reason {', '.join(label['reasons'])}" if label["reasons"] else ""
        comment = ", with a comment" if label["comment"] else ""
        what = f"label {label['id']}: {label['kind']}{reasons}{comment}, {label['status']} review"
        review = f"answerloop labels approve {label['id']}"
        self.console.print(f"[green]stored[/] {escape(what)}  [dim](admin: {escape(see)} · {review})[/]")
        return Outcome(label, what)

    def _said(self, what: str) -> None:
        self.console.print(f"[dim]  slack:[/] {what}")


def _reason(word: str) -> str | None:
    """A reason key (`wrong`, `outdated`, …) or its shown name, case-insensitively; None when it is neither."""
    w = word.lower().replace("-", "_")
    for key, name in REASONS.items():
        if w in (key, name.lower()):
            return key
    return None
