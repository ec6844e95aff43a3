"""`answerloop kb sources` against a local Git repository and a local folder made in the test, real Postgres:
syncs are incremental (changed, renamed and deleted files), links name the file, a source feeds one collection."""

from __future__ import annotations

import json
import subprocess

import pytest

from core import db
from tests.support.cli_runner import run_cli
from workers.kb.sources import web_url_base


def git(repo, *args):
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture()
def repo(tmp_path):
    r = tmp_path / "handbook-repo"
    (r / "docs" / "guides").mkdir(parents=True)
    (r / "README.md").write_text("# Repo readme\n\nNot part of the docs folder.\n")
    (r / "docs" / "deploy.md").write_text("# Deploy\n\n## Rollback\n\nRun make rollback within five minutes.\n")
    (r / "docs" / "guides" / "vpn.md").write_text("# VPN\n\nThe VPN needs a hardware key since March.\n")
    (r / "docs" / "old.md").write_text("# Old page\n\nThis page is about the retired build server.\n")
    git(r, "init", "-q")
    git(r, "add", ".")
    git(r, "commit", "-q", "-m", "docs")
    return r


def _run(url, home, *args):
    r = run_cli(url, *args, env={"REDIS_URL": "", "ANSWERLOOP_HOME": str(home)})
    assert r.returncode == 0, r.stderr + r.stdout
    return r


def test_git_source_syncs_incrementally(clean_db, repo, tmp_path):
    home = tmp_path / "home"
    _run(clean_db, home, "kb", "sources", "add", "handbook", "-c", "eng", "--git", str(repo), "--branch", "main",
         "--subdir", "docs", "--no-sync")  # fmt: skip
    first = json.loads(_run(clean_db, home, "kb", "sources", "sync", "--json").stdout)
    assert (first["added"], first["updated"], first["removed"]) == (3, 0, 0)
    with db.connect(clean_db) as conn:
        paths = {r["source_path"] for r in conn.execute("SELECT source_path FROM documents WHERE collection='eng'")}
    assert paths == {"deploy.md", "guides/vpn.md", "old.md"}  # only the sub-folder, paths relative to it

    (repo / "docs" / "deploy.md").write_text("# Deploy\n\n## Rollback\n\nRun make rollback within ten minutes.\n")
    git(repo, "mv", "docs/guides/vpn.md", "docs/guides/remote-access.md")
    git(repo, "rm", "-q", "docs/old.md")
    git(repo, "commit", "-qam", "edit, rename, delete")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    second = json.loads(_run(clean_db, home, "kb", "sources", "sync", "handbook", "--json").stdout)
    assert second["revision"] == head
    assert (second["added"], second["updated"], second["unchanged"], second["removed"]) == (1, 1, 0, 2)
    with db.connect(clean_db) as conn:
        rows = conn.execute(
            "SELECT d.source_path, c.content FROM chunks c JOIN documents d ON d.id = c.document_id "
            "WHERE d.collection = 'eng'"
        ).fetchall()
    assert {r["source_path"] for r in rows} == {"deploy.md", "guides/remote-access.md"}
    assert any("ten minutes" in r["content"] for r in rows)

    listed = json.loads(_run(clean_db, home, "kb", "sources", "list", "--json").stdout)
    assert [(s["name"], s["collection"], s["last_revision"]) for s in listed] == [("handbook", "eng", head)]
    assert listed[0]["last_report"]["removed"] == 2

    r = run_cli(clean_db, "kb", "sources", "add", "again", "-c", "eng", "--path", str(repo),
                env={"ANSWERLOOP_HOME": str(home)})  # fmt: skip
    assert r.returncode == 2 and "One source per collection" in r.stderr

    _run(clean_db, home, "kb", "sources", "remove", "handbook")
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM documents WHERE collection = 'eng'").fetchone()["n"] == 0
    assert not (home / "sources" / "handbook").exists()


def test_folder_source_and_links(clean_db, repo, tmp_path):
    home = tmp_path / "home"
    r = _run(clean_db, home, "kb", "sources", "add", "local", "-c", "local", "--path", str(repo / "docs"),
             "--url-base", "https://docs.example.com/")  # fmt: skip
    assert "3 added" in r.stdout
    with db.connect(clean_db) as conn:
        link = conn.execute("SELECT link FROM chunks WHERE section_title = 'Rollback'").fetchone()["link"]
    assert link == "https://docs.example.com/deploy.md#rollback"
    r = _run(clean_db, home, "kb", "sources", "sync", "local")
    assert "0 added, 0 updated, 3 unchanged, 0 removed" in r.stdout


def test_git_web_links():
    assert web_url_base("https://github.com/acme/handbook.git", "main", "docs") == (
        "https://github.com/acme/handbook/blob/main/docs"
    )
    assert (
        web_url_base("https://gitlab.example.com/team/kb", "prod", "") == "https://gitlab.example.com/team/kb/blob/prod"
    )
    assert web_url_base("/srv/git/handbook", "main", "") is None
