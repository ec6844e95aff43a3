"""Break-it review of two redaction changes: code that names where a secret comes from is no secret
(`guardrails/secrets.py` `_CODE_REFERENCE`), and a lower-case password after a password keyword is one
(`guardrails/passphrases.py`). Through `PiiGuard.redact`, the entry point the pipeline calls on every question.

Leaks found: any value with a bracket in it counted as "a call" — a quoted literal (`password="hunter2(x)"`), a
literal with brackets (`password=Pa55word(1)`), a call with more glued after it (`abc123[1]xyz`) — and a password
set "to" a word (`I set the password to swordfish`) or followed by a command or a comment went through.
Over-redaction found: the same code was still redacted by the prose rules (`api_key = secrets.token_hex(16)`,
`password = creds[0]`, `password: varchar(255)`)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # literals shaped like code
        # a quoted value is a string literal, whatever brackets it holds
        ('password="hunter2(x)"', "hunter2(x)"),
        ('token="abc123(x)"', "abc123(x)"),
        ('DB_PASSWORD="Pa55word(1)"', "Pa55word(1)"),
        ('{"password": "hunter2(x)", "user": "bob"}', "hunter2(x)"),
        # a password with brackets in it: a name that is itself a password, a number or a letter in the brackets
        ("password=Pa55word(1)", "Pa55word(1)"),
        ("PASSWORD=Pa55word[1]", "Pa55word[1]"),
        ("password := Zq8pLm2xR4(x)", "Zq8pLm2xR4(x)"),
        # a call or a subscript with more glued after it is no call
        ("token = abc123[1]xyz", "abc123[1]xyz"),
        ("api_key: abc123[1]xyz", "abc123[1]xyz"),
        ("token = abc123[1]xyz and foo(1) fails", "abc123[1]xyz"),
        ("password=abc(123)def", "abc(123)def"),
        # an object code reads settings from is written in lower case; a capitalised word is a password
        ("password=Secrets.Are.Fun1", "Secrets.Are.Fun1"),
        ("password: ${DB_PASSWORD:-Zq8pLm2xR4}", "Zq8pLm2xR4"),
        ("password: !Zq8pLm2xR4", "Zq8pLm2xR4"),
        ("password=My.Secret.Pass1", "My.Secret.Pass1"),
        # lower-case passwords in common phrasings
        ("I set the password to swordfish", "swordfish"),
        ("I changed my password to opensesame and now sudo fails", "opensesame"),
        ("the admin password was changed to letmein", "letmein"),
        ("password: swordfish  # old one", "swordfish"),
        ("PGPASSWORD=opensesame psql -h db -U app", "opensesame"),
        # pasted XML settings
        ("<password>Zq8pLm2xR4</password>", "Zq8pLm2xR4"),
        (
            "<server><id>nexus</id><username>deploy</username><password>Zq8pLm2xR4</password></server>",
            "Zq8pLm2xR4",
        ),
        ('<add key="DbPassword" value="Zq8pLm2xR4" />', "Zq8pLm2xR4"),
        # as Slack sends it
        ("&lt;password&gt;Zq8pLm2xR4&lt;/password&gt;", "Zq8pLm2xR4"),
        ("&lt;password&gt;opensesame&lt;/password&gt;", "opensesame"),
        ('<property name="password" value="Zq8pLm2xR4"/>', "Zq8pLm2xR4"),
        ("<password>opensesame</password>", "opensesame"),
    ],
)
def test_a_secret_is_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.secrets_found, red.entity_counts


@pytest.mark.parametrize(
    "text",
    [
        # code naming where a secret comes from
        "app.secret_key = secrets.token_hex(16)",
        "api_key = secrets.token_urlsafe(32)",
        "token = sys.argv[1]",
        "password = args[0]",
        "password = creds[0]",
        "password = base64.b64decode(os.environ['PW'])",
        "password = b64decode(raw)",
        "password = hashlib.sha256(raw).hexdigest()",
        "password = getpass().strip()",
        "password = Column(String(128), nullable=False)",
        "password = models.CharField(max_length=128)",
        "password = db.Column(db.String(255))",
        "password: varchar(255)",
        "password VARCHAR(255) NOT NULL",
        "password: String!",
        "password = getpass().",
        "conn = connect(password=get_pw())",
        # YAML of docker compose and Ansible / Home Assistant: a variable's default, a tag
        "  password: ${POSTGRES_PASSWORD:-postgres}",
        "DB_PASSWORD: ${DB_PASSWORD:-changeme}",
        "password: !vault |",
        "password: !secret db_password",
        # an attribute named as a secret: where it is read from
        'password = user.password or "postgres"',
        "password: form.password.data",
        "secret_key_base = Rails.application.credentials.secret_key_base",
        # documentation with the same phrasings
        "I set the password to expire after 90 days",
        "what's the password to connect to staging?",
        "how do I change the password to something stronger?",
        "reset the password to default",
        # "password to" names what it opens, unless the password is being set
        "what's the default password to argocd?",
        "the password to pgadmin is in vault",
        "password: required  # must be set",
        "PGPASSWORD=required psql -h db",
        # a setting read with no literal secret as its fallback
        "PASSWORD = os.getenv('DB_PASSWORD', 'postgres')",
        "token = request.headers.get('Authorization', '').split(' ')[1]",
        "password = keyring.get_password('system', 'deploy')",
        "SECRET_KEY = env('DJANGO_SECRET_KEY', default=None)",
        "password = os.environ.get('DB_PASSWORD') or 'postgres'",
        "const token = req.headers.authorization || ''",
        # XML settings with no secret
        "<password>${env.NEXUS_PASSWORD}</password>",
        "<password>required</password>",
        "&lt;password&gt;required&lt;/password&gt;",
        '<property name="password" value="${db.password}"/>',
    ],
)
def test_code_and_documentation_keep_their_words(pii_guard, text):
    red = pii_guard.redact(text)
    assert red.text == text, red.entity_counts


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ('password="hunter2(x)"', 'password="<GENERIC_SECRET>"'),
        ('{"password": "Zq8pLm2xR4(x)"}', '{"password": "<GENERIC_SECRET>"}'),
        ("&lt;password&gt;Zq8pLm2xR4&lt;/password&gt;", "&lt;password&gt;<GENERIC_SECRET>&lt;/password&gt;"),
    ],
)
def test_a_value_is_redacted_up_to_its_closing_quote_or_tag(pii_guard, text, redacted):
    assert pii_guard.redact(text).text == redacted


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('password = os.getenv("DB_PASSWORD", "Zq8pLm2xR4!")', "Zq8pLm2xR4!"),
        ("SECRET_KEY = os.environ.get('SECRET_KEY', 'dev-9f8a7b6c5d4e3f2a')", "dev-9f8a7b6c5d4e3f2a"),
        ("SECRET_KEY = config('SECRET_KEY', default='django-insecure-k2#v9x!q7m')", "django-insecure-k2#v9x!q7m"),
        ("api_key => ENV.fetch('API_KEY', 'a9f8e7d6c5b4')", "a9f8e7d6c5b4"),
        ("token = request.args.get('token') or 'x9Kq2pLm7Z'", "x9Kq2pLm7Z"),
        ("const apiKey = process.env.API_KEY || 'a9f8e7d6c5b4';", "a9f8e7d6c5b4"),
        ('const token = process.env.TOKEN ?? "x9Kq2pLm7Z"', "x9Kq2pLm7Z"),
    ],
)
def test_the_literal_default_of_a_secret_setting_is_redacted(pii_guard, text, value):
    # the call is code and stays; the fallback written into it is a literal secret
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.text.startswith(text[: text.index(value)]), red.text
