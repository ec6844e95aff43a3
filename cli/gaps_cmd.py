"""`answerloop gaps`: what the documents don't answer, grouped into topics — which document to write next."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from cli.admin import Team, parse_since, workspace_scope
from cli.output import Format, FormatOption, console, write_csv
from core import db
from core.bootstrap import ready_database
from core.errors import AnswerloopError, NotFound
from core.settings import get_settings
from feedback.gaps import EmbedQuestions, find_gaps, load_evidence


def _embedder() -> EmbedQuestions | None:
    """MiniLM vectors when embeddings are configured; None groups by content terms instead."""
    from workers.embeddings import get_embedder

    embedder = get_embedder(get_settings())
    if not embedder.dim:
        return None

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray(embedder.embed(texts), dtype=float)

    return embed


def gaps_command(
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="Only this collection.")] = None,
    since: Annotated[str, typer.Option(help="How far back: 30d, 2w, 12h or a date.")] = "30d",
    fmt: FormatOption = Format.table,
    top: Annotated[int, typer.Option(min=1, help="Show the N largest gaps.")] = 20,
    threshold: Annotated[
        float | None,
        typer.Option(help="How alike questions must be to be one topic (default 0.5 with embeddings, 0.3 without)."),
    ] = None,
    team: Team = None,
) -> None:
    """Recent "I don't know" answers and 👎-voted answers, grouped into topics, most asked first."""
    if threshold is not None and not 0 <= threshold <= 1:  # nan too: it passed every comparison and merged all
        raise AnswerloopError(
            f"--threshold {threshold:g} is not a similarity.",
            hint="Give a number from 0 (every question one topic) to 1 (only the same words), e.g. 0.5.",
        )
    start = parse_since(since) or datetime.now(UTC) - timedelta(days=30)
    with db.connect(ready_database(get_settings())) as conn:
        team = workspace_scope(conn, team)
        if (
            collection is not None
            and conn.execute("SELECT 1 FROM collections WHERE name = %s", (collection,)).fetchone() is None
        ):
            raise NotFound(f"Unknown collection {collection!r}.", hint="`answerloop kb list` lists them.")
        evidence = load_evidence(conn, start, team=team, collection=collection)
    embed = _embedder()
    cut = threshold if threshold is not None else (0.5 if embed is not None else 0.3)
    gaps = find_gaps(evidence, embed, threshold=cut)[:top]
    if fmt is Format.json:
        print(json.dumps({"since": start.isoformat(), "questions": len(evidence), "gaps": [g.as_dict() for g in gaps]}))
        return
    if fmt is Format.csv:  # the questions are what anyone in Slack typed: write_csv keeps formulas from running
        header = ["topic", "questions", "dont_know", "voted_down", "askers", "channels", "closest_documents",
                  "approved_correction", "examples"]  # fmt: skip
        write_csv(header, ([g.name, g.count, g.dont_know, g.voted_down, g.askers, " ".join(g.channels),
                            " | ".join(g.closest_documents), g.has_approved_correction, " | ".join(g.questions[:3])]
                           for g in gaps))  # fmt: skip
        return
    if not gaps:
        console.print(f"No unanswered or 👎 questions since {start:%Y-%m-%d}: no gap to show.")
        return
    table = Table(title=f"Coverage gaps since {start:%Y-%m-%d} ({len(evidence)} questions)")
    for column in ("topic (most typical question)", "asked", "IDK / 👎", "askers", "closest documents", "fixed?"):
        table.add_column(column)
    for g in gaps:
        more = f"\n[dim]+{len(g.questions) - 1} other wording(s)[/]" if len(g.questions) > 1 else ""
        table.add_row(escape(g.name) + more, str(g.count), f"{g.dont_know} / {g.voted_down}", str(g.askers),
                      escape(", ".join(g.closest_documents) or "—"),
                      "correction approved" if g.has_approved_correction else "")  # fmt: skip
    console.print(table)
