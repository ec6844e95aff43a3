"""Incremental ingestion of a folder into a collection: skip unchanged, replace changed, drop deleted."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.db import Conn
from core.settings import Settings
from workers.embeddings import Embedder
from workers.kb import store
from workers.kb.chunking import chunk_document
from workers.kb.parsing import UnreadableDocument, format_of, parse_bytes
from workers.kb.sentences import embed_sentences, quotable_sentences

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
        }


def discover(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            yield path


def _links(url: str, anchors: list[str]) -> list[str]:
    return [f"{url}#{a}" if a else url for a in anchors]


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
    """Bring `collection` in line with the files under `root`. Each document commits on its own, so a
    failure part-way loses nothing already ingested and a re-run resumes where it stopped."""
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    report = IngestReport(collection)
    store.ensure_collection(conn, collection)
    store.ensure_vector_index(conn, embedder.dim)
    conn.commit()
    known = store.documents_in(conn, collection)
    files = list(discover(root))
    seen: set[str] = set()
    base_dir = root if root.is_dir() else root.parent
    for path in files:
        rel = path.relative_to(base_dir).as_posix()
        if progress:
            progress(rel, len(files))
        fmt = format_of(path)
        if fmt is None:
            report.ignored.append(rel)
            continue
        seen.add(rel)
        try:
            size = path.stat().st_size
            if size > settings.max_file_bytes:
                raise UnreadableDocument(f"too large ({size:,} bytes > {settings.max_file_bytes:,})")
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).hexdigest()
            old = known.get(rel)
            if old and old.content_hash == digest and old.embedding_model == embedder.name:
                report.unchanged.append(rel)
                continue
            doc = parse_bytes(raw, fmt, rel, path.stem.replace("-", " ").replace("_", " ").strip() or rel)
            chunks = chunk_document(doc, max_chars=settings.chunk_max_chars, overlap_chars=settings.chunk_overlap_chars)
            url = f"{url_base.rstrip('/')}/{rel}" if url_base else str(path)
            vectors = embedder.embed([c.embedding_text() for c in chunks]) if embedder.dim else None
            quotable = [quotable_sentences(c.content) for c in chunks]
            store.replace_document(
                conn,
                collection=collection,
                source_path=rel,
                title=doc.title,
                url=url,
                fmt=fmt,
                content_hash=digest,
                embedding_model=embedder.name,
                chunks=chunks,
                links=_links(url, [c.anchor for c in chunks]),
                embeddings=vectors,
                sentences=quotable,
                sentence_embeddings=embed_sentences(embedder, quotable),
            )
            conn.commit()
            report.chunks_written += len(chunks)
            (report.updated if old else report.added).append(rel)
        except (UnreadableDocument, OSError) as exc:
            conn.rollback()
            reason = str(exc).split(": ", 1)[-1] if isinstance(exc, UnreadableDocument) else str(exc)
            report.failed.append((rel, reason))
            log.warning("skipped %s: %s", rel, reason)
    if delete_missing:
        gone = {p: d for p, d in known.items() if p not in seen}
        store.delete_documents(conn, [d.id for d in gone.values()])
        conn.commit()
        report.removed = sorted(gone)
    return report
