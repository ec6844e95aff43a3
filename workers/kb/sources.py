"""Sources of a collection that stay in sync: a local folder or a Git repository (a branch, optionally one
sub-folder), fetched into the answerloop home and ingested incrementally."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.db import Conn
from core.errors import AnswerloopError, NotFound

GIT_TIMEOUT_S = 300


@dataclass(frozen=True)
class Source:
    name: str
    collection: str
    kind: str  # path | git
    location: str
    branch: str | None
    subdir: str
    url_base: str | None


def add_source(conn: Conn, source: Source) -> None:
    existing = conn.execute(
        "SELECT name FROM kb_sources WHERE name = %s OR collection = %s", (source.name, source.collection)
    ).fetchone()
    if existing:
        raise AnswerloopError(
            f"A source named {source.name!r} or a source of collection {source.collection!r} exists already "
            f"({existing['name']}).",
            hint="One source per collection (a sync removes what its source no longer has): "
            "use another collection, or `answerloop kb sources remove NAME` first.",
        )
    conn.execute("INSERT INTO collections (name) VALUES (%s) ON CONFLICT DO NOTHING", (source.collection,))
    conn.execute(
        "INSERT INTO kb_sources (name, collection, kind, location, branch, subdir, url_base) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (source.name, source.collection, source.kind, source.location, source.branch, source.subdir,
         source.url_base),
    )  # fmt: skip


def get_source(conn: Conn, name: str) -> Source:
    row = conn.execute(
        "SELECT name, collection, kind, location, branch, subdir, url_base FROM kb_sources WHERE name = %s", (name,)
    ).fetchone()
    if row is None:
        raise NotFound(f"There is no source named {name!r}.", hint="answerloop kb sources list")
    return Source(**row)


def list_sources(conn: Conn) -> list[dict]:
    return conn.execute(
        "SELECT name, collection, kind, location, branch, subdir, url_base, last_synced_at, last_revision, "
        "last_report FROM kb_sources ORDER BY name"
    ).fetchall()


def remove_source(conn: Conn, name: str) -> Source:
    source = get_source(conn, name)
    conn.execute("DELETE FROM kb_sources WHERE name = %s", (name,))
    return source


def record_sync(conn: Conn, name: str, revision: str | None, report: dict) -> None:
    conn.execute(
        "UPDATE kb_sources SET last_synced_at = now(), last_revision = %s, last_report = %s WHERE name = %s",
        (revision, json.dumps(report, default=str), name),
    )


def checkout_dir(home: Path, name: str) -> Path:
    return home / "sources" / name


def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False,
            env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(Path.home())},
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise AnswerloopError("git is not installed.", hint="Install git, or add the folder with --path.") from exc
    except subprocess.TimeoutExpired as exc:
        raise AnswerloopError(f"git {args[0]} took longer than {GIT_TIMEOUT_S} s.") from exc
    if done.returncode != 0:
        raise AnswerloopError(f"git {' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip()


def fetch(source: Source, home: Path) -> tuple[Path, str | None]:
    """The folder to ingest for this source and its revision: a local folder as it is, or the Git branch's
    latest commit fetched (shallow) into the answerloop home."""
    if source.kind == "path":
        root = Path(source.location) / source.subdir
        if not root.exists():
            raise NotFound(f"The folder of source {source.name!r} is gone: {root}")
        return root, None
    work = checkout_dir(home, source.name)
    branch = source.branch or "HEAD"
    if not (work / ".git").exists():
        shutil.rmtree(work, ignore_errors=True)
        work.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "--quiet", str(work))
        _git("remote", "add", "origin", source.location, cwd=work)
    _git("fetch", "--quiet", "--depth", "1", "origin", branch, cwd=work)
    _git("checkout", "--quiet", "--force", "--detach", "FETCH_HEAD", cwd=work)
    _git("clean", "-q", "-f", "-d", "-x", cwd=work)
    revision = _git("rev-parse", "HEAD", cwd=work)
    root = work / source.subdir
    if not root.exists():
        raise NotFound(f"{source.subdir!r} is not a folder of {source.location} at {branch}.")
    return root, revision


def web_url_base(location: str, branch: str | None, subdir: str) -> str | None:
    """Where a Git host shows the files: https://host/org/repo(.git) → https://host/org/repo/blob/BRANCH/SUBDIR
    (GitHub, Gitea, and GitLab, which redirects /blob/); None for other URLs (links are then file paths)."""
    m = re.match(r"^(https://[^/]+/[^?#]+?)(?:\.git)?/?$", location)
    if not m or not branch:
        return None
    return "/".join(p.strip("/") for p in (m.group(1), "blob", branch, subdir) if p.strip("/"))
