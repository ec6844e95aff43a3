"""Admin commands as an admin runs them (subprocess, real Postgres), the periodic retune on a real Celery
worker, and Celery beat starting with the configured schedule."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from core import db
from feedback import labels
from feedback import prompt_versions as pv
from tests.conftest import REPO, SAMPLE_KB
from tests.support import services
from tests.support.cli_runner import run_cli


@pytest.fixture()
def labeled(clean_db):
    """Three interactions with a vote, a retracted vote and a correction."""
    r = run_cli(clean_db, "kb", "ingest", str(SAMPLE_KB / "handbook"), "-c", "handbook")
    assert r.returncode == 0, r.stderr
    ids = []
    with db.connect(clean_db) as conn:
        for i, (q, status) in enumerate([("How long before a page escalates?", "answered"),
                                         ("What is the hotel cap?", "answered"),
                                         ("Wifi password?", "dont_know")]):  # fmt: skip
            iid = uuid.uuid4()
            conn.execute(
                "INSERT INTO interactions (id, source, collections, question_redacted, answer, status, answerer, "
                "prompt_version_id) VALUES (%s, 'slack', '{handbook}', %s, %s, %s, 'extractive', 1)",
                (iid, q, f"answer {i}", status),
            )
            ids.append(iid)
        up = labels.record_vote(conn, ids[0], kind="up", reaction="+1", user_id="U1", channel_id="C1")
        gone = labels.record_vote(conn, ids[1], kind="down", reaction="-1", user_id="U2", channel_id="C2")
        labels.retract_vote(conn, ids[1], reaction="-1", user_id="U2", positive=["+1"], negative=["-1"])
        fix = labels.record_correction(conn, ids[2], correction="Ask IT for the guest network.", user_id="U3",
                                       user_name="Carol", channel_id="C1")  # fmt: skip
        conn.commit()
    return clean_db, {"up": up.label_id, "retracted": gone.label_id, "correction": fix}


def test_labels_list_filters_show_and_export(labeled):
    url, ids = labeled
    r = run_cli(url, "labels", "list")
    assert r.returncode == 0 and all(str(i) in r.stdout for i in ids.values())
    r = run_cli(url, "labels", "list", "--kind", "correction", "--channel", "C1")
    assert str(ids["correction"]) in r.stdout and "👍" not in r.stdout
    r = run_cli(url, "labels", "list", "--status", "retracted", "--since", "1d")
    assert "retracted" in r.stdout and "👍" not in r.stdout
    r = run_cli(url, "labels", "show", str(ids["correction"]))
    assert r.returncode == 0 and "Ask IT for the guest network." in r.stdout and "Wifi password?" in r.stdout
    r = run_cli(url, "labels", "export", "--kind", "up")
    [line] = r.stdout.splitlines()
    record = json.loads(line)
    assert record["id"] == ids["up"] and record["question"] == "How long before a page escalates?"
    assert record["split"] in ("train", "heldout") and record["prompt_version_id"] == 1


def test_label_review_records_the_actor_and_refuses_what_it_cannot_do(labeled):
    url, ids = labeled
    r = run_cli(url, "labels", "approve", str(ids["up"]), "--actor", "ann", "--note", "good")
    assert r.returncode == 0 and "approved" in r.stdout
    r = run_cli(url, "labels", "approve", str(ids["retracted"]))
    assert r.returncode == 2 and "retracted" in r.stderr
    r = run_cli(url, "labels", "reject", "999999")
    assert r.returncode == 2 and "Label 999999 does not exist" in r.stderr and "labels list" in r.stderr
    r = run_cli(url, "labels", "list", "--status", "bogus")
    assert r.returncode == 2 and "Unknown status" in r.stderr
    r = run_cli(url, "labels", "list", "--since", "last tuesday")
    assert r.returncode == 2 and "7d" in r.stderr
    r = run_cli(url, "audit")
    assert "ann" in r.stdout and "labels.approve" in r.stdout and f"label:{ids['up']}" in r.stdout


def test_prompt_commands(clean_db):
    with db.connect(clean_db) as conn:
        v1 = pv.active_version(conn)
        v2 = pv.create_version(conn, instructions=v1.instructions + "\nBe brief.", few_shot=[], author="ann",
                               params=v1.params.model_copy(update={"top_k": 6}), parent_id=1)  # fmt: skip
        conn.commit()
    r = run_cli(clean_db, "prompts", "diff", "1", str(v2))
    assert r.returncode == 0 and "top_k" in r.stdout and "+Be brief." in r.stdout
    r = run_cli(clean_db, "prompts", "activate", str(v2), "--actor", "ann", "--reason", "shorter")
    assert r.returncode == 0 and f"v{v2} is active (was v1)" in r.stdout
    r = run_cli(clean_db, "prompts", "activate", str(v2))
    assert r.returncode == 2 and "already the active version" in r.stderr
    r = run_cli(clean_db, "prompts", "list")
    assert f"* │ v{v2}" in r.stdout
    r = run_cli(clean_db, "prompts", "history")
    assert "activate" in r.stdout and "shorter" in r.stdout and "ann" in r.stdout
    exported = json.loads(run_cli(clean_db, "prompts", "export", str(v2)).stdout)
    assert exported["id"] == v2 and exported["params"]["top_k"] == 6
    r = run_cli(clean_db, "prompts", "rollback", "--actor", "ann")
    assert r.returncode == 0 and "v1 is active again" in r.stdout
    r = run_cli(clean_db, "prompts", "rollback")
    assert r.returncode == 2 and "Nothing to roll back to" in r.stderr
    for args in (("show", "42"), ("activate", "42"), ("approve", "42"), ("diff", "1", "42")):
        r = run_cli(clean_db, "prompts", *args)
        assert r.returncode == 2 and "Prompt version 42 does not exist" in r.stderr, args
    r = run_cli(clean_db, "prompts", "approve", str(v2))
    assert r.returncode == 2 and "not waiting for approval" in r.stderr
    r = run_cli(clean_db, "retune", "show", "77")
    assert r.returncode == 2 and "Report 77 does not exist" in r.stderr


def test_stats_and_review_sample(labeled):
    url, _ = labeled
    r = run_cli(url, "stats", "--weeks", "2")
    assert r.returncode == 0
    [row] = [line for line in r.stdout.splitlines() if "v1" in line]
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[1:6] == ["v1", "3", "2 (67%)", "1", "1"], cells  # questions, answered, idk, 👍 (retracted ≠ 👎)
    r = run_cli(url, "review", "sample", "--n", "2", "--seed", "x")
    assert r.returncode == 0 and r.stdout.count("  Q ") == 2
    again = run_cli(url, "review", "sample", "--n", "2", "--seed", "x")
    assert again.stdout == r.stdout, "the same seed gives the same sample"


def test_periodic_retune_runs_on_a_worker_of_the_retune_queue(labeled, tmp_path):
    url, _ = labeled
    redis = services.RedisServer().start()
    env = {"DATABASE_URL": url, "REDIS_URL": redis.url, "ANSWERLOOP_EMBEDDINGS": "none", "ANSWERLOOP_LLM": ""}
    worker = services.Worker(env, queues="retune").start()
    try:
        from workers.celery_app import use_broker
        from workers.tasks import retune

        use_broker(redis.url)
        retune.apply_async(kwargs={"actor": "beat"}, queue="retune")
        deadline = time.monotonic() + 120
        row = None
        while row is None and time.monotonic() < deadline:
            with db.connect(url) as conn:
                row = conn.execute("SELECT actor, decision FROM eval_reports WHERE kind = 'retune'").fetchone()
            time.sleep(0.5)
        assert row == {"actor": "beat", "decision": "not_enough_data"}, worker.log()[-2000:]
    finally:
        worker.stop()
        redis.stop()


def test_beat_starts_with_the_configured_schedule(clean_db, tmp_path):
    redis = services.RedisServer().start()
    env = {**os.environ, "DATABASE_URL": clean_db, "REDIS_URL": redis.url, "ANSWERLOOP_HOME": str(tmp_path),
           "ANSWERLOOP_RETUNE_SCHEDULE": "15 2 * * 3", "ANSWERLOOP_LOG_LEVEL": "DEBUG"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli.main import main; main()", "beat"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        out = ""
        deadline = time.monotonic() + 60
        while "<crontab: 15 2 * * 3" not in out and time.monotonic() < deadline and proc.poll() is None:
            out += proc.stdout.readline()
        assert "beat: Starting" in out and "workers.tasks.retune" in out and "<crontab: 15 2 * * 3" in out, out
        assert f"db -> {tmp_path / 'celerybeat-schedule'}" in out
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        redis.stop()
    bad = run_cli(clean_db, "beat", env={"ANSWERLOOP_RETUNE_SCHEDULE": "every monday"})
    assert bad.returncode == 2 and "not a crontab expression" in bad.stderr and "Traceback" not in bad.stderr


def test_with_an_admin_list_state_changes_need_an_admin(labeled):
    url, ids = labeled
    admins = {"ANSWERLOOP_ADMINS": '["ann"]'}
    r = run_cli(url, "labels", "approve", str(ids["up"]), "--actor", "mallory", env=admins)
    assert r.returncode == 2 and "'mallory' is not an Answerloop admin" in r.stderr
    r = run_cli(url, "prompts", "rollback", env={**admins, "ANSWERLOOP_ADMIN": "mallory"})
    assert r.returncode == 2 and "not an Answerloop admin" in r.stderr
    with db.connect(url) as conn:
        assert labels.get_label(conn, ids["up"])["status"] == "pending"
    r = run_cli(url, "labels", "approve", str(ids["up"]), "--actor", "ann", env=admins)
    assert r.returncode == 0, r.stderr
    r = run_cli(url, "labels", "list", env=admins)  # reading needs no admin
    assert r.returncode == 0
