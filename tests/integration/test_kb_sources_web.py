"""Web sources against a website served from this process (http.server: robots.txt, a sitemap, ETags and 304s)
through the real fetch, ingest and Postgres: first sync, a re-sync that downloads and embeds only the changed
page, removed and disallowed pages, pages that cannot be used (reported, skipped), a crawl's scope and page limit,
links to the page and heading, and an unreachable site that changes nothing."""

from __future__ import annotations

import json

import pytest

from core import db
from tests.conftest import make_settings
from tests.integration.test_embedding_cache import CountingEmbedder
from tests.support import services
from tests.support.cli_runner import run_cli
from tests.support.web_site import Site, page
from workers.kb import sources, web_pages


@pytest.fixture()
def site():
    s = Site().start()
    yield s
    s.stop()


def _handbook(site: Site) -> None:
    site.put("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    site.put("/docs/deploy.html", page("Deploy", ("Rollback", "Run make rollback within five minutes.", "rollback")))
    site.put("/docs/vpn/", page("VPN", ("Hardware keys", "The VPN needs a hardware key since March.", None)))
    site.put("/docs/old.html", page("Old build server", ("Retired", "The old build server was retired.", None)))
    site.put("/private/salaries.html", page("Salaries", ("Pay", "Not for the knowledge base.", None)))
    site.put("/files/handbook.pdf", b"%PDF-1.4 not really", "application/pdf")
    site.put("/docs/huge.html", page("Huge", ("Filler", "word " * 8000, None)))
    site.sitemap("/docs/deploy.html", "/docs/vpn/", "/docs/old.html", "/private/salaries.html",
                 "/files/handbook.pdf", "/docs/huge.html", "/docs/missing.html")  # fmt: skip


def _sync(url, home, embedder, settings) -> dict:
    report = sources.sync_source(
        url, "intranet", home, sources.inline_ingest(url, settings, embedder), max_bytes=settings.max_file_bytes
    )
    assert report is not None
    return report


def test_sitemap_source_first_sync_then_only_the_changed_page(clean_db, site, tmp_path):
    _handbook(site)
    settings = make_settings(clean_db, max_file_bytes=20_000)
    model = CountingEmbedder()
    home = tmp_path / "home"
    with db.connect(clean_db) as conn:
        sources.add_source(conn, sources.Source("intranet", "intranet", "sitemap", f"{site.url}/sitemap.xml", None,
                                                "", None, delay_s=0))  # fmt: skip
        conn.commit()

    first = _sync(clean_db, home, model, settings)
    assert (first["added"], first["updated"], first["removed"]) == (3, 0, 0)
    reasons = {f["path"].removeprefix(site.url): f["reason"] for f in first["failed"]}
    assert reasons.pop("/docs/huge.html").endswith("bytes > 20,000)")  # its Content-Length, before downloading
    assert reasons == {
        "/private/salaries.html": "disallowed by robots.txt",
        "/files/handbook.pdf": "not an HTML page (Content-Type: application/pdf)",
        "/docs/missing.html": "HTTP 404 Not Found",
    }
    assert site.served("/private/salaries.html") == []  # robots.txt was read first and honoured
    assert first["pages"] == {"pages": 3, "fetched": 3, "not_modified": 0, "kept": 0, "not_fetched": 0}
    with db.connect(clean_db) as conn:
        links = {r["section_title"]: r["link"] for r in conn.execute("SELECT section_title, link FROM chunks")}
        contents = " ".join(r["content"] for r in conn.execute("SELECT content FROM chunks"))
        urls = {r["url"] for r in conn.execute("SELECT url FROM documents WHERE collection = 'intranet'")}
    assert links["Rollback"] == f"{site.url}/docs/deploy.html#rollback"  # the heading's own id
    assert links["Hardware keys"] == f"{site.url}/docs/vpn/#hardware-keys"  # the page's URL, not the mirror file
    assert urls == {f"{site.url}/docs/deploy.html", f"{site.url}/docs/vpn/", f"{site.url}/docs/old.html"}
    assert "Menu" not in contents  # navigation is not content
    first_texts = set(model.texts)

    site.clear_log()
    model.batches.clear()
    site.put("/docs/deploy.html", page("Deploy", ("Rollback", "Run make rollback within ten minutes.", "rollback")))
    site.remove("/docs/old.html")  # still in the sitemap: 404, so removed
    second = _sync(clean_db, home, model, settings)
    assert (second["added"], second["updated"], second["unchanged"], second["removed"]) == (0, 1, 1, 1)
    assert second["pages"]["fetched"] == 1 and second["pages"]["not_modified"] == 1
    assert site.served("/docs/vpn/") == [304]  # a conditional request with the last ETag
    assert site.served("/docs/deploy.html") == [200]
    new = model.texts
    assert any("ten minutes" in t for t in new), "the changed passage must be embedded"
    assert not set(new) & first_texts, "a text embedded by the first sync went to the model again"
    assert not any("hardware key" in t.lower() for t in new), "the unchanged page was embedded again"
    with db.connect(clean_db) as conn:
        urls = {r["url"] for r in conn.execute("SELECT url FROM documents WHERE collection = 'intranet'")}
        listed = sources.list_sources(conn)
    assert urls == {f"{site.url}/docs/deploy.html", f"{site.url}/docs/vpn/"}
    assert listed[0]["last_report"]["removed"] == 1 and listed[0]["last_error"] == ""

    robots = (
        "User-agent: *\nDisallow: /private/\n\nUser-agent: AnswerloopBot\nDisallow: /private/\nDisallow: /docs/vpn/\n"
    )
    site.put("/robots.txt", robots, "text/plain")  # a group for our agent
    third = _sync(clean_db, home, model, settings)
    assert third["removed"] == 1
    assert {"path": f"{site.url}/docs/vpn/", "reason": "disallowed by robots.txt"} in third["failed"]
    with db.connect(clean_db) as conn:
        urls = {r["url"] for r in conn.execute("SELECT url FROM documents WHERE collection = 'intranet'")}
    assert urls == {f"{site.url}/docs/deploy.html"}
    assert not (home / "sources" / "intranet" / "docs" / "vpn").exists()


def _run(url, home, *args, code=0):
    r = run_cli(url, *args, env={"REDIS_URL": "", "ANSWERLOOP_HOME": str(home)})
    assert r.returncode == code, r.stderr + r.stdout
    return r


def test_crawl_follows_links_in_scope_up_to_the_page_limit(clean_db, site, tmp_path):
    home = tmp_path / "home"
    site.put("/robots.txt", "", "text/plain")
    links = ("a.html", "/docs/b.html#part", "/blog/news.html", "logo.png", "http://other.invalid/x.html")
    site.put("/docs/index.html", page("Docs home", ("Welcome", "Start here for the team's docs.", None), links=links))
    site.put("/docs/a.html", page("Alpha", ("On call", "The on-call rota changes on Mondays.", None), links=("c",)))
    noindex = '<meta name="robots" content="noindex">'
    site.put("/docs/b.html", page("Beta", ("Draft", "A draft page.", None), head=noindex))
    site.put("/docs/c", page("Gamma", ("Parking", "Visitors park in the north lot.", None)))
    site.put("/blog/news.html", page("News", ("Party", "Friday party.", None)))
    site.put("/docs/logo.png", b"\x89PNG", "image/png")

    r = _run(clean_db, home, "kb", "sources", "add", "docs", "-c", "docs", "--crawl", f"{site.url}/docs/index.html",
             "--same-prefix", "--delay", "0", "--every", "6h")  # fmt: skip
    assert "3 added" in r.stdout, r.stdout  # index, a, c (b asks not to be indexed)
    assert site.served("/blog/news.html") == [] and site.served("/docs/logo.png") == []
    assert site.served("/docs/b.html") == [200]  # fetched once (the fragment dropped), not indexed
    with db.connect(clean_db) as conn:
        urls = {r["url"] for r in conn.execute("SELECT url FROM documents WHERE collection = 'docs'")}
    assert urls == {f"{site.url}/docs/index.html", f"{site.url}/docs/a.html", f"{site.url}/docs/c"}

    r = _run(clean_db, home, "kb", "sources", "add", "capped", "-c", "capped", "--crawl",
             f"{site.url}/docs/index.html", "--max-pages", "2", "--delay", "0")  # fmt: skip
    with db.connect(clean_db) as conn:
        n = conn.execute("SELECT count(*) AS n FROM documents WHERE collection = 'capped'").fetchone()["n"]
    assert n == 2

    [capped, docs] = json.loads(_run(clean_db, home, "kb", "sources", "list", "--json").stdout)
    assert capped["every_s"] is None and capped["next_due"] is None
    assert capped["last_report"]["pages"]["not_fetched"] > 0
    assert docs["kind"] == "crawl" and docs["every_s"] == 6 * 3600 and docs["last_error"] == ""
    r = _run(clean_db, home, "kb", "sources", "list")
    assert "6h" in r.stdout and "crawl" in r.stdout

    site.clear_log()
    r = _run(clean_db, home, "kb", "sources", "sync", "docs")
    assert "0 added, 0 updated, 3 unchanged, 0 removed" in r.stdout
    assert [site.served(p) for p in ("/docs/index.html", "/docs/a.html", "/docs/c")] == [[304]] * 3


def test_an_unreachable_site_is_a_clear_error_and_changes_nothing(clean_db, site, tmp_path):
    home = tmp_path / "home"
    dead = f"http://127.0.0.1:{services.free_port()}/sitemap.xml"
    r = _run(clean_db, home, "kb", "sources", "add", "gone", "-c", "gone", "--sitemap", dead, "--delay", "0", code=2)
    assert "could not be read" in r.stderr and "unreachable" in r.stderr and "Traceback" not in r.stderr
    [row] = json.loads(_run(clean_db, home, "kb", "sources", "list", "--json").stdout)
    assert "unreachable" in row["last_error"] and row["last_synced_at"] is None

    _handbook(site)
    r = _run(clean_db, home, "kb", "sources", "add", "nostart", "-c", "nostart", "--crawl", f"{site.url}/nope.html",
             "--delay", "0", code=2)  # fmt: skip
    assert "no page of" in r.stderr and "HTTP 404" in r.stderr
    _run(clean_db, home, "kb", "sources", "remove", "nostart")
    _run(clean_db, home, "kb", "sources", "add", "intranet", "-c", "intranet", "--sitemap",
         f"{site.url}/sitemap.xml", "--delay", "0")  # fmt: skip
    documents = "SELECT source_path, content_hash FROM documents WHERE collection = 'intranet' ORDER BY 1"
    with db.connect(clean_db) as conn:
        before = conn.execute(documents).fetchall()
    assert len(before) == 4  # deploy, vpn, old, huge (under the default size limit)
    site.stop()
    r = _run(clean_db, home, "kb", "sources", "sync", "intranet", code=2)
    assert "robots.txt" in r.stderr and "nothing was changed" in r.stderr
    with db.connect(clean_db) as conn:
        assert conn.execute(documents).fetchall() == before
    rows = {s["name"]: s for s in json.loads(_run(clean_db, home, "kb", "sources", "list", "--json").stdout)}
    assert "unreachable" in rows["intranet"]["last_error"] and rows["intranet"]["last_synced_at"] is not None
    r = _run(clean_db, home, "kb", "sources", "list")
    assert "failed" in r.stdout

    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.md").write_text("# Notes\n\nThe printer is on floor two.\n")
    _run(clean_db, home, "kb", "sources", "add", "notes", "-c", "notes", "--path", str(tmp_path / "notes"))
    r = _run(clean_db, home, "kb", "sources", "sync", code=2)  # all: one site down does not stop the others
    assert "notes → notes: 0 added, 0 updated, 1 unchanged" in r.stdout
    assert "2 of 3 sources could not be synced: gone, intranet" in r.stderr and "Traceback" not in r.stderr


def test_bad_arguments_are_clear_errors(clean_db, tmp_path):
    home = tmp_path / "home"
    r = _run(clean_db, home, "kb", "sources", "add", "x", "-c", "x", "--crawl", "ftp://example.com/", code=2)
    assert "not an http(s) URL" in r.stderr and "Traceback" not in r.stderr
    r = _run(clean_db, home, "kb", "sources", "add", "x", "-c", "x", "--crawl", "http://h/", "--every", "often",
             code=2)  # fmt: skip
    assert "is not a period" in r.stderr
    r = _run(clean_db, home, "kb", "sources", "add", "x", "-c", "x", "--crawl", "http://h/", "--sitemap",
             "http://h/s.xml", code=2)  # fmt: skip
    assert "exactly one of" in r.stderr


def test_page_files_and_periods():
    assert web_pages.page_file("http://h/") == "index.html"
    assert web_pages.page_file("http://h/docs/") == "docs/index.html"
    assert web_pages.page_file("http://h/docs/a.html") == "docs/a.html"
    assert web_pages.page_file("http://h/docs/v1.2") == "docs/v1.2.html"
    assert web_pages.page_file("http://h/a/../.hidden") == "a/_.hidden.html"
    assert web_pages.page_file("http://h/s?q=1").startswith("s-q")
    assert web_pages.normalise("HTTP://Example.COM:80/a#x") == "http://example.com/a"
    assert web_pages.normalise("mailto:someone@example.com") is None
    assert web_pages.in_scope("http://h/docs/x/y.html", "http://h/docs/index.html", same_prefix=True)
    assert not web_pages.in_scope("http://h/blog/y.html", "http://h/docs/index.html", same_prefix=True)
    assert sources.parse_every("6h") == 21600 and sources.parse_every("1h30m") == 5400
    assert sources.format_every(21600) == "6h"
    for bad in ("6", "30s", "h", "6h x"):
        with pytest.raises(sources.AnswerloopError):
            sources.parse_every(bad)
