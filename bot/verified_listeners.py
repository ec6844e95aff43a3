"""The buttons of a verified answer's review DM (workers.verified_review): *Still correct* moves its review date
one period on, *Retire* stops it being served, *Update* opens the Improve-this-answer form prefilled with it
(the submitted correction goes to the admins' review queue like any other; once approved it supersedes this one).

Only the answer's owner or an Answerloop admin of the workspace may decide, checked again here from the signed
payload's user, and only while they may read what it was made from (a DM outlives its owner's access); an answer
of another workspace is "no longer exists". Each change is an audit row
(`verified:<id>`, actor `slack:<user>`), and the DM is replaced by what was done (a decision is made once).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import feedback_blocks as fb
from bot import payload
from core import db
from core.errors import AnswerloopError, DatabaseUnavailable, NotFound
from core.settings import Settings
from workers.slack.verified_blocks import ACTIONS, NOT_QUOTED, STILL_CORRECT, UPDATE, review_outcome

if TYPE_CHECKING:
    from workers.kb.verified import VerifiedAnswer

log = logging.getLogger(__name__)

DB_DOWN = ":warning: Nothing changed: my database is unreachable right now. Please try again in a few minutes."
NOT_YOURS = "Only this verified answer's owner or an Answerloop admin can decide about it; nothing was changed."
CANNOT_READ = (
    "You may no longer read what verified answer {id} was made from, so you can't decide about it; nothing was "
    "changed. An admin can give it to someone who may: `answerloop verified reassign {id} --owner U…`."
)


def _team(body: dict) -> str:
    return payload.text(payload.obj(body, "team"), "id") or payload.text(body, "team_id")


class VerifiedReviewListeners:
    def __init__(self, settings: Settings, db_url: str) -> None:
        self.settings = settings
        self.db_url = db_url

    def _is_admin(self, user: str, team: str) -> bool:
        admins = self.settings.admins
        return user in admins or (bool(team) and f"{team}:{user}" in admins)

    def on_action(self, ack, body: dict, action: dict, client: WebClient) -> str:
        """Returns what happened (for logs and tests)."""
        ack()  # first: for Update the trigger_id is valid for 3 s
        user, team = payload.text(payload.obj(body, "user"), "id"), _team(body)
        container = payload.obj(body, "container")
        channel, ts = payload.text(container, "channel_id"), payload.text(container, "message_ts")
        answer_id, action_id = payload.row_id(action.get("value")), payload.text(action, "action_id")
        if not user or answer_id is None or action_id not in ACTIONS:
            log.warning("malformed verified-answer review click ignored")
            return "ignored"
        actor = f"slack:{user}"
        from workers.access import SlackMembership  # on a click: the bot starts without the knowledge base layer
        from workers.kb import verified
        from workers.verified_review import may_review, may_see_question

        try:
            with db.connection(self.db_url) as conn:
                answer = verified.get(conn, answer_id)
                if answer.team_id not in ("", team):
                    raise NotFound(f"Verified answer {answer_id} does not exist.")
                if user != answer.owner and not self._is_admin(user, team):
                    log.warning("verified answer %s: %s refused for %s (not its owner)", answer_id, action_id, user)
                    self._tell(client, user, NOT_YOURS)
                    return "refused"
                membership = SlackMembership(lambda _team: client)
                if not may_review(conn, answer, user, membership):
                    log.warning("verified answer %s: %s refused for %s (may not read it)", answer_id, action_id, user)
                    self._tell(client, user, CANNOT_READ.format(id=answer_id))
                    return "refused"

                def seen() -> bool:  # the question, only to who could read it where it was asked
                    return may_see_question(answer, user, client, membership)

                if action_id == UPDATE:
                    if answer.status != "active":  # a DM from before it was retired or superseded
                        raise AnswerloopError(f"Verified answer {answer_id} was retired by {answer.retired_by}.")
                    return self._open_update_form(client, body, answer, team, channel, ts, seen())
                if action_id == STILL_CORRECT:
                    after = verified.confirm(conn, answer_id, actor)
                    outcome = (
                        f"✓ Still correct, confirmed by <@{user}> on {after.verified_at:%Y-%m-%d}. I'll ask again "
                        f"after {after.review_after:%Y-%m-%d}."
                    )
                else:
                    after = verified.retire(conn, answer_id, actor, "retired from the review DM")
                    outcome = f"Retired by <@{user}> on {after.retired_at:%Y-%m-%d}: I no longer answer from it."
        except DatabaseUnavailable:
            self._tell(client, user, DB_DOWN)
            return "unavailable"
        except NotFound:
            self._tell(client, user, f"Verified answer {answer_id} no longer exists; nothing was changed.")
            return "missing"
        except AnswerloopError as exc:  # e.g. retired already (a second click, or an admin retired it)
            self._tell(client, user, f"Nothing changed: {exc}")
            return "refused"
        log.info("verified answer %s: %s by %s", answer_id, action_id, user)
        if channel and ts:
            text, blocks = review_outcome(after, outcome, quote_question=seen())
            try:
                client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            except SlackApiError as exc:
                log.warning("review DM not updated: %s", exc.response.get("error"))
        return "confirmed" if action_id == STILL_CORRECT else "retired"

    def _open_update_form(
        self,
        client: WebClient,
        body: dict,
        answer: VerifiedAnswer,
        team: str,
        channel: str,
        ts: str,
        quote_question: bool = True,
    ) -> str:
        """The Improve-this-answer form of the answer's interaction, prefilled with the verified answer; its question
        only when `quote_question` (the presser could read it where it was asked)."""
        trigger = payload.text(body, "trigger_id")
        metadata = {
            "team": team,
            "channel": channel,
            "ts": ts,
            "thread_ts": "",
            "interaction_id": answer.interaction_id,
        }
        question = answer.question if quote_question else NOT_QUOTED
        view = fb.improve_modal(question=question, answer=answer.answer, answered=True, metadata=metadata)
        try:
            if not trigger or not channel:
                raise ValueError("no trigger_id or channel")
            client.views_open(trigger_id=trigger, view=view)
        except (SlackApiError, ValueError) as exc:
            log.warning("update form not opened: %s", type(exc).__name__)
            self._tell(
                client,
                payload.text(payload.obj(body, "user"), "id"),
                f"I couldn't open the form in time. Click *Update* again, or use *Improve this answer* from the "
                f"message menu of an answer I gave from it; an admin can also retire it with "
                f"`answerloop verified retire {answer.id}`.",
            )
            return "update_failed"
        return "update_form"

    @staticmethod
    def _tell(client: WebClient, user: str, text: str) -> None:
        try:
            client.chat_postMessage(channel=user, text=text)  # a DM from the app
        except SlackApiError as exc:
            log.warning("could not tell %s: %s", user, exc.response.get("error"))


def register_verified(app: App, listeners: VerifiedReviewListeners) -> None:
    pattern = re.compile(rf"\A({'|'.join(ACTIONS)})\Z")
    app.action(pattern)(listeners.on_action)
