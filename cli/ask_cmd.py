"""`answerloop ask`: one question, or JSON lines of them with --batch."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cli.common import build_pipeline, resolve_collections
from cli.output import print_answer
from core.errors import AnswerloopError


def _batch(pipeline, default: list[str]) -> int:
    failures = 0
    for line_no, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        ident = None
        try:
            item = json.loads(line)
            ident = item.get("id") if isinstance(item, dict) else None  # a line's error keeps its id
            if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                raise ValueError('each line must be a JSON object with a "question" string')
            names = item.get("collection") or item.get("collections") or default
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError('"collection" must be a name or a list of names')
            result = pipeline.ask(item["question"], resolve_collections(pipeline, names), source="batch")
            out = {"id": ident, **result.as_dict()}
        except AnswerloopError as exc:
            failures += 1
            out = {"id": ident, "line": line_no, "error": {"message": str(exc), "hint": exc.hint}}
        except ValueError as exc:  # malformed JSON or shape
            failures += 1
            out = {
                "id": ident,
                "line": line_no,
                "error": {
                    "message": f"line {line_no}: {exc}",
                    "hint": '{"id": "q1", "question": "…", "collection": "…"}',
                },
            }
        print(json.dumps(out, default=str), flush=True)
    return failures


def ask(
    question: Annotated[str | None, typer.Argument(help="The question. Omit with --batch.")] = None,
    collection: Annotated[list[str] | None, typer.Option("--collection", "-c", help="Search only these.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the full answer record as JSON.")] = False,
    batch: Annotated[
        bool, typer.Option("--batch", help="Read JSON lines {id, question, collection} on stdin.")
    ] = False,
    details: Annotated[bool, typer.Option("--details", "-d", help="Show scores, verdicts and timings.")] = False,
) -> None:
    """Answer a question from the knowledge base (or many, with --batch)."""
    pipeline = build_pipeline()
    if batch:
        failures = _batch(pipeline, collection or [])
        raise typer.Exit(1 if failures else 0)
    if question is None:
        raise AnswerloopError("No question given.", hint='answerloop ask "How do I …?"  (or --batch < file.jsonl)')
    result = pipeline.ask(question, resolve_collections(pipeline, collection))
    if as_json:
        print(json.dumps(result.as_dict(), default=str, indent=2))
    else:
        print_answer(result, verbose=details)
