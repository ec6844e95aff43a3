"""A question of a workspace whose app is removed while it is being answered (multi-workspace installs through
OAuth): the real Bolt app in HTTP mode takes bravo's question, a real Celery worker answers it with a slow model
(the scripted OpenAI-compatible server), and bravo removes the app while the model is still thinking. The worker
also has SLACK_BOT_TOKEN set — alpha's token — the way an operator moving from a bot-token install might have left
it. The request ends `failed` saying the app is no longer installed there; nothing is sent to bravo after the
uninstall (at most one live step under way, refused with bravo's revoked token; alpha's token is never used);
the task is not retried (one attempt, one model call); nothing is logged at ERROR; and
a redelivery of the same task changes nothing."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.intake import Intake
from bot.runner import enqueue_answer
from core import db
from core.settings import Settings
from slack_standin import SlackStandin
from tests.conftest import SAMPLE_KB, reset_database
from tests.e2e.test_uninstall_e2e import _installed, _save
from tests.support import services
from tests.support.bot_endpoint import oauth_settings, serving
from tests.support.fake_openai import FakeOpenAI, model_answer
from tests.support.slack_stack import oauth_worker_env
from workers.kb.ingest import ingest_folder
from workers.slack.installations import PostgresInstallationStore, TokenCipher, new_key

KEY = new_key()
BRAVO = "T0BRAVO001"
ESCALATION = "How long before an unacknowledged page escalates to the secondary?"


@pytest.fixture(scope="module")
def stack(database_url, local_embedder, pii_guard) -> Iterator[dict]:
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.execute("TRUNCATE slack_installations, slack_oauth_states")
        conn.commit()
        kb = Settings(database_url=database_url, embeddings="local")
        ingest_folder(conn, SAMPLE_KB / "handbook", "bravo-docs", embedder=local_embedder, settings=kb)
        conn.execute("UPDATE collections SET team_id = %s WHERE name = 'bravo-docs'", (BRAVO,))
        conn.commit()
    redis = services.RedisServer().start()
    model = FakeOpenAI().start()
    with SlackStandin() as slack:
        bravo = slack.add_workspace(BRAVO, team_name="Bravo Inc")
        settings = oauth_settings(slack, database_url, [KEY], redis_url=redis.url)
        store = PostgresInstallationStore(database_url, TokenCipher([KEY]))
        _save(store, slack)
        _save(store, bravo)
        env = oauth_worker_env(
            slack,
            database_url,
            redis.url,
            [KEY],
            SLACK_BOT_TOKEN=slack.bot_token,  # alpha's: must never answer bravo
            ANSWERLOOP_LLM="openai/gpt-4o-mini",
            ANSWERLOOP_LLM_BASE_URL=model.base_url,
            ANSWERLOOP_LLM_API_KEY="test",
            ANSWERLOOP_VISIBILITY_TIMEOUT_S="5",
        )
        worker = services.Worker(env).start()
        from workers.celery_app import use_broker

        use_broker(redis.url)
        try:
            with serving(slack, settings, Intake(settings, pii_guard, enqueue_answer, database_url)):
                yield {"slack": slack, "bravo": bravo, "url": database_url, "model": model, "worker": worker}
        finally:
            worker.stop()
            model.stop()
            with db.connect(database_url) as conn:
                conn.execute("TRUNCATE slack_installations")  # back to a bot-token install for other modules
                conn.commit()
    redis.stop()


def _request(url: str, ts: str) -> dict:
    with db.connect(url) as conn:
        return conn.execute(
            "SELECT status, error, attempts FROM slack_requests WHERE team_id = %s AND message_ts = %s", (BRAVO, ts)
        ).fetchone()


def _said(log: str, ts: str) -> list[str]:
    """The worker's lines about the question of message `ts` not being answered."""
    return [line for line in log.splitlines() if "not answered" in line and ts in line]


def _errors(log: str) -> list[str]:
    """Lines Celery's worker logged at ERROR or CRITICAL (`[time: ERROR/ForkPoolWorker-1] …`), and tracebacks."""
    return [line for line in log.splitlines() if re.search(r": (ERROR|CRITICAL)/|Traceback", line)]


@pytest.mark.parametrize("where", ["dm", "mention"])  # a DM streams its answer; a mention updates a placeholder
def test_a_question_of_a_workspace_uninstalled_mid_answer_fails_cleanly(stack, where):
    slack, bravo, url, model, worker = (stack[k] for k in ("slack", "bravo", "url", "model", "worker"))
    if BRAVO not in _installed(url):  # the previous case removed it: bravo installs the app again
        WebClient(base_url=slack.web_api_url).oauth_v2_access(
            client_id=slack.client_id, client_secret=slack.client_secret, code=bravo.issue_oauth_code()
        )
        _save(PostgresInstallationStore(url, TokenCipher([KEY])), bravo)
    thinking, answer_now = threading.Event(), threading.Event()

    def slow_answer(request):
        thinking.set()
        answer_now.wait(60)
        chunk_id, sentence = request.sentence_with("escalates to the secondary")
        return model_answer(True, sentence, [(chunk_id, sentence)])

    model.reset()
    model.script(*[slow_answer] * 6)  # a retried task would draw another
    errors_before = len(_errors(worker.log()))
    if where == "dm":
        msg = bravo.send_dm(ESCALATION)
    else:
        msg = bravo.post_message("general", f"<@{bravo.bot_user_id}> {ESCALATION}")
    assert thinking.wait(120), f"the model was never called; worker log: {worker.log()[-3000:]}"

    old_token = bravo.bot_token
    sent = bravo.uninstall_app()
    assert all(d.wait(10) and d.status == "acked" for d in sent), [d.attempts for d in sent]
    slack.wait_for(lambda: BRAVO not in _installed(url), timeout=10, message="bravo's installation was not removed")
    calls_at_uninstall = (len(slack.calls()), len(bravo.calls()))
    answer_now.set()

    req = slack.wait_for(
        lambda: (r := _request(url, msg.ts)) is not None and r["status"] == "failed" and r,
        timeout=60,
        message=f"the request did not end failed: {_request(url, msg.ts)}; worker log: {worker.log()[-3000:]}",
    )
    assert "no longer installed in workspace T0BRAVO001" in req["error"], req
    assert req["attempts"] == 1, "one attempt: an uninstall is not retried"
    assert len(model.chat_requests) == 1, "the model answered once: no retried task asked it again"
    assert len(slack.calls()) == calls_at_uninstall[0], "alpha's token was not used for bravo"
    late = bravo.calls()[calls_at_uninstall[1] :]
    # At most the live step the stream was showing when the model finished, with bravo's own revoked token: Slack
    # refused it, nothing was posted, and the stream took no more steps; the delivery itself made no call.
    assert len(late) <= 1 and all(c.token == old_token and c.response.get("error") == "token_revoked" for c in late)
    assert all(c.method == "chat.appendStream" for c in late), late
    assert not [c for c in slack.calls() if c.args.get("channel") == msg.channel], "alpha's token never named it"
    said = slack.wait_for(lambda: _said(worker.log(), msg.ts), timeout=10, message="the worker never said why")
    assert "no longer installed in workspace T0BRAVO001" in said[0]
    assert _errors(worker.log())[errors_before:] == [], "an uninstall is not an error"

    # A redelivery of the same task (the broker gives it again) changes nothing and calls nothing.
    from workers.tasks import answer_slack_question

    answer_slack_question.apply_async(args=(BRAVO, msg.channel, msg.ts))
    slack.wait_for(lambda: len(_said(worker.log(), msg.ts)) == 2, timeout=60, message="the redelivery never ran")
    assert _request(url, msg.ts) == req
    assert len(model.chat_requests) == 1
    assert (len(slack.calls()), bravo.calls()[calls_at_uninstall[1] :]) == (calls_at_uninstall[0], late)
