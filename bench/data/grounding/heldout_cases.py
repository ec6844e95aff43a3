"""What the hand-written held-out grounding sets share: the kinds of case, and turning their groups into checked
JSON lines (numbered, common fields filled in, every passage verified verbatim by the bench's own check)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

P, S = "paraphrase", "summary"
NUM, NAME, NEG, COND, SCOPE, UNIT = "number", "name", "negation", "condition", "scope", "unit"

# (source "file#heading" [| more], [passages], [(kind, answer), ...])
Group = tuple[str, list[str], list[tuple[str, str]]]


def write_cases(groups: list[Group], *, set_name: str, id_prefix: str, split: str, out: Path) -> None:
    """One JSON line per case into `out`; exits naming the case whose passage is not verbatim in its section (the
    documents: `set_name`'s sdist in `grounding_bench.SDIST_SOURCES`, fetched into `bench/.cache/`)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from grounding_bench import verify_passages

    cases = [
        {
            "id": f"{id_prefix}{g:03d}-{n}",
            "passage_source": " | ".join(f"{set_name}:{s}" for s in source.split(" | ")),
            "passages": passages,
            "answer": answer,
            "supported": kind in (P, S),
            "kind": kind,
            "split": split,
        }
        for g, (source, passages, answers) in enumerate(groups, 1)
        for n, (kind, answer) in enumerate(answers, 1)
    ]
    verify_passages(cases)
    out.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases in {len(groups)} groups -> {out}")
