"""What the app's acks, response URLs and view responses do to the workspace."""

from __future__ import annotations

import time
from typing import Any

from ..model import (
    Delivery,
    Ephemeral,
    View,
    new_id,
)
from .api_views import ViewsApi
from .base import MAX_STACKED_VIEWS, RESPONSE_URL_MAX_USES, ApiError, _bool


class AppResponses(ViewsApi):
    def _apply_ack(self, delivery: Delivery, payload: Any) -> None:
        """Effects of an ack's payload, as Slack applies them (slash command replies, view response_action)."""
        if not payload:
            if delivery.payload.get("type") == "view_submission":
                self._close_submitted(delivery.context.get("view_id"))
            return
        if isinstance(payload, str):
            payload = {"text": payload}
        ctx = delivery.context
        if delivery.type == "slash_commands" and isinstance(payload, dict):
            self._respond(ctx.get("channel"), ctx.get("user"), payload, source="command_ack")
        elif delivery.payload.get("type") == "view_submission" and isinstance(payload, dict):
            self._view_response_action(ctx.get("view_id"), ctx.get("user"), payload)

    def _close_submitted(self, view_id: str | None) -> None:
        view = self._views.get(view_id or "")
        if view is not None:
            view.closed = True
            self._notify()

    def _view_response_action(self, view_id: str | None, user: str | None, payload: dict[str, Any]) -> None:
        view = self._views.get(view_id or "")
        if view is None:
            return
        action = payload.get("response_action")
        if action == "errors":
            view.errors = dict(payload.get("errors") or {})
        elif action == "update" and isinstance(payload.get("view"), dict):
            self._replace_view(view, payload["view"])
        elif action == "push" and isinstance(payload.get("view"), dict):
            stack = self._stack(view.root_view_id)
            if len(stack) < MAX_STACKED_VIEWS:
                new = new_id("V")
                data = self._build_view(
                    payload["view"], view_id=new, root_view_id=view.root_view_id, previous_view_id=view.id
                )
                self._views[new] = View(
                    id=new, user=view.user, data=data, root_view_id=view.root_view_id, previous_view_id=view.id
                )
        elif action == "clear":
            for v in self._stack(view.root_view_id):
                v.closed = True
        else:
            view.closed = True
        self._notify()

    def _respond(
        self, channel: str | None, user: str | None, body: dict[str, Any], *, source: str, message_ts: str | None = None
    ) -> None:
        if not channel:
            return
        channel_obj = self._channels[channel]
        text = body.get("text")
        blocks = body.get("blocks")
        if _bool(body.get("delete_original", False)) and message_ts:
            msg = self._messages[channel].get(message_ts)
            if msg is not None and msg.is_bot:
                msg.deleted = True
                self._notify()
            return
        if _bool(body.get("replace_original", False)) and message_ts:
            msg = self._messages[channel].get(message_ts)
            if msg is not None and msg.is_bot:
                self._update_message(
                    channel_obj,
                    msg,
                    text,
                    blocks,
                    body.get("attachments"),
                    blocks_given="blocks" in body,
                    attachments_given="attachments" in body,
                )
            return
        if body.get("response_type") == "in_channel":
            self._post_as_bot(channel_obj, text, blocks, body.get("attachments"), thread_ts=body.get("thread_ts"))
            return
        self._ephemerals.append(
            Ephemeral(
                channel=channel,
                user=user or "",
                ts=self.clock.next(),
                text=text or "",
                blocks=blocks,
                thread_ts=body.get("thread_ts"),
                source=source,
            )
        )
        self._notify()

    def _replace_ephemeral(self, ts: str, body: dict[str, Any]) -> None:
        """What Slack does to an ephemeral message on replace_original / delete_original from its response_url."""
        for i, eph in enumerate(self._ephemerals):
            if eph.ts == ts:
                if _bool(body.get("delete_original", False)):
                    del self._ephemerals[i]
                else:
                    eph.text = body.get("text") or ""
                    eph.blocks = body.get("blocks")
                self._notify()
                return

    def response_url_post(self, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST to a response_url the stand-in handed out (Bolt's `respond()`). Like Slack's: at most
        RESPONSE_URL_MAX_USES times (then 404 `used_url`), within `response_url_ttl` seconds (then 404
        `expired_url`)."""
        with self.lock:
            ctx = self._response_urls.get(token)
            if ctx is None:
                return 404, {"ok": False, "error": "no_such_url"}
            if time.monotonic() - ctx["created"] > self.response_url_ttl:
                return 404, {"ok": False, "error": "expired_url"}
            if ctx["uses"] >= RESPONSE_URL_MAX_USES:
                return 404, {"ok": False, "error": "used_url"}
            ctx["uses"] += 1
            try:
                if ctx.get("ephemeral_ts") and (
                    _bool(body.get("replace_original", False)) or _bool(body.get("delete_original", False))
                ):
                    self._replace_ephemeral(ctx["ephemeral_ts"], body)
                else:
                    self._respond(
                        ctx.get("channel"),
                        ctx.get("user"),
                        body,
                        source="response_url",
                        message_ts=ctx.get("message_ts"),
                    )
            except ApiError as err:
                return 200, {"ok": False, "error": err.error}
            return 200, {"ok": True}
