"""Every CSV the admin CLI writes opens safely in a spreadsheet, whatever a cell starts with (subprocess, real
Postgres)."""

from __future__ import annotations

import csv
import io

from core import db
from tests.integration.test_break_admin_outputs import _ok, cli
from tests.support.records import add_interaction


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# What a spreadsheet may still read as a formula: fullwidth and small forms of = + - @, and whitespace before them.
SNEAKY = [
    '＝HYPERLINK("http://evil.example","expense policy")',
    "＋SUM(1,2) hotel cap?",
    "－2+3 vacation days?",
    "＠evil wifi password?",
    "﹦1+1 small equals?",
    " =1+1 leading space?",
    "\t=1+1 leading tab?",
    "\r=1+1 leading carriage return?",
    "\u3000=1+1 ideographic space?",
]


def _unsafe(cell: str) -> bool:
    import unicodedata

    head = cell.lstrip()
    return bool(head) and unicodedata.normalize("NFKC", head[0])[:1] in "=+-@"


def test_gaps_csv_neutralises_fullwidth_and_whitespace_led_formulas(clean_db):
    with db.connect(clean_db) as conn:
        for q in [*SNEAKY, "How do I book a desk?"]:
            add_interaction(conn, "", q, status="dont_know", answer="", collections=["handbook"])
        conn.commit()
    header, *rows = _csv(_ok(cli(clean_db, "gaps", "--format", "csv", "--threshold", "0.99")))
    assert header[0] == "topic" and len(rows) == len(SNEAKY) + 1
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if _unsafe(c) or c[:1] in ("\t", "\r")], cells
    topics = {row[0] for row in rows}
    assert "How do I book a desk?" in topics
    for q in SNEAKY:  # each one marked with ' and otherwise kept whole
        assert [t for t in topics if t.startswith("'") and t[1:].strip() == q.strip()], (q, topics)
