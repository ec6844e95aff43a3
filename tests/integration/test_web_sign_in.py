"""Web sources whose pages are behind a sign-in: a page that is a sign-in form (a form with a password field) is
never stored as documentation (the bot would cite "Sign in to Acme"); it is reported and skipped. A crawl whose
start page is a sign-in (a form, a redirect to /login, a redirect to a sign-in service on another host) or a
sitemap that is one stores nothing, removes nothing and says how to fix it. A documentation page that only links
to a login or talks about passwords is still a page. Served from this process, through the real fetch (and, where
the documents matter, the real ingest on Postgres)."""

from __future__ import annotations

import json

import pytest

from core import db
from tests.integration.test_break_ingest import _contents
from tests.integration.test_breakit_ingest_web import _sync as _sync_source
from tests.integration.test_kb_sources_web import _run
from tests.integration.test_kb_sources_web_hostile import Server, _sitemap, html
from workers.kb import sources, web_mirror

SIGN_IN_REASON = "a sign-in page: does the source need credentials?"


def sign_in_page(extra: str = "") -> str:
    """What an intranet answers when the sync is not signed in: a form with a password field (and a few links)."""
    return (
        "<!doctype html><html><head><title>Sign in to Acme</title></head><body><h1>Sign in to Acme</h1>"
        '<form method="post" action="/session"><label>Email <input type="email" name="email"></label>'
        '<label>Password <input type="password" name="password"></label><button>Sign in</button></form>'
        f'<p><a href="/register.html">Create an account</a> <a href="/forgot.html">Forgot your password?</a></p>'
        f"{extra}<footer>© 2026 Acme Inc. Privacy. Terms.</footer></body></html>"
    )


@pytest.fixture()
def site():
    s = Server()
    s.page("/robots.txt", "", "text/plain")
    s.page("/register.html", html("Register", "Create an Acme account."))
    s.page("/forgot.html", html("Forgot", "Reset your Acme password."))
    yield s
    s.close()


def _mirror(site: Server, folder, kind: str = "crawl", start: str = "/index.html", **kw) -> web_mirror.MirrorReport:
    spec = web_mirror.WebSpec(kind, site.url + start, kw.pop("max_pages", 100), delay_s=0, **kw)
    return web_mirror.sync_mirror(spec, folder)


def _files(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()
            and not p.name.startswith(".")}  # fmt: skip


def test_a_sign_in_form_is_skipped_and_reported_and_documentation_about_logins_is_kept(site, tmp_path):
    site.page("/deploy.html", html("Deploy", "Run make rollback within five minutes."))
    site.page("/private.html", sign_in_page())  # a sign-in form served with 200 at the page's own URL
    site.redirect("/team.html", "/login?next=/team.html")  # or a redirect to the site's login page
    site.page("/login?next=/team.html", sign_in_page())
    about = (
        "To reach the VPN, sign in with your Acme account. Your password expires every 90 days; change it at "
        '<a href="/login">the login page</a> or ask IT to reset your password.'
    )
    site.page("/vpn.html", html("VPN and passwords", about))
    demo = " ".join(["A text field shows one line of input; each variant is described below."] * 60)
    site.page(
        "/forms.html",
        html("Form fields", demo).replace(  # a design system's docs with a live demo form
            "</body>", '<form><input type="text"><input type="password" placeholder="Password"></form></body>'
        ),
    )
    site.redirect("/single-sign-on.html", "/docs/sso/")  # a page moved to a login-like URL: only a form tells
    site.page("/docs/sso/", html("Single sign-on", "Ask IT to add the app to Okta."))
    _sitemap(site, "/deploy.html", "/private.html", "/team.html", "/vpn.html", "/forms.html", "/single-sign-on.html")
    folder = tmp_path / "m"
    report = _mirror(site, folder, kind="sitemap", start="/sitemap.xml")

    stored = ("deploy", "forms", "single-sign-on", "vpn")
    assert sorted(report.pages) == [f"{site.url}/{p}.html" for p in stored], report.problems
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert reasons.keys() == {"/private.html", "/team.html"}, reasons
    assert reasons["/private.html"] == SIGN_IN_REASON
    assert SIGN_IN_REASON in reasons["/team.html"] and "/login" in reasons["/team.html"]
    assert report.fetched == 4 and report.wall is None
    files = _files(folder)
    assert sorted(files) == [f"{p}.html" for p in stored]
    assert not any("Sign in to Acme" in text for text in files.values())
    assert "password expires every 90 days" in files["vpn.html"]


def test_a_page_stored_before_that_now_shows_a_sign_in_form_keeps_its_copy(site, tmp_path):
    site.page("/index.html", html("Home", "The handbook.", ("/oncall.html", "/parking.html")))
    site.page("/oncall.html", html("On call", "The rota changes on Mondays."))
    site.page("/parking.html", html("Parking", "Level two is for visitors.", ("/bikes.html",)))
    site.page("/bikes.html", html("Bikes", "Bikes go in the basement."))
    folder = tmp_path / "m"
    first = _mirror(site, folder)
    assert len(first.pages) == 4
    site.page("/parking.html", sign_in_page())  # the page became members-only
    second = _mirror(site, folder)
    assert sorted(second.pages) == sorted(first.pages) and second.removed == []  # bikes: linked from the copy
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in second.problems}
    assert reasons == {"/parking.html": f"{SIGN_IN_REASON} (the last copy is kept)"}
    assert second.kept == 1 and "Level two is for visitors." in _files(folder)["parking.html"]


@pytest.mark.parametrize("how", ["form", "redirect", "sso-button", "off-site"])
def test_a_crawl_whose_start_page_is_a_sign_in_stores_nothing_and_says_how_to_fix_it(site, tmp_path, how):
    idp = Server()
    try:
        if how == "form":
            site.page("/index.html", sign_in_page())
        elif how == "redirect":
            site.redirect("/index.html", "/login?next=/index.html")
            site.page("/login?next=/index.html", sign_in_page())
        elif how == "sso-button":  # a login page with only "Sign in with Okta": no password field, but /login
            site.redirect("/index.html", "/login?next=/index.html")
            site.page("/login?next=/index.html", html("Sign in", "Sign in with Okta.", ("/register.html",)))
        else:
            site.redirect("/index.html", f"{idp.url}/sso/login?return=/index.html")
        folder = tmp_path / "m"
        with pytest.raises(web_mirror.WebSyncFailed) as failed:
            _mirror(site, folder)
        message = str(failed.value)
        assert "sign-in" in message and f"{site.url}/index.html" in message, message
        assert "nothing was stored" in message and isinstance(failed.value, web_mirror.SignInRequired), message
        assert _files(folder) == {} if folder.exists() else True
        assert "/register.html" not in site.log and "/forgot.html" not in site.log  # the login page's links
        assert idp.log == []
    finally:
        idp.close()


def test_a_sitemap_behind_a_sign_in_stores_nothing_and_says_so(site, tmp_path):
    site.redirect("/sitemap.xml", "/login?next=/sitemap.xml")
    site.page("/login?next=/sitemap.xml", sign_in_page())
    with pytest.raises(web_mirror.WebSyncFailed) as failed:
        _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
    message = str(failed.value)
    assert "sign-in" in message and "nothing was stored" in message, message
    assert isinstance(failed.value, web_mirror.SignInRequired)

    site.page("/a.html", sign_in_page())  # a public sitemap whose pages all answer with the sign-in form
    site.page("/b.html", sign_in_page())
    _sitemap(site, "/a.html", "/b.html")
    with pytest.raises(web_mirror.WebSyncFailed) as failed:
        _mirror(site, tmp_path / "m", kind="sitemap", start="/sitemap.xml")
    message = str(failed.value)
    assert "2 of them are sign-in pages" in message and "nothing was stored" in message, message
    assert isinstance(failed.value, web_mirror.SignInRequired)
    assert _files(tmp_path / "m") == {}


def test_a_start_page_that_becomes_a_sign_in_form_removes_nothing(clean_db, site, tmp_path):
    paths = ["/index.html", "/oncall.html", "/parking.html"]
    site.page("/index.html", html("Home", "The handbook.", tuple(paths[1:])))
    site.page("/oncall.html", html("On call", "The rota changes on Mondays."))
    site.page("/parking.html", html("Parking", "Level two is for visitors."))
    with db.connect(clean_db) as conn:
        sources.add_source(conn, sources.Source("intranet", "intranet", "crawl", f"{site.url}/index.html", None, "",
                                                None, delay_s=0))  # fmt: skip
        conn.commit()
    home = tmp_path / "home"
    first = _sync_source(clean_db, home)
    assert first["added"] == 3, first
    before = _contents(clean_db, "intranet")

    site.page("/index.html", sign_in_page())  # the session expired: the start page answers 200 with a sign-in form
    for p in paths[1:]:
        site.page(p, sign_in_page())
    second = _sync_source(clean_db, home)
    assert (second["added"], second["updated"], second["removed"]) == (0, 0, 0), second
    assert _contents(clean_db, "intranet") == before
    assert "sign-in" in second["wall"] and "nothing was removed" in second["wall"], second
    assert f"{site.url}/index.html" in second["wall"]
    reasons = {f["path"]: f["reason"] for f in second["failed"]}
    assert reasons[f"{site.url}/index.html"] == f"{SIGN_IN_REASON} (the last copy is kept)", reasons


def test_the_cli_reports_sign_in_pages_and_a_start_page_behind_a_login(clean_db, site, tmp_path):
    home = tmp_path / "home"
    site.page("/deploy.html", html("Deploy", "Run make rollback within five minutes."))
    site.page("/private.html", sign_in_page())
    _sitemap(site, "/deploy.html", "/private.html")
    r = _run(clean_db, home, "kb", "sources", "add", "docs", "-c", "docs", "--sitemap", f"{site.url}/sitemap.xml",
             "--delay", "0")  # fmt: skip
    assert "1 added" in r.stdout and "1 skipped" in r.stdout, r.stdout
    assert f"skipped {site.url}/private.html: {SIGN_IN_REASON}" in " ".join(r.stdout.split()), r.stdout
    assert not any("Sign in to Acme" in text for text in _contents(clean_db, "docs").values())

    site.redirect("/wiki/", "/login?next=/wiki/")
    site.page("/login?next=/wiki/", sign_in_page())
    r = _run(clean_db, home, "kb", "sources", "add", "wiki", "-c", "wiki", "--crawl", f"{site.url}/wiki/",
             "--delay", "0", code=2)  # fmt: skip
    err = " ".join(r.stderr.split())
    assert "sign-in page" in err and "nothing was stored" in err and "Traceback" not in err, err
    # the fix is to give a public address or export the pages, not to check the network
    assert "public address" in err and "--path" in err and "Check that the URL opens" not in err, err
    assert _contents(clean_db, "wiki") == {}
    rows = {s["name"]: s for s in json.loads(_run(clean_db, home, "kb", "sources", "list", "--json").stdout)}
    assert "sign-in page" in rows["wiki"]["last_error"] and rows["wiki"]["last_synced_at"] is None


def test_short_documentation_with_a_password_field_in_a_demo_or_the_site_chrome_is_kept(site, tmp_path):
    component = (  # a component library's page: a live demo, the code for it, a short text
        "<!doctype html><html><head><title>PasswordInput - Acme UI</title></head><body><h1>PasswordInput</h1>"
        "<p>A text input that hides what is typed, with a button to show it. Use it for passwords.</p>"
        '<div class="demo"><form><input type="password" placeholder="Password"></form></div>'
        '<pre><code>&lt;PasswordInput label="Password" /&gt;</code></pre></body></html>'
    )
    site.page("/password-input.html", component)
    header_login = (  # an intranet whose every page has a login box in its banner
        "<!doctype html><html><head><title>Parking</title></head><body><header><a href='/'>Acme</a>"
        '<form action="/session" method="post"><input name="user"><input type="password" name="pass">'
        "<button>Log in</button></form></header><main><h1>Parking</h1><p>Level two is for visitors; staff park "
        "on level three.</p></main></body></html>"
    )
    site.page("/parking.html", header_login)
    modal_login = (  # or a login dialog, shown when "Log in" is clicked (or a template for one)
        "<!doctype html><html><head><title>Bikes</title></head><body><h1>Bikes</h1><p>Bikes go in the basement."
        '</p><dialog id="login"><form method="dialog"><input name="user"><input type="password" name="pass">'
        '<button>Log in</button></form></dialog><template><input type="password"></template></body></html>'
    )
    site.page("/bikes.html", modal_login)
    site.page("/private.html", sign_in_page())
    _sitemap(site, "/password-input.html", "/parking.html", "/bikes.html", "/private.html")
    folder = tmp_path / "m"
    report = _mirror(site, folder, kind="sitemap", start="/sitemap.xml")
    kept = ["bikes", "parking", "password-input"]
    assert sorted(report.pages) == [f"{site.url}/{p}.html" for p in kept], report.problems
    reasons = {p["path"].removeprefix(site.url): p["reason"] for p in report.problems}
    assert reasons == {"/private.html": SIGN_IN_REASON}
    assert "staff park on level three" in " ".join(_files(folder)["parking.html"].split())


def test_a_start_page_redirected_to_a_short_page_in_a_space_about_sign_on_is_documentation(site, tmp_path):
    # A wiki space about single sign-on: its address redirects to the space's home page, short and a list of links.
    site.redirect("/display/SSO", "/display/SSO/Home")
    site.page("/display/SSO/Home", html("Single sign-on", "The identity team's pages.", ("/display/SSO/Okta",)))
    site.page("/display/SSO/Okta", html("Okta", "Ask IT to add the app to Okta."))
    folder = tmp_path / "m"
    report = _mirror(site, folder, start="/display/SSO")
    assert sorted(report.pages) == [f"{site.url}/display/SSO", f"{site.url}/display/SSO/Okta"], report.problems
    assert report.problems == [] and report.wall is None
    assert any("identity team" in text for text in _files(folder).values())
