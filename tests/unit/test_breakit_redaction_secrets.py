"""Break-it: credentials in the shapes people paste into a question — other Authorization schemes, `curl -u`,
`mysql -p…`, a password holding "&" (which Slack sends as ``&amp;``), vendor tokens with prefixes nothing knew,
signed-URL signatures, a password named in another language, a token broken over two lines. Through
`PiiGuard.redact`, the entry point the pipeline calls on every question."""

from __future__ import annotations

import pytest

SECRET = "Zq8pLm2xR4vT"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Authorization: Token abcdef0123456789abcdef", "abcdef0123456789abcdef"),  # Django REST framework
        ("authorization: ApiKey Zq8pLm2xR4vTq8pLm2xR4", "Zq8pLm2xR4vTq8pLm2xR4"),
        ('-H "Authorization: sk_Zq8pLm2xR4vTq8pLm2xR4"', "sk_Zq8pLm2xR4vTq8pLm2xR4"),  # no scheme
        (f"curl -u admin:{SECRET} https://api.example.com", SECRET),
        (f"curl --user deploy:{SECRET} https://api.example.com", SECRET),
        (f"mysql -u root -p{SECRET} orders", SECRET),
        ("whsec_Zq8pLm2xR4vTq8pLm2xR4vTq8pLm2 is the webhook secret", "whsec_Zq8pLm2xR4vTq8pLm2xR4vTq8pLm2"),
        ("ya29.a0AfH6SMBxZq8pLm2xR4vTq8pLm2xR4vT expired?", "ya29.a0AfH6SMBxZq8pLm2xR4vTq8pLm2xR4vT"),
        ("client secret GOCSPX-Zq8pLm2xR4vTq8pLm2xR4vTq8pL", "GOCSPX-Zq8pLm2xR4vTq8pLm2xR4vTq8pL"),
        ("why is ghp_Zq8pLm2xR4vTq8pLm2xR4vT rejected", "ghp_Zq8pLm2xR4vTq8pLm2xR4vT"),  # cut short: still a token
    ],
)
def test_credential_shapes_are_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.secrets_found, red.entity_counts


@pytest.mark.parametrize(
    ("text", "leftover"),
    [
        ("my password: Tr0ub4dor&amp;3", "&amp;3"),  # Slack sends "&" as "&amp;"
        ("the password is Tr0ub&amp;4dor3", "4dor3"),
        ('PASSWORD="Tr0ub&lt;4dor3"', "4dor3"),
        ("my password is &lt;Tr0ub4dor3&gt;", "Tr0ub4dor3"),
        ("password=Tr0ub4dor&3", "&3"),
    ],
)
def test_a_password_with_an_escaped_character_is_redacted_whole(pii_guard, text, leftover):
    red = pii_guard.redact(text)
    assert leftover not in red.text and "Tr0ub" not in red.text, red.text
    assert red.secrets_found


def test_a_query_string_still_ends_a_value_at_the_next_field(pii_guard):
    text = "https://example.com/cb?token=abc123XYZ789def&amp;api_key=QWErty1234567890zz&amp;page=2 fails"
    red = pii_guard.redact(text)
    assert red.text == "https://example.com/cb?token=<GENERIC_SECRET>&amp;api_key=<GENERIC_SECRET>&amp;page=2 fails"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&amp;sr=b&amp;sig=AbCdEf1234567890%2BghIJkl%3D",
            "AbCdEf1234567890",
        ),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Date=20240101T000000Z&amp;X-Amz-Signature="
            "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ),
    ],
)
def test_the_signature_of_a_signed_url_is_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text


@pytest.mark.parametrize(
    "text",
    [
        f"Passwort: {SECRET}",
        f"пароль: {SECRET}",
        f"mot de passe : {SECRET}",
        f"パスワード: {SECRET}",
        f"密码：{SECRET}",
        f"비밀번호: {SECRET}",
        f"senha={SECRET}",
    ],
)
def test_a_password_named_in_another_language_is_redacted(pii_guard, text):
    red = pii_guard.redact(text)
    assert SECRET not in red.text, red.text


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("xoxb-1234567890-\n1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx"),
        ("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ012345\n6789", "6789"),
        ("sk-proj-abcDEF123ghiJKL456mno\nPQR789stuVWX012", "PQR789stuVWX012"),
    ],
)
def test_a_token_broken_over_two_lines_is_redacted_on_both(pii_guard, text, rest):
    red = pii_guard.redact(text)
    assert rest not in red.text, red.text


def test_a_token_at_a_line_end_does_not_swallow_the_next_line(pii_guard):
    red = pii_guard.redact("xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\nthanks")
    assert red.text == "<SLACK_TOKEN>\nthanks"


def test_a_password_in_a_url_without_a_user_is_a_secret(pii_guard):
    red = pii_guard.redact("why does redis://:S3cr3tPass99@cache.internal:6379/0 refuse me")
    assert "S3cr3tPass99" not in red.text
    assert red.secrets_found, red.entity_counts


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer <token>",
        "which Authorization header does the API want?",
        "curl -u flag is for what?",
        "mysql -p prompts for a password",
        "what does the mot de passe field want?",
        "password=&lt;your password&gt;",
        "https://example.com/search?q=signature&amp;page=2",
    ],
)
def test_questions_about_credentials_keep_their_words(pii_guard, text):
    red = pii_guard.redact(text)
    assert not red.secrets_found, red.text


def test_the_next_lines_of_a_pasted_env_file_stay(pii_guard):
    text = "DB_PASSWORD=abc123XYZ789\nDB_HOST=db1\nDB_PORT=5432\n---\nwhy does it fail?"
    assert (
        pii_guard.redact(text).text == "DB_PASSWORD=<GENERIC_SECRET>\nDB_HOST=db1\nDB_PORT=5432\n---\nwhy does it fail?"
    )


@pytest.mark.parametrize(
    "text",
    [
        f"pw: {SECRET}",
        f"pass: {SECRET}",
        f"p/w: {SECRET}",
        f"passwd {SECRET}",
        f"login admin, password {SECRET}",
        "the key is Zq8pLm2xR4vTq8pLm2xR4",
    ],
)
def test_a_password_or_key_named_in_short_prose_is_redacted(pii_guard, text):
    red = pii_guard.redact(text)
    assert "Zq8pLm2xR4vT" not in red.text, red.text


@pytest.mark.parametrize(
    "text",
    [
        "pass test123 to the function",  # "pass" is a verb without a colon
        "the password reset flow in v2",
        "the key is sorted by name",
        "password policy: 12 characters",
    ],
)
def test_short_prose_about_passwords_stays(pii_guard, text):
    assert pii_guard.redact(text).text == text
