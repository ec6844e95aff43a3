"""Check an evaluation set (bench/data/SET) against the project's own parser and chunker.

Parses every supported file of the set's documents — the cache folder of an sdist set (default
``bench/.cache/SET``, the ``docs/`` folder of the sdist named in the set's ``source.json``), or the repository
folders of a set like celery_handbook (``collections`` in ``source.json``) — skipping the ``exclude`` globs of
``source.json``, chunks them as ingestion does (``workers.kb.chunking.chunk_document`` with the default
``chunk_max_chars`` / ``chunk_overlap_chars`` of ``core.settings.Settings``), and prints each gold (path, heading)
that matches no chunk of its collection under the rules of ``bench/common.py`` (``gold_key`` on the gold,
``chunk_keys`` on each chunk). Also checks the records: fields, unique ids and questions, kind vs answerable, 1-3
gold sections for answerable and none otherwise, and that each split is the one the hash rule
(``expected_splits``) gives.

    python bench/check_gold.py flask              # exit status 1 if anything is wrong (also: typer, celery_handbook)
    python bench/check_gold.py flask --sections   # list every (path, heading path) the chunker yields
    python bench/check_gold.py flask --show ID    # print the chunks each gold of question ID matches
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import chunk_keys, gold_key  # noqa: E402
from core.settings import Settings  # noqa: E402
from workers.kb.chunking import chunk_document  # noqa: E402
from workers.kb.parsing import UnreadableDocument, decode, format_of, parse  # noqa: E402

DATA = ROOT / "bench" / "data"
CACHE = ROOT / "bench" / ".cache"
KINDS = {"answerable": True, "off_topic": False, "near_miss": False}
FIELDS = {"id", "question", "collection", "kind", "answerable", "gold", "split"}
DEV_SHARE = 0.4
# The field defaults, not whatever the environment or a .env file sets.
MAX_CHARS = Settings.model_fields["chunk_max_chars"].default
OVERLAP_CHARS = Settings.model_fields["chunk_overlap_chars"].default


def expected_splits(records: list[dict], dev_share: float = DEV_SHARE, salt: str = "", by_collection: bool = False):
    """The split rule: within each kind (and collection, for a set of several), rank the ids by
    sha256(salt + id); the first round(40 %) are dev, the rest test. The sdist sets use no salt;
    celery_handbook groups by (collection, kind) and salts with "celery_handbook:" (its README)."""
    by_kind: dict[tuple, list[str]] = {}
    for rec in records:
        key = (rec["collection"], rec["kind"]) if by_collection else (rec["kind"],)
        by_kind.setdefault(key, []).append(rec["id"])
    out: dict[str, str] = {}
    for ids in by_kind.values():
        ranked = sorted(ids, key=lambda i: hashlib.sha256((salt + i).encode()).hexdigest())
        n_dev = round(dev_share * len(ids))
        out.update({i: "dev" if n < n_dev else "test" for n, i in enumerate(ranked)})
    return out


def load_source(name: str) -> dict:
    return json.loads((DATA / name / "source.json").read_text(encoding="utf-8"))


def excluded(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) for p in patterns)


def parse_cache(cache: Path, exclude: list[str]) -> tuple[dict[str, list], list[str]]:
    """{rel path: [chunks]} for every supported, non-excluded file; plus the files that failed to parse."""
    docs: dict[str, list] = {}
    failed: list[str] = []
    for path in sorted(cache.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(cache).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or excluded(rel, exclude):
            continue
        fmt = format_of(path)
        if fmt is None:
            continue
        try:
            title = path.stem.replace("-", " ").replace("_", " ").strip() or rel  # as workers.kb.ingest
            doc = parse(decode(path.read_bytes(), rel), fmt, title)
        except UnreadableDocument as exc:
            failed.append(f"{rel}: {exc}")
            continue
        docs[rel] = chunk_document(doc, max_chars=MAX_CHARS, overlap_chars=OVERLAP_CHARS)
    return docs, failed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("set", help="the set's folder name under bench/data (flask, typer, celery_handbook)")
    ap.add_argument("--cache", type=Path, help="default: bench/.cache/SET (a set of repository folders: those)")
    ap.add_argument("--questions", type=Path, help="default: bench/data/SET/questions.jsonl")
    ap.add_argument("--sections", action="store_true", help="list the sections the chunker yields and stop")
    ap.add_argument("--show", metavar="ID", help="print the chunks that each gold of question ID matches and stop")
    args = ap.parse_args()
    args.cache = args.cache or CACHE / args.set
    args.questions = args.questions or DATA / args.set / "questions.jsonl"

    source = load_source(args.set)
    # {collection: folder}: one cache folder for an sdist set, the repository folders of a set like celery_handbook
    if "collections" in source:
        folders = {c: ROOT / f for c, f in source["collections"].items()}
    else:
        folders = {source["collection"]: args.cache}
    for folder in folders.values():
        if not folder.is_dir():
            print(f"cache folder {folder} missing: fetch {source['pypi']} and copy its {source['subdir']}/ there")
            return 2
    by_collection: dict[str, dict[str, list]] = {}
    failed: list[str] = []
    for collection, folder in folders.items():
        by_collection[collection], bad = parse_cache(folder, source.get("exclude", []))
        failed += [f"{collection}/{b}" if len(folders) > 1 else b for b in bad]
    for f in failed:
        print(f"PARSE FAILED {f}")
    prefix = len(folders) > 1
    docs = {(f"{c}/{rel}" if prefix else rel): chunks for c, d in by_collection.items() for rel, chunks in d.items()}

    if args.sections:
        for rel, chunks in docs.items():
            seen: list[str] = []
            for c in chunks:
                label = " > ".join(c.heading_path)
                if label not in seen:
                    seen.append(label)
            for label in seen:
                print(f"{rel}\t{label}")
        return 0

    available: dict[str, set[tuple[str, str]]] = {}
    for collection, cdocs in by_collection.items():
        keys = available.setdefault(collection, set())
        for rel, chunks in cdocs.items():
            for c in chunks:
                keys |= chunk_keys(rel, c.section_title, c.heading_path)

    if args.show:
        with args.questions.open(encoding="utf-8") as fh:
            rec = next((r for r in map(json.loads, filter(str.strip, fh)) if r["id"] == args.show), None)
        if rec is None:
            print(f"no question {args.show}")
            return 2
        print(f"{rec['id']} [{rec['kind']}] {rec['question']}")
        for g in rec["gold"]:
            key = gold_key(g)
            print(f"\n=== {g['path']} / {g['heading']}")
            for c in by_collection.get(rec["collection"], {}).get(g["path"], []):
                if key in chunk_keys(g["path"], c.section_title, c.heading_path):
                    print(f"--- chunk {c.ordinal} ({' > '.join(c.heading_path)})\n{c.content}")
        return 0

    problems = 0
    ids: set[str] = set()
    counts: Counter = Counter()
    gold_files: Counter = Counter()
    questions: set[str] = set()
    with args.questions.open(encoding="utf-8") as fh:
        numbered = [(n, json.loads(line)) for n, line in enumerate(fh, 1) if line.strip()]
    several = "collections" in source
    splits = expected_splits(
        [rec for _, rec in numbered], salt=f"{args.set}:" if several else "", by_collection=several
    )
    for lineno, rec in numbered:
        where = f"line {lineno} ({rec.get('id')})"
        if set(rec) != FIELDS:
            print(f"{where}: fields {sorted(rec)} != {sorted(FIELDS)}")
            problems += 1
        if rec["id"] in ids:
            print(f"{where}: duplicate id")
            problems += 1
        ids.add(rec["id"])
        q = " ".join(rec["question"].casefold().split())
        if q in questions:
            print(f"{where}: duplicate question")
            problems += 1
        questions.add(q)
        if rec["collection"] not in folders:
            print(f"{where}: collection {rec['collection']!r}")
            problems += 1
        if rec["kind"] not in KINDS or KINDS[rec["kind"]] != rec["answerable"]:
            print(f"{where}: kind {rec['kind']!r} / answerable {rec['answerable']!r} inconsistent")
            problems += 1
        if rec["split"] != splits[rec["id"]]:
            print(f"{where}: split {rec['split']!r}, the hash rule gives {splits[rec['id']]!r}")
            problems += 1
        if rec["answerable"] and not 1 <= len(rec["gold"]) <= 3:
            print(f"{where}: answerable with {len(rec['gold'])} gold sections")
            problems += 1
        if not rec["answerable"] and rec["gold"]:
            print(f"{where}: unanswerable with gold sections")
            problems += 1
        counts[(rec["kind"], rec["split"])] += 1
        cdocs = by_collection.get(rec["collection"], {})
        for g in rec["gold"]:
            gold_files[(rec["collection"], g["path"])] += 1
            if g["path"] not in cdocs:
                print(f"{where}: UNMATCHED gold {g['path']!r} (no such parsed file)")
                problems += 1
            elif gold_key(g) not in available.get(rec["collection"], set()):
                print(f"{where}: UNMATCHED gold {g['path']!r} / {g['heading']!r}")
                problems += 1

    for kind in KINDS:
        dev, test = counts[(kind, "dev")], counts[(kind, "test")]
        print(f"{kind:10} {dev + test:4}  dev {dev:3}  test {test:3}")
    print(f"{'total':10} {sum(counts.values()):4}  gold sections in {len(gold_files)} of {len(docs)} files")
    print("OK: every gold matches a chunk" if not problems else f"{problems} problem(s)")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
