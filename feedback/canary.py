"""Canary tests of a prompt version: a candidate answers a share of a workspace's askers, the rest keep the active
version, until `promote` makes it active for everyone or `end` (rollback) sends everyone back.

Who gets the candidate is sticky per asker: a stable hash of the canary's version, the asker's workspace and user
id puts each asker in one of 10,000 buckets, and buckets below percent × 100 get the candidate. The same person
always gets the same version (a conversation never flips between versions); raising the share keeps everyone
already in it; a new canary (another version) draws a different group, so the same people are not always the
ones trying new versions. A question without a known asker (command line, batch, the retune's own runs) gets the
active version. The version that answered is recorded on every interaction (`interactions.prompt_version_id`),
which is what `stats --by-version` compares.

One canary at most per prompt scope (migration 0019); every change is an `admin_actions` row with the scope.

A rejected version is never canaried or promoted unless forced (feedback/prompt_versions.py says why), and `reject`
ends the canary of the version it rejects in the same transaction: a rejected version answers no one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.db import Conn
from core.errors import AnswerloopError
from feedback import prompt_versions as pv
from feedback.audit import record_action

BUCKETS = 10_000


@dataclass(frozen=True)
class Canary:
    id: int
    scope: str
    version_id: int
    percent: float
    started_by: str
    started_at: datetime

    def as_dict(self) -> dict:
        return {
            "version": self.version_id,
            "percent": self.percent,
            "started_by": self.started_by,
            "started_at": self.started_at.isoformat(),
        }


@dataclass(frozen=True)
class Ended:
    """A canary that was ended, and the version everyone is answered with now."""

    canary: Canary
    outcome: str  # promoted | rolled_back | rejected (migration 0024)
    active: int


def bucket(version_id: int, team_id: str, user_id: str) -> int:
    """The asker's bucket (0..9,999) for a canary of `version_id`: the same for the same three, always."""
    digest = hashlib.sha256(f"{version_id}:{team_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_canary(canary: Canary, team_id: str, user_id: str) -> bool:
    return bool(user_id) and bucket(canary.version_id, team_id, user_id) < round(canary.percent * BUCKETS / 100)


def _canary(row: dict) -> Canary:
    return Canary(
        id=row["id"],
        scope=row["team_id"],
        version_id=row["version_id"],
        percent=float(row["percent"]),
        started_by=row["started_by"],
        started_at=row["started_at"],
    )


def running(conn: Conn, scope: str, *, lock: bool = False) -> Canary | None:
    """The scope's running canary, if any."""
    row = conn.execute(
        "SELECT id, team_id, version_id, percent, started_by, started_at FROM prompt_canaries "
        "WHERE team_id = %s AND ended_at IS NULL" + (" FOR UPDATE" if lock else ""),
        (scope,),
    ).fetchone()
    return _canary(row) if row else None


def serving_version(conn: Conn, team_id: str | None, user_id: str = "") -> pv.PromptVersion:
    """The version a question from this asker is answered with: the canary's when the asker's bucket is in its
    share, else the workspace's active version (its own, else the shared seed)."""
    scope = pv.scope_of(conn, team_id)
    canary = running(conn, scope)
    if canary is not None and in_canary(canary, team_id or "", user_id):
        return pv.get_version(conn, canary.version_id, scope)
    return pv.active_version(conn, scope)


def _check_percent(percent: float) -> Decimal:
    # Checked as stored (two decimals): 0.004 would pass a check of the float and become a 0.00 % canary.
    share = Decimal(str(round(percent, 2))) if 0 < percent <= 100 else Decimal(0)
    if share <= 0:
        raise AnswerloopError(
            f"--percent {percent:g} is not a share of traffic.",
            hint="Give a percentage of at least 0.01 and at most 100, e.g. --percent 10.",
        )
    return share


def _lock_scope(conn: Conn, scope: str) -> None:
    """Serialises canary changes of one scope (the first one has no row to lock) with each other and with moves of
    its active pointer (the pointer's lock): a canary started while its version was being activated would read the
    old pointer and run beside the version everyone already gets."""
    pv.lock_pointer(conn, scope)


def start(
    conn: Conn,
    version_id: int,
    percent: float,
    actor: str,
    *,
    scope: str,
    reason: str = "",
    force: bool = False,
) -> float | None:
    """Serve `version_id` to `percent` of the scope's askers. Starting it again with another share changes the
    share (askers already in it stay in it when it grows). A rejected version is refused unless `force` (each
    start or change of share of it is an override, audited). Returns the previous share, or None for a new
    canary."""
    share = _check_percent(percent)
    pv.get_version(conn, version_id, scope)  # "does not exist" for unknown ids and other workspaces' versions
    _lock_scope(conn, scope)
    active = pv.active_version_id(conn, scope)
    if version_id == active:
        raise AnswerloopError(
            f"v{version_id} is already the active version: every question is answered with it.",
            hint="A canary tries a version that is not active yet; `answerloop prompts list` shows them.",
        )
    overrides = pv.refuse_rejected(conn, version_id, "canary", force=force)  # under the lock: sees a rejection
    current = _running_unless_active(conn, scope, actor, active)
    if current is not None and current.version_id != version_id:
        raise AnswerloopError(
            f"v{current.version_id} is already in a canary ({current.percent:g}% of askers).",
            hint=f"End it first: `answerloop prompts promote {current.version_id}` or `answerloop prompts rollback`.",
        )
    details: dict = {"team": scope, "percent": float(share), "active": active, "reason": reason, **overrides}
    if current is None:
        conn.execute(
            "INSERT INTO prompt_canaries (team_id, version_id, percent, started_by) VALUES (%s, %s, %s, %s)",
            (scope, version_id, share, actor),
        )
    else:
        conn.execute("UPDATE prompt_canaries SET percent = %s WHERE id = %s", (share, current.id))
        details["previous_percent"] = current.percent
    record_action(conn, actor, "prompts.canary", f"v{version_id}", details)
    return current.percent if current else None


def _finish(conn: Conn, canary: Canary, actor: str, outcome: str, reason: str, **extra: object) -> None:
    conn.execute(
        "UPDATE prompt_canaries SET ended_at = now(), ended_by = %s, outcome = %s WHERE id = %s",
        (actor, outcome, canary.id),
    )
    details = {"team": canary.scope, "outcome": outcome, "percent": canary.percent, "reason": reason, **extra}
    record_action(conn, actor, "prompts.canary_end", f"v{canary.version_id}", details)


def _running_unless_active(conn: Conn, scope: str, actor: str, active: int) -> Canary | None:
    """The scope's running canary, locked; one whose version was made active for everyone another way (approved
    in the App Home, activated by a caller that did not end it) has nothing left to test: it is ended (promoted,
    an audit row) and None returned, so it neither blocks the next canary nor turns a rollback into its end."""
    current = running(conn, scope, lock=True)
    if current is not None and current.version_id == active:
        _finish(conn, current, actor, "promoted", f"v{active} was already active for everyone")
        return None
    return current


def promote(conn: Conn, version_id: int, actor: str, *, scope: str, reason: str = "", force: bool = False) -> Ended:
    """End the scope's canary of `version_id` by making it the active version for everyone (a retuned candidate
    waiting for review is approved as it is promoted; a rejected one is refused unless `force`)."""
    pv.get_version(conn, version_id, scope)
    _lock_scope(conn, scope)
    canary = running(conn, scope, lock=True)
    if canary is None or canary.version_id != version_id:
        now = f"v{canary.version_id} is" if canary else "no version is"
        rejected = pv.rejection(conn, version_id)
        if rejected is not None:  # its canary ended when it was rejected: starting one is refused too, so say why
            raise pv.RejectedVersion(
                f"v{version_id} is not in a canary ({now}): {rejected.describe()}; a rejection ends its canary.",
                hint=f"`answerloop prompts approve {version_id} --force` reverses the rejection; "
                f"`answerloop prompts activate {version_id} --force` serves it anyway (recorded in the audit log "
                "as an override).",
            )
        raise AnswerloopError(
            f"v{version_id} is not in a canary ({now}).",
            hint=f"`answerloop prompts canary {version_id} --percent 10` starts one; "
            f"`answerloop prompts activate {version_id}` activates it for everyone at once.",
        )
    note = reason or f"canary at {canary.percent:g}% promoted"
    if pv.active_version_id(conn, scope) != version_id:
        _refuse_stale(conn, canary, pv.active_version_id(conn, scope))
        if pv.review_status(conn, version_id) == "pending":
            pv.approve(conn, version_id, actor, note, scope=scope)
        else:
            pv.activate(conn, version_id, actor, reason=note, kind="promote", scope=scope, force=force)
    _finish(conn, canary, actor, "promoted", note)
    return Ended(canary, "promoted", version_id)


def _refuse_stale(conn: Conn, canary: Canary, active: int) -> None:
    """A canary's figures compare its version with the version active when it started. Once another version was
    made active for everyone (`prompts activate`, an approval, a rollback, a retune), promoting the canary would
    replace that one with a version never compared with it: refused, saying how to compare again."""
    moves = pv.moves_since(conn, canary.scope, canary.started_at)
    baseline = (moves[0]["previous_version_id"] or pv.SEED_VERSION_ID) if moves else active
    if baseline == active:
        return
    moved = moves[-1]  # the move that made `active` active
    v = canary.version_id
    raise AnswerloopError(
        f"v{v}'s canary compared it with v{baseline}, but v{active} is active for everyone since "
        f"{moved['at']:%Y-%m-%d %H:%M} ({moved['actor']}): promoting v{v} would replace v{active} with a version "
        "never compared with it; nothing was changed.",
        hint=f"`answerloop prompts rollback` ends this canary and `answerloop prompts canary {v} --percent N` starts "
        f"one against v{active}; or `answerloop prompts activate {v}` makes it active anyway.",
    )


def end(conn: Conn, actor: str, *, scope: str, reason: str = "") -> Ended | None:
    """Roll the scope's canary back: everyone is answered with the active version again (the pointer does not
    move). None when no canary runs."""
    _lock_scope(conn, scope)
    active = pv.active_version_id(conn, scope)
    canary = _running_unless_active(conn, scope, actor, active)
    if canary is None:
        return None
    _finish(conn, canary, actor, "rolled_back", reason or f"canary of v{canary.version_id} rolled back")
    return Ended(canary, "rolled_back", active)


def reject(conn: Conn, version_id: int, actor: str, note: str = "", *, scope: str) -> Ended | None:
    """Reject a version waiting for review and, in the same transaction, end its canary if one runs (outcome
    rejected): a rejected version answers no one. Returns the ended canary,
    None when the version was in none. The CLI and the App Home's reject button both come here."""
    _lock_scope(conn, scope)
    pv.record_rejection(conn, version_id, actor, note, scope=scope)
    current = running(conn, scope, lock=True)
    if current is None or current.version_id != version_id:
        return None
    why = f"v{version_id} rejected" + (f": {note}" if note else "")
    _finish(conn, current, actor, "rejected", why)
    return Ended(current, "rejected", pv.active_version_id(conn, scope))
