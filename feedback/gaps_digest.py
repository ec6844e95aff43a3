"""The weekly coverage-gaps digest: the week's top gaps (feedback.gaps) posted once to an admin channel per
workspace, and the same list in the App Home review tab.

Once per week: a digest row (migration 0019) keyed by workspace and week is claimed before anything is posted, so
a second run in the same week — a beat that fired twice, a redelivered task, two beats — posts nothing. A post
that fails gives the claim back, so the next run can post. The row keeps the list that was posted (the gaps'
names, counts, closest documents and up to three example questions: redacted text only, as stored in
interactions), which is what the App Home shows; before any digest exists it computes the list live, grouping by
content terms (the bot process holds no embedding model).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from psycopg.types.json import Jsonb
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from core.db import Conn
from core.errors import ConfigError
from feedback.gaps import EmbedQuestions, Evidence, Gap, find_gaps, load_evidence

log = logging.getLogger(__name__)

# The collections everyone reading a channel may read (team, channel or None for an admin surface): the caller
# passes workers.access.readable_by_all, the one access check, which this package must not import.
ReadableBy = Callable[[Conn, str, str | None], list[str]]
# Is this channel (of the digest's workspace) one everyone there may read, a public channel? The caller asks Slack
# (conversations.info: workers.digest_tasks.public_channel_check); the request rows only say whether a question
# came from a DM, and a private channel's id looks like a public one's.
IsPublic = Callable[[str], bool]
# Is the digest's channel shared with another organisation (Slack Connect)? Its readers then include people who
# read none of the workspace's channels or documents. The caller asks Slack (workers.digest_tasks.shared_channel_check).
IsShared = Callable[[str], bool]

WINDOW = timedelta(days=7)
TOP = 5  # gaps in a digest
EXAMPLES = 3  # other wordings shown per gap
LIVE_LIMIT = 150  # the latest questions the App Home groups live: term similarity is quadratic in pure Python
# (measured here: 300 questions 1.8 s, 150 0.4 s, in the bot's event thread)
SECTION_CHARS = 3000

# Post one message: (channel, fallback text, blocks) → the message ts.
PostMessage = Callable[[str, str, list[dict]], str]

_CHANNEL = re.compile(r"[CG][A-Z0-9]{2,}")
_TEAM = re.compile(r"[TE][A-Z0-9]{2,}")


@dataclass(frozen=True)
class DigestTarget:
    team: str  # '' for a bot-token install (one workspace the database does not name)
    channel: str


@dataclass(frozen=True)
class DigestOutcome:
    target: DigestTarget
    week: date
    status: str  # posted | empty | already
    gaps: int = 0
    message_ts: str | None = None


def digest_targets(entries: Sequence[str], installed: Sequence[str]) -> list[DigestTarget]:
    """ANSWERLOOP_GAPS_CHANNEL entries as (workspace, channel): `T…:C…` for that workspace; a bare `C…` for the
    only workspace (or a bot-token install). With several workspaces installed a bare channel names none of
    them, and is an error rather than a digest of one workspace posted where another can read it."""
    targets = []
    for raw in entries:
        entry = raw.strip()
        team, _, channel = entry.rpartition(":")
        if not _CHANNEL.fullmatch(channel) or (team and not _TEAM.fullmatch(team)):
            raise ConfigError(
                f"ANSWERLOOP_GAPS_CHANNEL entry {entry!r} is not a channel id.",
                hint='Use channel ids, e.g. ["C0123ABCD"], or ["T0123:C0123ABCD"] per workspace.',
            )
        if not team:
            if len(installed) > 1:
                raise ConfigError(
                    f"ANSWERLOOP_GAPS_CHANNEL entry {entry!r} names no workspace, and {len(installed)} are installed.",
                    hint=f'Prefix it with the workspace: "{sorted(installed)[0]}:{channel}".',
                )
            team = installed[0] if installed else ""
        targets.append(DigestTarget(team, channel))
    return targets


def week_of(moment: datetime) -> date:
    """The Monday of the moment's ISO week: the digest's key."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _escape(text: str) -> str:
    """Slack mrkdwn: & < > escaped, so a question can't form a link or a mention (its <PLACEHOLDERS> show)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def gap_section(rank: int, gap: dict, examples: int = EXAMPLES) -> SectionBlock:
    """One gap (as `Gap.as_dict`): its name, how often and by how many it was asked, the closest documents, and
    other wordings."""
    lines = [f"*{rank}. {_escape(_clip(gap['name'], 300))}*"]
    askers = gap.get("askers") or 0
    asked = f"asked {gap['count']}×" + (f" by {askers} {'person' if askers == 1 else 'people'}" if askers else "")
    lines.append(f"{asked} · I don't know {gap['dont_know']} · :-1: {gap['voted_down']}")
    docs = gap.get("closest_documents") or []
    lines.append("Closest documents: " + (_escape(", ".join(docs)) if docs else "none"))
    others = [q for q in gap.get("examples", []) if q != gap["name"]][:examples]
    if others:
        lines.append("Also asked: " + " · ".join(f"“{_escape(_clip(q, 200))}”" for q in others))
    if gap.get("has_approved_correction"):
        lines.append(":white_check_mark: a correction was approved")
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_CHARS]))


def asked_privately(e: Evidence, *, channel: str | None, is_public: IsPublic | None) -> bool:
    """Was the question asked where the readers of `channel` (the digest's; None: an admin's App Home) are not: a
    DM, a group DM or a private channel, or an /ask only its asker saw (`Evidence.asker_only`, whatever the
    channel)? Its text is the asker's, even redacted, so it is counted, not quoted. Without `is_public` only what
    the request row says is known: a DM, or a G… id (a private channel or group DM). A question asked outside
    Slack (the CLI, a batch) has no conversation and is not private to one."""
    if e.asker_only:
        return True
    if not e.channel_id or e.channel_id == channel:
        return False
    if e.in_dm or e.channel_id[:1] == "G":
        return True
    return is_public is not None and not is_public(e.channel_id)


def split_private(
    evidence: Sequence[Evidence], *, channel: str | None, is_public: IsPublic | None
) -> tuple[list[Evidence], int]:
    """(the questions that may be quoted to `channel`, how many others were asked privately); Slack is asked once
    per channel."""
    check: IsPublic | None = None
    if is_public is not None:
        ask, known = is_public, dict[str, bool]()

        def once_per_channel(ch: str) -> bool:
            if ch not in known:
                known[ch] = bool(ask(ch))
            return known[ch]

        check = once_per_channel

    quotable = [e for e in evidence if not asked_privately(e, channel=channel, is_public=check)]
    return quotable, len(evidence) - len(quotable)


PRIVATELY = "in DMs or private channels"
OUTSIDE_SHARED = "outside this channel, which another organisation shares"


def _private_note(private: int, where: str = PRIVATELY) -> str:
    return f"{private} more asked {where} are counted here, not quoted" if private else ""


def digest_message(
    gaps: Sequence[dict], *, week: date, questions: int, private: int = 0, where: str = PRIVATELY
) -> tuple[str, list[Block]]:
    """The digest as a fallback text and Block Kit blocks (slack_sdk.models.blocks). `questions`: the ones the
    gaps are made of; `private`: how many more were asked `where` its readers were not (never quoted)."""
    if gaps:
        text = (
            f"Coverage gaps, week of {week:%Y-%m-%d}: {len(gaps)} topic(s) from {questions} unanswered or "
            ":-1: question(s)"
            + (f"; {_private_note(private, where)}" if private else "")
            + ". The documents don't cover these yet."
        )
    else:
        text = (
            f"Coverage gaps, week of {week:%Y-%m-%d}: {private} unanswered or :-1: question(s) asked {where}, "
            "counted here, not quoted. The documents don't cover these yet."
        )
    blocks: list[Block] = [
        HeaderBlock(text=f"Coverage gaps — week of {week:%Y-%m-%d}"),
        SectionBlock(text=MarkdownTextObject(text=_escape(text))),
        DividerBlock(),
    ]
    blocks += [gap_section(i, g) for i, g in enumerate(gaps, 1)]
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Write or extend the closest document, then `answerloop gaps --since 7d` for every gap."
                )
            ]
        )
    )
    return text, blocks


def _claim(conn: Conn, target: DigestTarget, week: date) -> bool:
    row = conn.execute(
        "INSERT INTO gaps_digests (team_id, week, channel_id, status) VALUES (%s, %s, %s, 'posting') "
        "ON CONFLICT (team_id, week) DO NOTHING RETURNING week",
        (target.team, week, target.channel),
    ).fetchone()
    conn.commit()
    return row is not None


def post_weekly_digest(
    conn: Conn,
    target: DigestTarget,
    post: PostMessage,
    *,
    now: datetime,
    embed: Callable[[], EmbedQuestions | None],
    readable_by: ReadableBy,
    is_public: IsPublic,
    is_shared: IsShared | None = None,
    threshold: float | None = None,
    top: int = TOP,
) -> DigestOutcome:
    """Post the last seven days' top gaps of the target's workspace to its channel, unless this week's digest
    was already posted (or is being posted). A week without any gap posts nothing. `embed()` gives the question
    embedder (None: group by content terms); it is only asked for once the week is claimed. Questions asked in a
    DM or a private channel other than the target (`is_public` says which channels are public) are counted, never
    quoted: they make no gap, so neither their text nor their closest documents reach the channel. A target
    shared with another organisation (`is_shared`) is read by people of neither the workspace's channels nor its
    documents: only what was asked in it is quoted there, and no document is named."""
    week = week_of(now)
    if not _claim(conn, target, week):
        return DigestOutcome(target, week, "already")
    try:
        embedder = embed()
        # The claim is held until its list is written: a purge (workers.retention) running meanwhile waits for the
        # list and removes the questions older than its cut, which were read here before it deleted them.
        conn.execute("SELECT 1 FROM gaps_digests WHERE team_id = %s AND week = %s FOR UPDATE", (target.team, week))
        shared = is_shared is not None and is_shared(target.channel)
        readable = [] if shared else readable_by(conn, target.team, target.channel)  # members may not read HR
        evidence = load_evidence(conn, now - WINDOW, team=target.team or None, readable=readable)
        quotable, private = split_private(evidence, channel=target.channel, is_public=is_public)
        if shared:
            quotable = [e for e in quotable if e.channel_id == target.channel]
            private = len(evidence) - len(quotable)
        cut = threshold if threshold is not None else (0.5 if embedder is not None else 0.3)
        gaps = [g.as_dict(examples=EXAMPLES + 1) for g in find_gaps(quotable, embedder, threshold=cut)[:top]]
        ts = None
        if gaps or private:
            where = OUTSIDE_SHARED if shared else PRIVATELY
            text, blocks = digest_message(gaps, week=week, questions=len(quotable), private=private, where=where)
            ts = post(target.channel, text, [b.to_dict() for b in blocks])
    except Exception:
        conn.rollback()
        conn.execute("DELETE FROM gaps_digests WHERE team_id = %s AND week = %s", (target.team, week))
        conn.commit()  # the next run may post this week's digest
        raise
    conn.execute(
        "UPDATE gaps_digests SET status = %s, questions = %s, gaps = %s, message_ts = %s, computed_at = now() "
        "WHERE team_id = %s AND week = %s",
        ("posted" if ts else "empty", len(evidence), Jsonb(gaps), ts, target.team, week),
    )
    conn.commit()
    log.info("gaps digest team=%s week=%s gaps=%d private=%d", target.team or "-", week, len(gaps), private)
    return DigestOutcome(target, week, "posted" if ts else "empty", len(gaps), ts)


def _posted_privately(channel: str, is_public: IsPublic | None) -> bool:
    """A digest quotes the questions asked in its own channel, to that channel's members: posted to a private
    channel, it is not for every admin who opens the App Home (they get the live list, which counts those)."""
    return channel[:1] in ("D", "G") or (is_public is not None and not is_public(channel))


def _has_text(gaps: Sequence[dict]) -> bool:
    """Retention (workers.retention) removes a digest's questions once they are older than its cut and keeps this
    week's row (the week's claim) with the counts only: nothing there to show."""
    return all("name" in g for g in gaps)


def home_gaps(
    conn: Conn,
    team: str | None,
    *,
    now: datetime,
    readable_by: ReadableBy,
    top: int = TOP,
    is_public: IsPublic | None = None,
) -> tuple[str, list[dict], int]:
    """What the App Home shows: this or last week's posted digest of the workspace (its own, or the bot-token
    install's) unless it went to a private channel, else the last seven days grouped live by content terms.
    Returns (where it comes from, gaps, how many questions were left out as private). Live, questions asked in
    DMs and private channels are counted, not quoted, like in the digest (`is_public`: the caller's Slack check,
    e.g. workers.digest_tasks.public_channel_check; asked once per channel); without it, only those the request
    rows show to be private (DMs, G… ids) are — a private channel's C… id looks public."""
    row = conn.execute(
        "SELECT week, gaps, channel_id FROM gaps_digests "
        "WHERE team_id IN (%s, '') AND status = 'posted' AND week >= %s "
        "ORDER BY week DESC, team_id DESC LIMIT 1",
        (team or "", week_of(now) - timedelta(days=7)),
    ).fetchone()
    readable = set(readable_by(conn, team or "", None))  # any admin may open it: public collections' titles only
    if row is not None and not _posted_privately(row["channel_id"], is_public) and _has_text(row["gaps"]):
        stored = [
            g if set(g.get("collections") or ()) <= readable else {**g, "closest_documents": []}
            for g in list(row["gaps"])[:top]
        ]
        return f"weekly digest of {row['week']:%Y-%m-%d}", stored, 0
    evidence = load_evidence(conn, now - WINDOW, team=team, limit=LIVE_LIMIT, readable=sorted(readable))
    quotable, private = split_private(evidence, channel=None, is_public=is_public)
    gaps: list[Gap] = find_gaps(quotable, None, threshold=0.3)[:top]
    return "last 7 days", [g.as_dict(examples=EXAMPLES + 1) for g in gaps], private
