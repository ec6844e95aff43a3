"""A crawled page is read twice besides its parsing: for its links (web_pages.links_of) and, when it has a password
field, to tell a sign-in page (web_mirror._sign_in). Both fed the standard library's HTMLParser (Python < 3.13.4),
which rescans to the end of the input from each `<` that is never closed: quadratic, so a truncated or hostile
page of 1 MB held a sync about half an hour (160 KB: 40 s). They now read it as the parser does
(parsing.defuse_unclosed). A hang guard, not a speed test: well under a second each when linear, the child is
killed after 120 s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from workers.kb import web_mirror, web_pages

CHILD = """
from workers.kb import web_mirror, web_pages
page = '<h1>Docs</h1><a href="/next.html">next</a><input type="password">' + '<a' * 500_000
assert web_pages.links_of(page, 'https://docs.example.com/').links == ['https://docs.example.com/next.html']
assert web_mirror._sign_in(page.encode())
print('done')
"""


def test_links_and_the_sign_in_check_read_a_page_with_unclosed_tags_in_linear_time():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]


def test_what_is_read_before_an_unclosed_tag_is_kept():
    page = '<p>See <a href="/a.html">a</a> and <a href="/b.html">b</a>.</p><a href="/c.html"'
    assert web_pages.links_of(page, "https://docs.example.com/").links == [
        "https://docs.example.com/a.html",
        "https://docs.example.com/b.html",
    ]
    form = '<form><input type="password"></form><p>Sign in to Acme.</p><a'
    assert web_mirror._sign_in(form.encode())
