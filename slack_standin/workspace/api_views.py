"""Web API: views.open / push / update / publish, with triggers, stacks and external ids."""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from .. import blocks as bk
from ..model import (
    View,
    new_id,
)
from .base import MAX_STACKED_VIEWS, ApiError, WorkspaceCore, _invalid


class ViewsApi(WorkspaceCore):
    def _view_arg(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._json_arg(args, "view")
        if view is None:
            raise _invalid("missing required field: view")
        errors = bk.validate_view(view)
        if errors:
            raise ApiError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]})
        return view

    def _build_view(
        self, view: dict[str, Any], *, view_id: str, root_view_id: str, previous_view_id: str | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": view.get("title"),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous_view_id,
            "root_view_id": root_view_id,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        return data

    def _check_external_id(self, view: dict[str, Any], own_id: str | None = None) -> None:
        external = view.get("external_id")
        if external and any(v.data.get("external_id") == external and v.id != own_id for v in self._views.values()):
            raise ApiError("duplicate_external_id")

    def _m_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        trigger = self._exchange_trigger(args.get("trigger_id") or args.get("interactivity_pointer"), "views.open")
        self._check_external_id(view)
        view_id = new_id("V")
        data = self._build_view(view, view_id=view_id, root_view_id=view_id, previous_view_id=None)
        self._views[view_id] = View(id=view_id, user=trigger.user, data=data, root_view_id=view_id)
        self._notify()
        return {"view": copy.deepcopy(data)}

    def _stack(self, root_view_id: str) -> list[View]:
        return [v for v in self._views.values() if v.root_view_id == root_view_id and not v.closed]

    def _m_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        trigger = self._exchange_trigger(args.get("trigger_id") or args.get("interactivity_pointer"), "views.push")
        origin = self._views.get(trigger.view_id or "")
        if origin is None or origin.closed:
            raise _invalid("views.push needs a trigger_id from an interaction inside an open modal")
        stack = self._stack(origin.root_view_id)
        if len(stack) >= MAX_STACKED_VIEWS:
            raise ApiError("push_limit_reached")
        self._check_external_id(view)
        view_id = new_id("V")
        data = self._build_view(view, view_id=view_id, root_view_id=origin.root_view_id, previous_view_id=stack[-1].id)
        self._views[view_id] = View(
            id=view_id, user=trigger.user, data=data, root_view_id=origin.root_view_id, previous_view_id=stack[-1].id
        )
        self._notify()
        return {"view": copy.deepcopy(data)}

    def _m_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        target: View | None = None
        if args.get("view_id"):
            target = self._views.get(str(args["view_id"]))
        elif args.get("external_id"):
            target = next((v for v in self._views.values() if v.data.get("external_id") == args["external_id"]), None)
        else:
            raise _invalid("view_id or external_id is required")
        if target is None:
            raise ApiError("not_found")
        if args.get("hash") and args["hash"] != target.hash:
            raise ApiError("hash_conflict")
        self._check_external_id(view, own_id=target.id)
        self._replace_view(target, view)
        return {"view": copy.deepcopy(target.data)}

    def _replace_view(self, target: View, view: dict[str, Any]) -> None:
        target.history.append(copy.deepcopy(target.data))
        target.data = self._build_view(
            view, view_id=target.id, root_view_id=target.root_view_id, previous_view_id=target.previous_view_id
        )
        target.errors = None
        self._notify()

    def _m_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._view_arg(args)
        uid = str(args.get("user_id") or "")
        if uid not in self._users:
            raise ApiError("user_not_found")
        existing = self._home_views.get(uid)
        if existing is not None and args.get("hash") and args["hash"] != existing.hash:
            raise ApiError("hash_conflict")
        view_id = existing.id if existing else new_id("V")
        data = self._build_view(view, view_id=view_id, root_view_id=view_id, previous_view_id=None)
        self._home_views[uid] = View(id=view_id, user=uid, data=data, root_view_id=view_id)
        self._notify()
        return {"view": copy.deepcopy(data)}
