"""Waiting, for tests and benches: until a call, a bot reply, a view, or quiet."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..model import (
    ApiCall,
    Message,
    View,
)
from .base import WorkspaceCore


class Waits(WorkspaceCore):
    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0, *, interval: float = 0.05, message: str = ""
    ) -> Any:
        """Re-evaluate `predicate` whenever state changes (and every `interval` s) until it returns something
        truthy; returns that value. TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(message or f"condition not met within {timeout}s")
            with self._changed:
                self._changed.wait(min(interval, remaining))

    def wait_for_bot_reply(
        self,
        channel: str,
        thread_ts: str,
        timeout: float = 5.0,
        predicate: Callable[[Message], bool] | None = None,
    ) -> Message:
        """The latest bot reply in the thread that satisfies `predicate` (default: any reply)."""

        def found() -> Message | None:
            replies = [m for m in self.bot_replies(channel, thread_ts) if predicate is None or predicate(m)]
            return replies[-1] if replies else None

        return self.wait_for(found, timeout, message=f"no bot reply in thread {thread_ts} of {channel}")

    def wait_for_call(
        self, method: str, timeout: float = 5.0, predicate: Callable[[ApiCall], bool] | None = None
    ) -> ApiCall:
        def found() -> ApiCall | None:
            calls = [c for c in self.calls(method) if predicate is None or predicate(c)]
            return calls[-1] if calls else None

        return self.wait_for(found, timeout, message=f"no {method} call")

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Wait until no delivery is still waiting for its ack (acknowledged or given up)."""
        self.wait_for(
            lambda: not any(d.status == "pending" for d in self.deliveries()),
            timeout,
            message="deliveries still pending",
        )

    def wait_for_view(self, timeout: float = 5.0, *, user: str | None = None) -> View:
        def found() -> View | None:
            views = self.views(user, open_only=True)
            return views[-1] if views else None

        return self.wait_for(found, timeout, message="no view opened")
