"""Prometheus metrics of the bot and of a real worker, read over HTTP, agree with what Postgres recorded (and
with `answerloop stats`); JSON logs of both processes carry the interaction id and never the question."""

from __future__ import annotations

import json
import logging
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from core import db
from core.logs import JsonFormatter
from core.metrics import serve_bot_metrics
from core.settings import Settings
from slack_standin import ALICE, GENERAL
from tests.conftest import SAMPLE_KB, reset_database
from tests.support import services
from tests.support.cli_runner import run_cli
from tests.support.slack_stack import ask, rows, worker_env
from workers.kb.ingest import ingest_folder

SECRET_EMAIL = "olga.petrova@northwind-customer.com"
QUESTIONS = [
    "How long before an unacknowledged page escalates to the secondary?",
    "What is the nightly hotel cap in London?",
    f"I'm {SECRET_EMAIL}: how many reviewers does a billing PR need?",
    "What's the wifi password in the Berlin office?",
    "When does the end-of-year code freeze start?",
]


@pytest.fixture(scope="module")
def kb_db(database_url, local_embedder):
    with db.connect(database_url) as conn:
        reset_database(conn)
        conn.commit()
        ingest_folder(
            conn, SAMPLE_KB / "handbook", "handbook", embedder=local_embedder,
            settings=Settings(database_url=database_url, embeddings="local"),
        )  # fmt: skip
    return database_url


@pytest.fixture(scope="module")
def ports():
    return {"bot": services.free_port(), "worker": services.free_port()}


@pytest.fixture(scope="module")
def worker(settings, ports):
    env = worker_env(settings, ANSWERLOOP_METRICS_PORT=str(ports["worker"]), ANSWERLOOP_LOG_JSON="true")
    w = services.Worker(env).start()
    yield w
    w.stop()


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scraped_once(port: int, name: str, at_least: float, **labels: str) -> dict | None:
    """The endpoint's samples once `name{labels}` has reached `at_least`, else None (wait and scrape again)."""
    samples = scrape(port)
    return samples if value(samples, name, **labels) >= at_least else None


def test_metrics_agree_with_postgres_and_stats_and_logs_carry_ids(slack, bot, settings, worker, ports, caplog):
    caplog.set_level(logging.INFO)
    serve_bot_metrics(ports["bot"], settings.redis_url)
    before = scrape(ports["bot"])
    asked = [ask(slack, q) for q in QUESTIONS]
    slack.add_reaction(GENERAL, asked[0][1].ts, "+1", user=ALICE)
    slack.wait_for(lambda: rows(settings.database_url, "SELECT 1 FROM labels"), timeout=10)

    # the bot: requests, acks, intake outcomes, feedback, queue depth. A counter moves just after what it counts
    # is visible (the label row, the answer in Slack): wait for it, then compare exactly.
    bot_now = slack.wait_for(lambda: scraped_once(ports["bot"], "answerloop_feedback_total", 1, kind="up"), timeout=10)
    mentions = value(bot_now, "answerloop_slack_requests_total", kind="app_mention") - value(
        before, "answerloop_slack_requests_total", kind="app_mention"
    )
    acks = value(bot_now, "answerloop_slack_ack_seconds_count", kind="app_mention") - value(
        before, "answerloop_slack_ack_seconds_count", kind="app_mention"
    )
    assert mentions == acks == len(QUESTIONS)
    queued = value(bot_now, "answerloop_intake_total", outcome="queued") - value(
        before, "answerloop_intake_total", outcome="queued"
    )
    assert queued == len(QUESTIONS)
    assert value(bot_now, "answerloop_feedback_total", kind="up") >= 1
    assert ("answerloop_queue_depth", (("queue", "answer"),)) in bot_now

    # the worker: outcomes and stage timings match the interactions Postgres recorded
    recorded = rows(settings.database_url, "SELECT status, timings_ms FROM interactions WHERE source = 'slack'")
    assert len(recorded) == len(QUESTIONS)
    w = slack.wait_for(
        lambda: scraped_once(ports["worker"], "answerloop_deliveries_total", len(QUESTIONS), status="delivered"),
        timeout=10,
    )
    for status in ("answered", "dont_know"):
        assert value(w, "answerloop_questions_total", outcome=status) == sum(r["status"] == status for r in recorded)
    assert value(w, "answerloop_stage_seconds_count", stage="total") == len(QUESTIONS)
    stored_total = sum(r["timings_ms"]["total"] for r in recorded) / 1000
    assert value(w, "answerloop_stage_seconds_sum", stage="total") == pytest.approx(stored_total, abs=0.01)
    stored_retrieve = sum(r["timings_ms"]["retrieve"] for r in recorded) / 1000
    assert value(w, "answerloop_stage_seconds_sum", stage="retrieve") == pytest.approx(stored_retrieve, abs=0.01)
    assert value(w, "answerloop_deliveries_total", status="delivered") == len(QUESTIONS)

    stats = run_cli(settings.database_url, "stats")
    [line] = [x for x in stats.stdout.splitlines() if "v1" in x]
    cells = [c.strip() for c in line.split("│") if c.strip()]
    answered = sum(r["status"] == "answered" for r in recorded)
    assert cells[2] == str(len(QUESTIONS)) and cells[3].startswith(f"{answered} (")

    # logs: one question followed across processes by its interaction id, never by its text
    [pii_request] = rows(
        settings.database_url, "SELECT interaction_id FROM slack_requests WHERE message_ts = %s", asked[2][0].ts
    )
    iid = str(pii_request["interaction_id"])
    bot_lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name.startswith("bot.")]
    assert any(line.get("interaction_id") == iid for line in bot_lines), "the bot's intake logs carry the id"
    worker_lines = [json.loads(x) for x in worker.log().splitlines() if x.startswith("{")]
    assert any(line.get("interaction_id") == iid for line in worker_lines), "the worker's logs carry the same id"
    everything = worker.log() + "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert SECRET_EMAIL not in everything and "olga.petrova" not in everything


def test_model_tokens_and_cost_are_counted_at_the_configured_prices():
    from prometheus_client import REGISTRY

    from core.metrics import record_answer

    def sample(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = (sample("answerloop_model_tokens_total", kind="prompt"), sample("answerloop_model_cost_usd_total"))
    record_answer("answered", {"total": 120.0}, {"prompt_tokens": 1500, "completion_tokens": 200}, (0.5, 2.0))
    assert sample("answerloop_model_tokens_total", kind="prompt") - before[0] == 1500
    assert sample("answerloop_model_cost_usd_total") - before[1] == pytest.approx(1.5 * 0.5 + 0.2 * 2.0)
