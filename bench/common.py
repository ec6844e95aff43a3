"""Shared set-up for the retrieval and latency benchmarks.

Each bench gets its own database(s) on the embedded Postgres under ``$ANSWERLOOP_BENCH_HOME``
(default ``/var/tmp/answerloop-bench``), re-created and migrated to head at start, with the knowledge-base
tables and the interaction log empty, so that re-runs are reproducible.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Offline, quiet model loading (the same defaults the tests use).
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from workers.kb.parsing import _md_inline, _rst_inline, format_of  # noqa: E402

SAMPLE_KB = ROOT / "core" / "sample_kb"
COLLECTIONS = ("celery", "handbook")
EVAL_DATA = ROOT / "bench" / "data" / "retrieval_eval.jsonl"
RESULTS = ROOT / "bench" / "results"
DEFAULT_HOME = "/var/tmp/answerloop-bench"


# ---------------------------------------------------------------------------------------------- database


def bench_home() -> Path:
    return Path(os.environ.get("ANSWERLOOP_BENCH_HOME", DEFAULT_HOME))


def bench_database(name: str) -> str:
    """URL of ``answerloop_bench_<name>`` on the embedded server (started if needed), migrated to head.

    The database is dropped and re-created first: migrations are only applied once per database, so a database
    left by an earlier run would keep that run's seed prompt version (its answering parameters) even after the
    migration file changed. The knowledge-base tables are truncated as well (a no-op on a fresh database)."""
    import psycopg
    from psycopg import sql

    from core import migrate
    from core.embedded_pg import embedded_url, start_embedded

    dbname = f"answerloop_bench_{name}"
    with psycopg.connect(start_embedded(bench_home()).get_uri(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
    url = embedded_url(bench_home(), dbname)
    migrate.upgrade(url)
    reset_database(url)
    return url


def reset_database(url: str) -> None:
    """Empty the knowledge base and the interaction log (prompt versions are left alone)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE interactions, chunks, documents, collections RESTART IDENTITY CASCADE")


def make_settings(url: str, embeddings: str = "local"):
    from core.settings import Settings

    return Settings(database_url=url, embeddings=embeddings, llm=None)


def active_params(url: str) -> tuple[int, dict]:
    from core import db
    from feedback.prompt_versions import active_version

    with db.connect(url) as conn:
        version = active_version(conn)
    return version.id, version.params.model_dump()


def server_versions(url: str) -> tuple[str, str]:
    from core import db

    with db.connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()["server_version"]
        row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()
    return pg, row["extversion"] if row else "?"


def database_stats(url: str) -> dict:
    from core import db

    with db.connect(url) as conn:
        row = conn.execute(
            "SELECT pg_database_size(current_database()) AS db_bytes, "
            "pg_total_relation_size('chunks') AS chunks_bytes, "
            "(SELECT count(*) FROM chunks) AS chunks, (SELECT count(*) FROM documents) AS documents"
        ).fetchone()
    return dict(row)


# ---------------------------------------------------------------------------------------------- data


def load_eval(path: Path = EVAL_DATA) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _canon(path: str, heading: str) -> tuple[str, str]:
    heading = " ".join(heading.split())
    if format_of(Path(path)) == "text":  # the parser title-cases ALL-CAPS plain-text headings
        heading = heading.casefold()
    return path, heading


def gold_key(gold: dict) -> tuple[str, str]:
    """A gold {path, heading} as the parser would title that section (markup stripped)."""
    path, heading = gold["path"], gold["heading"]
    fmt = format_of(Path(path))
    if fmt == "rst":
        heading = _rst_inline(heading)
    elif fmt == "markdown":
        heading = _md_inline(heading)
    return _canon(path, heading)


def chunk_keys(source_path: str, section_title: str, heading_path: Sequence[str]) -> set[tuple[str, str]]:
    keys = {_canon(source_path, section_title)}
    if heading_path:
        keys.add(_canon(source_path, heading_path[-1]))
    return keys


def first_hit(keys_in_rank_order: Iterable[set[tuple[str, str]]], gold: set[tuple[str, str]]) -> int | None:
    """1-based rank of the first result whose keys intersect the gold keys."""
    for rank, keys in enumerate(keys_in_rank_order, start=1):
        if keys & gold:
            return rank
    return None


# ---------------------------------------------------------------------------------------------- ingestion


@dataclass
class IngestTiming:
    collection: str
    embedder: str
    files: int
    chunks: int
    seconds: float
    failed: list

    @property
    def rate(self) -> float:
        return self.chunks / self.seconds if self.seconds else 0.0


def ingest_sample(url: str, embedder, settings) -> list[IngestTiming]:
    """Ingest core/sample_kb/<collection> for each bench collection; one timing per collection."""
    import time

    from core import db
    from workers.kb.ingest import ingest_folder

    out = []
    with db.connect(url) as conn:
        for collection in COLLECTIONS:
            t0 = time.perf_counter()
            report = ingest_folder(conn, SAMPLE_KB / collection, collection, embedder=embedder, settings=settings)
            seconds = time.perf_counter() - t0
            files = len(report.added) + len(report.updated)
            out.append(IngestTiming(collection, embedder.name, files, report.chunks_written, seconds, report.failed))
    return out


# ---------------------------------------------------------------------------------------------- reporting


def rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def command_line() -> str:
    return "python " + " ".join(shlex.quote(a) for a in [rel(Path(sys.argv[0])), *sys.argv[1:]])


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "?"


def db_name(url: str) -> str:
    return url.split("?")[0].rsplit("/", 1)[-1]


def header(title: str, *urls: str) -> list[str]:
    pg, vector = server_versions(urls[0])
    names = " and ".join(f"`{db_name(u)}`" for u in urls)
    return [
        f"# {title}",
        "",
        f"Command: `{command_line()}`  ",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: `nproc` = {nproc()}, {cpu_model()}, {memory_gib()} RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}  ",
        f"Database: embedded PostgreSQL {pg} + pgvector {vector}, database{'s' if len(urls) > 1 else ''} {names} "
        f"under `{bench_home()}` (re-created and migrated at start)  ",
        "Load average when the report was written (1 / 5 / 15 min): "
        + " / ".join(f"{x:.2f}" for x in os.getloadavg())
        + " — the machine may be shared with other work, so absolute timings are noisy",
    ]


class PrecisionRecall:
    """Precision / recall / F1 from a dataclass's `tp`, `fp`, `fn` counts; None where undefined."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


def fmt(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def pct(num: int, den: int) -> str:
    return "–" if not den else f"{num / den:.1%} ({num}/{den})"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for an empty list."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def write_report(markdown: str, out: Path) -> None:
    print(markdown)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown, encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------- search index


def search_index_stats(url: str) -> dict:
    """Rows and on-disk size (table + indexes) of the BM25 postings and the stored quotable sentences."""
    from core import db

    with db.connect(url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM chunk_terms) AS postings, "
            "pg_total_relation_size('chunk_terms') AS postings_bytes, "
            "(SELECT count(*) FROM collection_terms) AS terms, "
            "(SELECT count(*) FROM chunk_sentences) AS sentences, "
            "pg_total_relation_size('chunk_sentences') AS sentences_bytes"
        ).fetchone()
    return dict(row)


def calibrate_collections(url: str, embedder, collections: Sequence[str] = COLLECTIONS) -> dict[str, float]:
    """Compute and store each collection's answerability calibration ahead of the first question; seconds each."""
    import time

    from core import db
    from workers.answerability.calibration import calibrate

    out: dict[str, float] = {}
    with db.connect(url) as conn:
        for collection in collections:
            t0 = time.perf_counter()
            calibrate(conn, collection, embedder)
            conn.commit()
            out[collection] = time.perf_counter() - t0
    return out


def placeholder_path() -> None:
    """Benches that count the placeholder and its chat.update measure that path (the streamed path posts neither):
    the local stack's bot and workers read ANSWERLOOP_SLACK_STREAMING from the environment."""
    os.environ["ANSWERLOOP_SLACK_STREAMING"] = "false"


def question_limits_off() -> None:
    """Load benches: one simulated person asks far more than a person would. The local stack's bot reads its
    settings from the environment, so the per-person and per-channel question limits are turned off there."""
    os.environ["ANSWERLOOP_RATE_LIMIT_USER_PER_MINUTE"] = "0"
    os.environ["ANSWERLOOP_RATE_LIMIT_CHANNEL_PER_MINUTE"] = "0"
