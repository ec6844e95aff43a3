"""Trying to break `kb sources` as a team would: a source removed while it syncs, a crawl that meets an endless
calendar — real Postgres, real folders and a local HTTP server, the CLI run as a subprocess."""

from __future__ import annotations

from pathlib import Path

from core import db
from tests.conftest import make_settings
from tests.integration.test_kb_sources import git
from tests.support.cli_runner import run_cli
from tests.support.web_site import Site, page
from workers.embeddings import NoEmbedder
from workers.ingest_tasks import run_batch
from workers.kb import jobs, sources


def _docs(url: str, collection: str) -> set[str]:
    with db.connect(url) as conn:
        rows = conn.execute("SELECT source_path FROM documents WHERE collection = %s", (collection,)).fetchall()
    return {r["source_path"] for r in rows}


def _folder_source(url: str, tmp_path: Path) -> Path:
    """Source "handbook" of collection "eng": a folder holding deploy.md (not synced yet); the folder."""
    folder = tmp_path / "handbook"
    folder.mkdir()
    (folder / "deploy.md").write_text("# Deploy\n\n## Rollback\n\nRun make rollback within five minutes.\n")
    with db.connect(url) as conn:
        sources.add_source(conn, sources.Source("handbook", "eng", "path", str(folder), None, "", None))
        conn.commit()
    return folder


def test_a_source_removed_while_it_syncs_leaves_no_orphan_documents(clean_db, tmp_path):
    _folder_source(clean_db, tmp_path)
    home = tmp_path / "home"
    real = sources.inline_ingest(clean_db, make_settings(clean_db), NoEmbedder())
    removals = []

    def ingest(root: Path, collection: str, url_base: str | None) -> dict:
        # another admin removes the source while this sync is between its fetch and its ingest
        removals.append(run_cli(clean_db, "kb", "sources", "remove", "handbook", env={"ANSWERLOOP_HOME": str(home)}))
        return real(root, collection, url_base)

    report = sources.sync_source(clean_db, "handbook", home, ingest)
    assert report is not None and report["added"] == 1
    [removal] = removals
    # refused with why, not a source gone and its documents back with no source to sync or remove them
    assert removal.returncode != 0, removal.stdout
    assert "being synced" in removal.stderr and "Traceback" not in removal.stderr
    with db.connect(clean_db) as conn:
        assert [s["name"] for s in sources.list_sources(conn)] == ["handbook"]
    assert _docs(clean_db, "eng") == {"deploy.md"}

    # once the sync is over, the removal goes through and takes the documents with it
    done = run_cli(clean_db, "kb", "sources", "remove", "handbook", env={"ANSWERLOOP_HOME": str(home)})
    assert done.returncode == 0, done.stderr
    assert _docs(clean_db, "eng") == set()


def test_a_crawl_into_an_endless_calendar_stops_at_the_page_limit_and_says_what_was_left_out(clean_db, tmp_path):
    site = Site().start()
    try:
        site.put("/robots.txt", "", "text/plain")
        for n in range(40):  # each month links to the next two, as calendars do, without end
            site.put(f"/cal?month={n}", page(f"Month {n}", ("Events", f"Nothing happens in month {n}.", None),
                                             links=(f"/cal?month={n + 1}", f"/cal?month={n + 2}")))  # fmt: skip
        home = tmp_path / "home"
        env = {"REDIS_URL": "", "ANSWERLOOP_HOME": str(home)}
        r = run_cli(clean_db, "kb", "sources", "add", "cal", "-c", "cal", "--crawl", f"{site.url}/cal?month=0",
                    "--max-pages", "4", "--delay", "0", env=env)  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert len([p for p, _ in site.requests if p.startswith("/cal")]) == 4
        assert len(_docs(clean_db, "cal")) == 4
        # the admin is told that the crawl stopped at the limit, what it left out, and how to go further
        out = " ".join(r.stdout.split())
        assert "page limit of 4 reached" in out and "--max-pages" in out, out
        listed = run_cli(clean_db, "kb", "sources", "list", env={"ANSWERLOOP_HOME": str(home)})
        assert "limit" in listed.stdout, listed.stdout
    finally:
        site.stop()


def test_a_git_sync_killed_part_way_does_not_block_the_next_ones(clean_db, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.md").write_text("# Deploy\n\nRun make rollback within five minutes.\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "docs")
    home = tmp_path / "home"
    env = {"REDIS_URL": "", "ANSWERLOOP_HOME": str(home)}
    r = run_cli(clean_db, "kb", "sources", "add", "handbook", "-c", "eng", "--git", str(repo), "--branch", "main",
                env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    # the worker syncing it was killed inside `git checkout` and `git fetch`: git leaves its lock files behind
    checkout = home / "sources" / "handbook" / ".git"
    (checkout / "index.lock").write_text("")
    (checkout / "shallow.lock").write_text("")
    (repo / "deploy.md").write_text("# Deploy\n\nRun make rollback within ten minutes.\n")
    git(repo, "commit", "-qam", "ten")
    r = run_cli(clean_db, "kb", "sources", "sync", "handbook", env=env)
    assert r.returncode == 0, r.stderr  # not "index.lock: File exists" at every sync from now on
    assert "1 updated" in r.stdout


def test_a_page_grown_too_large_between_syncs_says_its_earlier_copy_left_the_kb(clean_db, tmp_path):
    site = Site().start()
    try:
        site.put("/robots.txt", "", "text/plain")
        site.put("/deploy.html", page("Deploy", ("Rollback", "Run make rollback within five minutes.", None)))
        site.put("/vpn.html", page("VPN", ("Keys", "The VPN needs a hardware key.", None)))
        site.sitemap("/deploy.html", "/vpn.html")
        with db.connect(clean_db) as conn:
            sources.add_source(conn, sources.Source("intranet", "web", "sitemap", f"{site.url}/sitemap.xml", None,
                                                    "", None, delay_s=0))  # fmt: skip
            conn.commit()
        settings = make_settings(clean_db, max_file_bytes=20_000)
        ingest = sources.inline_ingest(clean_db, settings, NoEmbedder())
        home = tmp_path / "home"
        first = sources.sync_source(clean_db, "intranet", home, ingest, max_bytes=settings.max_file_bytes)
        assert first is not None and first["added"] == 2

        site.put("/deploy.html", page("Deploy", ("Rollback", "word " * 8000, None)))  # now past the size limit
        again = sources.sync_source(clean_db, "intranet", home, ingest, max_bytes=settings.max_file_bytes)
        assert again is not None and again["removed"] == 1
        [failed] = again["failed"]
        assert failed["path"] == f"{site.url}/deploy.html" and "too large" in failed["reason"]
        assert "removed" in failed["reason"], failed  # the admin learns the page no longer answers
        assert _docs(clean_db, "web") == {"vpn.html"}
    finally:
        site.stop()


LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 1234567\n"
)


def test_files_kept_in_git_lfs_are_reported_not_ingested_as_their_pointers(clean_db, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "deploy.md").write_text("# Deploy\n\nRun make rollback within five minutes.\n")
    (repo / "handbook.pdf").write_text(LFS_POINTER)  # what a checkout without `git lfs` holds
    (repo / "policy.md").write_text(LFS_POINTER)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "docs")
    r = run_cli(clean_db, "kb", "sources", "add", "handbook", "-c", "eng", "--git", str(repo), "--branch", "main",
                env={"REDIS_URL": "", "ANSWERLOOP_HOME": str(tmp_path / "home")})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert _docs(clean_db, "eng") == {"deploy.md"}  # no document made of "version https://git-lfs…"
    out = " ".join(r.stdout.split())
    for name in ("handbook.pdf", "policy.md"):
        assert f"{name}: a Git LFS pointer" in out and "git lfs pull" in out, out


def test_a_folder_source_found_empty_removes_nothing_and_says_why(clean_db, tmp_path):
    share = tmp_path / "share"  # a network share's mount point: empty while the share is not mounted
    share.mkdir()
    (share / "deploy.md").write_text("# Deploy\n\nRun make rollback within five minutes.\n")
    (share / "vpn.md").write_text("# VPN\n\nThe VPN needs a hardware key.\n")
    env = {"REDIS_URL": "", "ANSWERLOOP_HOME": str(tmp_path / "home")}
    r = run_cli(clean_db, "kb", "sources", "add", "share", "-c", "eng", "--path", str(share), env=env)
    assert r.returncode == 0 and "2 added" in r.stdout, r.stderr
    for path in share.iterdir():
        path.rename(tmp_path / path.name)  # unmounted

    r = run_cli(clean_db, "kb", "sources", "sync", "share", env=env)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "empty" in r.stderr and "nothing was removed" in r.stderr, r.stderr
    assert _docs(clean_db, "eng") == {"deploy.md", "vpn.md"}
    with db.connect(clean_db) as conn:
        [row] = sources.list_sources(conn)
    assert "empty" in row["last_error"]


def test_a_source_removed_while_its_queued_ingest_waits_does_not_come_back(clean_db, tmp_path):
    folder = _folder_source(clean_db, tmp_path)
    home = tmp_path / "home"
    with db.connect(clean_db) as conn:
        # `kb sources sync --queue` queued the job, then its command was stopped (Ctrl-C): the batch still waits
        job_id, _ = jobs.create_job(conn, folder, "eng")
    r = run_cli(clean_db, "kb", "sources", "remove", "handbook", env={"ANSWERLOOP_HOME": str(home)})
    assert r.returncode == 0, r.stderr
    run_batch(job_id, 0, make_settings(clean_db, embeddings="none"), NoEmbedder())  # the worker gets to it
    assert _docs(clean_db, "eng") == set()
    with db.connect(clean_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM collections WHERE name = 'eng'").fetchone()["n"] == 0
        job = jobs.progress(conn, job_id)
    assert job is not None and job["status"] == "failed" and "removed" in job["error"]


def test_a_source_whose_first_sync_fails_says_it_was_added_and_what_next(clean_db, tmp_path):
    env = {"REDIS_URL": "", "ANSWERLOOP_HOME": str(tmp_path / "home")}
    r = run_cli(clean_db, "kb", "sources", "add", "g", "-c", "g", "--git", str(tmp_path / "no-repo"), env=env)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    err = " ".join(r.stderr.split())
    assert "does not appear to be a git repository" in err  # what went wrong
    # the source exists now: the admin is told so, and how to retry or undo
    assert "answerloop kb sources sync g" in err and "answerloop kb sources remove g" in err, err
