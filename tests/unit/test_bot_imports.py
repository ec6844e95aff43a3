"""The bot starts without the answer pipeline: importing its app and runner loads the shared Slack plumbing
(workers/slack/) and the guard, never retrieval, answerers, embeddings or the Celery tasks — those are the
workers' (a bot process that loaded them would hold their memory and start slowly for nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PIPELINE = (
    "workers.pipeline",
    "workers.retrieval",
    "workers.search",
    "workers.answerers",
    "workers.answerability",
    "workers.embeddings",
    "workers.kb",
    "workers.tasks",
    "sentence_transformers",
)


def _modules_after_import(*modules: str) -> list[str]:
    """sys.modules of a fresh interpreter after importing `modules` (this process has imported everything)."""
    code = "import json, sys\n" + "".join(f"import {m}\n" for m in modules) + "print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_the_bot_imports_no_pipeline_module_at_start_up():
    loaded = _modules_after_import("bot.app", "bot.runner")
    assert "bot.app" in loaded and "workers.slack.blocks" in loaded  # the check saw the bot's own imports
    pulled = [m for m in loaded if any(m == p or m.startswith(p + ".") for p in PIPELINE)]
    assert pulled == [], f"the bot's start-up imports pipeline modules: {pulled}"


def test_the_workers_slack_package_alone_imports_none_of_its_modules():
    loaded = _modules_after_import("workers.slack")
    assert [m for m in loaded if m.startswith("workers.slack.")] == []
