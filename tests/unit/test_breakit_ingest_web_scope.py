"""Which URLs a web source treats as its own site: the same host (www. or not), the scheme upgraded http → https
(a site that moved to TLS keeps its pages), never downgraded https → http (a page would then be read in the clear,
and a man in the middle could feed the knowledge base), never another port or another sub-domain. The same rule
for a crawl's links, a sitemap's URLs and the redirects a fetch follows."""

from __future__ import annotations

import io
import urllib.request
from email.message import Message

import pytest

from workers.kb import web_fetch, web_pages


@pytest.mark.parametrize(
    ("url", "site", "same"),
    [
        ("https://docs.example.com/a.html", "http://docs.example.com/", True),  # upgrade
        ("http://docs.example.com/a.html", "https://docs.example.com/", False),  # downgrade
        ("https://www.example.com/a.html", "https://example.com/", True),
        ("https://example.com/a.html", "http://www.example.com/", True),
        ("http://example.com/a.html", "https://www.example.com/", False),
        ("https://blog.example.com/a.html", "https://example.com/", False),  # another host of the domain
        ("https://wwwexample.com/a.html", "https://example.com/", False),
        ("http://docs.example.com:8080/a.html", "http://docs.example.com/", False),  # another port
        ("https://docs.example.com:8443/a.html", "http://docs.example.com:8080/", False),
        ("https://docs.example.com:443/a.html", "http://docs.example.com:80/", True),
        ("HTTPS://Docs.Example.COM/a.html", "http://docs.example.com/", True),
    ],
)
def test_same_site(url, site, same):
    assert web_pages.same_site(url, site) is same
    assert web_pages.in_scope(web_pages.normalise(url) or "", site, same_prefix=False) is same


def test_same_prefix_holds_across_an_upgrade():
    assert web_pages.in_scope("https://h.example/docs/x.html", "http://h.example/docs/index.html", same_prefix=True)
    assert web_pages.in_scope("https://www.h.example/docs/x.html", "http://h.example/docs/", same_prefix=True)
    assert not web_pages.in_scope("https://h.example/blog/x.html", "http://h.example/docs/", same_prefix=True)
    assert not web_pages.in_scope("https://h.example/docsx/x.html", "http://h.example/docs/", same_prefix=True)


def test_one_page_whatever_the_scheme_or_www():
    key = web_pages.page_key
    assert key("http://example.com/a.html") == key("https://www.example.com/a.html")
    assert key("https://example.com/a.html?x=1") != key("https://example.com/a.html?x=2")
    assert key("https://example.com/a.html") != key("https://example.com:8443/a.html")


def _redirect(old: str, new: str) -> urllib.request.Request | None:
    handler = web_fetch._SameSiteRedirects()
    return handler.redirect_request(urllib.request.Request(old), io.BytesIO(b""), 301, "Moved", Message(), new)


def test_redirects_follow_the_same_rule():
    assert _redirect("http://docs.example.com/a", "https://docs.example.com/a") is not None
    assert _redirect("https://docs.example.com/a", "https://www.docs.example.com/a") is not None
    with pytest.raises(web_fetch.Refused, match="another site"):
        _redirect("https://docs.example.com/a", "http://docs.example.com/a")
    with pytest.raises(web_fetch.Refused, match="another site"):
        _redirect("https://docs.example.com/a", "https://login.example.com/sso")
