"""BM25 shortlist benchmark: exact scoring of the whole postings union vs of its best `keyword.RESCORE` chunks.

    python bench/load_bench.py --overload-rate 0 --seconds 5   # builds the databases once (or any earlier run)
    python bench/bm25_shortlist_bench.py [--sizes 10000,50000,200000]

Reads the load bench's knowledge bases (``answerloop_bench_load_<n>``, left in place by bench/load_bench.py; not
re-created here) and its 128 questions (bench/data/retrieval_eval.jsonl, both collections). For each question,
in the same run and alternating which goes first: ``keyword.search`` and the whole ``retrieve`` (mode hybrid,
the active version's parameters, the default reranker) with the shortlist (``rescore`` = ``keyword.RESCORE``,
the product's default) and with the whole union scored exactly (``rescore`` larger than any union: what
``search`` did before). Agreement: same first keyword hit, overlap of the keyword top 10, same first passage of
``retrieve``. Timings are ratios within the run; the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from common import RESULTS, bench_home, command_line, load_eval, nproc, percentile, server_versions, write_report

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_OUT = RESULTS / "bm25_shortlist.md"
COLLECTIONS = ["celery", "handbook"]
EXACT = 10**9  # more than any postings union: every candidate scored exactly


def _p(values: list[float], q: float) -> str:
    v = percentile(values, q)
    return "–" if v is None else f"{v:.1f}"


def measure(url: str, questions: list[str], qvecs) -> dict:
    from core import db
    from feedback.prompt_versions import active_version
    from workers import retrieval
    from workers.search import keyword
    from workers.search.rerank import make_reranker

    reranker = make_reranker("sentences")
    out: dict = {"kw": {"short": [], "exact": []}, "ret": {"short": [], "exact": []}}
    same_top1 = same_passage = 0
    overlap: list[float] = []
    with db.connect(url) as conn:
        params = active_version(conn).params
        conn.rollback()

        def kw(question: str, rescore: int | None):
            return keyword.search(
                conn,
                question,
                COLLECTIONS,
                n=params.candidates,
                per_term=params.keyword_postings_per_term,
                max_df_share=params.keyword_max_df_share,
                rescore=rescore,
            )

        def ret(question: str, vec, rescore: int | None):
            saved = keyword.RESCORE
            keyword.RESCORE = EXACT if rescore == EXACT else saved
            try:
                return retrieval.retrieve(conn, question, COLLECTIONS, params, vec, mode="hybrid", reranker=reranker)
            finally:
                keyword.RESCORE = saved

        for q, vec in zip(questions, qvecs, strict=True):  # warm-up pass
            for r in (None, EXACT):
                kw(q, r)
                ret(q, vec, r)
            conn.rollback()
        for i, (q, vec) in enumerate(zip(questions, qvecs, strict=True)):
            order = [("short", None), ("exact", EXACT)]
            if i % 2:
                order.reverse()
            hits, first = {}, {}
            for name, r in order:
                t0 = time.perf_counter()
                hits[name] = [h.chunk_id for h in kw(q, r)]
                out["kw"][name].append((time.perf_counter() - t0) * 1000)
                conn.rollback()
            for name, r in order:
                t0 = time.perf_counter()
                res = ret(q, vec, r)
                out["ret"][name].append((time.perf_counter() - t0) * 1000)
                first[name] = res.passages[0].chunk_id if res.passages else None
                conn.rollback()
            same_top1 += hits["short"][:1] == hits["exact"][:1]
            top = hits["exact"][:10]
            if top:
                overlap.append(len(set(hits["short"][:10]) & set(top)) / len(top))
            same_passage += first["short"] == first["exact"]
    out["same_top1"], out["same_passage"], out["n"] = same_top1, same_passage, len(questions)
    out["overlap"] = statistics.mean(overlap) if overlap else 1.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    import psycopg

    from core.embedded_pg import embedded_url, start_embedded
    from workers.embeddings import LocalEmbedder
    from workers.search import keyword

    admin = start_embedded(bench_home()).get_uri()
    with psycopg.connect(admin, autocommit=True) as conn:
        have = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    missing = [n for n in sizes if f"answerloop_bench_load_{n}" not in have]
    if missing:
        sys.exit(f"No load-bench database for {missing}: run bench/load_bench.py --sizes {args.sizes} first.")
    questions = [r["question"] for r in load_eval()]
    qvecs = LocalEmbedder().embed(questions)
    rows = []
    for n in sizes:
        url = embedded_url(bench_home(), f"answerloop_bench_load_{n}")
        print(f"== {n:,} chunks", file=sys.stderr)
        rows.append((n, url, measure(url, questions, qvecs)))
    pg, vector = server_versions(rows[0][1])
    lines = [
        "# BM25: exact scoring of the postings union vs of a shortlist",
        "",
        f"Command: `{command_line()}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: `nproc` = {nproc()}; embedded PostgreSQL {pg} + pgvector {vector}; the load bench's databases "
        f"`answerloop_bench_load_<n>` under `{bench_home()}` (as bench/load_bench.py left them)  ",
        "Load average (1 / 5 / 15 min): " + " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        f"{len(questions)} questions (bench/data/retrieval_eval.jsonl), collections celery + handbook, the active "
        "version's parameters. **shortlist** = the product's `keyword.search`: each term's slice of postings (best "
        "impact first) gives every chunk of the union a partial score, a lower bound of its BM25, and the best "
        f"{keyword.RESCORE:,} by it are scored exactly; **exact** = every chunk of the union scored exactly (what "
        "`search` did before). Both in the same run, alternating which goes first; ratios are shortlist / exact.",
        "",
        "| KB chunks | BM25 exact p50 / p95 | **BM25 shortlist p50 / p95** | ratio p50 / p95 "
        "| retrieve exact p50 / p95 | **retrieve shortlist p50 / p95** | ratio p50 / p95 "
        "| same first keyword hit | keyword top-10 overlap "
        "| same first passage of `retrieve` |",
        "|---:|---|---|---|---|---|---|---:|---:|---:|",
    ]
    for n, _, m in rows:

        def ratio(kind: str, q: float, m=m) -> str:
            a, b = percentile(m[kind]["short"], q), percentile(m[kind]["exact"], q)
            return f"{a / b:.2f}×" if a is not None and b else "–"

        lines.append(
            f"| {n:,} | {_p(m['kw']['exact'], 50)} / {_p(m['kw']['exact'], 95)} "
            f"| **{_p(m['kw']['short'], 50)} / {_p(m['kw']['short'], 95)}** | {ratio('kw', 50)} / {ratio('kw', 95)} "
            f"| {_p(m['ret']['exact'], 50)} / {_p(m['ret']['exact'], 95)} "
            f"| **{_p(m['ret']['short'], 50)} / {_p(m['ret']['short'], 95)}** "
            f"| {ratio('ret', 50)} / {ratio('ret', 95)} | {m['same_top1']} / {m['n']} | {m['overlap']:.3f} "
            f"| {m['same_passage']} / {m['n']} |"
        )
    lines += [
        "",
        "Where every question term's postings fit in one slice (df ≤ `keyword_postings_per_term`, any collection "
        "under 8,000 chunks with the default `keyword_max_df_share`), the partial score is the exact one and the "
        "two agree by construction; the quality bench's sets are all that small. The load bench's filler "
        "recombines the sentences of one small corpus, so at 200k chunks most question terms have cut slices: "
        "a pessimistic case for the shortlist.",
    ]
    write_report("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
