"""Who may read which collection: the one access check every Slack question goes through.

A collection belongs to one workspace and is `public` (any channel or DM of that workspace) or `restricted`
to the members of listed channels and/or user groups. For a question the check yields a `Scope`:

- `post`: collections whose passages may appear where the answer is posted — the asker's DM when the asker
  may read them; a channel only for public collections and for restricted ones that list that very channel
  (everyone who can read the answer is then a member);
- `private`: restricted collections the asker may read but the conversation's other readers may not (an
  ephemeral answer, only the asker sees it);
- nothing else: collections of other workspaces, and restricted ones the asker may not read, are never
  searched — their titles and links can't appear in "closest documents" either.

Slack Connect: a channel shared with another organisation is read by people outside the workspace, so only
collections that list that very channel are posted there (the rest the asker may read is answered privately),
and a person of another organisation may read nothing but those collections, wherever they ask (a DM with the
bot lists none: nothing).

Membership comes from Slack (`conversations.members`, `usergroups.users.list`), cached briefly; any Slack
error or timeout means "not a member" — never "allowed".
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk.errors import SlackApiError

from core.db import Conn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Asker:
    team_id: str
    user_id: str
    channel_id: str
    is_dm: bool  # the conversation is the asker's 1:1 DM with the bot: the asker is its only other reader
    outsiders: bool = False  # the conversation is shared with another organisation (Slack Connect)
    from_outside: bool = False  # the asker's account is another organisation's (a Slack Connect guest)


@dataclass(frozen=True)
class CollectionAccess:
    name: str
    team_id: str | None
    visibility: str  # public | restricted
    allowed_channels: tuple[str, ...] = ()
    allowed_usergroups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    post: list[str] = field(default_factory=list)
    private: list[str] = field(default_factory=list)


class Membership(Protocol):
    def in_channel(self, team_id: str, channel_id: str, user_id: str) -> bool: ...

    def in_usergroup(self, team_id: str, usergroup_id: str, user_id: str) -> bool: ...


class Organisations(Protocol):
    def shared_externally(self, team_id: str, channel_id: str) -> bool | None: ...

    def home_team(self, team_id: str, user_id: str) -> str | None: ...


class SlackMembership:
    """Members from Slack's Web API, cached `ttl_s` per (workspace, channel or group). A failed lookup is
    not cached (the next question asks again) and counts as "not a member". Also who is outside the
    organisation (`Organisations`), from conversations.info and users.info, cached and failing closed alike."""

    def __init__(self, client_for: Callable[[str], object], ttl_s: float = 60.0) -> None:
        self._client_for = client_for  # team id → slack_sdk WebClient of that workspace
        self.ttl_s = ttl_s
        self._cache: dict[tuple[str, str, str], tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def _members(self, team_id: str, kind: str, ref: str, fetch: Callable[[object], set[str]]) -> frozenset[str]:
        key = (team_id, kind, ref)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        try:
            members = frozenset(fetch(self._client_for(team_id)))
        except Exception as exc:  # Slack error, timeout, no token: deny, say why
            # "not a member", "shared with outsiders", "of another organisation": the answer that shows least
            log.warning("%s %s in %s unavailable from Slack (taken as the safest answer): %s", kind, ref, team_id, exc)
            return frozenset()
        with self._lock:
            self._cache[key] = (now, members)
        return members

    def in_channel(self, team_id: str, channel_id: str, user_id: str) -> bool:
        def fetch(client) -> set[str]:
            out: set[str] = set()
            cursor = None
            for _ in range(100):  # 100 pages of 999: far beyond any channel; never an endless loop
                resp = client.conversations_members(channel=channel_id, limit=999, cursor=cursor)
                out.update(resp["members"])
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            return out

        return user_id in self._members(team_id, "channel", channel_id, fetch)

    def in_usergroup(self, team_id: str, usergroup_id: str, user_id: str) -> bool:
        def fetch(client) -> set[str]:
            return set(client.usergroups_users_list(usergroup=usergroup_id)["users"])

        return user_id in self._members(team_id, "usergroup", usergroup_id, fetch)

    def shared_externally(self, team_id: str, channel_id: str) -> bool | None:
        """Is the conversation shared with another organisation (or being shared)? When Slack can't say: yes.
        None when the bot cannot see it (a DM between two people, a private channel it is not in): nothing it
        posts can land there, an answer reaches the asker alone (a command's response_url). Not cached: the bot
        may be invited next minute."""

        def fetch(client) -> set[str]:
            try:
                info = client.conversations_info(channel=channel_id)["channel"]
            except SlackApiError as exc:
                if exc.response.get("error") == "channel_not_found":
                    return {"unseen"}
                raise
            shared = bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared"))
            return {"shared"} if shared else {"not shared"}

        facts = self._members(team_id, "conversation", channel_id, fetch)
        if "unseen" in facts:
            with self._lock:
                self._cache.pop((team_id, "conversation", channel_id), None)
            return None
        return "not shared" not in facts

    def home_team(self, team_id: str, user_id: str) -> str | None:
        """The workspace a person's account belongs to (a Slack Connect guest's is their own); None if unknown."""

        def fetch(client) -> set[str]:
            return {str(client.users_info(user=user_id)["user"].get("team_id") or "")} - {""}

        return next(iter(self._members(team_id, "user", user_id, fetch)), None)


def of_another_organisation(orgs: object, team_id: str, user_id: str) -> bool:
    """Is this person's account not the workspace's own (a Slack Connect guest: their id looks like anyone's)?
    Failing closed: yes when Slack can't say, or when `orgs` cannot be asked (a Membership that is not also
    `Organisations`)."""
    home_team = getattr(orgs, "home_team", None)
    return home_team is None or home_team(team_id, user_id) != team_id


def asker_in(team_id: str, user_id: str, channel_id: str, *, is_dm: bool, orgs: Organisations) -> Asker:
    """The asker of a question, with who else reads the conversation: people of another organisation when it is
    a Slack Connect conversation. The asker's own organisation is asked about (failing closed too) there, in a
    conversation the bot cannot see, and in the asker's DM with the bot — a guest can write to the bot directly,
    and Slack does not call that DM shared; in any other conversation of the workspace everyone is its own."""
    shared = orgs.shared_externally(team_id, channel_id)
    # A conversation the bot cannot see (None), or the bot's DM, has no reader of what it posts but the asker:
    # who asks decides everything there.
    from_outside = (is_dm or shared is not False) and of_another_organisation(orgs, team_id, user_id)
    return Asker(team_id, user_id, channel_id, is_dm=is_dm, outsiders=bool(shared), from_outside=from_outside)


@dataclass(frozen=True)
class AskedIn:
    """Where a question was asked, as its Slack request says: who else could read it there."""

    channel_id: str = ""  # '' asked outside Slack (the CLI, a batch): in no conversation
    asker: str = ""
    in_dm: bool = False  # the asker's DM with the bot: nobody else reads it
    asker_only: bool = False  # only its asker saw it (an /ask answered to them alone)

    @classmethod
    def of_label(cls, row: dict) -> AskedIn:
        """From a row of feedback.labels.list_labels (its asked_* columns)."""
        return cls(row["asked_channel"], row["asked_by"], bool(row["asked_in_dm"]), bool(row["asked_by_asker_only"]))

    @property
    def asker_alone(self) -> bool:
        """Read by its asker alone, whatever Slack says of the channel: a DM (a D… id: with the bot or between two
        people), or an answer only the asker saw."""
        return self.in_dm or self.asker_only or self.channel_id[:1] == "D"


def may_see_where_asked(
    team_id: str,
    viewer: str,
    asked: AskedIn,
    *,
    is_public: Callable[[str], bool] | None,
    membership: Membership | None,
) -> bool:
    """May `viewer` read a question where it was asked (what someone asked is theirs, even redacted: shown only to
    who could read it there)? Its asker; in a public channel (`is_public`: Slack's word,
    workers.digest_tasks.public_channel_check) anyone of the workspace; in a private one its members
    (`membership`, failing closed). Without `is_public` / `membership`, only what the request shows is private:
    a DM, an answer only its asker saw, a G… id. A question asked outside Slack is in no conversation."""
    if asked.asker and viewer == asked.asker:
        return True
    if asked.asker_alone:
        return False
    if not asked.channel_id:
        return True
    if is_public is None:
        return asked.channel_id[:1] != "G"
    if is_public(asked.channel_id):
        return True
    return membership is not None and membership.in_channel(team_id, asked.channel_id, viewer)


def claim_unowned(conn: Conn, team_id: str) -> int:
    """A single-workspace install needs no configuration: the only workspace the bot knows owns collections
    nobody owns yet. Never when another workspace owns a collection or several are installed (then an admin
    assigns them: `answerloop collections set NAME --team T`)."""
    return conn.execute(
        """
        UPDATE collections SET team_id = %(team)s, access_updated_by = 'claimed on first question'
        WHERE team_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM collections o WHERE o.team_id IS NOT NULL AND o.team_id <> %(team)s)
          AND NOT EXISTS (SELECT 1 FROM slack_installations s WHERE s.team_id <> %(team)s)
        """,
        {"team": team_id},
    ).rowcount


_ACCESS_COLUMNS = "name, team_id, visibility, allowed_channels, allowed_usergroups"


def _access(row: dict) -> CollectionAccess:
    return CollectionAccess(
        row["name"], row["team_id"], row["visibility"], tuple(row["allowed_channels"]), tuple(row["allowed_usergroups"])
    )


def workspace_collections(conn: Conn, team_id: str) -> list[CollectionAccess]:
    rows = conn.execute(
        f"SELECT {_ACCESS_COLUMNS} FROM collections WHERE team_id = %s ORDER BY name", (team_id,)
    ).fetchall()
    return [_access(r) for r in rows]


def may_read(asker: Asker, c: CollectionAccess, membership: Membership) -> bool:
    """May this person read this collection (whatever conversation they are in)?"""
    if c.team_id != asker.team_id:
        return False
    if c.visibility == "public":
        return True
    return any(membership.in_channel(asker.team_id, ch, asker.user_id) for ch in c.allowed_channels) or any(
        membership.in_usergroup(asker.team_id, g, asker.user_id) for g in c.allowed_usergroups
    )


def scope_for(
    conn: Conn,
    asker: Asker,
    configured: Sequence[str] | None,
    membership: Membership,
    *,
    defaults: Sequence[str] = (),
) -> Scope:
    """The collections a question may be answered from, split by who will read the answer.

    `configured`: the channel's collections (`channels set`), else `defaults` (ANSWERLOOP_DEFAULT_COLLECTIONS),
    else every collection of the workspace — always intersected with what the asker may read."""
    claim_unowned(conn, asker.team_id)
    owned = workspace_collections(conn, asker.team_id)
    wanted = configured if configured is not None else (defaults or None)
    candidates = [c for c in owned if wanted is None or c.name in wanted]
    scope = Scope()
    for c in candidates:
        listed = asker.channel_id in c.allowed_channels  # every reader of this conversation may read it
        if (asker.from_outside and not listed) or not may_read(asker, c, membership):
            continue
        if listed or (not asker.outsiders and (c.visibility == "public" or asker.is_dm)):
            scope.post.append(c.name)
        else:
            scope.private.append(c.name)
    return scope


# What each verified answer was made from: the collections of the documents its corrected answer cited
# (`verified_answers.sources`), or — when it cited none, as a correction of an "I don't know" — every collection the
# original question searched, since its author may have written it from any of them (an HR reader's DM, a private
# channel). So too when it cited a verified answer (never among the sources): that one may have been made from any
# collection the question searched, whichever collection it lives in. A NULL name (a source without its
# collection) can be vouched for by nobody.
_MADE_FROM_SQL = """
    SELECT va.document_id,
           CASE WHEN jsonb_array_length(coalesce(va.sources, '[]')) > 0
                     AND NOT coalesce(i.citations @> '[{{"verified": true}}]', false)
                THEN ARRAY(SELECT s->>'collection' FROM jsonb_array_elements(va.sources) s)
                ELSE coalesce(i.collections, ARRAY[va.collection])
                     || ARRAY(SELECT s->>'collection' FROM jsonb_array_elements(coalesce(va.sources, '[]')) s)
                END AS made_from
    FROM verified_answers va
    LEFT JOIN labels l ON l.id = va.label_id
    LEFT JOIN interactions i ON i.id = l.interaction_id
    WHERE va.document_id IS NOT NULL AND {where}
"""


def _made_from(conn: Conn, where: str, params: dict) -> dict[int, list[str | None]]:
    rows = conn.execute(_MADE_FROM_SQL.format(where=where), params).fetchall()
    return {r["document_id"]: list(r["made_from"] or ()) for r in rows}


def verified_made_from(conn: Conn, document_id: int) -> list[str | None]:
    """The collections one verified answer was made from (see `_MADE_FROM_SQL`); [] when it has no document."""
    return _made_from(conn, "va.document_id = %(doc)s", {"doc": document_id}).get(document_id, [])


def verified_beyond(conn: Conn, searched: Sequence[str], readable: Sequence[str]) -> list[int]:
    """The verified answers among the `searched` collections that were made from what a reader of only the
    `readable` ones may not read: their document ids, never to be retrieved for that reader.

    A verified answer lives in one collection, but was made from more (`_MADE_FROM_SQL`). It is served only where
    all of those may be read; checked at read time, so a collection restricted after the approval hides its
    verified answers too."""
    allowed = set(readable)
    made = _made_from(conn, "va.collection = ANY(%(searched)s)", {"searched": list(searched)})
    return [doc for doc, names in made.items() if any(n is None or n not in allowed for n in names)]


def readable_by_all(conn: Conn, team_id: str, channel_id: str | None = None) -> list[str]:
    """The collections everyone reading `channel_id` may read: the workspace's public ones (and unowned public
    ones, which only a single workspace can claim), and restricted ones listing that very channel. Without a
    channel (an admin's App Home: no membership looked up), the public ones only. For what is shown to a
    channel rather than asked by a person — the gaps digest."""
    rows = conn.execute(
        "SELECT name FROM collections WHERE (%(team)s = '' OR team_id = %(team)s OR team_id IS NULL) "
        "AND (visibility = 'public' OR (%(channel)s::text IS NOT NULL AND %(channel)s = ANY(allowed_channels))) "
        "ORDER BY name",
        {"team": team_id, "channel": channel_id},
    ).fetchall()
    return [r["name"] for r in rows]


def may_read_all(conn: Conn, team_id: str, user_id: str, names: Sequence[str], membership: Membership) -> bool:
    """May this person read every one of these collections (for what is sent to one person, not asked: a verified
    answer's review DM)? An unknown collection is a no. `team_id` '' (a bot-token install): each collection's own
    workspace, and an unowned one only when public."""
    wanted = set(names)
    rows = conn.execute(f"SELECT {_ACCESS_COLUMNS} FROM collections WHERE name = ANY(%s)", (sorted(wanted),)).fetchall()
    if {r["name"] for r in rows} != wanted:
        return False
    for c in map(_access, rows):
        if not team_id and c.team_id is None:
            if c.visibility != "public":
                return False
            continue
        if not may_read(Asker(team_id or c.team_id or "", user_id, "", is_dm=True), c, membership):
            return False
    return True


def demos_beyond(conn: Conn, interaction_ids: Sequence[str], readable: Sequence[str]) -> set[str]:
    """Of these source interactions of few-shot demos (a prompt version's examples, chosen from approved 👍 and
    corrections of the whole workspace), those whose question searched a collection outside `readable` — or that
    are gone, so cannot be vouched for: their demos are not sent to the model with this reader's question."""
    valid = {}
    for ref in interaction_ids:
        try:
            valid[ref] = str(uuid.UUID(ref))
        except (ValueError, TypeError, AttributeError):
            continue
    rows = conn.execute(
        "SELECT id::text AS id, collections FROM interactions WHERE id = ANY(%s::uuid[])",
        (sorted(set(valid.values())),),
    ).fetchall()
    searched = {r["id"]: set(r["collections"] or ()) for r in rows}
    allowed = set(readable)
    return {ref for ref in interaction_ids if valid.get(ref) not in searched or not searched[valid[ref]] <= allowed}
