"""Git sources against a hostile or careless repository or admin input: a branch or URL that is a git option, a
transport that runs commands, a repository whose symlinks point at this machine's files. Real git, real Postgres."""

from __future__ import annotations

import pytest

from core import db
from core.errors import AnswerloopError
from tests.integration.test_kb_sources import git
from workers.kb import sources


@pytest.fixture()
def repo(tmp_path):
    r = tmp_path / "repo"
    (r / "docs").mkdir(parents=True)
    (r / "docs" / "deploy.md").write_text("# Deploy\n\nRun make rollback.\n")
    for step in (("init", "-q"), ("add", "."), ("commit", "-q", "-m", "docs")):
        git(r, *step)
    return r


def _git_source(location: str, branch: str | None = "main") -> sources.Source:
    return sources.Source("handbook", "eng", "git", location, branch, "", None)


def test_a_branch_or_url_that_is_a_git_option_runs_nothing(clean_db, repo, tmp_path):
    marker = tmp_path / "pwned"
    evil = f"--upload-pack=touch {marker};git-upload-pack"
    with pytest.raises(AnswerloopError, match="branch"):
        sources.fetch(_git_source(str(repo), evil), tmp_path / "home")
    assert not marker.exists(), "a branch name was passed to git as an option"
    with pytest.raises(AnswerloopError, match="Git URL"):
        sources.fetch(_git_source(evil, None), tmp_path / "home2")
    assert not marker.exists()
    with db.connect(clean_db) as conn:  # refused when added, before anything runs
        with pytest.raises(AnswerloopError, match="branch"):
            sources.add_source(conn, _git_source(str(repo), "-x"))
        conn.rollback()
        with pytest.raises(AnswerloopError, match="Git URL"):
            sources.add_source(conn, _git_source("--upload-pack=x", None))
        conn.rollback()


def test_a_transport_that_runs_commands_is_refused_whatever_the_git_config(repo, tmp_path, monkeypatch):
    home = tmp_path / "userhome"
    home.mkdir()
    (home / ".gitconfig").write_text('[protocol "ext"]\n\tallow = always\n')  # a careless user config
    monkeypatch.setenv("HOME", str(home))
    marker = tmp_path / "pwned"
    with pytest.raises(AnswerloopError):
        sources.fetch(_git_source(f"ext::sh -c touch% {marker}", None), tmp_path / "home")
    assert not marker.exists(), "the ext:: transport ran a command"


def test_a_symlink_out_of_the_repository_is_not_read(repo, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Keys\n\nThe root password is hunter2.\n")
    (repo / "docs" / "keys.md").symlink_to(secret)
    (repo / "docs" / "same.md").symlink_to("deploy.md")  # inside the repository: fine
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "links")
    fetched = sources.fetch(_git_source(str(repo)), tmp_path / "home")
    rels = {p.relative_to(fetched.root).as_posix(): p for p in fetched.root.rglob("*") if p.is_file()}
    files = {rel: p for rel, p in rels.items() if not rel.startswith(".")}
    assert "hunter2" not in " ".join(p.read_text() for p in files.values())
    assert "docs/same.md" in files
    assert [p["path"] for p in fetched.problems] == ["docs/keys.md"]
    assert "outside the repository" in fetched.problems[0]["reason"]


def test_credentials_in_a_url_never_reach_a_citation(clean_db, tmp_path):
    token_url = "https://oauth2:glpat-SECRET@gitlab.example.com/team/handbook.git"
    assert sources.web_url_base(token_url, "main", "docs") == "https://gitlab.example.com/team/handbook/blob/main/docs"
    web = sources.Source("wiki", "wiki", "crawl", "https://bob:hunter2@wiki.example.com/", None, "", None)
    with db.connect(clean_db) as conn:  # a web page's links are its URL: a password there is in every citation
        with pytest.raises(AnswerloopError, match="user name or password"):
            sources.add_source(conn, web)
        conn.rollback()
    with pytest.raises(AnswerloopError, match="user name or password"):
        sources.fetch(web, tmp_path / "home")


def test_a_subfolder_outside_the_checkout_is_refused(repo, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "link").symlink_to("/etc/hostname")  # not the repository's: must stay
    source = sources.Source("handbook", "eng", "git", str(repo), "main", "../../../elsewhere", None)
    with pytest.raises(AnswerloopError, match="not a folder of the repository"):
        sources.fetch(source, tmp_path / "home")
    assert (outside / "link").is_symlink()
