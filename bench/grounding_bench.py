"""Grounding benchmark: does the grounding check accept faithful answers and reject altered ones?

    python bench/grounding_bench.py [--data FILE ...] [--out bench/results/grounding.md] [--previous REV]

Loads the labelled cases in ``bench/data/grounding/`` (answers written like a model's, each with the 1–2
passages it cites), verifies that every passage is verbatim in its source section (``core/sample_kb`` for
``cases.jsonl``; the ``flask`` / ``typer`` evaluation documents of ``bench/datasets.py`` for
``heldout_flask_typer.jsonl``, whose sources read ``<set>:<path>#<heading>``), and runs two checks side by
side on every case:

- **baseline** — the grounding check as it was before the exact checks (``check_grounding(exact=False)``:
  similarity support per sentence only);
- **current** — ``guardrails.grounding.check_grounding`` as it is now;
- **previous** (with ``--previous REV``) — the check as committed at a git revision, e.g. the rules before a
  round of changes, scored on the same cases in the same run.

Both get one ``CitationRef`` per passage (no quote), the pipeline's threshold
(``AnsweringParams().grounding_threshold``) and the pipeline's semantic support (max cosine between the
sentence and the cited passages under the local all-MiniLM-L6-v2 embedder, as in
``workers/pipeline.py``'s ``_semantic_support``).

A case counts as *accepted* when the verdict is "grounded". For faithful answers (paraphrase, summary) a
rejection is a false rejection; for altered answers (number, name, negation, condition, scope, unit) a
rejection is a catch. Balanced accuracy = (acceptance rate on faithful + catch rate on altered) / 2.
Splits: ``dev`` and ``test`` (Celery docs and the handbook), ``test2`` (Flask and Typer docs) and ``test3``
(Gunicorn docs), ``test4`` (attrs docs) and ``test5`` (Click docs) are development data — each was held out once and
declared development data after it had been scored; ``test6`` (Jinja docs, written and committed before any rule change
of the sixth round) is the held-out set, scored once at the end. Splits without cases in ``--data`` are left out of the
tables, so a development run can leave the held-out file out entirely. An existing report at ``--out`` is kept below the
new one (the evaluation history).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from common import RESULTS, ROOT, SAMPLE_KB, command_line, cpu_model, memory_gib, nproc, pct, rel, write_report

from guardrails.claims import CHECKS
from guardrails.grounding import (
    CitationRef,
    GroundingReport,
    check_grounding,
)

DATA_DIR = ROOT / "bench" / "data" / "grounding"
DEFAULT_DATA = (
    DATA_DIR / "cases.jsonl",
    DATA_DIR / "heldout_flask_typer.jsonl",
    DATA_DIR / "heldout_gunicorn.jsonl",
    DATA_DIR / "heldout_attrs.jsonl",
    DATA_DIR / "heldout_click.jsonl",
    DATA_DIR / "heldout_jinja.jsonl",
)
DEFAULT_OUT = RESULTS / "grounding.md"
FAITHFUL = ("paraphrase", "summary")
ALTERED = ("number", "name", "negation", "condition", "scope", "unit")
KINDS = FAITHFUL + ALTERED
SPLITS = ("dev", "test", "test2", "test3", "test4", "test5", "test6")
SPLIT_NAMES = {
    "dev": "dev",
    "test": "old test (now dev)",
    "test2": "test2 (now dev)",
    "test3": "test3 (now dev)",
    "test4": "test4 (now dev)",
    "test5": "test5 (now dev)",
    "test6": "test6 (held out)",
}
HELD_OUT = "test6"
# Documents of a held-out set that is no quality-bench set: `<name>:<path>#<heading>` -> this sdist's folder.
SDIST_SOURCES = {
    "gunicorn": ("gunicorn==23.0.0", "docs/source"),
    "attrs": ("attrs==24.2.0", "docs"),
    "click": ("click==8.1.7", "docs"),
    "jinja": ("jinja2==3.1.4", "docs"),
}
MAX_ERRORS_SHOWN = 60


# ---------------------------------------------------------------------------------------------- baseline

# The check before the exact claim checks: `check_grounding` with them off is that check, line for line.
baseline = functools.partial(check_grounding, exact=False)


def check_at(revision: str) -> Callable[..., GroundingReport]:
    """`check_grounding` as committed at a git revision (its guardrails/text.py, grounding.py and claims.py, or
    the claims/ package it became, imported as a package of their own), to score an earlier round's rules on the
    same cases in the same run."""
    import importlib
    import subprocess
    import tempfile

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    package = Path(tempfile.mkdtemp(prefix="grounding-prev-")) / "guardrails_prev"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    listed = git("ls-tree", "--name-only", revision, "guardrails/claims/").split()
    claims_files = [n.removeprefix("guardrails/") for n in listed if n.endswith(".py")] or ["claims.py"]
    if claims_files != ["claims.py"]:
        (package / "claims").mkdir()
    for name in ("text.py", "grounding.py", *claims_files):
        source = git("show", f"{revision}:guardrails/{name}")
        (package / name).write_text(source.replace("from guardrails.", "from guardrails_prev."), encoding="utf-8")
    sys.path.insert(0, str(package.parent))
    return importlib.import_module("guardrails_prev.grounding").check_grounding


# ---------------------------------------------------------------------------------------------- data


def load_cases(paths: Sequence[Path]) -> list[dict]:
    cases: list[dict] = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            cases += [json.loads(line) for line in fh if line.strip()]
    seen: set[str] = set()
    for c in cases:
        missing = {"id", "passage_source", "passages", "answer", "supported", "kind", "split"} - c.keys()
        if missing:
            raise SystemExit(f"{c.get('id')}: missing fields {sorted(missing)}")
        if c["id"] in seen:
            raise SystemExit(f"duplicate id {c['id']}")
        seen.add(c["id"])
        if c["kind"] not in KINDS or c["split"] not in SPLITS or c["supported"] != (c["kind"] in FAITHFUL):
            raise SystemExit(f"{c['id']}: bad kind/split/supported")
        if not 1 <= len(c["passages"]) <= 2:
            raise SystemExit(f"{c['id']}: needs 1-2 passages")
    return cases


def verify_passages(cases: list[dict]) -> int:
    """Every passage must occur (whitespace-normalised) in the parsed text of a section it names."""
    from workers.kb.parsing import decode, format_of, parse

    sections: dict[str, dict[str, list[str]]] = {}
    roots: dict[str, Path] = {}

    def source_file(path: str) -> Path:
        """``handbook/x.md`` under core/sample_kb, or ``flask:patterns/x.rst`` in an evaluation set's documents."""
        set_name, sep, rest = path.partition(":")
        if not sep or "/" in set_name:
            return SAMPLE_KB / path
        if set_name not in roots:
            import datasets

            if set_name in SDIST_SOURCES:
                spec, subdir = SDIST_SOURCES[set_name]
                roots[set_name] = datasets._fetch_sdist(f"grounding-{set_name}", spec, subdir)
            else:
                roots[set_name] = datasets.load(set_name).collections[set_name]
        return roots[set_name] / rest

    def section_texts(path: str) -> dict[str, list[str]]:
        if path not in sections:
            p = source_file(path)
            doc = parse(decode(p.read_bytes(), p.name), format_of(p), p.stem)
            sections[path] = defaultdict(list)
            for s in doc.sections:
                sections[path][s.title].append(" ".join(s.text.split()))
        return sections[path]

    checked = 0
    for c in cases:
        sources = [s.split("#", 1) for s in c["passage_source"].split(" | ")]
        for passage in c["passages"]:
            norm = " ".join(passage.split())
            if not any(norm in t for path, head in sources for t in section_texts(path).get(head, [])):
                raise SystemExit(f"{c['id']}: passage is not verbatim in {c['passage_source']}: {passage[:80]}…")
            checked += 1
    return checked


# ---------------------------------------------------------------------------------------------- running


class CachedSemantic:
    """The pipeline's `_semantic_support` (max cosine of sentence vs each passage), with an embedding cache.

    Embedding time is accumulated separately so the checker's own cost can be reported without it."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.cache: dict[str, object] = {}
        self.seconds = 0.0
        self.calls = 0

    def _vectors(self, texts: Sequence[str]):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed(missing), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts])

    def __call__(self, sentence: str, passages: Sequence[str]) -> float:
        t0 = time.perf_counter()
        vectors = self._vectors([sentence, *passages])
        self.calls += 1
        out = float(max(0.0, (vectors[1:] @ vectors[0]).max()))
        self.seconds += time.perf_counter() - t0
        return out


@dataclass
class Outcome:
    case: dict
    report: GroundingReport

    @property
    def accepted(self) -> bool:
        return self.report.grounded

    @property
    def correct(self) -> bool:
        return self.accepted == self.case["supported"]


@dataclass
class Run:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)
    check_seconds: float = 0.0  # wall time inside the check, embedder time excluded
    max_ms: float = 0.0


def run(name: str, check: Callable[..., GroundingReport], cases: list[dict], semantic, threshold: float) -> Run:
    r = Run(name)
    for c in cases:
        retrieved = {i + 1: p for i, p in enumerate(c["passages"])}
        citations = [CitationRef(i) for i in retrieved]
        before = semantic.seconds
        t0 = time.perf_counter()
        report = check(c["answer"], citations, retrieved, threshold=threshold, semantic=semantic)
        own = time.perf_counter() - t0 - (semantic.seconds - before)
        r.check_seconds += own
        r.max_ms = max(r.max_ms, own * 1000)
        r.outcomes.append(Outcome(c, report))
    return r


# ---------------------------------------------------------------------------------------------- metrics


@dataclass
class Tally:
    n: int = 0
    accepted: int = 0

    @property
    def rejected(self) -> int:
        return self.n - self.accepted


def tallies(outcomes: list[Outcome]) -> dict[str, Tally]:
    t: dict[str, Tally] = defaultdict(Tally)
    for o in outcomes:
        for key in (o.case["kind"], "faithful" if o.case["supported"] else "altered"):
            t[key].n += 1
            t[key].accepted += o.accepted
    return t


def rate(num: int, den: int) -> float | None:
    return num / den if den else None


def summary_figures(outcomes: list[Outcome]) -> dict[str, float | None]:
    t = tallies(outcomes)
    f, a = t["faithful"], t["altered"]
    frr = rate(f.rejected, f.n)
    catch = rate(a.rejected, a.n)
    bal = None if frr is None or catch is None else ((1 - frr) + catch) / 2
    return {"frr": frr, "catch": catch, "balanced": bal}


def fmt_pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def split_table(runs: list[Run], split: str) -> list[str]:
    per_run = [tallies([o for o in r.outcomes if o.case["split"] == split]) for r in runs]
    head = ["kind", "cases"] + [f"{r.name} accepted / rejected" for r in runs] + [f"{r.name} correct" for r in runs]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    for kind in (*KINDS, "faithful", "altered"):
        n = per_run[0][kind].n
        if not n:
            continue
        label = {"faithful": "**all faithful**", "altered": "**all altered**"}.get(kind, kind)
        cells = [label, str(n)]
        cells += [f"{t[kind].accepted} / {t[kind].rejected}" for t in per_run]
        good = [t[kind].accepted if (kind in FAITHFUL or kind == "faithful") else t[kind].rejected for t in per_run]
        cells += [pct(g, n) for g in good]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _history(out: Path) -> str:
    """The previous report at `out`, its headings one level down, to keep below the new one."""
    if not out.exists():
        return ""
    old = out.read_text(encoding="utf-8").strip()
    if not old:
        return ""
    demoted = "\n".join("#" + line if line.startswith("#") else line for line in old.splitlines())
    return "\n\n---\n\n# Earlier runs (kept for the evaluation history)\n\n" + demoted + "\n"


def headline_table(runs: list[Run]) -> list[str]:
    lines = [
        "| check | split | faithful false-rejection (≤ 10 %) | altered caught (≥ 85 %) | balanced accuracy |",
        "|---|---|---:|---:|---:|",
    ]
    for split in SPLITS:
        if not any(o.case["split"] == split for o in runs[0].outcomes):
            continue
        for r in runs:
            fig = summary_figures([o for o in r.outcomes if o.case["split"] == split])
            name = SPLIT_NAMES[split]
            lines.append(
                f"| {r.name} | {name} | {fmt_pct(fig['frr'])} | {fmt_pct(fig['catch'])} | {fmt_pct(fig['balanced'])} |"
            )
    return lines


def problem_kinds(report: GroundingReport) -> str:
    return "; ".join(report.problems) or "—"


def error_list(r: Run, split: str) -> list[str]:
    errs = [o for o in r.outcomes if o.case["split"] == split and not o.correct]
    lines = [f"{len(errs)} misclassified {SPLIT_NAMES[split]} cases for **{r.name}**"]
    if len(errs) > MAX_ERRORS_SHOWN:
        lines[0] += f" (first {MAX_ERRORS_SHOWN} shown)"
    lines[0] += ":"
    lines.append("")
    for o in errs[:MAX_ERRORS_SHOWN]:
        verdict = "accepted" if o.accepted else f"rejected — {problem_kinds(o.report)}"
        answer = o.case["answer"].replace("|", "\\|")
        lines.append(f"- `{o.case['id']}` ({o.case['kind']}) {verdict}: “{answer}”")
    return lines


# ---------------------------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, nargs="+", default=list(DEFAULT_DATA))
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--errors", choices=("none", *SPLITS, "all"), default=HELD_OUT)
    ap.add_argument(
        "--previous",
        metavar="REV",
        help="also score the check as committed at this git revision (the previous round's rules), as 'previous'",
    )
    args = ap.parse_args()

    from feedback.prompt_versions import AnsweringParams
    from workers.embeddings import LocalEmbedder

    cases = load_cases(args.data)
    n_passages = verify_passages(cases)
    threshold = AnsweringParams().grounding_threshold
    embedder = LocalEmbedder()
    semantic = CachedSemantic(embedder)
    # Warm the cache so neither run pays for embedding first.
    semantic._vectors([p for c in cases for p in c["passages"]])

    runs = [run("baseline", baseline, cases, semantic, threshold)]
    if args.previous:
        runs.append(run("previous", check_at(args.previous), cases, semantic, threshold))
    runs.append(run("current", check_grounding, cases, semantic, threshold))
    singles = [
        run(f"similarity + {name}", functools.partial(check_grounding, exact=(name,)), cases, semantic, threshold)
        for name in CHECKS
    ]

    kinds = Counter(c["kind"] for c in cases)
    splits = Counter(c["split"] for c in cases)
    present = [s for s in SPLITS if splits[s]]
    lines = [
        "# Grounding check benchmark",
        "",
        f"Command: `{command_line()}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: `nproc` = {nproc()}, {cpu_model()}, {memory_gib()} RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}  ",
        f"Data: {', '.join(f'`{rel(d)}`' for d in args.data)} — {len(cases)} cases ("
        + " / ".join(f"{splits[s]} {SPLIT_NAMES[s]}" for s in present)
        + "), "
        f"{sum(kinds[k] for k in FAITHFUL)} faithful ("
        + ", ".join(f"{kinds[k]} {k}" for k in FAITHFUL)
        + f") and {sum(kinds[k] for k in ALTERED)} altered ("
        + ", ".join(f"{kinds[k]} {k}" for k in ALTERED)
        + f"); all {n_passages} passages verified verbatim against their source sections  ",
        f"Check settings: threshold = `AnsweringParams().grounding_threshold` = {threshold}, one citation per "
        f"passage (no quote), semantic support = max cosine under `{embedder.name}` (as the pipeline)  ",
        "Checks: **baseline** = the check before the exact checks (`check_grounding(..., exact=False)`); **current** = "
        "`guardrails.grounding.check_grounding`. The current check was developed on **dev** and on the **old test** "
        "split (held out at first and scored three times in aggregate, then declared development data) and on "
        "**test2** (Flask and Typer documents, held out in the previous round and scored once, then declared "
        "development data) and on **test3** (Gunicorn documents, held out in the third round and scored once, "
        "then declared development data) and on **test4** (attrs documents, held out in the fourth round and scored "
        "once, then declared development data) and on **test5** (Click documents, held out in the fifth round and "
        "scored once, then declared development data); **test6** (Jinja documents, written and committed before any "
        "rule change of this round) is the held-out set, scored once at the end — see `bench/data/grounding/README.md`."
        + (
            f" **previous** = the check as committed at `{args.previous}` (the rules before this round), scored "
            "in the same run.  "
            if args.previous
            else "  "
        ),
        "Load average when the report was written (1 / 5 / 15 min): "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg())
        + " — timings are noisy on a shared machine",
        "",
        "## Headline",
        "",
        *headline_table(runs),
        "",
        "False-rejection = faithful answers (paraphrase + summary) rejected; caught = altered answers rejected; "
        "balanced accuracy = mean of the two per-class accuracies.",
        "",
    ]
    for split in present:
        lines += [f"## {SPLIT_NAMES[split]}, per kind", "", *split_table(runs, split), ""]
    lines += [
        "## Each exact check on its own",
        "",
        "The current check with only one of the exact checks of `guardrails.claims` enabled (on top of the "
        "similarity support), to show what each one costs in false rejections and buys in catches.",
        "",
        *headline_table([runs[0], *singles, runs[-1]]),
        "",
    ]
    lines += ["## Cost", ""]
    for r in (*runs, *singles):
        lines.append(
            f"- {r.name}: {r.check_seconds / len(cases) * 1000:.2f} ms per answer on average, "
            f"{r.max_ms:.2f} ms at most (embedder time excluded)"
        )
    lines.append(
        f"- embedder: {semantic.calls} semantic-support calls in total over both runs, {semantic.seconds:.1f} s"
    )
    lines.append("")
    if args.errors != "none":
        lines += ["## Misclassified cases", ""]
        for split in present if args.errors == "all" else [s for s in (args.errors,) if splits[s]]:
            lines += [*error_list(runs[-1], split), ""]
    write_report("\n".join(lines) + _history(args.out), args.out)


if __name__ == "__main__":
    sys.exit(main())
