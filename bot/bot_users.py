"""Which Slack accounts are bots: another app's bot user (an automation that reacts ✅ or 👍 to everything) or
Slackbot. Their reactions are nobody's opinion of an answer, so they are not votes."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

SLACKBOT = "USLACKBOT"  # users.info says is_bot: false for Slackbot, which is no person either


class BotUsers:
    """users.info's `is_bot`, cached `ttl_s` per (workspace, user) — an account does not turn into a bot. Slack
    cannot say (an error, a timeout, a missing scope): a person, not cached — a vote kept beats a vote lost."""

    def __init__(self, ttl_s: float = 3600.0, size: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._seen: OrderedDict[tuple[str, str], tuple[float, bool]] = OrderedDict()
        self._lock = threading.Lock()

    def is_bot(self, client: WebClient, team_id: str, user_id: str) -> bool:
        if user_id == SLACKBOT:
            return True
        key, now = (team_id, user_id), time.monotonic()
        with self._lock:
            hit = self._seen.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        try:
            user = client.users_info(user=user_id)["user"]
            bot = bool(user.get("is_bot"))
        except (SlackApiError, OSError, KeyError, TypeError, AttributeError) as exc:
            log.warning("users.info for %s failed (%s): taken as a person", user_id, type(exc).__name__)
            return False
        with self._lock:
            self._seen[key] = (now, bot)
            self._seen.move_to_end(key)
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
        return bot
