"""`answerloop bot` as an operator runs it: a subprocess in Socket Mode or HTTP mode against the stand-in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import redis

from slack_standin import BOT_USER_ID, GENERAL, SlackStandin
from tests.conftest import REPO
from tests.support import services
from tests.support.pii_scan import QUESTIONS, RAW


@pytest.fixture()
def stack(clean_db):
    server = services.RedisServer().start()
    with SlackStandin() as slack:
        env = {
            **os.environ, "DATABASE_URL": clean_db, "REDIS_URL": server.url, "SLACK_BOT_TOKEN": slack.bot_token,
            "ANSWERLOOP_SLACK_API_URL": slack.web_api_url, "ANSWERLOOP_LOG_LEVEL": "INFO",
        }  # fmt: skip
        yield slack, env, server
    server.stop()


def _bot(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "bot", *args],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"bot exited: {proc.stdout.read()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the bot never listened")


def test_bot_and_worker_commands_answer_a_question(stack):
    slack, env, server = stack
    proc = _bot({**env, "SLACK_APP_TOKEN": slack.app_token})
    worker = None
    try:
        slack.wait_until_connected(timeout=90)
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> how long before a page escalates?")
        shown = slack.wait_for(lambda: slack.thread_status(GENERAL, msg.ts), timeout=20)
        assert "looking into it" in shown["status"]  # the thread's status while it waits for a worker
        r = redis.Redis.from_url(server.url)
        slack.wait_for(lambda: r.llen("answer") == 1, timeout=10)  # one task, waiting for a worker
        worker = subprocess.Popen(
            [sys.executable, "-c", "from cli.main import main; main()", "worker", "--concurrency", "1"],
            env={**env, "ANSWERLOOP_EMBEDDINGS": "none"}, cwd=REPO, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        final = slack.wait_for_bot_reply(
            GENERAL, msg.ts, timeout=120, predicate=lambda m: m.text and m.stream_state != "streaming"
        )
        assert "I don't know" in final.text  # the knowledge base is empty: an honest answer, in place
        assert len(slack.bot_replies(GENERAL, msg.ts)) == 1
    finally:
        out = _stop(proc)
        if worker is not None:
            _stop(worker)
    assert "Traceback" not in out


def test_bot_command_in_http_mode_verifies_signatures(stack):
    slack, env, _ = stack
    port = services.free_port()
    proc = _bot({**env, "SLACK_SIGNING_SECRET": slack.signing_secret}, "--http", "--port", str(port))
    try:
        _wait_port(port, proc)
        slack.set_request_url(f"http://127.0.0.1:{port}/slack/events")
        slack.inject_signature_fault("forged")
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> how long before a page escalates?")
        shown = slack.wait_for(lambda: slack.thread_status(GENERAL, msg.ts), timeout=30)
        assert "looking into it" in shown["status"]
        attempts = [a for d in slack.deliveries(ts=msg.ts) for a in d.attempts]
        assert any(a.signature_fault == "forged" and a.http_status == 401 for a in attempts)
    finally:
        out = _stop(proc)
    assert "listening on http://" in out


def test_bot_command_without_tokens_says_what_to_set(stack):
    _, env, _ = stack
    proc = _bot({k: v for k, v in env.items() if k != "SLACK_APP_TOKEN"})
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "SLACK_APP_TOKEN" in out and "Traceback" not in out
    proc = _bot(env, "--http")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "SLACK_SIGNING_SECRET" in out and "Traceback" not in out


def test_debug_logging_never_writes_the_raw_question(stack):
    """LOG_LEVEL=DEBUG is what an operator turns on to find a bug: Slack's SDKs then log whole request and event
    bodies. Neither the bot's log nor the worker's may carry what the asker typed before redaction."""
    slack, env, _ = stack
    env = {**env, "ANSWERLOOP_LOG_LEVEL": "DEBUG", "ANSWERLOOP_EMBEDDINGS": "none"}
    proc = _bot({**env, "SLACK_APP_TOKEN": slack.app_token})
    worker = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "worker", "--concurrency", "1"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        slack.wait_until_connected(timeout=90)
        msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {QUESTIONS[0]}")
        slack.wait_for_bot_reply(
            GENERAL, msg.ts, timeout=120, predicate=lambda m: m.text and m.stream_state != "streaming"
        )
    finally:
        bot_log, worker_log = _stop(proc), _stop(worker)
    assert "DEBUG" in bot_log and "DEBUG" in worker_log  # the level was taken: this is a debug log
    leaked = {k for k, v in RAW.items() if v in bot_log + worker_log}
    assert leaked == set(), f"raw values in the debug logs: {sorted(leaked)}"
