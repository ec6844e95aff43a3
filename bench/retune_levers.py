"""What a team's train labels can teach the decision to answer, cross-validated on those labels only (issue G).

    python bench/retune_levers.py [--out FILE] [--without-verified-vocabulary]

Reads the database the last `retune_bench.py --only unseen` run left (its labels, documents and seed v1; the seed
must be active, as the bench leaves it) and, per collection, on the TRAIN labels only:

1. the seed's wrong decisions: hallucinated (answered where the label says the documents do not answer) and missed
   (refused where it says they do), and which step made them (the gate, the answerer, a verified answer);
2. leave-one-out decisions of refit levers, each fitted on the other train labels of the collection and applied to
   the one left out: the per-collection shift (as the retune fits it), the labelled neighbours' vote with every
   label or only the labels about whether the subject is covered, and a per-collection `min_sentence_support`;
3. in sample (an upper bound), the most "I don't know" a shift or that support reaches losing ≤ 2 points of answers;
4. how well each signal (logit, best sentence's support, neighbours' vote) separates, past the seed's gate, the
   hallucinated from the rightly answered.

`--without-verified-vocabulary` (a diagnostic) has the gate read term statistics without the verified answers'
words: a correction carries its question, so once approved none of that question's words count as missing.

The held-out labels and the test split are never read: held-out corrections stay hidden as in the retune.
A decision is "answer" when the gate lets the question through and the answerer (with the gate open) answers.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

DB = "answerloop_bench_retune_unseen"
# Per-collection minimum sentence support tried (the seed's 0.34 among them; the answerer halves it behind the
# calibrated gate).
SUPPORT_GRID = (0.2, 0.25, 0.3, 0.34, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
RADII = (0.2, 0.3, 0.4, 0.5, 0.6)


@dataclass
class Row:
    """One train label and what the seed does with its question."""

    key: str
    collection: str
    y: int  # 1: should answer, 0: should say "I don't know"
    kind: str  # the team's reaction, in words
    p: float  # label-free answerability
    seed_answered: bool
    seed_reason: str
    answerer: str
    open_answers: dict[float, bool]  # with the gate open: does the answerer answer, per min_sentence_support
    verified: bool  # answered from a verified answer with the gate open (which never asks the gate)

    def decides(self, gate: bool, support: float = 0.34) -> bool:
        """Answered: a verified answer, or the gate lets the question through and the answerer answers."""
        return self.verified or (gate and self.open_answers[support])


def kind_of(example) -> str:
    if example.expect == "dont_know":
        return "up on IDK"
    if example.expect == "should_answer":
        return "down on IDK"
    if example.expect == "not_this":
        return "down 'wrong' (no correction)"
    if "off_topic" in example.reasons:
        return "down 'didn't answer' + correction"
    if "wrong" in example.reasons:
        return "down 'wrong' + correction"
    return "up on answer"


# The labels that say whether the subject is covered at all (not which section answers it).
SUBJECT_KINDS = frozenset({"up on IDK", "down 'didn't answer' + correction", "down on IDK"})


def without_verified(term_stats: Callable) -> Callable:
    """`keyword.term_stats` as if the verified answers (approved corrections, which carry their question's words)
    were not in the collection: what the gate's missing-term signals would read had the corrections not added the
    labelled questions' own words to the vocabulary. A diagnostic, not the product's code: every verified answer is
    hidden through the statistics' own `exclude_documents`."""

    def stats(conn, question: str, collections: Sequence[str], exclude_documents: Sequence[int] = ()):
        verified = conn.execute(
            "SELECT id FROM documents WHERE format = 'verified' AND collection = ANY(%s)", (list(collections),)
        ).fetchall()
        return term_stats(conn, question, collections, sorted({*exclude_documents, *(r["id"] for r in verified)}))

    return stats


def collect(url: str) -> tuple[list[Row], dict[str, np.ndarray], float]:
    from common import make_settings

    from core import db
    from feedback import prompt_versions as pv
    from feedback.answerability_refit import evidence
    from feedback.examples import load_examples
    from feedback.labels import question_key
    from feedback.retune import heldout_verified_documents
    from feedback.retune_search import with_changes
    from workers.embeddings import CachingEmbedder, LocalEmbedder
    from workers.pipeline import Pipeline

    settings = make_settings(url)
    embedder = CachingEmbedder(LocalEmbedder())
    pipeline = Pipeline(settings, embedder=embedder, database_url=url)
    with db.connect(url) as conn:
        seed = pv.active_version(conn)
        if seed.id != 1:
            raise SystemExit(f"v{seed.id} is active; the bench leaves the seed v1 active")
        train = [e for e in load_examples(conn) if e.split == "train"]
        hidden = heldout_verified_documents(conn, None)
        from feedback.answerability_refit import neighbour_sets

        sets = neighbour_sets(conn, None, train)
    vectors = {k: v for s in sets.values() for k, v in zip(s.keys, s.vectors, strict=True)}

    def ask(e, version):
        return pipeline.ask(
            e.question, e.collections, source="retune", version=version, record=False,
            exclude_documents=[*hidden, *e.own_documents],
        )  # fmt: skip

    rows = []
    for e in train:
        y = evidence(e)
        if y is None:
            continue
        r = ask(e, seed)
        collection = r.scores.get("answerability_collection")
        p = r.scores.get("answerability_label_free")
        if not collection or p is None:
            continue
        opened, verified = {}, False
        for s in SUPPORT_GRID:
            params = seed.params.model_copy(update={"answerability_threshold": 0.0, "min_sentence_support": s})
            o = ask(e, with_changes(seed, params=params))
            opened[s] = o.status == "answered"
            verified = verified or (o.answerer == "verified" and o.status == "answered")
        rows.append(
            Row(question_key(e.question), collection, y, kind_of(e), float(p), r.status == "answered", r.reason,
                r.answerer, opened, verified)
        )  # fmt: skip
    return rows, vectors, seed.params.answerability_threshold


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def balanced(decisions: Sequence[bool], ys: Sequence[int]) -> float:
    pos = [d for d, y in zip(decisions, ys, strict=True) if y == 1]
    neg = [not d for d, y in zip(decisions, ys, strict=True) if y == 0]
    parts = [sum(x) / len(x) for x in (pos, neg) if x]
    return sum(parts) / len(parts)


def errors(decisions: Sequence[bool], ys: Sequence[int]) -> tuple[int, int]:
    """(hallucinated, missed)."""
    h = sum(1 for d, y in zip(decisions, ys, strict=True) if d and y == 0)
    m = sum(1 for d, y in zip(decisions, ys, strict=True) if not d and y == 1)
    return h, m


# ------------------------------------------------------------------------------------------------ levers (LOO)


def loo(rows: list[Row], decide: Callable[[list[Row], Row], bool]) -> list[bool]:
    """Each row's decision by a lever fitted on the other rows."""
    return [decide([r for j, r in enumerate(rows) if j != i], row) for i, row in enumerate(rows)]


def seed_decision(_: list[Row], row: Row) -> bool:
    return row.seed_answered


def shift_lever(threshold: float) -> Callable[[list[Row], Row], bool]:
    from feedback.answerability_refit import fit_shift

    def decide(others: list[Row], row: Row) -> bool:
        b = fit_shift([(r.p, r.y) for r in others], threshold)
        return row.decides(_logit(row.p) + b >= _logit(threshold))

    return decide


def support_lever(threshold: float) -> Callable[[list[Row], Row], bool]:
    """The min_sentence_support that decides the other rows best (balanced; ties to the seed's 0.34)."""

    def at(r: Row, s: float) -> bool:
        return r.decides(_logit(r.p) >= _logit(threshold), s)

    def decide(others: list[Row], row: Row) -> bool:
        ys = [r.y for r in others]
        best = max(SUPPORT_GRID, key=lambda s: (round(balanced([at(r, s) for r in others], ys), 9), -abs(s - 0.34)))
        return at(row, best)

    return decide


def neighbours_lever(
    threshold: float, vectors: dict[str, np.ndarray], kinds: frozenset[str] | None
) -> Callable[[list[Row], Row], bool]:
    """The neighbours' vote (evidence of the labelled questions within a radius, as the refit reads it) as a second
    feature beside the logit, its strength, bias and radius fitted on the other rows by the refit's own LOO loss.
    `kinds`: the labels allowed to vote (None: every label)."""
    from feedback.answerability_refit import _Points, choose_prior, fit_offsets, neighbour_evidence

    def features(others: list[Row], targets: list[Row], radius: float) -> np.ndarray:
        voters = [r for r in others if r.key in vectors and (kinds is None or r.kind in kinds)]
        if not voters:
            return np.zeros(len(targets))
        mat = np.vstack([vectors[r.key] for r in voters])
        ys = np.asarray([r.y for r in voters], dtype=np.float64)
        out = []
        for t in targets:
            keep = np.asarray([v.key != t.key for v in voters])
            sims = mat @ vectors[t.key] if t.key in vectors else np.zeros(len(voters))
            out.append(neighbour_evidence(sims[keep], ys[keep], radius))
        return np.asarray(out)

    def points(rows: list[Row], ev: np.ndarray) -> _Points:
        y = np.asarray([r.y for r in rows], dtype=np.float64)
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        w = np.where(y == 1, 0.5 * len(y) / max(1, pos), 0.5 * len(y) / max(1, neg))
        z = np.asarray([_logit(r.p) - _logit(threshold) for r in rows])
        return _Points(np.column_stack([ev, np.ones(len(rows))]), z, y, w)

    def decide(others: list[Row], row: Row) -> bool:
        best = None
        for radius in RADII:
            pts = points(others, features(others, others, radius))
            prior, loss, _ = choose_prior(pts)
            if best is None or loss < best[0] - 1e-9:
                best = (loss, radius, prior, pts)
        assert best is not None
        _, radius, prior, pts = best
        strength, bias = (float(v) for v in fit_offsets(pts, prior))
        ev = float(features(others, [row], radius)[0])
        return row.decides(_logit(row.p) - _logit(threshold) + strength * ev + bias >= 0)

    return decide


def auc(pos: Sequence[float], neg: Sequence[float]) -> float | None:
    if not pos or not neg:
        return None
    return sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def separation(rows: list[Row], vectors: dict[str, np.ndarray], threshold: float) -> list[str]:
    """How well each signal ranks should-answer above should-not among the questions the seed's gate let through
    (where all its train mistakes are): the logit, the best sentence's support, the neighbours' vote."""
    from feedback.answerability_refit import neighbour_evidence

    lines = ["", "### What separates the hallucinated from the rightly answered (train, past the seed's gate)",
             "", "AUC of should-answer over should-not (0.5 = chance); for the neighbours, how many of these questions "
             "have a voter within the radius (the question itself left out).", "",
             "| collection (answer / not, past the gate) | signal | AUC | with a voter |",
             "|---|---|---:|---:|"]  # fmt: skip
    for c in sorted({r.collection for r in rows}):
        mine = [r for r in rows if r.collection == c]
        past = [r for r in mine if _logit(r.p) >= _logit(threshold)]
        pos, neg = [r for r in past if r.y == 1], [r for r in past if r.y == 0]
        head = f"{c} ({len(pos)} / {len(neg)})"

        def support(r: Row) -> float:
            return max((s for s, a in r.open_answers.items() if a), default=0.0)

        lines.append(
            f"| {head} | label-free logit | {_fmt(auc([_logit(r.p) for r in pos], [_logit(r.p) for r in neg]))} | – |"
        )
        best = auc([support(r) for r in pos], [support(r) for r in neg])
        lines.append(f"| {head} | best sentence's support | {_fmt(best)} | – |")
        for name, kinds in (("every label", None), ("subject labels", SUBJECT_KINDS)):
            voters = [r for r in mine if r.key in vectors and (kinds is None or r.kind in kinds)]
            if not voters:
                continue
            mat = np.vstack([vectors[r.key] for r in voters])
            ys = np.asarray([r.y for r in voters], dtype=np.float64)
            for radius in RADII:
                ev, reach = {}, 0
                for r in past:
                    keep = np.asarray([v.key != r.key for v in voters])
                    sims = (mat @ vectors[r.key])[keep] if r.key in vectors else np.zeros(int(keep.sum()))
                    ev[r.key] = neighbour_evidence(sims, ys[keep], radius)
                    reach += int((sims >= radius).any())
                value = auc([ev[r.key] for r in pos], [ev[r.key] for r in neg])
                lines.append(f"| {head} | neighbours' vote, {name}, radius {radius:g} | {_fmt(value)} | {reach} |")
    return lines


def frontier(rows: list[Row], threshold: float) -> list[str]:
    """In sample (fitted and scored on the same train labels, an upper bound): the most "I don't know" on the
    should-not labels any gate shift and/or min_sentence_support reaches while answering at most 2 points fewer
    should-answer labels than the seed."""
    lines = ["", "### In sample, the best any shift or minimum sentence support can do (an upper bound)", "",
             "| collection (answer / not) | lever | seed: answered / IDK | best: answered / IDK | at |",
             "|---|---|---|---|---|"]  # fmt: skip
    for c in sorted({r.collection for r in rows}):
        mine = [r for r in rows if r.collection == c]
        pos, neg = [r for r in mine if r.y == 1], [r for r in mine if r.y == 0]
        zs = sorted({_logit(r.p) - _logit(threshold) for r in mine})
        cuts = [0.0, *[(a + b) / 2 for a, b in itertools.pairwise(zs)]]

        def rates(cut: float, support: float, pos: list[Row] = pos, neg: list[Row] = neg) -> tuple[float, float]:
            """(answered should-answer, refused should-not) with the gate at `cut` (logit, 0 = the seed's)."""
            d = [r.decides(_logit(r.p) - _logit(threshold) >= cut, support) for r in pos + neg]
            return sum(d[: len(pos)]) / len(pos), sum(not x for x in d[len(pos) :]) / len(neg)

        seed = rates(0.0, 0.34)
        for name, grid in (
            ("shift", [(cut, 0.34) for cut in cuts]),
            ("min_sentence_support", [(0.0, s) for s in SUPPORT_GRID]),
            ("both", [(cut, s) for cut in cuts for s in SUPPORT_GRID]),
        ):
            ok = [(rates(cut, sup), cut, sup) for cut, sup in grid]
            ok = [x for x in ok if x[0][0] >= seed[0] - 0.02 - 1e-9]
            (ans, idk), cut, sup = max(ok, key=lambda x: (x[0][1], x[0][0], -abs(x[1]), -abs(x[2] - 0.34)))
            lines.append(
                f"| {c} ({len(pos)} / {len(neg)}) | {name} | {seed[0]:.3f} / {seed[1]:.3f} | {ans:.3f} / {idk:.3f} | "
                f"shift {-cut:+.2f}, support {sup:g} |"
            )
    return lines


def report(rows: list[Row], vectors: dict[str, np.ndarray], threshold: float) -> list[str]:
    lines = ["", "### The seed's decisions on the train labels", "",
             "| collection | team's reaction | labels | y | seed answered | wrong decisions | made by |",
             "|---|---|---:|---:|---:|---:|---|"]  # fmt: skip
    for c in sorted({r.collection for r in rows}):
        mine = [r for r in rows if r.collection == c]
        for kind in sorted({r.kind for r in mine}):
            group = [r for r in mine if r.kind == kind]
            wrong = [r for r in group if r.seed_answered != bool(r.y)]
            by: dict[str, int] = {}
            for r in wrong:
                step = (
                    "verified answer" if r.answerer == "verified" else "answerer" if r.seed_answered else r.seed_reason
                )
                by[step] = by.get(step, 0) + 1
            lines.append(
                f"| {c} | {kind} | {len(group)} | {group[0].y} | {sum(r.seed_answered for r in group)} | "
                f"{len(wrong)} | "
                f"{', '.join(f'{k} ×{n}' for k, n in sorted(by.items())) or '–'} |"
            )
    model = sum(r.decides(_logit(r.p) >= _logit(threshold)) == r.seed_answered for r in rows)
    lines += [
        "",
        f"The decision model (gate on the label-free logit, then the answerer with the gate open, or a verified "
        f"answer) reproduces the seed's decision on {model} of {len(rows)} train labels.",
    ]
    levers = {
        "seed (no refit)": seed_decision,
        "shift (as the retune fits it)": shift_lever(threshold),
        "neighbours, every label votes": neighbours_lever(threshold, vectors, None),
        "neighbours, subject labels only (👍 IDK, 👎 didn't answer)": neighbours_lever(
            threshold, vectors, SUBJECT_KINDS
        ),
        "min_sentence_support per collection": support_lever(threshold),
    }
    lines += ["", "### Leave-one-out on the train labels (each label decided by the lever fitted on the others)", "",
              "| collection (answer / not) | lever | balanced agreement | hallucinated | missed | "
              "fixed / broken vs seed |",
              "|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for c in [*sorted({r.collection for r in rows}), "both"]:
        mine = [r for r in rows if c in ("both", r.collection)]
        ys = [r.y for r in mine]
        pos = sum(ys)
        for name, decide in levers.items():
            if c == "both":  # each collection fitted on its own labels, pooled
                decisions = []
                for cc in sorted({r.collection for r in rows}):
                    decisions += loo([r for r in rows if r.collection == cc], decide)
            else:
                decisions = loo(mine, decide)
            seed = [r.seed_answered for r in mine]
            fixed = sum(1 for d, s, y in zip(decisions, seed, ys, strict=True) if d == bool(y) and s != bool(y))
            broken = sum(1 for d, s, y in zip(decisions, seed, ys, strict=True) if d != bool(y) and s == bool(y))
            h, m = errors(decisions, ys)
            lines.append(
                f"| {c} ({pos} / {len(ys) - pos}) | {name} | {balanced(decisions, ys):.3f} | {h} | {m} | "
                f"{fixed} / {broken} |"
            )
    return lines


def main() -> None:
    from common import bench_home

    from core.embedded_pg import embedded_url, start_embedded

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--dump", type=Path, help="also write the rows (one per train label) as JSON")
    parser.add_argument(
        "--without-verified-vocabulary",
        action="store_true",
        help="diagnostic: the gate reads term statistics without the verified answers' words",
    )
    args = parser.parse_args()
    if args.without_verified_vocabulary:
        from workers.search import keyword

        keyword.term_stats = without_verified(keyword.term_stats)
    start_embedded(bench_home())
    rows, vectors, threshold = collect(embedded_url(bench_home(), DB))
    if args.dump:
        args.dump.write_text(json.dumps([asdict(r) for r in rows], indent=1), encoding="utf-8")
    text = (
        "\n".join(report(rows, vectors, threshold) + frontier(rows, threshold) + separation(rows, vectors, threshold))
        + "\n"
    )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
