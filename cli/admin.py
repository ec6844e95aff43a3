"""What every admin command shares: who acts (`--actor`, ANSWERLOOP_ADMINS), in which workspace (`--team`,
required when several are installed: `workspace_scope`), and how far back (`--since`).

The commands themselves are one module per group: labels_cmd, prompts_cmd, retune_cmd (and eval), review_cmd
(stats, review sample, audit), slack_cmd. Every command that changes state records who did it in `admin_actions`;
unknown ids are clear errors (exit code 2), never tracebacks; an id of another workspace's label, prompt version
or report is "does not exist", never acted on.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, ConfigError
from core.settings import get_settings
from feedback import prompt_versions as pv
from workers.interactions import known_teams


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


# The most rows a listing asks for (`--limit`, `--n`): one past Postgres' bigint was a NumericValueOutOfRange
# traceback; `labels export` reads at most this many too.
MAX_ROWS = 1_000_000


Actor = Annotated[str, typer.Option("--actor", help="Who does this (recorded). Default: $ANSWERLOOP_ADMIN or $USER.")]


def redacted(text: str) -> str:
    """A note or a reason as it is stored (labels, prompt history and reviews, audit log): with PII and secrets
    redacted like every other text Answerloop keeps — an admin pastes what the asker wrote. The guard (a few
    seconds to build) is loaded only for a note that has text."""
    if not text.strip():
        return text
    from guardrails.pii import PiiConfigError
    from workers.guard_config import guard_for

    settings = get_settings()
    try:
        guard = guard_for(settings)
    except PiiConfigError as exc:
        raise ConfigError(f"{exc} Nothing was changed.", hint="Fix the PII settings, or leave the note out.") from None
    return guard.redact(text).text


Note = Annotated[str, typer.Option("--note", help="Why (recorded; PII and secrets redacted first).", callback=redacted)]
Reason = Annotated[
    str, typer.Option("--reason", help="Why (recorded; PII and secrets redacted first).", callback=redacted)
]


Team = Annotated[
    str | None, typer.Option("--team", help="Workspace (T…) to act within; required when several are installed.")
]


def workspace_scope(conn, team: str | None) -> str | None:
    """The workspace an admin command reads: the one given (installed, or with questions here: a typo never reads
    an empty workspace); none needed with one workspace (or none) installed; refused when several are installed
    and none is given — one workspace never reads another's."""
    teams = [r["team_id"] for r in conn.execute("SELECT DISTINCT team_id FROM slack_installations").fetchall()]
    if team is not None:
        if not team.strip():
            raise AnswerloopError("--team is empty.", hint="Give a workspace id (T…), or leave --team out.")
        if team not in teams:
            require_known_workspace(conn, team)
        return team
    if len(teams) > 1:
        raise AnswerloopError(
            f"{len(teams)} workspaces are installed: say which one.",
            hint=f"Add --team with one of {', '.join(sorted(teams))}.",
        )
    return None


def require_known_workspace(conn, team: str, *, changing: bool = False) -> None:
    """`team` must be a workspace here (workers.interactions.known_teams: installed, or with questions — an
    uninstalled one keeps its knowledge): a typo never reads an empty workspace, nor (`changing`) configures one no
    question comes from."""
    known = known_teams(conn)
    if team not in known:
        unchanged = "; nothing was changed" if changing else ""
        raise AnswerloopError(
            f"Workspace {team} is not installed and has no questions here{unchanged}.",
            hint=f"Workspaces here: {', '.join(known) or 'none yet (leave out --team)'}.",
        )


# A Slack workspace (or Enterprise Grid organisation) id.
_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,}")


def check_workspace(conn, team: str, *, changing: bool = True) -> None:
    """A workspace a collection is given to or a channel is configured in (`changing`), or whose collections or
    channels are shown: a Slack workspace id and, with workspaces installed, a known one (require_known_workspace);
    a typo would be a setting no question ever reads, or an empty listing. A bot-token install keeps no installation
    row: any id is taken there (set up before the first question)."""
    if not _TEAM_ID.fullmatch(team):
        raise AnswerloopError(f"Not a Slack workspace id: {team}.", hint="Workspace ids look like T0123ABCD.")
    if conn.execute("SELECT 1 FROM slack_installations LIMIT 1").fetchone() is not None:
        require_known_workspace(conn, team, changing=changing)


@contextmanager
def workspace_change(team: str | None, actor: str) -> Iterator[tuple[db.Conn, str | None, str]]:
    """A command that changes rows of one workspace (`labels approve|reject`, `verified retire|reassign`): yields a
    connection to the admin database, the workspace acting (`workspace_scope`) and the admin acting (`acting_admin`,
    checked in that workspace); commits once when the block ends. An error in the block commits nothing: the
    connection rolls back."""
    with db.connect(admin_db_url()) as conn:
        team = workspace_scope(conn, team)
        actor = acting_admin(actor, team)
        yield conn, team, actor
        conn.commit()


def prompt_scope(conn, team: str | None) -> str:
    """The prompt scope (`feedback.prompt_versions`) a command acts in: the workspace given or the only one
    installed, as its questions resolve it; the default scope when none is installed (a bot-token install)."""
    team = workspace_scope(conn, team)
    if team is None:
        rows = conn.execute("SELECT DISTINCT team_id FROM slack_installations").fetchall()
        team = rows[0]["team_id"] if len(rows) == 1 else ""
    return pv.scope_of(conn, team)


def admin_db_url() -> str:
    return ready_database(get_settings())


def parse_since(value: str | None) -> datetime | None:
    """'7d', '12h', '2w' or an ISO date/time."""
    if value is None:
        return None
    m = re.fullmatch(r"(\d+)\s*([hdw])", value.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        try:
            return datetime.now(UTC) - timedelta(**{{"h": "hours", "d": "days", "w": "weeks"}[unit]: n})
        except OverflowError:  # before year 1: no date can be that far back
            raise AnswerloopError(
                f"--since {value!r} reaches back before any date.", hint="Use e.g. 7d, 12h, 2w or 2026-11-01."
            ) from None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise AnswerloopError(f"--since {value!r} is not a date.", hint="Use e.g. 7d, 12h, 2w or 2026-11-01.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def shorten(text: str | None, n: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
