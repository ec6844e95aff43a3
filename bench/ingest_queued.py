"""Queued ingestion per worker process (issue H, "Measured"): `python bench/ingest_bench.py --queued`.

In one run, on one corpus (the typer documentation's pages of at most `--max-file-chunks` chunks: many small
pages, as a docs site has), with a private redis-server, the embedded Postgres and real `celery worker` processes
on the ingest queue (concurrency 1, `ANSWERLOOP_WORKER_TORCH_THREADS=1`, as `answerloop worker` runs them):

1. **raw model, one thread** (what one worker process has): the corpus's chunk texts and their quotable sentences,
   sorted by length, in batches of `embeddings_batch`, through fp32 and int8 MiniLM, the order alternating batch by
   batch so both see the same load — the ceiling of one worker process;
2. **one worker, fp32 then int8**: a first ingest (collection and that model's embedding cache empty), a re-sync
   of the unchanged folder, a re-sync with one page changed (a sentence edited, a section added), each a job of
   `kb ingest --queue` (ingest_jobs rows + one task per `--batch-files` files), timed from the enqueue to the last
   file done and to the job done (the finish: documents of gone files removed, the answerability calibration);
3. **a second worker**: the first ingest again with two worker processes (fp32; `--second-worker-models` for more);
4. **the HNSW index during a bulk load** (the deferred-index question): the same pages stored again into new
   collections, the embedding cache warm (no model work: the store alone), once with the HNSW index maintained
   and once with it dropped, the rows written, then `CREATE INDEX` with the migration's definition; alternated.

Appends a dated section to bench/results/ingest.md and one to bench/results/int8.md.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.common import bench_database, command_line, cpu_model, db_name, make_settings, nproc

MODELS = {"fp32": "local", "int8": "local-int8"}
CORPUS_SET = "typer"


# ---------------------------------------------------------------------------------------------- corpus


@dataclass
class Corpus:
    root: Path  # pristine copy; each configuration ingests a copy of it
    files: list[str]
    chunks: list[str]  # chunk texts as embedded
    sentences: list[list[str]]  # per chunk, its quotable sentences
    changed: str = ""  # the page the 1 % re-sync edits

    @property
    def n_sentences(self) -> int:
        return sum(len(s) for s in self.sentences)


def build_corpus(tmp: Path, max_file_chunks: int, settings) -> Corpus:
    from bench import datasets
    from workers.kb.chunking import chunk_document
    from workers.kb.ingest import discover
    from workers.kb.parsing import UnreadableDocument, format_of, parse_bytes
    from workers.kb.sentences import quotable_sentences

    es = datasets.load(CORPUS_SET)
    [source] = es.collections.values()
    root = tmp / "corpus"
    corpus = Corpus(root, [], [], [])
    sizes: dict[str, int] = {}
    for path in discover(source):
        fmt = format_of(path)
        if fmt is None:
            continue
        try:
            doc = parse_bytes(path.read_bytes(), fmt, path.name, path.stem)
        except UnreadableDocument:
            continue
        chunks = chunk_document(doc, max_chars=settings.chunk_max_chars, overlap_chars=settings.chunk_overlap_chars)
        if not 1 <= len(chunks) <= max_file_chunks:
            continue
        rel = path.relative_to(source).as_posix()
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / rel)
        corpus.files.append(rel)
        sizes[rel] = len(chunks)
        for c in chunks:
            corpus.chunks.append(c.embedding_text())
            corpus.sentences.append(quotable_sentences(c.content))
    by_size = sorted((n, rel) for rel, n in sizes.items() if rel.endswith(".md"))
    corpus.changed = by_size[len(by_size) // 2][1]
    return corpus


def change_page(root: Path, rel: str) -> None:
    """One sentence edited and a section added: what a day's edit to one page looks like."""
    target = root / rel
    text = target.read_text()
    target.write_text(
        text.replace(" the ", " a ", 1)
        + "\n\n## Operational notes\n\nRun the command once per deployment; the second run changes nothing.\n"
    )


# ---------------------------------------------------------------------------------------------- raw model


@dataclass
class Raw:
    wall_s: float = 0.0
    cpu_s: float = 0.0


def raw_model(corpus: Corpus, batch_size: int) -> tuple[dict[str, Raw], dict[str, float]]:
    """The corpus's chunks and sentences through both models in this process at one torch thread (a worker
    process's setting), batch by batch, alternating which model goes first. Returns speeds and load seconds."""
    import torch

    from workers.embeddings import LocalEmbedder, LocalInt8Embedder

    torch.set_num_threads(1)
    models, load_s = {}, {}
    for tag, cls in (("fp32", LocalEmbedder), ("int8", LocalInt8Embedder)):
        t0 = time.perf_counter()
        models[tag] = cls(batch_size)
        load_s[tag] = time.perf_counter() - t0
        models[tag].embed(["warm-up sentence"] * 8)
    texts = corpus.chunks + [s for ss in corpus.sentences for s in ss]
    ordered = sorted(texts, key=len)
    batches = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
    speed = {tag: Raw() for tag in models}
    for i, batch in enumerate(batches):
        for tag in list(models) if i % 2 == 0 else list(reversed(models)):
            t0, c0 = time.perf_counter(), time.process_time()
            models[tag].embed(batch)
            speed[tag].wall_s += time.perf_counter() - t0
            speed[tag].cpu_s += time.process_time() - c0
        if (i + 1) % 8 == 0 or i + 1 == len(batches):
            print(f"  raw model: {i + 1}/{len(batches)} batches", flush=True)
    torch.set_num_threads(os.cpu_count() or 1)
    return speed, load_s


# ---------------------------------------------------------------------------------------------- queued jobs


@dataclass
class JobRun:
    model: str  # fp32 | int8
    workers: int
    kind: str  # first ingest | unchanged re-sync | 1 page changed
    files_stored: int = 0
    chunks: int = 0
    texts_embedded: int = 0
    files_s: float = 0.0  # enqueue → every file done
    job_s: float = 0.0  # enqueue → job done (removal of gone files, calibration)
    worker_cpu_s: float = 0.0
    calibrated: bool = False

    @property
    def rate(self) -> float:
        return self.chunks / self.files_s if self.files_s else 0.0


def _tree_cpu(pids: list[int]) -> float:
    import psutil

    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *proc.children(recursive=True)]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def run_job(url: str, root: Path, run: JobRun, worker_pids: list[int], batch_files: int, model: str) -> JobRun:
    from core import db
    from workers.ingest_tasks import enqueue_job
    from workers.kb import jobs

    with db.connect(url) as conn:
        cached0 = conn.execute("SELECT count(*) AS n FROM embedding_cache WHERE model = %s", (model,)).fetchone()["n"]
        job_id, batches = jobs.create_job(conn, root, CORPUS_SET, batch_files=batch_files)
    cpu0 = _tree_cpu(worker_pids)
    t0 = time.perf_counter()
    enqueue_job(job_id, batches)
    row = None
    with db.connect(url) as conn:
        while time.perf_counter() - t0 < 1800:
            row = jobs.progress(conn, job_id)
            conn.commit()
            assert row is not None
            if not run.files_s and row["done"] == row["total"]:
                run.files_s = time.perf_counter() - t0
            if row["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        run.job_s = time.perf_counter() - t0
        run.worker_cpu_s = _tree_cpu(worker_pids) - cpu0
        assert row is not None and row["status"] == "done", row
        run.files_stored = row["added"] + row["updated"]
        run.calibrated = bool(row["calibrated"])
        run.chunks = conn.execute(
            "SELECT coalesce(sum(d.chunk_count), 0)::int AS n FROM documents d JOIN ingest_job_files f "
            "ON f.path = d.source_path AND f.job_id = %s AND f.status IN ('added', 'updated') WHERE d.collection = %s",
            (job_id, CORPUS_SET),
        ).fetchone()["n"]
        cached1 = conn.execute("SELECT count(*) AS n FROM embedding_cache WHERE model = %s", (model,)).fetchone()["n"]
    run.texts_embedded = cached1 - cached0
    print(
        f"  {run.model} × {run.workers} worker(s), {run.kind}: {run.chunks} chunks, {run.texts_embedded} texts to "
        f"the model, files {run.files_s:.1f} s, job {run.job_s:.1f} s",
        flush=True,
    )
    return run


def fresh_start(url: str, model: str) -> None:
    """The corpus's collection gone and nothing of this model in the embedding cache: a first ingest."""
    from core import db
    from workers.kb import store

    with db.connect(url) as conn:
        store.remove_collection(conn, CORPUS_SET)
        conn.execute("DELETE FROM embedding_cache WHERE model = %s", (model,))
        conn.commit()


def start_workers(n: int, url: str, redis_url: str, embeddings: str, log_dir: Path):
    from cli.local_stack import WorkerProcess

    env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "ANSWERLOOP_EMBEDDINGS": embeddings, "ANSWERLOOP_LLM": "",
           "ANSWERLOOP_WORKER_TORCH_THREADS": "1"}  # fmt: skip
    workers = [
        WorkerProcess(env, log_dir / f"ingest-{embeddings}-{n}-w{i}.log", name=f"bench{i}", queues="ingest").start()
        for i in range(n)
    ]
    for w in workers:
        w.wait_ready(timeout=300)
    return workers


def model_name(tag: str) -> str:
    from workers.embeddings import LocalEmbedder, LocalInt8Embedder

    return (LocalEmbedder if tag == "fp32" else LocalInt8Embedder).name


def configuration(url, redis_url, corpus: Corpus, tmp: Path, tag: str, workers: int, resyncs: bool, batch_files: int):
    name = model_name(tag)
    root = tmp / f"{tag}-{workers}"
    shutil.copytree(corpus.root, root)
    fresh_start(url, name)
    procs = start_workers(workers, url, redis_url, MODELS[tag], tmp / "logs")
    pids = [w.proc.pid for w in procs if w.proc is not None]
    try:
        runs = [run_job(url, root, JobRun(tag, workers, "first ingest"), pids, batch_files, name)]
        if resyncs:
            runs.append(run_job(url, root, JobRun(tag, workers, "re-sync, nothing changed"), pids, batch_files, name))
            change_page(root, corpus.changed)
            runs.append(run_job(url, root, JobRun(tag, workers, "re-sync, 1 page changed"), pids, batch_files, name))
    finally:
        for w in procs:
            w.stop()
    return runs


# ---------------------------------------------------------------------------------------------- HNSW index


@dataclass
class IndexRound:
    mode: str  # maintained | deferred
    chunks: int
    store_s: float
    build_s: float = 0.0
    table_rows: int = 0


def index_compare(url: str, root: Path, settings, rounds: int) -> list[IndexRound]:
    """Store the corpus again into new collections with the embedding cache warm (fp32, no model work), the HNSW
    index maintained or dropped then rebuilt (over the whole table: one expression index per dimension serves
    every collection). Plain CREATE INDEX: the lower bound of what a deferred build would cost (CONCURRENTLY,
    which answering would need, scans the table twice)."""
    from bench.ingest_bench import CountingEmbedder
    from core import db
    from workers.embeddings import LocalEmbedder
    from workers.kb.ingest import ingest_folder

    model = CountingEmbedder(LocalEmbedder(settings.embeddings_batch))
    out = []
    with db.connect(url) as conn:
        # Not timed: every text of `root` into the cache (a no-op when an fp32 run left them there) and the
        # tables warm.
        ingest_folder(conn, root, "probe_warm", embedder=model, settings=settings)
        definition = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks' AND indexname = 'chunks_embedding_hnsw_384'"
        ).fetchone()["indexdef"]
        for i in range(rounds):
            for mode in ("maintained", "deferred") if i % 2 == 0 else ("deferred", "maintained"):
                if mode == "deferred":
                    conn.execute("DROP INDEX chunks_embedding_hnsw_384")
                    conn.commit()
                model.reset()
                t0 = time.perf_counter()
                report = ingest_folder(conn, root, f"probe_{mode}_{i}", embedder=model, settings=settings)
                r = IndexRound(mode, report.chunks_written, time.perf_counter() - t0)
                assert model.texts == 0, "the cache should hold every text: this measures the store alone"
                if mode == "deferred":
                    t0 = time.perf_counter()
                    conn.execute(definition)
                    conn.commit()
                    r.build_s = time.perf_counter() - t0
                r.table_rows = conn.execute("SELECT count(*) AS n FROM chunks").fetchone()["n"]
                out.append(r)
                print(f"  index {mode}: store {r.store_s:.2f} s, build {r.build_s:.2f} s", flush=True)
    return out


# ---------------------------------------------------------------------------------------------- report


@dataclass
class Results:
    corpus: Corpus
    raw: dict[str, Raw]
    load_s: dict[str, float]
    runs: list[JobRun] = field(default_factory=list)
    index: list[IndexRound] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    started: str = ""
    wall_s: float = 0.0

    def run(self, tag: str, workers: int, kind: str = "first ingest") -> JobRun | None:
        return next((r for r in self.runs if (r.model, r.workers, r.kind) == (tag, workers, kind)), None)

    def store_rate(self) -> float:
        """Chunks/s of the store alone (cache warm, index maintained): the median round."""
        kept = [r for r in self.index if r.mode == "maintained"]
        if not kept:
            return float("nan")
        return kept[0].chunks / statistics.median(r.store_s for r in kept)

    def raw_rate(self, tag: str) -> float:
        """Chunks/s of the raw model on the corpus's chunks + their sentences (what an ingest embeds)."""
        return len(self.corpus.chunks) / self.raw[tag].wall_s


def _load(x: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.2f}" for v in x)


def common_header(res: Results, url: str, args, settings) -> list[str]:
    c = res.corpus
    return [
        f"Command: `{command_line()}`  ",
        f"Started: {res.started}, {res.wall_s / 60:.1f} min. Machine: `nproc` = {nproc()}, {cpu_model()}. "
        f"Database: embedded Postgres, `{db_name(url)}`; a private redis-server; real `celery worker` processes "
        "on the ingest queue (concurrency 1, `ANSWERLOOP_WORKER_TORCH_THREADS=1`).  ",
        f"Load average (1 / 5 / 15 min) at the start: {_load(res.load_before)}; at the end: "
        f"{_load(res.load_after)} — other engineers' work shares these 2 cores: read the ratios, not the seconds.",
        "",
        f"Corpus: the {CORPUS_SET} documentation's pages of at most {args.max_file_chunks} chunks (chunks ≤ "
        f"{settings.chunk_max_chars} chars) — {len(c.files)} pages, {len(c.chunks)} chunks, {c.n_sentences} "
        f"quotable sentences; jobs of {args.batch_files} files per task. The 1 % re-sync edits one page "
        f"(`{c.changed}`: 1 of {len(c.files)} = {100 / len(c.files):.1f} % of pages).",
    ]


def per_worker_table(res: Results, tags: list[str]) -> list[str]:
    lines = [
        "| model | worker processes | run | pages stored | chunks | texts to the model (calibration's too) | "
        "files done s | "
        "job done s | chunks/s | vs raw model, 1 thread | worker CPU s | × faster than first ingest (files / job) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in res.runs:
        if r.model not in tags:
            continue
        first = res.run(r.model, r.workers)
        vs_raw = f"{r.rate / res.raw_rate(r.model):.2f}×" if r.kind == "first ingest" else ""
        faster = (
            f"{first.files_s / r.files_s:.0f}× / {first.job_s / r.job_s:.0f}×"
            if first is not None and r is not first
            else ""
        )
        lines.append(
            f"| {r.model} | {r.workers} | {r.kind} | {r.files_stored} | {r.chunks} | {r.texts_embedded} | "
            f"{r.files_s:.1f} | {r.job_s:.1f} | {f'{r.rate:.2f}' if r.kind == 'first ingest' else ''} | {vs_raw} | "
            f"{r.worker_cpu_s:.1f} | {faster} |"
        )
    return lines


def raw_lines(res: Results) -> list[str]:
    c = res.corpus
    f, q = res.raw["fp32"], res.raw["int8"]
    return [
        f"Raw model, one torch thread, this process: the {len(c.chunks)} chunks and {c.n_sentences} sentences, "
        "length-sorted batches, the two models alternating batch by batch.",
        "",
        "| model | seconds | chunks/s (chunks + their sentences) | CPU seconds |",
        "|---|---:|---:|---:|",
        f"| fp32 | {f.wall_s:.1f} | **{res.raw_rate('fp32'):.2f}** | {f.cpu_s:.1f} |",
        f"| int8 | {q.wall_s:.1f} | **{res.raw_rate('int8'):.2f}** | {q.cpu_s:.1f} |",
        "",
        f"int8 / fp32, raw: **{res.raw_rate('int8') / res.raw_rate('fp32'):.2f}×**.",
    ]


def ingest_section(res: Results, url: str, args, settings) -> str:
    lines = ["", "", f"## Per worker process, a second worker, the HNSW index during bulk loads ({res.started})", ""]
    lines += common_header(res, url, args, settings)
    lines += ["", "### Raw model, the ceiling of one worker process", "", *raw_lines(res)]
    lines += [
        "",
        "### Queued ingest (`kb ingest --queue`), per worker process",
        "",
        *per_worker_table(res, ["fp32", "int8"]),
    ]
    lines += [
        "",
        "`files done` = enqueue → the last file's row marked (parse, chunk, embed through the cache, store, "
        "postings); `job done` adds the finish one worker runs alone (documents of gone files removed, verified "
        "answers of another model re-embedded, the answerability calibration after a change). `vs raw model` = "
        "the ingest's chunks/s over the raw model's chunks/s on the same chunks and sentences at one thread.",
    ]
    lines += second_worker(res)
    lines += index_lines(res)
    return "\n".join(lines) + "\n"


def second_worker(res: Results) -> list[str]:
    out = ["", "### What a second worker adds", ""]
    for tag in ("fp32", "int8"):
        one, two = res.run(tag, 1), res.run(tag, 2)
        if one is None or two is None:
            continue
        out.append(
            f"- {tag}: first ingest with 2 worker processes {two.rate:.2f} chunks/s against {one.rate:.2f} with one: "
            f"**{two.rate / one.rate:.2f}×** to the last file ({one.job_s / two.job_s:.2f}× to the job's end, "
            f"the finish being one worker's); worker CPU seconds {two.worker_cpu_s:.0f} vs {one.worker_cpu_s:.0f}."
        )
    one, two = res.run("fp32", 1), res.run("fp32", 2)
    if one is not None and two is not None:
        gain = two.rate / one.rate
        finish = one.job_s - one.files_s
        out += [
            "",
            f"Arithmetic for N machines. On these 2 cores a second worker process gives {gain:.2f}× (the ideal is "
            "2×: each worker runs the model on one thread, so two use both cores, while Postgres, Redis and other "
            "work on the machine take their share). Jobs split into tasks of a few files, which any worker on any "
            "machine takes (prefetch 1, acks late): N machines with c cores each, running c worker processes, ingest "
            f"at about N × c × {one.rate:.2f} chunks/s (fp32; the int8 figure above for int8) as long as the "
            "shared parts keep up: Postgres, which receives each chunk once — the store alone (below: parse, "
            f"chunk, postings and the writes, model out of the way) ran at {res.store_rate():.0f} chunks/s in one "
            f"process, {res.store_rate() / one.rate:.0f}× one worker's ingest rate; counting all of that time as "
            "the database's (it is not: parsing runs on each worker's machine) bounds the workers one Postgres "
            "serves from below at about that many —, and the job's finish (here "
            f"{finish:.1f} s after the last file), which one worker runs once per job whatever N is. A job with "
            "fewer tasks than workers uses only that many.",
        ]
    return out


def index_lines(res: Results) -> list[str]:
    if not res.index:
        return []
    kept = [r for r in res.index if r.mode == "maintained"]
    deferred = [r for r in res.index if r.mode == "deferred"]
    chunks = kept[0].chunks
    m_store = statistics.median(r.store_s for r in kept)
    d_store = statistics.median(r.store_s for r in deferred)
    d_build = statistics.median(r.build_s for r in deferred)
    one = res.run("fp32", 1)
    out = [
        "",
        "### The HNSW index during a bulk load (deferred index builds)",
        "",
        f"The corpus stored again into new collections with the embedding cache warm (no text reached the model: "
        f"parse, chunk, store, postings only), {len(kept)} rounds each, alternating which goes first; fp32 vectors.",
        "",
        "| round | HNSW index | chunks | store s | CREATE INDEX s (rows in the table) | total s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for i, r in enumerate(res.index):
        build = f"{r.build_s:.2f} ({r.table_rows:,})" if r.mode == "deferred" else "–"
        out.append(
            f"| {i // 2 + 1} | {r.mode} | {r.chunks} | {r.store_s:.2f} | {build} | {r.store_s + r.build_s:.2f} |"
        )
    per_chunk_ms = 1000 * (m_store - d_store) / chunks
    out += [
        "",
        f"Median store: {m_store:.2f} s with the index maintained, {d_store:.2f} s without "
        f"({per_chunk_ms:+.1f} ms per chunk for maintaining it), + {d_build:.2f} s to build it again afterwards.",
    ]
    if one is not None:
        model_ms = 1000 * one.files_s / one.chunks
        out.append(
            f"A first ingest costs {model_ms:.0f} ms per chunk here (fp32, one worker, above): maintaining the index "
            f"is {abs(per_chunk_ms) / model_ms:.1%} of it."
        )
    return out


def int8_section(res: Results, url: str, args, settings) -> str:
    lines = ["", "", f"## Per worker process: fp32 and int8 ingest and re-sync through the queue ({res.started})", ""]
    lines += common_header(res, url, args, settings)
    lines += ["", *raw_lines(res), "", *per_worker_table(res, ["fp32", "int8"])]
    one32, one8 = res.run("fp32", 1), res.run("int8", 1)
    if one32 is not None and one8 is not None:
        lines += [
            "",
            f"int8 / fp32 per worker process, first ingest: **{one8.rate / one32.rate:.2f}×** chunks/s "
            f"(raw model {res.raw_rate('int8') / res.raw_rate('fp32'):.2f}× in the same run); worker CPU seconds "
            f"{one8.worker_cpu_s:.0f} vs {one32.worker_cpu_s:.0f}. The full comparison, the second worker and the "
            "index question: bench/results/ingest.md, section of the same date.",
        ]
    return "\n".join(lines) + "\n"


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")
    print(text)
    print(f"appended to {path}", flush=True)


def main(args) -> None:
    from core import db
    from core.embedded_redis import EmbeddedRedis
    from workers.celery_app import use_broker

    t_start = time.perf_counter()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()
    url = bench_database("ingest_queued")
    settings = make_settings(url)
    with tempfile.TemporaryDirectory(prefix="answerloop-ingest-queued-") as tmp_name:
        tmp = Path(tmp_name)
        corpus = build_corpus(tmp, args.max_file_chunks, settings)
        print(f"corpus: {len(corpus.files)} pages, {len(corpus.chunks)} chunks, {corpus.n_sentences} sentences")
        raw, load_s = raw_model(corpus, settings.embeddings_batch)
        res = Results(corpus, raw, load_s, started=started, load_before=load_before)
        redis = EmbeddedRedis(tmp / "redis").start()
        try:
            use_broker(redis.url)
            for tag in ("fp32", "int8"):
                res.runs += configuration(url, redis.url, corpus, tmp, tag, 1, True, args.batch_files)
            for tag in args.second_worker_models:
                res.runs += configuration(url, redis.url, corpus, tmp, tag, 2, False, args.batch_files)
        finally:
            redis.stop()
        if args.index_rounds:
            res.index = index_compare(url, corpus.root, settings, args.index_rounds)
        db.close_pools()
    res.load_after = os.getloadavg()
    res.wall_s = time.perf_counter() - t_start
    append(args.out, ingest_section(res, url, args, settings))
    append(args.int8_out, int8_section(res, url, args, settings))
