"""Trying to break the Socket Mode bot as it is run: `answerloop bot` (bot/runner.py's run_socket_mode) in its own
process, on the Slack stand-in's websocket, a real Redis and Postgres. Slack warning that it will refresh the
socket, refreshing it, or dropping it: the bot reconnects by itself, each envelope is acknowledged and answered
once, and nothing reaches the log as a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from slack_standin import BOT_USER_ID, GENERAL
from tests.support.cli_runner import REPO


@pytest.fixture()
def bot_process(slack, clean_db, redis_url, tmp_path):
    """`answerloop bot` in its own process group, its output in a file, connected to the stand-in."""
    log = (tmp_path / "bot.log").open("w+")
    env = {**os.environ, "DATABASE_URL": clean_db, "REDIS_URL": redis_url, "ANSWERLOOP_EMBEDDINGS": "none",
           "ANSWERLOOP_LLM": "", "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token,
           "ANSWERLOOP_SLACK_API_URL": slack.web_api_url, "ANSWERLOOP_HOME": str(tmp_path)}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "bot"],
        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        slack.wait_until_connected(timeout=180)  # Presidio loads first
        yield proc, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()


def _output(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()


@pytest.mark.parametrize("reason", ["warning", "refresh_requested", None])
def test_the_bot_comes_back_after_slack_refreshes_or_drops_the_socket(slack, bot_process, reason):
    proc, log = bot_process
    assert slack.disconnect_socket(reason) == 1
    msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> hi!")
    slack.wait_for(lambda: slack.bot_replies(GENERAL, msg.ts), timeout=60)
    slack.wait_until_connected(timeout=30)
    slack.wait_idle(10)
    [delivery] = slack.deliveries(event_type="app_mention", ts=msg.ts)
    assert delivery.status == "acked"
    assert len(slack.bot_replies(GENERAL, msg.ts)) == 1, "a redelivered envelope was answered twice"
    assert proc.poll() is None and "Traceback" not in _output(log)
