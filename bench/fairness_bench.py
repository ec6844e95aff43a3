"""Fairness benchmark: does one person's burst of questions delay other people's answers?

    python bench/fairness_bench.py [--burst 50] [--idle 5]

Everything real: the Slack stand-in (Socket Mode), the Bolt app with our intake, a private Redis, one Celery
worker process (concurrency 1: the burst really queues), the embedded Postgres (``answerloop_bench_fairness``,
sample KB). Per run: bob asks ``--idle`` questions one at a time on an idle system (his baseline), then alice
posts ``--burst`` questions at once and bob asks one right after. Measured: bob's question → answer (the
``chat.update`` that replaced his placeholder) during the burst, as a ratio to his idle median, with the fair
queue on (the default: a person's further open questions go to lower Redis priority lists) and off (one FIFO),
in the same run. Rate limits are off (the burst is the point).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from common import (
    RESULTS,
    bench_database,
    bench_home,
    fmt,
    header,
    ingest_sample,
    placeholder_path,
    question_limits_off,
    write_report,
)
from slack_bench import questions

DEFAULT_OUT = RESULTS / "fairness.md"


def answer_ms(slack, channel: str, posted: list, timeout: float) -> list[float]:
    """Message → its answer in place: the last chat.update of the placeholder, or the reply itself when the
    placeholder could not be posted (Slack's per-channel posting limit during a burst)."""
    from cli.slack_chat import PLACEHOLDER_MARK

    out = []
    deadline = time.monotonic() + timeout
    for msg in posted:
        reply = slack.wait_for_bot_reply(
            channel,
            msg.ts,
            max(1.0, deadline - time.monotonic()),
            predicate=lambda m: PLACEHOLDER_MARK not in (m.text or ""),
        )
        updates = [c for c in slack.calls("chat.update") if c.args.get("ts") == reply.ts and c.http_status == 200]
        done = updates[-1].time if updates else reply.created_at
        out.append((done - msg.created_at) * 1000)
    return out


def run(settings, url: str, broker_url: str, pool: list[str], burst: int, idle: int) -> dict:
    import os

    from cli.local_stack import LocalSlackStack
    from core.settings import reset_settings_cache
    from slack_standin import ALICE, BOB, BOT_USER_ID, GENERAL

    # The stack's bot reads its settings from the environment.
    os.environ["ANSWERLOOP_FAIR_QUEUE"] = "true" if settings.fair_queue else "false"
    reset_settings_cache()
    with LocalSlackStack(settings, url, redis_url=broker_url, workers=1, concurrency=1) as stack:
        stack.wait_ready()
        slack = stack.slack
        alone = []
        for i in range(idle):
            msg = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {pool[(i * 5) % len(pool)]}", user=BOB)
            alone += answer_ms(slack, GENERAL, [msg], timeout=120)
        burst_started = time.time()
        flood = [
            slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {pool[(i * 3) % len(pool)]}", user=ALICE)
            for i in range(burst)
        ]
        taken = _wait_taken(url, ALICE, burst, burst_started)  # bob asks once the intake has queued alice's whole burst
        bob = slack.post_message(GENERAL, f"<@{BOT_USER_ID}> {pool[7 % len(pool)]}", user=BOB)
        during = answer_ms(slack, GENERAL, [bob], timeout=900)[0]
        alice_ms = answer_ms(slack, GENERAL, flood, timeout=1800)
    return {"idle": alone, "during": during, "alice": alice_ms, "backlog": taken}


def _wait_taken(url: str, user: str, n: int, since: float, timeout: float = 120) -> int:
    """Until the intake has recorded `n` of this user's questions; returns how many were still unanswered."""
    from core import db

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.connect(url) as conn:
            row = conn.execute(
                "SELECT count(*) AS n, count(*) FILTER (WHERE status IN ('received', 'queued', 'answering')) AS open "
                "FROM slack_requests WHERE user_id = %s AND created_at >= to_timestamp(%s)",
                (user, since - 1),
            ).fetchone()
        if row["n"] >= n:
            return row["open"]
        time.sleep(0.05)
    raise TimeoutError(f"the intake took fewer than {n} questions from {user}")


def arm_order(rounds: int) -> list[bool]:
    """Fair queue on/off per run, ABBA: on, off, off, on, on, off, …"""
    return [arm for r in range(rounds) for arm in ((True, False) if r % 2 == 0 else (False, True))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--idle", type=int, default=5)
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="each round runs both arms, in alternating order (on/off, off/on, …): the later run of a pair "
        "finds warmer caches, so a one-pair comparison mixes order with the queue",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    from core.embedded_redis import EmbeddedRedis
    from core.settings import Settings
    from workers.embeddings import get_embedder

    question_limits_off()
    placeholder_path()
    url = bench_database("fairness")
    broker = EmbeddedRedis(bench_home() / "logs").start()
    base = {
        "database_url": url,
        "embeddings": "local",
        "llm": None,
        "home": bench_home(),
        "rate_limit_user_per_minute": 0,
        "rate_limit_channel_per_minute": 0,
    }
    settings = Settings(**base)
    ingest_sample(url, get_embedder(settings), settings)
    pool = questions()
    runs: list[tuple[int, bool, dict]] = []
    for fair in arm_order(args.rounds):
        print(
            f"run {len(runs) + 1}, fair queue {'on' if fair else 'off'}: bob idle ×{args.idle}, "
            f"then alice ×{args.burst} + bob",
            flush=True,
        )
        runs.append(
            (len(runs) + 1, fair, run(Settings(**base, fair_queue=fair), url, broker.url, pool, args.burst, args.idle))
        )
    broker.stop()

    lines = header("Fairness: one person's burst and everyone else's answers", url)
    lines += [
        "",
        f"One worker process (concurrency 1), extractive answerer. Bob asks {args.idle} questions one at a time on an "
        f"idle system, then alice posts {args.burst} at once and bob asks one more. Rate limits off. "
        f"{args.rounds} round(s) of both arms, alternating which goes first (ABBA), each on a fresh stack.",
        "",
        "| run | fair queue | bob idle, median ms | alice's questions still open when bob asks "
        "| bob during alice's burst, ms | ratio to idle | alice's burst: last answer after, s |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n, fair, r in runs:
        idle_median = statistics.median(r["idle"])
        lines.append(
            f"| {n} | {'on (default)' if fair else 'off (one FIFO)'} | {fmt(idle_median, 0)} | {r['backlog']} | "
            f"{fmt(r['during'], 0)} | "
            f"{fmt(r['during'] / idle_median, 2)}× | {fmt(max(r['alice']) / 1000, 1)} |"
        )
    lines += [
        "",
        "Target (issue J): bob's answer during the burst within 2× of idle. With the fair queue, bob's question is "
        "priority 0 and alice's third and later open questions priority 6–9 (kombu's Redis priority lists); bob "
        "waits at most for the question the worker already holds.",
        "",
    ]
    write_report("\n".join(lines), args.out)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
