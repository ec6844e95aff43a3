"""Fit the answerability model's logistic layer on the **dev** splits of the evaluation sets.

Each collection is first calibrated without labels (workers.answerability.calibration); each dev question's
signals are normalised by its collection's calibration; one logistic layer is fitted over all of them
(answerable = 1; off-topic and near-miss = 0) and written to `workers/answerability/global_model.json`.
The test splits are never read here: `bench/quality_bench.py` reports on them.

`--leave-one-out` writes nothing: for each set, the layer is fitted on the other sets' dev splits and applied to
its dev split, with and without each collection's label-free decision offset (workers.answerability.model) —
answered rate on answerable, "I don't know" on off-topic and near-miss at the gate's 0.5, and the ROC AUC of the
probability (answerable against off-topic, against near-miss).

    python bench/fit_answerability.py [--sets ...] [--leave-one-out]    (reuses the quality bench's database)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import datasets
import quality_bench
from common import bench_home, fmt, make_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=None)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--leave-one-out", action="store_true", help="report, per set left out; write nothing")
    args = parser.parse_args()

    from core import db, migrate
    from core.embedded_pg import embedded_url, start_embedded
    from feedback.prompt_versions import active_version
    from workers.answerability.calibration import calibrate
    from workers.answerability.model import GLOBAL_MODEL, fit
    from workers.answerability.signals import Signals
    from workers.embeddings import CachingEmbedder, LocalEmbedder

    names = args.sets or datasets.available()
    sets = [datasets.load(n) for n in names]
    start_embedded(bench_home())
    url = embedded_url(bench_home(), "answerloop_bench_quality")
    migrate.upgrade(url)
    embedder = CachingEmbedder(LocalEmbedder())
    quality_bench.build(url, sets, make_settings(url), embedder)
    if args.leave_one_out:
        with db.connect(url) as conn:
            leave_one_out(conn, sets, embedder, args.l2)
        return
    pos: list[list[float]] = []
    neg: list[list[float]] = []
    with db.connect(url) as conn:
        normalisers = {}
        for es in sets:
            for c in es.collections:
                normalisers[c] = calibrate(conn, c, embedder)
                conn.commit()
        for rows in dev_signals(conn, sets, embedder, active_version(conn).params).values():
            for owner, kind, s in rows:
                (pos if kind == "answerable" else neg).append(normalisers[owner].apply(s))
    model = fit(pos, neg, l2=args.l2)
    model.info.update(
        {
            "fitted_on": {es.name: len(es.split("dev")) for es in sets},
            "split": "dev",
            "l2": args.l2,
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "command": "python bench/fit_answerability.py",
        }
    )
    GLOBAL_MODEL.write_text(json.dumps(model.to_json(), indent=2) + "\n")
    print(json.dumps(dict(zip(Signals.names(), model.weights, strict=True)), indent=2), model.bias, model.info)


def dev_signals(conn, sets, embedder, params) -> dict:
    """Per set, each dev question's (collection whose calibration applies, kind, signals), read from the same
    retrieval the pipeline does."""
    from workers.answerability.signals import read_signals
    from workers.retrieval import retrieve
    from workers.search import keyword

    out: dict[str, list] = {}
    for es in sets:
        out[es.name] = []
        for q in es.split("dev"):
            vec = embedder.embed([q["question"]])[0]
            r = retrieve(conn, q["question"], [q["collection"]], params, vec)
            s = read_signals(q["question"], keyword.term_stats(conn, q["question"], [q["collection"]]), r)
            conn.rollback()
            owner = r.passages[0].collection if r.passages else q["collection"]
            out[es.name].append((owner, q["kind"], s))
    return out


def leave_one_out(conn, sets, embedder, l2: float) -> None:
    from feedback.prompt_versions import active_version
    from workers.answerability.calibration import fit_normaliser, pools
    from workers.answerability.model import Normaliser, fit

    params = active_version(conn).params
    pooled = {}
    for es in sets:
        for c in es.collections:
            pooled[c] = pools(conn, c, embedder)
            conn.rollback()
    dev = dev_signals(conn, sets, embedder, params)
    # each collection's signals normalised by its own calibration, as shipped (the same for every fold)
    scale = {c: Normaliser.fit(p.positives, p.negatives) for c, p in pooled.items()}
    print(
        "| left out | decision | answered (answerable) | IDK off-topic | IDK near-miss | AUC off-topic "
        "| AUC near-miss | offsets |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for held in dev:
        # the layer from the other sets
        train = [(scale[c].apply(s), k) for name, rows in dev.items() if name != held for c, k, s in rows]
        layer = fit([f for f, k in train if k == "answerable"], [f for f, k in train if k != "answerable"], l2=l2)
        norms = {c: fit_normaliser(p, layer) for c, p in pooled.items()}
        for label, use in (("global", False), ("+ offset", True)):
            rate, probs = {}, {}
            for kind in ("answerable", "off_topic", "near_miss"):
                ps = [
                    layer.probability(norms[c].apply(s), norms[c].offset if use else 0.0)
                    for c, k, s in dev[held]
                    if k == kind
                ]
                passed = sum(p >= 0.5 for p in ps)
                rate[kind] = (passed if kind == "answerable" else len(ps) - passed) / max(1, len(ps))
                probs[kind] = ps
            # the ranking, apart from where the decision point falls (a near-miss set has under 20 dev questions)
            auc = {k: quality_bench.roc_auc(probs["answerable"], probs[k]) for k in ("off_topic", "near_miss")}
            offs = {c: round(norms[c].offset, 2) for c in {c for c, _, _ in dev[held]}} if use else {}
            print(
                f"| {held} | {label} | {rate['answerable']:.3f} | {rate['off_topic']:.3f} | "
                f"{rate['near_miss']:.3f} | {fmt(auc['off_topic'])} | "
                f"{fmt(auc['near_miss'])} | {offs or ''} |"
            )


if __name__ == "__main__":
    main()
