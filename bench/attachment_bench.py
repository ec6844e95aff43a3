"""What reading an attached file costs the worker: redacting it (the guard the bot runs) and taking its terms.

    python bench/attachment_bench.py [--runs 5]     # prints a Markdown table

Files: a service log (mostly request lines, one retry, refused deploy and escalation per 40 lines, an email, an IP
or an AWS key every 33 lines)
at 10, 50 and 100 kB (the default ANSWERLOOP_ATTACHMENT_MAX_BYTES), cut to the default 2,000 lines as the worker
does. Reported: lines read, redact and terms time p50 / max over the runs, the terms taken, and whether any raw
seeded value survived redaction (it must not).
"""

from __future__ import annotations

import argparse
import statistics
import time

from guardrails.pii import PiiGuard
from workers.attachments import salient_terms

LINES = [
    "2026-12-01T10:{m:02d}:{s:02d}Z INFO  api-gateway request served path=/v1/orders status=200 took_ms={n}",
    "2026-12-01T10:{m:02d}:{s:02d}Z WARN  payments retry scheduled for order {n} after timeout upstream=psp",
    "2026-12-01T10:{m:02d}:{s:02d}Z ERROR deploy shipit promote refused: deploy freeze in effect, exception needed",
    "2026-12-01T10:{m:02d}:{s:02d}Z INFO  pager escalation to secondary after {n} minutes without acknowledgement",
]
SECRETS = [
    "notify maria.garcia@northwind-customer.com about order {n}",
    "client 203.0.113.{octet} blocked by rate limiter",
    "aws_access_key_id = AKIAZ7QX4KJ2M9TBW3PL",
]


def make_log(size: int) -> str:
    out, i = [], 0
    while sum(len(x) + 1 for x in out) < size:
        # mostly request lines, a few retries, one refused deploy and one escalation in every 40 lines
        kind = {37: 1, 38: 2, 39: 3}.get(i % 40, 0)
        template = SECRETS[i // 33 % len(SECRETS)] if i % 33 == 32 else LINES[kind]
        out.append(template.format(m=i // 60 % 60, s=i % 60, n=i, octet=i % 250 + 1))
        i += 1
    return "\n".join(out)[:size]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    guard = PiiGuard()
    print("| file | lines read | redact p50 ms | redact max ms | terms ms | terms | raw values left |")
    print("|---|---|---|---|---|---|---|")
    for size in (10_000, 50_000, 100_000):
        text = "\n".join(make_log(size).splitlines()[:2000])
        redact_ms, terms_ms = [], []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            redacted = guard.redact(text).text
            t1 = time.perf_counter()
            terms = salient_terms(redacted, 12)
            t2 = time.perf_counter()
            redact_ms.append((t1 - t0) * 1000)
            terms_ms.append((t2 - t1) * 1000)
        left = [v for v in ("maria.garcia@", "AKIAZ7QX4KJ2M9TBW3PL", "203.0.113.") if v in redacted]
        print(
            f"| {size // 1000} kB | {len(text.splitlines()):,} | {statistics.median(redact_ms):.0f} | "
            f"{max(redact_ms):.0f} | {statistics.median(terms_ms):.1f} | {' '.join(terms[:6])} … | {len(left)} |"
        )


if __name__ == "__main__":
    main()
