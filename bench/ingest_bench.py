"""Ingestion speed with the content-addressed embedding cache (issue H).

On the sample KB (core/sample_kb: celery + handbook, copied to a temporary folder so files can be changed), in
one run, one process, MiniLM (`local`):

1. **raw model**: the chunks the ingest will make (same parser, chunker and settings) embedded in one
   `embed()` call — the ceiling for chunks/s on these cores — and the chunks' quotable sentences likewise;
2. **first ingest** into an empty database (the cache empty too): `ingest_folder` per collection, then the
   answerability calibration the command line runs after a change;
3. **re-ingest, 1 % of files changed** (one file of the 40: a sentence edited, a section added);
4. **re-ingest, nothing changed**.

Every run counts the texts that reached the model (through a counting wrapper around the embedder) and the
seconds spent in it. Results: bench/results/ingest.md.

`--queued` measures instead, through the ingest queue with real worker processes: chunks/s per worker process
against the raw model at one thread, fp32 and int8, first ingest / unchanged re-sync / one page changed, what a
second worker adds, and the HNSW index maintained or deferred during a bulk load (bench/ingest_queued.py); it
appends dated sections to bench/results/ingest.md and bench/results/int8.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import COLLECTIONS, RESULTS, SAMPLE_KB, bench_database, header, make_settings, write_report


class CountingEmbedder:
    def __init__(self, inner) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0
        self.calls = 0
        self.seconds = 0.0

    def embed(self, texts: list[str]) -> np.ndarray:
        t0 = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - t0
        self.texts += len(texts)
        self.calls += 1
        return out

    def reset(self) -> None:
        self.texts = self.calls = 0
        self.seconds = 0.0


@dataclass
class Run:
    name: str
    files: int  # files parsed and stored (added + updated)
    chunks: int  # chunks written
    texts_embedded: int
    ingest_s: float
    ingest_cpu_s: float  # CPU time of this process (all threads): less sensitive to other work on the machine
    model_s: float
    calibrate_s: float
    calibrate_texts: int

    @property
    def total_s(self) -> float:
        return self.ingest_s + self.calibrate_s


def sample_texts(root: Path, settings) -> tuple[list[str], list[str]]:
    """The chunk texts and quotable sentences the ingest of `root` will embed (duplicates included)."""
    from workers.kb.chunking import chunk_document
    from workers.kb.ingest import discover
    from workers.kb.parsing import UnreadableDocument, format_of, parse_bytes
    from workers.kb.sentences import quotable_sentences

    chunks: list[str] = []
    sentences: list[str] = []
    for collection in COLLECTIONS:
        for path in discover(root / collection):
            fmt = format_of(path)
            if fmt is None:
                continue
            try:
                doc = parse_bytes(path.read_bytes(), fmt, path.name, path.stem)
            except UnreadableDocument:
                continue
            for c in chunk_document(
                doc, max_chars=settings.chunk_max_chars, overlap_chars=settings.chunk_overlap_chars
            ):
                chunks.append(c.embedding_text())
                sentences.extend(quotable_sentences(c.content))
    return chunks, sentences


def ingest_run(name: str, url: str, root: Path, model: CountingEmbedder, settings) -> Run:
    from core import db
    from workers.kb.ingest import calibrate_collection, ingest_folder

    model.reset()
    files = chunks = 0
    changed: list[str] = []
    t0, c0 = time.perf_counter(), time.process_time()
    with db.connect(url) as conn:
        for collection in COLLECTIONS:
            report = ingest_folder(conn, root / collection, collection, embedder=model, settings=settings)
            assert not report.failed, report.failed
            files += len(report.added) + len(report.updated)
            chunks += report.chunks_written
            if report.added or report.updated or report.removed:
                changed.append(collection)
    ingest_s, ingest_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    texts, model_s = model.texts, model.seconds
    model.reset()
    t0 = time.perf_counter()
    for collection in changed:  # what `answerloop kb ingest` does after a change
        calibrate_collection(url, collection, model)
    calibrate_s = time.perf_counter() - t0
    return Run(name, files, chunks, texts, ingest_s, ingest_cpu_s, model_s, calibrate_s, model.texts)


def change_one_file(root: Path) -> str:
    """Edit a sentence and add a section to one mid-sized Markdown/reST file: 1 file of the 40."""
    target = root / "celery" / "userguide" / "periodic-tasks.rst"
    if not target.exists():
        candidates = sorted((root / "celery").rglob("*.rst"), key=lambda p: p.stat().st_size)
        target = candidates[len(candidates) // 2]
    text = target.read_text()
    text = text.replace("the", "a", 1)
    text += "\n\nOperational notes\n=================\n\nThe beat process must run exactly once per deployment.\n"
    target.write_text(text)
    return target.relative_to(root).as_posix()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=RESULTS / "ingest.md")
    ap.add_argument("--queued", action="store_true", help="per worker process through the ingest queue (see above)")
    ap.add_argument("--int8-out", type=Path, default=RESULTS / "int8.md", help="--queued: the int8 section's file")
    ap.add_argument("--max-file-chunks", type=int, default=15, help="--queued: pages of at most this many chunks")
    ap.add_argument("--batch-files", type=int, default=4, help="--queued: files per task")
    ap.add_argument(
        "--second-worker-models", nargs="*", default=["fp32"], choices=["fp32", "int8"],
        help="--queued: models whose first ingest is repeated with two worker processes",
    )  # fmt: skip
    ap.add_argument("--index-rounds", type=int, default=2, help="--queued: rounds of the HNSW compare (0: skip)")
    args = ap.parse_args()
    if args.queued:
        from bench import ingest_queued

        ingest_queued.main(args)
        return

    from workers.embeddings import LocalEmbedder

    url = bench_database("ingest")
    settings = make_settings(url)
    t0 = time.perf_counter()
    model = CountingEmbedder(LocalEmbedder(settings.embeddings_batch))
    load_s = time.perf_counter() - t0
    model.embed(["warm-up sentence"] * 8)

    with tempfile.TemporaryDirectory(prefix="answerloop-ingest-bench-") as tmp:
        root = Path(tmp)
        for collection in COLLECTIONS:
            shutil.copytree(SAMPLE_KB / collection, root / collection)
        file_count = sum(1 for c in COLLECTIONS for p in (root / c).rglob("*") if p.is_file())

        chunk_texts, sentence_texts = sample_texts(root, settings)
        t0, c0 = time.perf_counter(), time.process_time()
        model.inner.embed(chunk_texts)
        raw_chunks_s, raw_chunks_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        model.inner.embed(sentence_texts)
        raw_sentences_s, raw_sentences_cpu = time.perf_counter() - t0, time.process_time() - c0

        first = ingest_run("first ingest (empty database and cache)", url, root, model, settings)
        changed = change_one_file(root)
        partial = ingest_run(f"re-ingest, 1 file of {file_count} changed (`{changed}`)", url, root, model, settings)
        same = ingest_run("re-ingest, nothing changed", url, root, model, settings)

    n_chunks = len(chunk_texts)
    distinct = len(set(chunk_texts)) + len(set(sentence_texts) - set(chunk_texts))
    raw_rate = n_chunks / raw_chunks_s
    first_rate = first.chunks / first.ingest_s
    lines = header("Ingestion benchmark: the content-addressed embedding cache", url)
    lines += [
        "",
        f"Model: `{model.name}` (load {load_s:.1f} s, not counted), batch {settings.embeddings_batch}, "
        f"chunks ≤ {settings.chunk_max_chars} chars. Sample KB: {file_count} files, {n_chunks} chunks, "
        f"{len(sentence_texts)} quotable sentences ({distinct} distinct texts to embed). All rows of this report "
        "come from the same run.",
        "",
        "## Throughput of a first ingest against the raw model",
        "",
        "| what | texts | seconds | chunks/s | CPU seconds | chunks per CPU second |",
        "|---|---:|---:|---:|---:|---:|",
        f"| raw model: the {n_chunks} chunk texts in one `embed()` call | {n_chunks} | {raw_chunks_s:.1f} | "
        f"**{raw_rate:.1f}** | {raw_chunks_cpu:.1f} | {n_chunks / raw_chunks_cpu:.2f} |",
        f"| raw model: their {len(sentence_texts)} quotable sentences in one call | {len(sentence_texts)} | "
        f"{raw_sentences_s:.1f} | | {raw_sentences_cpu:.1f} | |",
        f"| raw model: chunks + sentences (the model's share of an ingest) | {n_chunks + len(sentence_texts)} | "
        f"{raw_chunks_s + raw_sentences_s:.1f} | {n_chunks / (raw_chunks_s + raw_sentences_s):.1f} | "
        f"{raw_chunks_cpu + raw_sentences_cpu:.1f} | **{n_chunks / (raw_chunks_cpu + raw_sentences_cpu):.2f}** |",
        f"| first ingest (parse, chunk, embed through the cache, store, BM25 postings) | {first.texts_embedded} | "
        f"{first.ingest_s:.1f} | **{first_rate:.1f}** | {first.ingest_cpu_s:.1f} | "
        f"**{first.chunks / first.ingest_cpu_s:.2f}** |",
        "",
        f"First ingest against the raw model, wall clock: {first_rate / raw_rate:.2f}× its rate on chunks alone, "
        f"{(raw_chunks_s + raw_sentences_s) / first.ingest_s:.2f}× its speed on chunks + sentences; in CPU time "
        f"(what other work on the machine disturbs least): "
        f"{(raw_chunks_cpu + raw_sentences_cpu) / first.ingest_cpu_s:.2f}× on chunks + sentences.",
        "",
        f"Of the first ingest's {first.ingest_s:.1f} s, {first.model_s:.1f} s "
        f"({first.model_s / first.ingest_s:.0%}) were in the model. Distinct texts only: "
        f"{first.texts_embedded} reached the model against {n_chunks + len(sentence_texts)} chunks + sentences.",
        "",
        "## Re-ingest",
        "",
        "| run | files stored | chunks written | texts to the model | ingest s | × faster than first | "
        "calibration s (texts to the model) | ingest + calibration s | × faster than first |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in (first, partial, same):
        lines.append(
            f"| {r.name} | {r.files} | {r.chunks} | {r.texts_embedded} | {r.ingest_s:.2f} | "
            f"{first.ingest_s / r.ingest_s:.0f}× | {r.calibrate_s:.1f} ({r.calibrate_texts}) | {r.total_s:.2f} | "
            f"{first.total_s / r.total_s:.0f}× |"
        )
    target = 20
    lines += [
        "",
        f"Target: a re-ingest ≥ {target}× faster than the first ingest. Nothing changed: "
        f"{first.ingest_s / same.ingest_s:.0f}× ({'met' if first.ingest_s / same.ingest_s >= target else 'not met'}); "
        f"1 file changed: {first.ingest_s / partial.ingest_s:.0f}× for the ingest "
        f"({'met' if first.ingest_s / partial.ingest_s >= target else 'not met'}), "
        f"{first.total_s / partial.total_s:.0f}× with the calibration the command runs after any change "
        f"({'met' if first.total_s / partial.total_s >= target else 'not met'}).",
        "",
        "An unchanged file is skipped by its content hash before it is parsed; a changed file is parsed and "
        "chunked again, and only texts whose (model, sha256) is not in `embedding_cache` go to the model — the "
        "edited chunk, the new section and their sentences. Texts are sent in batches sorted by length.",
    ]
    write_report("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
