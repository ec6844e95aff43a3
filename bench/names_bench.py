"""People's names without an NER model: recall on real names the lists were not made from, and what else changes.

    python bench/names_bench.py            # → bench/results/names.md

The guard's name recognizer (guardrails/person_names.py) reads given names from Faker's person data, and the PII
sets of bench/pii_bench.py are generated with Faker's names too, so their PERSON recall is no independent test.
Here the names are **real people's**, read at run time from the copyright files of the Debian packages installed
on this machine (`/usr/share/doc/*/copyright`: "Copyright 2004 Jane Doe", "  2010-2012 Jane Doe <…>"), never
committed. Each name is put in chat sentences (as the full name, then the given name alone) and the whole guard
(PiiGuard, the pipeline's) must leave no part of it visible.

What else it changes: texts with no person in them, redacted with names on and with names off; a text counts
as changed when the two differ. Two groups: **seen** — the PII sets' negative lines and every evaluation question
of bench/data, which were looked at while the recognizer's word and place lists were written; **unseen** — the
grounding cases' answers and passages, the held-out thread follow-ups and the sample knowledge base's sentences,
not looked at before the recognizer was fixed (their "changed" texts include real names of people in the docs).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from bench.common import command_line, cpu_model, nproc
from guardrails.pii import PiiGuard

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
OUT = ROOT / "bench" / "results" / "names.md"
TEMPLATES = (
    "Can you ask {} about the deploy?",
    "{} said the build is broken",
    "I talked to {} yesterday and she said to check the docs",
    "who approved {}'s expense report?",
    "hey, {} is out today, who covers on-call?",
    "please loop in {} on the VPN issue",
    "{} can't log in to the VPN",
    "my manager {} wants the Q3 report",
)
_NAME = r"[A-Z][a-zà-öø-ÿ]+(?: [A-Z]\.)? [A-Z][a-zà-öø-ÿ]+(?:-[A-Z][a-zà-öø-ÿ]+)?"
_COPYRIGHT = re.compile(r"(?:Copyright|©|\([Cc]\))[^\n]*?\b\d{4}[-, \d]*\s+(" + _NAME + ")")
_HOLDER_LINE = re.compile(r"^\s+\d{4}[-, \d]*\s+(" + _NAME + r")\s*<", re.M)
_NOT_PEOPLE = re.compile(
    r"Software|Foundation|Inc|University|Corporation|Project|Team|Ltd|Limited|Institute|Systems|Technolog|"
    r"Contributors|Authors|Consortium|Company|Group|Regents|Microsystems|Research|Labs|Laborator|Enterprises|"
    r"Solutions|Computing|Advanced|Free|Open|Network|Association|Society|Council|Media|Studio|Games|Digital"
)


def real_names() -> list[str]:
    """People named as copyright holders in the installed Debian packages' copyright files."""
    found: set[str] = set()
    for path in glob.glob("/usr/share/doc/*/copyright"):
        try:
            text = Path(path).read_text(errors="replace")
        except OSError:
            continue
        found.update(m.group(1) for m in _COPYRIGHT.finditer(text))
        found.update(m.group(1) for m in _HOLDER_LINE.finditer(text))
    return sorted(n for n in found if not _NOT_PEOPLE.search(n))


def visible(name: str, redacted: str) -> bool:
    """Whether any word of the name (initials aside) is still in the redacted text."""
    return any(len(w) > 2 and re.search(rf"\b{re.escape(w)}\b", redacted) for w in name.replace(".", "").split())


def recall(guard: PiiGuard, names: list[str], given_only: bool) -> tuple[int, int, list[str]]:
    hit = total = 0
    missed: list[str] = []
    for i, name in enumerate(names):
        shown = name.split()[0] if given_only else name
        for template in TEMPLATES[i % 2 :: 2]:  # four sentences per name, alternating halves
            text = template.format(shown)
            total += 1
            if visible(shown, guard.redact(text).text):
                missed.append(text)
            else:
                hit += 1
    return hit, total, missed


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def seen_texts() -> list[str]:
    texts = [r["text"] for f in ("pii_dev_negatives.jsonl", "pii_heldout_negatives.jsonl") for r in _jsonl(DATA / f)]
    for path in sorted(DATA.glob("*/questions.jsonl")):
        texts += [r["question"] for r in _jsonl(path)]
    for f in ("retrieval_eval.jsonl", "thread_followups.jsonl", "feedback_scenario.jsonl"):
        for r in _jsonl(DATA / f):
            texts += [v for k, v in r.items() if k in ("question", "text", "followup") and isinstance(v, str)]
    return list(dict.fromkeys(texts))


def unseen_texts() -> list[str]:
    texts: list[str] = []
    for path in sorted((DATA / "grounding").glob("*.jsonl")):
        for r in _jsonl(path):
            texts += [r["answer"], *r["passages"]]
    for r in _jsonl(DATA / "thread_followups_heldout.jsonl"):
        texts += [v for v in r.values() if isinstance(v, str) and len(v) > 15]
    for path in sorted((ROOT / "core" / "sample_kb").rglob("*")):
        if path.suffix in (".md", ".rst", ".txt"):
            text = path.read_text(errors="replace")
            texts += [s for s in re.split(r"(?<=[.!?])\s+", text) if 20 < len(s) < 400]
    return list(dict.fromkeys(texts))


def changed(on: PiiGuard, off: PiiGuard, texts: list[str]) -> tuple[list[tuple[str, str]], float, float]:
    """Texts the name recognizer changes (with the words it took), and seconds spent with names on and off."""
    out: list[tuple[str, str]] = []
    t_on = t_off = 0.0
    for text in texts:
        t0 = time.perf_counter()
        with_names = on.redact(text).text
        t1 = time.perf_counter()
        without = off.redact(text).text
        t_on, t_off = t_on + t1 - t0, t_off + time.perf_counter() - t1
        if with_names != without:
            out.append((text, ", ".join(text[f.start : f.end] for f in on.analyze(text) if f.entity_type == "PERSON")))
    return out, t_on, t_off


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    names = real_names()
    if not names:
        raise SystemExit("No copyright files under /usr/share/doc: this bench needs a Debian-like machine.")
    on, off = PiiGuard(names=True), PiiGuard(names=False)
    lines = [
        "# People's names without an NER model",
        "",
        f"Command: `{command_line()}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: `nproc` = {nproc()}, {cpu_model()}",
        "",
        "Whole guard (`PiiGuard`, the pipeline's), names on. A sentence counts as a hit when no word of the name "
        "(initials aside) is left in the redacted text.",
        "",
        f"## Recall on real people's names ({len(names)} copyright holders of the installed Debian packages)",
        "",
        "| written as | sentences | hidden | recall |",
        "|---|---:|---:|---:|",
    ]
    misses: dict[str, list[str]] = {}
    for label, given_only in (("full name", False), ("given name alone", True)):
        hit, total, missed = recall(on, names, given_only)
        misses[label] = missed
        lines.append(f"| {label} | {total} | {hit} | {hit / total:.3f} |")
    lines += ["", "Sentences: " + "; ".join(f"“{t.format('…')}”" for t in TEMPLATES) + ".", ""]
    for label, missed in misses.items():
        lines.append(f"Missed, {label}, first 12: " + "; ".join(f"“{m}”" for m in missed[:12]))
        lines.append("")
    lines += [
        "## Texts with no person in them that it changes",
        "",
        "| texts | n | changed | share | per-text cost, names on / off |",
        "|---|---:|---:|---:|---:|",
    ]
    details: list[str] = []
    for label, texts in (("seen (negatives, evaluation questions)", seen_texts()), ("unseen", unseen_texts())):
        found, t_on, t_off = changed(on, off, texts)
        lines.append(
            f"| {label} | {len(texts)} | {len(found)} | {len(found) / len(texts):.2%} | "
            f"{t_on / len(texts) * 1000:.2f} ms / {t_off / len(texts) * 1000:.2f} ms ({t_on / max(t_off, 1e-9):.2f}×) |"
        )
        taken = Counter(word for _, words in found for word in words.split(", ") if word)
        details.append(f"Taken as names in {label}: " + (", ".join(f"{w} ×{n}" for w, n in taken.most_common()) or "—"))
    lines += ["", *details, ""]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
