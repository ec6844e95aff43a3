"""A password in a URL is redacted and the host after it stays: `postgresql://app:<pw>@db.example.com/app` read
"pw@db.example.com" as an email address, and the merged finding took the host (what a question about a failing
connection is about). `git@host`, the service account of every Git host, is no person's address. An address
written as one stays redacted, in a URL's path or query too. Through `PiiGuard.redact`, as the pipeline calls it."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "psql postgresql://app:Kq81bz@db.example.com/app refuses me",
            "psql postgresql://app:<GENERIC_SECRET>@db.example.com/app refuses me",
        ),
        (
            "https://user:pa55word@host.example.com/x gives 401",
            "https://user:<GENERIC_SECRET>@host.example.com/x gives 401",
        ),
        (
            "redis://:s3cretpw@cache.internal:6379/0 times out",
            "redis://:<GENERIC_SECRET>@cache.internal:6379/0 times out",
        ),
        (
            "DATABASE_URL=postgres://admin:hunter2xyz@db.corp.internal:5432/prod",
            "DATABASE_URL=postgres://admin:<GENERIC_SECRET>@db.corp.internal:5432/prod",
        ),
    ],
)
def test_url_password_is_redacted_and_its_host_stays(pii_guard, text, expected):
    assert pii_guard.redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "git clone git@github.com:org/repo.git fails with permission denied",
        "git remote add origin ssh://git@gitlab.corp.internal/team/repo.git",
        "GIT@GITHUB.COM: Permission denied (publickey)",
    ],
)
def test_git_service_account_is_no_address(pii_guard, text):
    assert pii_guard.redact(text).text == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail jane.doe@example.com about it", "mail <EMAIL_ADDRESS> about it"),
        ("mailto:jane.doe@example.com", "mailto:<EMAIL_ADDRESS>"),
        ("https://example.com/share?to=jane.doe@example.com", "https://example.com/share?to=<EMAIL_ADDRESS>"),
        ("https://example.com/u/jane.doe@example.com/profile", "https://example.com/u/<EMAIL_ADDRESS>/profile"),
        ("ask git.admin@example.com or gitlab@example.com", "ask <EMAIL_ADDRESS> or <EMAIL_ADDRESS>"),
        # a delimiter in an address outside a URL is the address's own: redacted whole
        ("list-bounces+john.smith=acme.org@lists.example.com", "<EMAIL_ADDRESS>"),
        ("SRS0=HHH=TT=acme.org=john.smith@fwd.example.com bounced", "<EMAIL_ADDRESS> bounced"),
        # git@ as a mailbox in a sentence is an address
        ("git@acme.com is our ops mailbox", "<EMAIL_ADDRESS> is our ops mailbox"),
        ("email Git@acme.com", "email <EMAIL_ADDRESS>"),
        # a password that is an address (anonymous FTP) goes whole
        (
            "ftp://anonymous:jane.doe@example.com@ftp.example.org/pub",
            "ftp://anonymous:<GENERIC_SECRET>@ftp.example.org/pub",
        ),
        # a user without a password in a URL: a person's login name stays hidden as before
        ("ssh://jdoe@build.corp.internal/repo", "ssh://<EMAIL_ADDRESS>/repo"),
    ],
)
def test_addresses_stay_redacted(pii_guard, text, expected):
    assert pii_guard.redact(text).text == expected
