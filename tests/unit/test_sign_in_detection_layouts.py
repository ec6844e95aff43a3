"""A crawl whose session expired fetches login pages instead of documentation: they must be told (reported and
skipped, the copy fetched before kept), never ingested. web_mirror._sign_in on realistic layouts:

- a login page whose site chrome (footer, banner, navigation, sidebars; as elements or ARIA landmarks) holds 400+
  words of legal text, link lists or a cookie notice is still a login page: only the page's own words count;
- a login page whose password field sits in a side panel or the banner, beside content that is nearly empty (no
  heading, no code, a tagline at most), is a login page;
- and what must stay documentation: a login box in a sidebar or banner beside a page's content (long or short), a
  component library's live password field with its code, a page about passwords, a long page with a demo form.

Unclosed elements, void elements with a landmark role and piles of unclosed landmarks are read as a browser does
(a void element holds nothing) and in linear time."""

from __future__ import annotations

import time

from workers.kb import web_mirror

LEGAL = (
    "Copyright 2026 Acme Pty Ltd. All rights reserved. Acme, Acme Cloud and the Acme logo are trademarks of Acme "
    "Pty Ltd, registered in the United States and other countries. Use of this site is subject to the Acme "
    "Customer Agreement, the Acceptable Use Policy and the Privacy Policy. Information on this site about "
    "products that are not yet available is not a promise to deliver them. "
)
COOKIES = (
    "We use cookies and similar technologies to keep you signed in, to remember your preferences, to measure how "
    "the site is used and to show you relevant content. Some are strictly necessary; others are set only with "
    "your consent, which you can withdraw at any time from the cookie preferences in the footer. "
)
LINKS = "".join(
    f'<li><a href="/{w.lower().replace(" ", "-")}">{w}</a>'  # list items left open, as many sites do
    for w in (
        "Privacy policy", "Notice at collection", "Terms of use", "Security", "Trust center", "Status", "Careers",
        "Partners", "Investor relations", "Modern slavery statement", "Accessibility", "Your privacy choices",
    )
)  # fmt: skip
BIG_FOOTER_TEXT = f"{LEGAL * 4}<ul>{LINKS}</ul><p>{COOKIES * 3}</p>"
DOC_PARAGRAPH = (
    "The deploy pipeline builds the service image, runs the migrations against a copy of the production "
    "database, and waits for a green canary before it shifts traffic. If the canary reports more than one percent "
    "of errors over five minutes the rollout stops and the previous image keeps serving. "
)
DOC_600 = "".join(f"<h2>Step {i}</h2><p>{DOC_PARAGRAPH * 2}</p>" for i in range(6))  # about 600 words
SIDEBAR_LOGIN = (
    '<form action="/session" method="post"><h2>Member login</h2><label>User <input name="user"></label>'
    '<label>Password <input type="password" name="pass"></label><button>Log in</button></form>'
    '<a href="/password/reset">Forgot your password?</a>'
)


def _words(html: str) -> int:
    return len(html.split())


def test_the_fixture_chrome_is_big_enough_to_hide_a_login_page_behind_the_word_limit():
    assert _words(LEGAL * 4 + COOKIES * 3) > web_mirror.SIGN_IN_MAX_WORDS


# --- gap 1: the site's chrome is not the page's words --------------------------------------------------------------


def test_an_atlassian_like_login_page_with_a_big_footer_is_a_sign_in():
    page = (
        '<!DOCTYPE html><html lang="en"><head><title>Log in with Atlassian account</title>'
        '<script>window.__STATE__={"locale":"en-US","flags":{"login":true}}</script></head><body>'
        '<div id="root"><section role="main" class="login"><div class="logo"><svg viewBox="0 0 10 10"><path d="M0 0'
        'L10 10"/></svg></div><h1>Log in to continue</h1><form id="form-login" method="post" action="/login">'
        '<input id="username" name="username" type="email" placeholder="Enter your email">'
        '<input id="password" name="password" type="password" placeholder="Enter password">'
        '<button id="login-submit" type="submit">Continue</button></form><p>Or continue with:</p>'
        "<button>Google</button><button>Microsoft</button><button>Apple</button><button>Slack</button>"
        '<p><a href="/forgot">Can\'t log in?</a> &middot; <a href="/signup">Create an account</a></p></section>'
        f'<footer role="contentinfo" class="legal"><img src="/atlassian.svg" alt="Atlassian">{BIG_FOOTER_TEXT}'
        "</footer></div></body></html>"
    )
    assert web_mirror._sign_in(page.encode())


def test_a_gitlab_like_sign_in_with_landmark_roles_on_divs_is_a_sign_in():
    page = (
        '<!DOCTYPE html><html><head><title>Sign in · GitLab</title></head><body class="login-page">'
        '<div class="header" role="banner"><img src="/logo.svg" role="banner" alt="GitLab"><a href="/explore">'
        'Explore</a> <a href="/help">Help</a></div>'
        '<div class="container"><h1>GitLab Community Edition</h1><p>A single application for the whole software '
        'development lifecycle.</p><form class="new_user" action="/users/sign_in" method="post"><label>Username '
        'or primary email<input type="text" name="user[login]"></label><label>Password<input type="password" '
        'name="user[password]"></label><label><input type="checkbox" name="user[remember_me]"> Remember me</label>'
        '<button type="submit">Sign in</button></form><p>Don\'t have an account yet? <a href="/users/sign_up">'
        "Register now</a></p></div>"
        f'<div class="footer-container" role="contentinfo"><br><hr>{BIG_FOOTER_TEXT}</div>'
        '<div class="sidebar" role="complementary"><p>What\'s new</p><p>' + COOKIES + "</p></div></body></html>"
    )
    assert web_mirror._sign_in(page.encode())


def test_a_keycloak_like_login_with_a_language_menu_and_a_cookie_notice_is_a_sign_in():
    languages = "".join(f'<li><a href="?kc_locale={i}">Language {i} (native name)</a></li>' for i in range(40))
    page = (
        '<!DOCTYPE html><html class="login-pf"><head><title>Sign in to intranet</title></head><body>'
        '<div class="login-pf-page"><div id="kc-header" role="banner"><div id="kc-header-wrapper">INTRANET</div>'
        f'</div><nav id="kc-locale" aria-label="Language"><ul>{languages}</ul></nav>'
        '<div class="card-pf"><h1 id="kc-page-title">Sign in to your account</h1><div id="kc-content">'
        '<form id="kc-form-login" action="/realms/intranet/login-actions/authenticate" method="post">'
        '<label for="username">Username or email</label><input id="username" name="username" type="text" autofocus>'
        '<label for="password">Password</label><input id="password" name="password" type="password">'
        '<input type="submit" value="Sign In"></form></div></div>'
        f'<aside class="cookie-notice" aria-label="Cookies"><p>{COOKIES * 5}</p><button>Accept</button></aside>'
        "</div></body></html>"
    )
    assert web_mirror._sign_in(page.encode())


def test_a_login_page_with_a_big_footer_is_told_by_its_landing_too():
    # A login page with only "Sign in with Okta" (no password field): told by the /login it was redirected to.
    page = (
        '<html><body><main><h1>Sign in</h1><p><a href="/sso/okta">Sign in with Okta</a></p></main>'
        f"<footer>{BIG_FOOTER_TEXT}</footer></body></html>"
    )
    assert web_mirror._sign_in(page.encode(), "https://wiki.example.com/login")


# --- gap 2: a password field in the chrome of a page with no content of its own -----------------------------------


def test_a_split_screen_login_whose_form_sits_in_a_side_panel_is_a_sign_in():
    page = (
        '<!DOCTYPE html><html><head><title>Acme Handbook</title></head><body><main class="split">'
        '<div class="hero"><img src="/illustration.svg" alt="">'
        "<p>Your team's handbook, runbooks and decisions, in one place.</p></div></main>"
        f'<aside class="login-panel"><h2>Welcome back</h2>{SIDEBAR_LOGIN}</aside>'
        f"<footer>{LEGAL}</footer></body></html>"
    )
    assert web_mirror._sign_in(page.encode())


def test_a_portal_whose_only_password_field_is_in_a_complementary_region_and_whose_main_is_empty():
    page = (
        '<html><body><div role="banner"><a href="/">Acme portal</a></div>'
        '<div id="app" role="main"><noscript>This portal needs JavaScript.</noscript></div>'
        f'<div class="sidebar" role="complementary">{SIDEBAR_LOGIN}</div></body></html>'
    )
    assert web_mirror._sign_in(page.encode())


def test_a_page_whose_banner_holds_the_login_form_and_whose_content_is_a_tagline():
    page = (
        f'<html><body><header><a href="/">Acme</a>{SIDEBAR_LOGIN}</header>'
        "<main><p>Members only. Ask your team lead for an account.</p></main></body></html>"
    )
    assert web_mirror._sign_in(page.encode())


# --- what stays documentation --------------------------------------------------------------------------------------


def test_documentation_with_a_sign_in_widget_in_its_sidebar_is_kept():
    page = (
        "<!DOCTYPE html><html><head><title>Deploying</title></head><body>"
        f'<header><a href="/">Acme docs</a></header><main><h1>Deploying</h1>{DOC_600}</main>'
        f'<aside class="sidebar">{SIDEBAR_LOGIN}</aside><footer>{BIG_FOOTER_TEXT}</footer></body></html>'
    )
    assert _words(DOC_600) > 550
    assert not web_mirror._sign_in(page.encode())


def test_short_documentation_with_a_login_box_in_a_landmark_sidebar_or_the_banner_is_kept():
    sidebar = (
        '<html><body><div role="main"><h1>Parking</h1><p>Level two is for visitors.</p></div>'
        f'<div role="complementary">{SIDEBAR_LOGIN}</div></body></html>'
    )
    banner = (
        f'<html><body><div role="banner">{SIDEBAR_LOGIN}</div><nav><a href="/">Home</a></nav>'
        "<h2>Bikes</h2><p>Bikes go in the basement.</p></body></html>"
    )
    assert not web_mirror._sign_in(sidebar.encode())
    assert not web_mirror._sign_in(banner.encode())


def test_a_short_page_whose_title_sits_in_its_articles_header_is_documentation():
    # Docusaurus, MkDocs and others put a page's <h1> in the <header> of its <article>: the article's header,
    # not the site's banner (browsers map only a header outside article/aside/main/nav/section to a banner).
    page = (
        '<html><body><nav class="navbar"><a href="/">Docs</a></nav><main><article><header><h1>Parking</h1>'
        "</header><p>Level two is for visitors.</p><footer>Last updated on 3 May</footer></article></main>"
        f'<aside class="theme-doc-sidebar">{SIDEBAR_LOGIN}</aside></body></html>'
    )
    assert not web_mirror._sign_in(page.encode())


def test_a_component_librarys_live_password_field_with_its_code_is_kept():
    page = (
        '<html><body><nav role="navigation"><a href="/components">Components</a></nav><main><h1>PasswordInput</h1>'
        "<p>A text input that hides what is typed, with a button to show it.</p>"
        '<div class="demo"><form><input type="password" placeholder="Password"></form></div>'
        '<pre><code>&lt;PasswordInput label="Password" /&gt;</code></pre></main>'
        f"<footer>{BIG_FOOTER_TEXT}</footer></body></html>"
    )
    assert not web_mirror._sign_in(page.encode())


def test_a_page_about_passwords_is_kept():
    page = (
        "<html><body><main><h1>Passwords</h1><p>Your password expires every 90 days; change it on "
        '<a href="/login">the login page</a>. Never type type="password" fields into chat.</p></main>'
        f"<aside>{SIDEBAR_LOGIN.replace('password', 'text')}</aside></body></html>"
    )
    assert not web_mirror._sign_in(page.encode())


def test_a_long_page_with_a_password_demo_in_its_content_is_kept():
    page = (
        f"<html><body><main><h1>Form fields</h1>{DOC_600}"
        '<form><input type="text"><input type="password" placeholder="Password"></form></main></body></html>'
    )
    assert not web_mirror._sign_in(page.encode())


def test_hidden_password_fields_beside_a_short_page_without_a_heading_are_no_sign_in():
    page = (
        '<html><body><main><p>The floor plan is attached below.</p><img src="/plan.png" alt="">'
        '<input type="password" name="autofill-trap" hidden></main>'
        f'<dialog id="login">{SIDEBAR_LOGIN}</dialog><div hidden>{SIDEBAR_LOGIN}</div></body></html>'
    )
    assert not web_mirror._sign_in(page.encode())


# --- malformed markup ---------------------------------------------------------------------------------------------


def test_a_void_element_with_a_landmark_role_holds_nothing():
    # <img role="banner"> or <input role="navigation"> never open a banner: the page after them is its content.
    page = (
        '<html><body><img src="/logo.png" role="banner"><input type="search" role="navigation"><br role="banner">'
        f'<main><h1>Form fields</h1>{DOC_600}<form><input type="password"></form></main></body></html>'
    )
    assert not web_mirror._sign_in(page.encode())


def test_unclosed_items_inside_a_landmark_end_with_it():
    page = (
        '<html><body><div role="navigation"><ul><li><a href="/a">A</a><li><a href="/b">B</a><p>More</div>'
        f'<div role="main"><h1>Deploying</h1>{DOC_600}</div><div role="complementary">{SIDEBAR_LOGIN}</div>'
        "</body></html>"
    )
    assert not web_mirror._sign_in(page.encode())


def test_an_element_left_unclosed_in_the_banner_ends_with_it():
    """The banner's <div role=banner> is never closed: the page's content after </header> is still its own."""
    page = (
        '<html><body><header><div role="banner">Acme<form><input type="password"></form></header>'
        f"<main><h1>Install guide</h1>{DOC_600}</main></body></html>"
    )
    assert not web_mirror._sign_in(page.encode())


def test_a_hidden_paragraph_left_unclosed_ends_with_its_parent():
    """The login form after it is seen: a hidden notice never closed does not hide the rest of the page."""
    page = (
        "<html><body><div><p hidden>Old notice</div><main><h2>Sign in to Acme</h2>"
        '<form><input name="user"><input type="password"><button>Sign in</button></form></main></body></html>'
    )
    assert web_mirror._sign_in(page.encode())


def test_piles_of_unclosed_landmarks_and_stray_end_tags_are_read_in_linear_time():
    page = (
        '<h1>Docs</h1><input type="password">'
        + '<div role="navigation"><header><footer role="banner">' * 50_000
        + "</div></header></footer></nav></aside>" * 50_000
        + "<p>Sign in to Acme.</p><a"
    )
    started = time.monotonic()
    assert web_mirror._sign_in(page.encode())
    assert time.monotonic() - started < 30  # about a second when linear; the quadratic read took hours
