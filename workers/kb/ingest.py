"""Incremental ingestion of a folder into a collection: skip unchanged, replace changed, drop deleted."""

from __future__ import annotations

import hashlib
import logging
import os
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg

from core import db
from core.db import Conn
from core.settings import Settings
from workers.embeddings import Embedder
from workers.kb import store
from workers.kb.chunking import Chunk, chunk_document
from workers.kb.embedding_cache import PersistentEmbeddingCache
from workers.kb.parsing import ParsedDocument, UnreadableDocument, format_of, parse_bytes
from workers.kb.sentences import embed_sentences, quotable_sentences
from workers.kb.web_mirror import page_links

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]  # (file being processed, total files) → None


@dataclass
class IngestReport:
    collection: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    ignored: list[str] = field(default_factory=list)  # not a supported format
    chunks_written: int = 0
    verified_reembedded: int = 0  # verified answers embedded again with this ingest's model (a model switch)

    def as_dict(self) -> dict:
        return {
            "collection": self.collection,
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "ignored": len(self.ignored),
            "chunks_written": self.chunks_written,
            "verified_reembedded": self.verified_reembedded,
        }


def discover(root: Path, unreadable: list[str] | None = None) -> Iterator[Path]:
    """The files under `root` to ingest (hidden files and folders left out), in path order. A folder that cannot
    be listed (permissions, a share half mounted) is added to `unreadable` (relative to `root`) when a list is
    given: Python's own walk skipped it without a word, so its files looked deleted and their documents were
    removed. A file that cannot be looked at is listed (reading it fails with why; it is not taken for gone)."""
    if root.is_file():
        yield root
        return

    def skipped(exc: OSError) -> None:
        if unreadable is not None and exc.filename is not None:
            unreadable.append(Path(exc.filename).relative_to(root).as_posix())

    found: list[Path] = []
    for folder, dirs, files in walk(root, onerror=skipped):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(p for name in files if not name.startswith(".") and may_be_a_file(p := Path(folder, name)))
    yield from sorted(found)


def walk(root: Path, onerror: Callable[[OSError], None] | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk (top down, symlinked folders listed in `dirs` but not entered; `dirs` may be pruned in place) with
    a stack instead of recursion: Python 3.11's os.walk (and Path.rglob) recurses once per level, so a share or a
    repository nested a thousand folders deep stopped the whole ingest with a RecursionError."""
    stack = [os.fspath(root)]
    while stack:
        folder = stack.pop()
        dirs: list[str] = []
        files: list[str] = []
        entered: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    (dirs if is_dir else files).append(entry.name)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        yield folder, dirs, files
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                entered.append(path)
        stack.extend(reversed(entered))


def may_be_a_file(path: Path) -> bool:
    """A file (a symlink to one too; not one to a folder, nor a dangling one), or one we may not look at (a folder
    listed but not searchable, or no longer readable): not known to be gone, so never taken for deleted."""
    try:
        return path.is_file()
    except OSError:
        return True


def unreadable_folders(folders: Sequence[str], known: Iterable[str], collection: str) -> list[tuple[str, str]]:
    """(path, reason) for what sits in folders that could not be read: each document ingested before from there
    (kept: its file may be there still), or the folder itself when none was."""
    out: list[tuple[str, str]] = []
    for folder in folders:
        shown = "the top folder" if folder == "." else f"the folder {folder}"
        kept = [p for p in sorted(known) if folder == "." or p.startswith(folder + "/")]
        why = f"{shown} could not be read (check its permissions)"
        out += [(p, f"{why}; the version ingested before is kept and still answers "
                    f"(answerloop kb remove -c {shlex.quote(collection)} {shlex.quote(p)} removes it)")
                for p in kept] or [(folder, f"{why}; nothing in it was ingested")]  # fmt: skip
    return out


def display_name(rel: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by Python as surrogates, which neither Postgres nor
    a terminal accepts) shown as U+FFFD."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _links(url: str, anchors: list[str]) -> list[str]:
    return [f"{url}#{a}" if a else url for a in anchors]


@dataclass
class _Prepared:
    rel: str
    fmt: str
    digest: str
    old: store.StoredDocument | None
    doc: ParsedDocument
    chunks: list[Chunk]
    quotable: list[list[str]]
    url: str


BAD_NAME = "the file name is not valid UTF-8: rename the file"
OUTSIDE = "a symbolic link to a file outside the folder, not followed (copy the file into the folder to ingest it)"
_OPENED = Path("/proc/self/fd")  # where an open file really is (Linux)


def _read_within(path: Path, real_base: Path, max_bytes: int, rel: str) -> bytes:
    """The file's bytes, read from what was actually opened: a file swapped for a link to a secret after the path
    was checked (by someone who may write in the folder) is refused, and so is one past `max_bytes`, even if it
    grew after being listed."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        opened = Path(os.readlink(_OPENED / str(fd))) if _OPENED.is_dir() else path.resolve()
        if not opened.is_relative_to(real_base):
            raise UnreadableDocument(f"{rel}: {OUTSIDE}")
        info = os.fstat(fd)
        raw = b""
        if info.st_size <= max_bytes:
            with os.fdopen(os.dup(fd), "rb") as f:
                raw = f.read(max_bytes + 1)
    finally:
        os.close(fd)
    if max(info.st_size, len(raw)) > max_bytes:
        raise UnreadableDocument(
            f"{rel}: too large ({max(info.st_size, len(raw)):,} bytes > {max_bytes:,}): split it, or raise "
            "ANSWERLOOP_MAX_FILE_BYTES"
        )
    return raw


FileDone = Callable[[str, str, str], None]  # (path, outcome: added|updated|unchanged|failed|ignored, reason)

# Documents parsed ahead of embedding: their chunks and sentences go to the model together, in length buckets.
GROUP_DOCUMENTS = 16
GROUP_TEXTS = 1024


def ingest_paths(
    conn: Conn,
    base_dir: Path,
    rels: Sequence[str],
    collection: str,
    *,
    embedder: Embedder,
    settings: Settings,
    url_base: str | None = None,
    known: dict[str, store.StoredDocument] | None = None,
    report: IngestReport | None = None,
    progress: Progress | None = None,
    file_done: FileDone | None = None,
) -> IngestReport:
    """Ingest these files (paths relative to `base_dir`) into `collection`: unchanged ones (same content hash and
    embedding model) are skipped, others parsed, chunked, embedded through the content-addressed cache, and
    stored, each document in its own transaction. Unreadable files are reported, never raised."""
    report = report or IngestReport(collection)
    known = store.documents_in(conn, collection) if known is None else known
    cache = (
        embedder
        if isinstance(embedder, PersistentEmbeddingCache)
        else PersistentEmbeddingCache(conn, embedder, batch_size=settings.embeddings_batch)
    )
    pending: list[_Prepared] = []
    pages = page_links(base_dir)  # a website's mirror: each file's page URL
    real_base = base_dir.resolve()

    def done(rel: str, outcome: str, reason: str = "") -> None:
        if file_done:
            file_done(rel, outcome, reason)

    def fail(rel: str, exc: Exception) -> None:
        conn.rollback()
        reason = str(exc)
        if isinstance(exc, UnreadableDocument):  # "name: why" → why (the name may hold ": " itself)
            reason = reason[len(rel) + 2 :] if reason.startswith(f"{rel}: ") else reason.split(": ", 1)[-1]
        if rel in known:  # nothing replaced it: what was ingested before still answers, which the admin must know
            reason += (
                f"; the version ingested before is kept and still answers "
                f"(answerloop kb remove -c {shlex.quote(collection)} {shlex.quote(rel)} removes it)"
            )
        report.failed.append((rel, reason))
        log.warning("skipped %s: %s", rel, reason)
        done(rel, "failed", reason)

    def flush() -> None:
        if not pending:
            return
        if cache.dim:
            cache.prefetch(
                [c.embedding_text() for p in pending for c in p.chunks]
                + [s for p in pending for q in p.quotable for s in q]
            )
            conn.commit()  # the vectors are kept even if a document of the group fails to store
        for p in pending:
            try:
                vectors = cache.embed([c.embedding_text() for c in p.chunks]) if cache.dim else None
                store.replace_document(
                    conn,
                    collection=collection,
                    source_path=p.rel,
                    title=p.doc.title,
                    url=p.url,
                    fmt=p.fmt,
                    content_hash=p.digest,
                    embedding_model=cache.name,
                    chunks=p.chunks,
                    links=_links(p.url, [c.anchor for c in p.chunks]),
                    embeddings=vectors,
                    sentences=p.quotable,
                    sentence_embeddings=embed_sentences(cache, p.quotable),
                )
                conn.commit()
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                fail(p.rel, exc)
                continue
            report.chunks_written += len(p.chunks)
            (report.updated if p.old else report.added).append(p.rel)
            done(p.rel, "updated" if p.old else "added")
        pending.clear()
        cache.forget()

    for rel in rels:
        path = base_dir / rel
        if display_name(rel) != rel:
            fail(display_name(rel), UnreadableDocument(f"{display_name(rel)}: {BAD_NAME}"))
            continue
        if progress:
            progress(rel, len(rels))
        fmt = format_of(path)
        if fmt is None:
            report.ignored.append(rel)
            done(rel, "ignored")
            continue
        try:
            if not path.resolve().is_relative_to(real_base):
                raise UnreadableDocument(f"{rel}: {OUTSIDE}")
            raw = _read_within(path, real_base, settings.max_file_bytes, rel)
            digest = hashlib.sha256(raw).hexdigest()
            old = known.get(rel)
            if old and old.content_hash == digest and old.embedding_model == embedder.name:
                report.unchanged.append(rel)
                done(rel, "unchanged")
                continue
            doc = parse_bytes(raw, fmt, rel, path.stem.replace("-", " ").replace("_", " ").strip() or rel)
        except (UnreadableDocument, OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            fail(rel, exc)
            continue
        except Exception as exc:  # a parser's own bug on a strange file: this file fails, the run goes on
            log.exception("could not parse %s", rel)
            fail(rel, UnreadableDocument(f"{rel}: could not be read ({type(exc).__name__}: {exc})"))
            continue
        chunks = chunk_document(doc, max_chars=settings.chunk_max_chars, overlap_chars=settings.chunk_overlap_chars)
        url = pages.get(rel) or (f"{url_base.rstrip('/')}/{quote(rel)}" if url_base else str(path))
        pending.append(
            _Prepared(rel, fmt, digest, old, doc, chunks, [quotable_sentences(c.content) for c in chunks], url)
        )
        texts = sum(len(p.chunks) + sum(len(q) for q in p.quotable) for p in pending)
        if len(pending) >= GROUP_DOCUMENTS or texts >= GROUP_TEXTS:
            flush()
    flush()
    return report


def ingest_folder(
    conn: Conn,
    root: Path,
    collection: str,
    *,
    embedder: Embedder,
    settings: Settings,
    url_base: str | None = None,
    delete_missing: bool = True,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring `collection` in line with the files under `root` (a single file is added or updated, nothing
    removed). Each document commits on its own, so a failure part-way loses nothing already ingested and a re-run
    resumes where it stopped."""
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    report = IngestReport(collection)
    prepare_collection(conn, collection, embedder)
    known = store.documents_in(conn, collection)
    unreadable: list[str] = []
    if root.is_dir():
        base_dir = root
        rels = [path.relative_to(base_dir).as_posix() for path in discover(root, unreadable)]
    else:  # one file: its path in the collection is the one a folder ingest gave it (store.folder_of)
        base_dir = store.folder_of(conn, collection, root)
        rels = [Path(os.path.abspath(root)).relative_to(base_dir).as_posix()]
    ingest_paths(
        conn,
        base_dir,
        rels,
        collection,
        embedder=embedder,
        settings=settings,
        url_base=url_base,
        known=known,
        report=report,
        progress=progress,
    )
    kept = unreadable_folders(unreadable, known, collection)
    report.failed += kept
    report.verified_reembedded = reembed_verified(conn, collection, embedder, settings)
    if delete_missing and root.is_dir():  # one file adds or updates itself; it never stands for the collection
        report.removed = remove_missing(conn, collection, known, set(rels) | {p for p, _ in kept})
    return report


def reembed_verified(conn: Conn, collection: str, embedder: Embedder, settings: Settings) -> int:
    """The collection's verified answers embedded by another model, embedded again with this one (through the
    embedding cache); committed. Run once per ingest, after its documents: inline at the end of the walk, queued
    by the batch that finishes the job."""
    from workers.kb import verified

    cache = (
        embedder
        if isinstance(embedder, PersistentEmbeddingCache)
        else PersistentEmbeddingCache(conn, embedder, batch_size=settings.embeddings_batch)
    )
    count = verified.reembed(conn, collection, cache)
    conn.commit()
    return count


def prepare_collection(conn: Conn, collection: str, embedder: Embedder) -> None:
    store.ensure_collection(conn, collection)
    store.ensure_vector_index(conn, embedder.dim)
    conn.commit()


def remove_missing(conn: Conn, collection: str, known: dict[str, store.StoredDocument], present: set[str]) -> list[str]:
    """Drop the collection's documents whose files are gone; the removed paths."""
    gone = {p: d for p, d in known.items() if p not in present}
    store.delete_documents(conn, [d.id for d in gone.values()])
    conn.commit()
    return sorted(gone)


def calibrate_collection(url: str, collection: str, embedder: Embedder) -> dict:
    """Label-free answerability calibration of one collection, stored; its pseudo-questions and negatives are
    embedded through the cache (on an autocommit connection of its own: calibration rolls its transaction back),
    so recalibrating after a small change embeds only the questions of changed chunks."""
    from workers.answerability.calibration import calibrate

    with db.connect(url, autocommit=True) as cache_conn, db.connect(url) as conn:
        normaliser = calibrate(conn, collection, PersistentEmbeddingCache(cache_conn, embedder))
        conn.commit()
    return normaliser.info
