"""Check the Typer evaluation set against the project's own parser and chunker.

Parses every supported file under the cache folder (default ``bench/.cache/typer``: the ``docs/`` folder of the
sdist named in ``source.json``), skipping the ``exclude`` globs of ``source.json``, chunks it with the project
defaults (``workers.kb.chunking.chunk_document``, 1200 / 150 characters, as ``core.settings`` sets them), and
prints every gold (path, heading) that matches no chunk under the rules of ``bench/common.py`` (``gold_key`` on
the gold, ``chunk_keys`` on each chunk). It also checks the records: fields, unique ids and questions, kind vs
answerable, gold counts, and that each split is the one ``expected_splits`` gives.

    python bench/data/typer/check_gold.py              # exit status 1 if anything is wrong
    python bench/data/typer/check_gold.py --sections   # list every (path, heading path) the chunker yields
    python bench/data/typer/check_gold.py --show ID    # print the text of the chunks each gold of ID matches
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import chunk_keys, gold_key  # noqa: E402
from workers.kb.chunking import chunk_document  # noqa: E402
from workers.kb.parsing import UnreadableDocument, decode, format_of, parse  # noqa: E402

DEFAULT_CACHE = ROOT / "bench" / ".cache" / "typer"
KINDS = {"answerable": True, "off_topic": False, "near_miss": False}
FIELDS = {"id", "question", "collection", "kind", "answerable", "gold", "split"}


DEV_SHARE = 0.4


def expected_splits(records: list[dict]) -> dict[str, str]:
    """Deterministic split, stratified by kind: within each kind the ids are ranked by their SHA-256 hex digest
    and the first round(40%) of them are 'dev', the rest 'test'. Adding or removing one question moves at most
    one other question of the same kind across the split."""
    out: dict[str, str] = {}
    for kind in KINDS:
        ids = sorted(
            (r["id"] for r in records if r.get("kind") == kind),
            key=lambda i: hashlib.sha256(i.encode("utf-8")).hexdigest(),
        )
        n_dev = round(DEV_SHARE * len(ids))
        out.update({i: ("dev" if rank < n_dev else "test") for rank, i in enumerate(ids)})
    return out


def load_source() -> dict:
    return json.loads((HERE / "source.json").read_text(encoding="utf-8"))


def excluded(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) for p in patterns)


def parse_cache(cache: Path, exclude: list[str]) -> tuple[dict[str, list], list[str]]:
    """{path relative to the cache: [chunks]} for each supported, non-excluded file; and the files that failed.

    Mirrors ``workers.kb.ingest``: hidden paths skipped, same fallback title, same parse / chunk calls."""
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
            title = path.stem.replace("-", " ").replace("_", " ").strip() or rel
            doc = parse(decode(path.read_bytes(), rel), fmt, title)
        except UnreadableDocument as exc:
            failed.append(f"{rel}: {exc}")
            continue
        docs[rel] = chunk_document(doc)
    return docs, failed


def load_questions(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--questions", type=Path, default=HERE / "questions.jsonl")
    ap.add_argument("--sections", action="store_true", help="list the sections the chunker yields and stop")
    ap.add_argument("--show", metavar="ID", help="print the chunks matched by the gold of one question and stop")
    args = ap.parse_args()

    source = load_source()
    if not args.cache.is_dir():
        print(
            f"cache folder {args.cache} missing: download the {source['pypi']} sdist and copy its "
            f"{source['subdir']}/ folder there"
        )
        return 2
    docs, failed = parse_cache(args.cache, source.get("exclude", []))
    for f in failed:
        print(f"PARSE FAILED {f}")

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

    available: dict[tuple[str, str], list] = {}
    for rel, chunks in docs.items():
        for c in chunks:
            for key in chunk_keys(rel, c.section_title, c.heading_path):
                available.setdefault(key, []).append(c)

    records = load_questions(args.questions)

    if args.show:
        rec = next((r for r in records if r["id"] == args.show), None)
        if rec is None:
            print(f"no question {args.show}")
            return 2
        print(rec["question"])
        for g in rec["gold"]:
            print(f"\n=== {g['path']} / {g['heading']}")
            for c in available.get(gold_key(g), []):
                print(f"--- chunk {c.ordinal} ({' > '.join(c.heading_path)})\n{c.content}")
        return 0

    splits = expected_splits(records)
    problems = 0
    ids: set[str] = set()
    questions: set[str] = set()
    counts: Counter = Counter()
    gold_files: Counter = Counter()
    for lineno, rec in enumerate(records, 1):
        where = f"line {lineno} ({rec.get('id')})"
        if set(rec) != FIELDS:
            print(f"{where}: fields {sorted(rec)} != {sorted(FIELDS)}")
            problems += 1
            continue
        if rec["id"] in ids:
            print(f"{where}: duplicate id")
            problems += 1
        ids.add(rec["id"])
        q = " ".join(rec["question"].casefold().split())
        if q in questions:
            print(f"{where}: duplicate question")
            problems += 1
        questions.add(q)
        if rec["collection"] != source["collection"]:
            print(f"{where}: collection {rec['collection']!r} != {source['collection']!r}")
            problems += 1
        if rec["kind"] not in KINDS or KINDS[rec["kind"]] is not rec["answerable"]:
            print(f"{where}: kind {rec['kind']!r} / answerable {rec['answerable']!r} inconsistent")
            problems += 1
        if rec["split"] != splits.get(rec["id"]):
            print(f"{where}: split {rec['split']!r}, expected {splits.get(rec['id'])!r}")
            problems += 1
        if rec["answerable"] and not 1 <= len(rec["gold"]) <= 3:
            print(f"{where}: answerable with {len(rec['gold'])} gold sections")
            problems += 1
        if not rec["answerable"] and rec["gold"]:
            print(f"{where}: unanswerable with gold sections")
            problems += 1
        counts[(rec["kind"], rec["split"])] += 1
        for g in rec["gold"]:
            gold_files[g["path"]] += 1
            if g["path"] not in docs:
                print(f"{where}: UNMATCHED gold {g['path']!r} (no such parsed file)")
                problems += 1
            elif gold_key(g) not in available:
                print(f"{where}: UNMATCHED gold {g['path']!r} / {g['heading']!r}")
                problems += 1

    for kind in KINDS:
        dev, test = counts[(kind, "dev")], counts[(kind, "test")]
        print(f"{kind:10} {dev + test:4}  dev {dev:3}  test {test:3}")
    dev, total = sum(v for (_, s), v in counts.items() if s == "dev"), sum(counts.values())
    print(f"{'total':10} {total:4}  dev {dev:3}  test {total - dev:3}")
    print(f"gold sections in {len(gold_files)} of {len(docs)} parsed files")
    print("OK: every gold matches a chunk" if not problems else f"{problems} problem(s)")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(main())
