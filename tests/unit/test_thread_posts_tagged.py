"""Every message the app posts in a thread carries Slack message metadata. A retried delivery that lost the ts of
the stream it opened knows that stream as the bot's one untagged reply in the thread that no question holds
(workers/slack/earlier.py): an untagged notice would be taken for it and overwritten with an answer. Read from the
source, so a new `chat_postMessage(…, thread_ts=…)` without `metadata=` fails here."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _thread_posts() -> list[tuple[str, int, set[str]]]:
    found = []
    for package in ("bot", "workers", "feedback"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "chat_postMessage"
                ):
                    keywords = {k.arg for k in node.keywords if k.arg}
                    if "thread_ts" in keywords:
                        found.append((str(path.relative_to(ROOT)), node.lineno, keywords))
    return found


def test_the_app_posts_in_threads_somewhere():
    assert len(_thread_posts()) >= 4  # the scan reads what it should: the answer, notices, acknowledgements


def test_every_message_posted_in_a_thread_carries_metadata():
    untagged = [f"{path}:{line}" for path, line, keywords in _thread_posts() if "metadata" not in keywords]
    assert not untagged, f"chat_postMessage in a thread without metadata: {untagged}"
