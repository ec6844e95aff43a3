"""The agent DM (the app's Messages tab, `agent_view`): when a person opens it, Slack's suggested prompts are the
most-asked questions that got a 👍 in the collections this person may search from their DM — or, when there
are none yet, a fixed helpful set. A question's text is its asker's, even redacted: another person is suggested
only questions asked in public channels (Slack's word, failing closed) where the channel saw them, never one
from a DM, a group DM or a private channel, as the gaps digest never quotes them, nor an /ask only its asker
saw. App Home (the Home tab) stays the admin review surface."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import payload
from core import db
from core.db import Conn
from core.errors import DatabaseUnavailable
from core.settings import Settings
from workers.access import Asker, Membership, SlackMembership, of_another_organisation, scope_for
from workers.digest_tasks import public_channel_check
from workers.slack.installations import bot_token_for

log = logging.getLogger(__name__)

MAX_PROMPTS = 4  # Slack shows up to four suggested prompts
TITLE_CHARS = 60  # a prompt's title is a short label; the whole question is its message
PROMPTS_TITLE = "Popular questions"
FALLBACK_TITLE = "Try asking"
FALLBACK_PROMPTS = [
    {"title": "What can you do?", "message": "What can you do?"},
    {"title": "How do I deploy?", "message": "How do I deploy to production?"},
    {"title": "Who do I ask about on-call?", "message": "Who do I page when something is on fire?"},
    {"title": "Where are the docs?", "message": "Which documents can you answer from?"},
]
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z_]+>")  # a redacted value: never suggest a question that had one

# Where each liked question of the workspace was asked by someone else, outside a DM: the channels whose
# publicness decides whether it may be suggested (the most-liked first; beyond MAX_CHANNELS: not suggested).
MAX_CHANNELS = 50
# Did the channel see the question? A message, yes; an /ask's text is invisible to it, and only the "<@…> asked:"
# placeholder of an in-channel reply (delivery 'update', placeholder posted) shows it. An ephemeral reply, or one
# through the command's response_url (the bot is not a member), leaves the asker the only one who read it.
_SEEN_BY_CHANNEL = """(r.kind <> 'command'
  OR (r.reply_mode = 'in_channel' AND r.delivery = 'update' AND r.placeholder_ts IS NOT NULL))"""
_CHANNELS_SQL = f"""
SELECT r.channel_id FROM interactions i JOIN slack_requests r ON r.interaction_id = i.id
WHERE i.team_id = %(team)s AND i.status = 'answered' AND NOT r.in_dm AND r.user_id <> %(asker)s
  AND r.withdrawn_at IS NULL AND {_SEEN_BY_CHANNEL}
  AND EXISTS (SELECT 1 FROM labels l WHERE l.interaction_id = i.id
              AND l.kind = 'up' AND l.status NOT IN ('retracted', 'rejected'))
GROUP BY r.channel_id ORDER BY count(*) DESC, r.channel_id LIMIT %(limit)s
"""

_POPULAR_SQL = f"""
WITH asked AS (
    SELECT i.id, i.question_redacted AS question, i.created_at,
           lower(regexp_replace(btrim(i.question_redacted), '\\s+', ' ', 'g')) AS key
    FROM interactions i
    LEFT JOIN slack_requests r ON r.interaction_id = i.id
    WHERE i.team_id = %(team)s AND i.status = 'answered'
      -- The asker's own, or asked in a public channel; a private answer's question (an ephemeral of a channel
      -- question) has no request row of its own: never. Outside Slack (no request row): no conversation.
      AND i.source <> 'slack_private'
      -- A question its asker deleted in Slack is withdrawn (workers.slack.store.withdraw_request): never shown.
      AND r.withdrawn_at IS NULL
      AND (r.interaction_id IS NULL OR r.user_id = %(asker)s
           OR (NOT r.in_dm AND r.channel_id = ANY(%(public)s::text[]) AND {_SEEN_BY_CHANNEL}))
      AND cardinality(i.collections) > 0 AND i.collections <@ %(collections)s::text[]
      AND i.question_redacted !~ '<[A-Z][A-Z_]+>'
      AND length(i.question_redacted) BETWEEN 8 AND 300
      -- An offline follow-up is stored as "and in Zurich? (hotel rate london …)": not a question to suggest.
      AND i.standalone_by IS DISTINCT FROM 'terms'
),
liked AS (
    SELECT DISTINCT interaction_id FROM labels
    WHERE kind = 'up' AND status NOT IN ('retracted', 'rejected')
)
SELECT (array_agg(a.question ORDER BY a.created_at DESC))[1] AS question, count(*) AS asks
FROM asked a LEFT JOIN liked l ON l.interaction_id = a.id
GROUP BY a.key
HAVING count(l.interaction_id) > 0
ORDER BY count(*) DESC, max(a.created_at) DESC
LIMIT %(limit)s
"""


def popular_prompts(
    conn: Conn,
    team_id: str,
    collections: list[str],
    limit: int = MAX_PROMPTS,
    *,
    asker: str = "",
    is_public: Callable[[str], bool] | None = None,
) -> list[dict]:
    """The most-asked questions of this workspace that got a 👍 and were answered only from `collections`, and
    were asked by `asker` or, where the channel saw them, in a channel `is_public` says is public (without it:
    none is)."""
    if not collections:
        return []
    public: list[str] = []
    if is_public is not None:
        rows = conn.execute(_CHANNELS_SQL, {"team": team_id, "asker": asker, "limit": MAX_CHANNELS}).fetchall()
        public = [r["channel_id"] for r in rows if is_public(r["channel_id"])]
    params = {"team": team_id, "collections": collections, "limit": limit, "asker": asker, "public": public}
    rows = conn.execute(_POPULAR_SQL, params).fetchall()
    prompts = []
    for row in rows:
        question = " ".join(row["question"].split())
        if _PLACEHOLDER.search(question):
            continue
        title = question if len(question) <= TITLE_CHARS else question[: TITLE_CHARS - 1].rstrip() + "…"
        prompts.append({"title": title, "message": question})
    return prompts


class AgentDm:
    def __init__(self, settings: Settings, db_url: str, membership: Membership | None = None) -> None:
        self.settings = settings
        self.db_url = db_url
        self._membership = membership
        self._public: dict[tuple[str, str], tuple[float, bool]] = {}  # (team, channel) → (when, public?)
        self._lock = threading.Lock()

    def public_check(self, team_id: str, client: WebClient) -> Callable[[str], bool]:
        """Is a channel of this workspace public (conversations.info; an error is a no)? Kept
        `membership_cache_s`, like the members: opening the Messages tab does not ask Slack about every channel."""
        ask = public_channel_check(client)

        def is_public(channel: str) -> bool:
            key, now = (team_id, channel), time.monotonic()
            with self._lock:
                hit = self._public.get(key)
            if hit and now - hit[0] < self.settings.membership_cache_s:
                return hit[1]
            public = ask(channel)
            with self._lock:
                self._public[key] = (now, public)
            return public

        return is_public

    def membership(self) -> Membership:
        if self._membership is None:
            from workers.slack.client import web_client

            settings = self.settings

            def client_for(team_id: str) -> WebClient:
                client = web_client(settings, token=bot_token_for(settings, team_id), retries=False)
                client.timeout = 5
                return client

            self._membership = SlackMembership(client_for, ttl_s=settings.membership_cache_s)
        return self._membership

    def prompts_for(
        self, team_id: str, user_id: str, channel_id: str, is_public: Callable[[str], bool] | None = None
    ) -> tuple[str, list[dict]]:
        """(title, prompts) for this person's agent DM: popular 👍 questions they may ask here and may read (their
        own, or asked in a channel `is_public` says is public), else the fixed set."""
        from workers.slack import store as slack_store

        try:
            with db.connection(self.db_url) as conn:
                configured = slack_store.channel_settings(conn, team_id, channel_id, "in_channel").collections
                # A guest of another organisation: their DM with the app lists no channel, so the access check
                # gives them nothing of the workspace to be suggested.
                outside = of_another_organisation(self.membership(), team_id, user_id)
                asker = Asker(team_id, user_id, channel_id, is_dm=True, from_outside=outside)
                scope = scope_for(
                    conn, asker, configured, self.membership(), defaults=self.settings.default_collections
                )
                popular = popular_prompts(conn, team_id, scope.post, asker=user_id, is_public=is_public)
        except DatabaseUnavailable:
            log.warning("suggested prompts: database unavailable, using the fixed set")
            popular = []
        if popular:
            return PROMPTS_TITLE, popular
        return FALLBACK_TITLE, FALLBACK_PROMPTS

    def on_messages_tab(self, event: dict, body: dict, client: WebClient) -> str:
        """app_home_opened with tab "messages": set the suggested prompts. Returns what happened."""
        user, channel = event.get("user"), event.get("channel")
        team = payload.event_team(body)  # the installation's, not the wrapper's (a Slack Connect connection's)
        if not all(isinstance(v, str) and v for v in (user, channel, team)):
            return "ignored"  # nobody, nowhere, or no workspace to search: nothing to suggest from
        assert isinstance(user, str) and isinstance(channel, str) and isinstance(team, str)
        title, prompts = self.prompts_for(team, user, channel, self.public_check(team, client))
        try:
            # No thread_ts: the agent experience (agent_view) takes prompts for the DM itself.
            client.assistant_threads_setSuggestedPrompts(channel_id=channel, title=title, prompts=prompts)
        except SlackApiError as exc:
            log.info("suggested prompts not set: %s", exc.response.get("error"))
            return "refused"
        return "popular" if title == PROMPTS_TITLE else "fixed"
