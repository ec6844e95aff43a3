"""Rendering answers and reports for a terminal."""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from core.errors import AnswerloopError

if TYPE_CHECKING:
    from workers.pipeline import AnswerResult, CitationOut

# Output that is not going to a terminal (`answerloop labels list | grep …`, `> file`, a CI log) has no width. Rich
# would assume one — 80 columns, or the width of a terminal it finds on stdin or stderr — and wrap table rows across
# lines and cut their cells ("…"). Such output is drawn wide enough instead: a table takes the width its cells need
# and a long line stays one line. A terminal keeps its own width, and an explicit COLUMNS is honoured everywhere.
UNBOUNDED_WIDTH = 10_000
# What a panel or a rule, which fill the whole width, fill on such output: Rich's own fallback.
FRAME_WIDTH = 80


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except ValueError:  # closed
        return False


def _width(stream: TextIO | None) -> int | None:
    """The width to give a console writing to `stream`: None (Rich finds it: the terminal's, or COLUMNS) or
    UNBOUNDED_WIDTH when it is not a terminal and COLUMNS does not say. Whether `stream` is a terminal, not whether
    Rich colours it: FORCE_COLOR, common in CI, does not make a log file narrow."""
    columns = os.environ.get("COLUMNS", "")
    if (columns.isdigit() and int(columns) > 0) or _is_terminal(stream):
        return None
    return UNBOUNDED_WIDTH


console = Console(width=_width(sys.stdout))
err_console = Console(stderr=True, width=_width(sys.stderr))


def frame_width(c: Console) -> int | None:
    """`c.print(Panel(…) or Rule(…), width=frame_width(c))`: a frame fills the terminal (None: the console's width),
    but not the unbounded width of output that is not going to one."""
    return FRAME_WIDTH if c.width >= UNBOUNDED_WIDTH else None


def write_file(path: Path, text: str) -> None:
    """`--out FILE`: a folder that is missing, a directory or a file that cannot be written is a clear error.

    A regular file (new, or one being replaced) is written whole or not at all: into a temporary file beside it,
    renamed over it once complete — an export that fails half-way (a full disk) leaves last week's file as it was,
    not half of this one. Anything else that exists there (a pipe, /dev/stdout) is written to as it is."""
    tmp: Path | None = None
    try:
        target = path.resolve()  # a symlink's file is replaced, not the link
        if target.exists() and not target.is_file():
            target.write_text(text)  # a directory fails here; a pipe or a device is written through
            return
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else None
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        tmp = Path(name)
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is None:  # a new file gets the usual permissions (mkstemp's are 0600)
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise AnswerloopError(
            f"Cannot write {path}: {exc.strerror or type(exc).__name__}.",
            hint="Give --out a file in a folder that exists and that you may write to, or leave it out for stdout.",
        ) from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


class Format(StrEnum):
    """How a listing is printed: a table to read, JSON for a script, CSV for a spreadsheet."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOption = Annotated[Format, typer.Option("--format", help="table, json or csv.")]

# What a spreadsheet opening a CSV may read as a formula (OWASP, CSV injection): a cell starting with =, +, -, @, a tab
# or a carriage return. Spreadsheets also skip leading whitespace before a formula and some read the fullwidth and
# small forms (＝ ＋ － ＠, ﹦ ﹢ ﹣ ﹫) as the ASCII ones: both are compared after NFKC, which folds them, and a
# cell's leading (Unicode) whitespace is skipped first.
_FORMULA_START = frozenset("=+-@")
_LEADING_CONTROL = ("\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """One CSV cell as a spreadsheet must show it: text that could start a formula gets a leading ' (shown as the
    text it is, whole); anything else, and every non-text value, unchanged."""
    if not isinstance(value, str):
        return value
    head = value.lstrip()
    if value.startswith(_LEADING_CONTROL) or (head and unicodedata.normalize("NFKC", head[0])[:1] in _FORMULA_START):
        return "'" + value
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], stream: TextIO | None = None) -> None:
    """Every CSV the CLI writes: a header and rows, each text cell through `spreadsheet_cell`."""
    out = csv.writer(stream or sys.stdout)
    out.writerow([spreadsheet_cell(h) for h in header])
    for row in rows:
        out.writerow([spreadsheet_cell(cell) for cell in row])


def csv_value(value: Any) -> Any:
    """A structured value (a list, a dict) in one CSV cell: its JSON; None an empty cell."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return value


def print_records(
    fmt: Format, key: str, columns: Sequence[str], records: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> None:
    """`--format json|csv` of a listing (`--format table` is the command's own): JSON `{**extra, key: records}` on
    stdout, or CSV with a header of `columns` and one row per record (structured values as JSON) — an empty listing
    is `[]` or the header alone, never a sentence a script would have to recognise."""
    if fmt is Format.json:
        print(json.dumps({**(extra or {}), key: records}, default=str, ensure_ascii=False))
        return
    write_csv(columns, ([csv_value(r.get(c)) for c in columns] for r in records))


def print_answer(result: AnswerResult, *, verbose: bool = False) -> None:
    style = "green" if result.status == "answered" else "yellow"
    title = f"[{style}]{result.status}[/]"
    if result.status == "answered":
        title += f" · confidence {result.confidence}"
    # The answer, titles and links are documents' text: printed as written, never read as Rich markup ("[/]" in a
    # title raised MarkupError; "[link=…]" made a link).
    answer = Panel(Text(result.answer), title=title, title_align="left", border_style=style)
    console.print(answer, width=frame_width(console))
    sources: dict[int, CitationOut] = {}
    for c in result.citations:  # several quotes from one passage are one source
        sources.setdefault(c.chunk_id, c)
    for i, c in enumerate(sources.values(), start=1):
        console.print(Text.assemble(f"  [{i}] ", (c.title, "bold"), "  ", (c.link, Style(link=c.link or None))))
        if c.last_verified:
            console.print(f"      [yellow]last verified on {c.last_verified}: its review is due[/]")
    pii = result.guard.get("pii_in", {})
    if pii.get("found"):
        kinds = ", ".join(f"{k}×{n}" for k, n in pii["entities"].items())
        console.print(f"[magenta]Removed from your question before searching: {kinds}.[/]")
        if pii.get("secrets"):
            console.print("[magenta]It contained a secret: rotate it now — treat it as exposed.[/]")
    if verbose:
        g = result.guard.get("grounding", {})
        t = result.timings_ms
        console.print(
            f"[dim]prompt v{result.prompt_version} · {result.answerer} · answerability "
            f"{result.scores.get('answerability')} (threshold {result.scores.get('answerability_threshold')}) · "
            f"grounding {g.get('verdict')} {g.get('score', '')} · {t.get('total')} ms "
            f"({', '.join(f'{k} {v}' for k, v in t.items() if k != 'total')})[/]"
        )


def collections_table(rows: list[dict]) -> Table:
    table = Table("collection", "documents", "chunks", "embeddings", "last ingested")
    for r in rows:
        last = r["last_ingested"].strftime("%Y-%m-%d %H:%M") if r["last_ingested"] else "—"
        table.add_row(r["name"], str(r["documents"]), str(r["chunks"]), r["embedding_models"] or "—", last)
    return table
