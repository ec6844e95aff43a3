"""How long the claim checks (`guardrails.claims.check_answer`, run on every answer against its cited passages)
take on repetitive input, against an ordinary answer of the same size in the same run.

    python bench/claims_bench.py            # → bench/results/claims.md

Each case is a 3,000-character answer against 8 passages of 1,500 characters (chunks are at most 1,200): the
answer and the passages repeat one short unit ("Acme. ", "1 ", …), or, as the baseline, are prose sentences with
numbers and negations taken in turn from a list. The time is the best of `--repeat` runs; the ratio is to the
baseline's, so machines of different speed compare. To time another version of the code, run this file with that
version first on PYTHONPATH (the README's before/after figures were taken that way, at commit c995208).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from guardrails.claims import check_answer

DEFAULT_OUT = Path(__file__).parent / "results" / "claims.md"
ANSWER, PASSAGE, PASSAGES = 3000, 1500, 8
PROSE = [
    "The worker retries a failed task 3 times before it gives up.",
    "Results are kept for 24 hours unless you set a longer expiry.",
    "A task that is not acknowledged is not lost: it is delivered again after 300 seconds.",
    "Prefetching is off by default and can be enabled per queue.",
    "Each node uses 4 processes and at most 512 MB of memory.",
]
UNITS = ["Acme. ", "1 ", "1.5 kg ", "Not a. ", "a, b, c. "]


def _fill(unit_or_list: str | list[str], size: int, start: int = 0) -> str:
    if isinstance(unit_or_list, str):
        return unit_or_list * (size // len(unit_or_list))
    out, i = "", start
    while len(out) < size:
        out += unit_or_list[i % len(unit_or_list)] + " "
        i += 1
    return out[:size]


def _time(answer: str, passages: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        check_answer(answer, passages)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description="claim-check time on repetitive answers")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = _time(_fill(PROSE, ANSWER), [_fill(PROSE, PASSAGE, k) for k in range(PASSAGES)], args.repeat)
    rows = [f"| prose (baseline) | {base:.3f} | 1.0 |"]
    for unit in UNITS:
        seconds = _time(_fill(unit, ANSWER), [_fill(unit, PASSAGE)] * PASSAGES, args.repeat)
        rows.append(f"| `{unit!r}` repeated | {seconds:.3f} | {seconds / base:.1f} |")
        print(rows[-1], flush=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    report = "\n".join(
        [
            "# Claim checks on repetitive answers",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at {commit}: `python bench/claims_bench.py` "
            f"(answer {ANSWER} characters, {PASSAGES} passages of {PASSAGE}; best of {args.repeat}).",
            "",
            "| answer and passages | seconds | × baseline |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )
    args.out.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
