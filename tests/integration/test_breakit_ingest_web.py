"""Breaking web sources: a crawl deeper than its depth limit, a site whose sign-in expired (every page redirected
to one login page), content-type lies, one page reached by several URLs, pages gone after having existed —
through the real fetch against a site served from this process (and, where the documents matter, the real ingest
on Postgres)."""

from __future__ import annotations

import json

import pytest

from core import db
from tests.conftest import make_settings
from tests.integration.test_break_ingest import _contents
from tests.integration.test_kb_sources_web import _run
from tests.integration.test_kb_sources_web_hostile import Server, _sitemap, html
from workers.embeddings import NoEmbedder
from workers.kb import sources, web_mirror


@pytest.fixture()
def site():
    s = Server()
    s.page("/robots.txt", "", "text/plain")
    yield s
    s.close()


def _mirror(site: Server, folder, kind: str = "crawl", start: str = "/p0.html", **kw) -> web_mirror.MirrorReport:
    spec = web_mirror.WebSpec(kind, site.url + start, kw.pop("max_pages", 100), delay_s=0, **kw)
    return web_mirror.sync_mirror(spec, folder)


def _chain(site: Server, n: int) -> None:
    for i in range(n):
        site.page(f"/p{i}.html", html(f"Page {i}", f"Step {i} of the runbook.", (f"/p{i + 1}.html",)))


# --- depth -------------------------------------------------------------------------------------------------------


def test_a_crawl_stops_at_its_depth_limit(site, tmp_path):
    _chain(site, 40)
    report = _mirror(site, tmp_path / "m", max_depth=3)
    assert sorted(report.pages) == sorted(f"{site.url}/p{i}.html" for i in range(4))  # the start page is depth 0
    assert "/p4.html" not in site.log
    assert report.beyond_depth == 1 and report.deeper == [f"{site.url}/p4.html"]

    default = _mirror(site, tmp_path / "d")  # a default limit: a chain of "next" links is not followed for ever
    assert len(default.pages) == web_mirror.DEFAULT_MAX_DEPTH + 1 and default.beyond_depth == 1


def test_the_depth_limit_is_a_setting_of_the_source_and_is_reported(clean_db, site, tmp_path):
    _chain(site, 10)
    home = tmp_path / "home"
    r = _run(clean_db, home, "kb", "sources", "add", "deep", "-c", "deep", "--crawl", f"{site.url}/p0.html",
             "--max-depth", "2", "--delay", "0")  # fmt: skip
    assert "3 added" in r.stdout, r.stdout
    assert "depth limit of 2 reached" in r.stdout and "--max-depth" in r.stdout, r.stdout
    r = _run(clean_db, home, "kb", "sources", "list", "--json")
    [row] = json.loads(r.stdout)
    assert row["max_depth"] == 2 and "depth limit of 2" in row["last_report"]["depth"]
    r = _run(clean_db, home, "kb", "sources", "list")
    assert "depth limit reached" in r.stdout
    r = _run(clean_db, home, "kb", "sources", "add", "map", "-c", "map", "--sitemap", f"{site.url}/sitemap.xml",
             "--max-depth", "2", code=2)  # fmt: skip
    assert "--max-depth is for --crawl sources" in r.stderr and "Traceback" not in r.stderr


# --- a sign-in that expired ---------------------------------------------------------------------------------------


def _login_wall(site: Server, paths: list[str]) -> None:
    for p in paths:
        site.redirect(p, f"/login?next={p}")
        site.page(f"/login?next={p}", html("Sign in", "Sign in with your company account to continue."))


def _sync(url, home, name="intranet") -> dict:
    settings = make_settings(url)
    report = sources.sync_source(url, name, home, sources.inline_ingest(url, settings, NoEmbedder()))
    assert report is not None
    return report


@pytest.mark.parametrize("kind", ["sitemap", "crawl"])
def test_a_site_redirecting_every_page_to_its_login_keeps_the_documents(clean_db, site, tmp_path, kind):
    paths = [f"/docs/{name}.html" for name in ("deploy", "vpn", "oncall", "parking")]
    site.page("/docs/deploy.html", html("Deploy", "Run make rollback within five minutes.", tuple(paths[1:])))
    for p in paths[1:]:
        site.page(p, html(p, f"The page {p} of the handbook."))
    _sitemap(site, *paths)
    start = f"{site.url}/sitemap.xml" if kind == "sitemap" else f"{site.url}/docs/deploy.html"
    with db.connect(clean_db) as conn:
        sources.add_source(conn, sources.Source("intranet", "intranet", kind, start, None, "", None, delay_s=0))
        conn.commit()
    home = tmp_path / "home"
    first = _sync(clean_db, home)
    assert first["added"] == 4, first
    before = _contents(clean_db, "intranet")

    _login_wall(site, paths)  # the SSO session of the sync expired: every page now answers with the login page
    second = _sync(clean_db, home)
    assert (second["added"], second["updated"], second["removed"]) == (0, 0, 0), second
    assert _contents(clean_db, "intranet") == before
    assert "/login" in second["wall"] and "nothing was removed" in second["wall"], second
    reasons = {f["path"]: f["reason"] for f in second["failed"]}
    assert all("the last copy is kept" in reasons[site.url + p] for p in (paths if kind == "sitemap" else paths[:1]))

    for p in paths:  # signed in again: the pages come back as they are, nothing to re-embed
        site.routes.pop(p)
    site.page("/docs/deploy.html", html("Deploy", "Run make rollback within five minutes.", tuple(paths[1:])))
    for p in paths[1:]:
        site.page(p, html(p, f"The page {p} of the handbook."))
    third = _sync(clean_db, home)
    assert (third["added"], third["updated"], third["removed"]) == (0, 0, 0) and "wall" not in third, third


def test_one_page_moved_is_not_a_login_wall(site, tmp_path):
    site.page("/a.html", html("A", "Alpha."))
    site.page("/b.html", html("B", "Beta."))
    site.page("/c.html", html("C", "Gamma."))
    _sitemap(site, "/a.html", "/b.html", "/c.html")
    _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
    site.redirect("/b.html", "/new/b.html", 301)
    site.page("/new/b.html", html("B", "Beta, moved and rewritten."))
    report = _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
    assert report.wall is None and report.problems == []
    assert report.pages[f"{site.url}/b.html"].link == f"{site.url}/new/b.html"
    assert "rewritten" in (tmp_path / "m" / report.pages[f"{site.url}/b.html"].file).read_text()


# --- content-type lies, one page under several URLs ---------------------------------------------------------------


def test_a_file_served_as_html_is_not_taken_for_a_page(site, tmp_path):
    site.page("/report.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n", "text/html")
    site.page("/logo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "text/html; charset=utf-8")
    site.page("/dump.html", b"<html>" + b"\x00\x01\x02" * 100, "text/html")
    site.page("/ok.html", html("OK", "Fine."))
    _sitemap(site, "/report.html", "/logo.html", "/dump.html", "/ok.html")
    report = _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert reasons == {
        "/report.html": "not an HTML page (a PDF file, served as text/html)",
        "/logo.html": "not an HTML page (a PNG image, served as text/html)",
        "/dump.html": "not an HTML page (a binary file, served as text/html)",
    }
    assert list(report.pages) == [f"{site.url}/ok.html"]
    assert sorted(p.name for p in (tmp_path / "m").iterdir() if not p.name.startswith(".")) == ["ok.html"]


def test_one_page_under_several_urls_is_kept_once(site, tmp_path):
    body = html("Guide", "The one guide to the office.")
    site.page("/guide.html", body)
    site.page("/guide.html?utm_source=newsletter", body)  # a tracking parameter, the same page
    site.page("/docs/", html("Docs", "The docs folder."))
    site.page("/docs/index.html", html("Docs", "The docs folder."))
    site.page("/index.html", html("Home", "Home page.", ("/guide.html#top", "/guide.html?utm_source=newsletter",
                                                        "/docs/", "/docs/index.html", "/index.html")))  # fmt: skip
    report = _mirror(site, tmp_path / "m", start="/index.html")
    assert sorted(report.pages) == [f"{site.url}/docs/", f"{site.url}/guide.html", f"{site.url}/index.html"]
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert reasons == {
        "/guide.html?utm_source=newsletter": f"the same page as {site.url}/guide.html (kept once)",
        "/docs/index.html": f"the same page as {site.url}/docs/ (kept once)",
    }
    again = _mirror(site, tmp_path / "m", start="/index.html")  # the next sync: the same pages, nothing removed
    assert sorted(again.pages) == sorted(report.pages) and again.removed == []


def test_pages_sent_to_a_sign_in_service_on_another_host_keep_their_copies(site, tmp_path):
    idp = Server()  # the company's identity provider: another origin, never followed
    try:
        paths = [f"/p{i}.html" for i in range(4)]
        site.page("/public.html", html("Public", "The public page stays readable."))
        for p in paths:
            site.page(p, html(p, f"The page {p}."))
        _sitemap(site, "/public.html", *paths)
        first = _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
        assert len(first.pages) == 5
        for p in paths:
            site.redirect(p, f"{idp.url}/sso/login?return={p}")
        second = _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
        assert second.removed == [] and sorted(second.pages) == sorted(first.pages)
        assert second.wall is not None and f"redirected to {idp.url}/sso/login" in second.wall
        assert second.kept == 4 and not [p for p in idp.log if p.startswith("/sso")]
        texts = {u: (tmp_path / "m" / s.file).read_text() for u, s in second.pages.items()}
        assert all(f"The page {p}." in texts[site.url + p] for p in paths)
    finally:
        idp.close()


def test_sitemap_indexes_that_list_each_other_are_read_once(site, tmp_path):
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    for name, other in (("a", "b"), ("b", "a")):
        index = (
            f"<sitemap><loc>{site.url}/{other}.xml</loc></sitemap><sitemap><loc>{site.url}/{name}.xml</loc></sitemap>"
        )
        site.page(f"/{name}.xml", f'<sitemapindex xmlns="{ns}">{index}</sitemapindex>', "application/xml")
    site.page("/sitemap.xml", f'<sitemapindex xmlns="{ns}"><sitemap><loc>{site.url}/a.xml</loc></sitemap>'
              f'<sitemap><loc>{site.url}/pages.xml</loc></sitemap></sitemapindex>', "application/xml")  # fmt: skip
    site.page("/pages.xml", f'<urlset xmlns="{ns}"><url><loc>{site.url}/ok.html</loc></url>'
              f"<url><loc>{site.url}/ok.html</loc></url></urlset>", "application/xml")  # fmt: skip
    site.page("/ok.html", html("OK", "Fine."))
    report = _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
    assert list(report.pages) == [f"{site.url}/ok.html"] and report.problems == []
    assert sorted(p for p in site.log if p.endswith(".xml")) == ["/a.xml", "/b.xml", "/pages.xml", "/sitemap.xml"]
