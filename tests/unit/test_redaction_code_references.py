"""Code pasted into a question names where a secret comes from; it is no secret. `password = getpass()`,
`= self.password`, `password: SecretStr` were redacted as GENERIC_SECRET: the question lost the very code it asks
about, and its asker was told a secret had been found. A literal value in the same places still is one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "text",
    [
        "why does password = getpass() hang in docker?",
        "password = input('pw') never returns",
        "password = keyring.get_password('svc', 'me') raises NoKeyringError",
        "api_key = os.getenv('OPENAI_KEY') returns None in celery",
        "token = request.headers.get('X-Token') is empty behind nginx",
        "client_secret = secrets['oauth'] fails after the upgrade",
        "I set password = self.password in __init__",
        "secret = settings.SECRET_KEY fails at import",
        "DB_PASS = process.env.DB_PASSWORD is undefined in jest",
        "api_key = config.api_key, then the client says 401",
        "password: SecretStr in my pydantic model fails validation",
        "password: Optional[str] = None is not read from the env",
        "password: String in the GraphQL schema",
    ],
)
def test_code_naming_where_a_secret_comes_from_stays(pii_guard, text):
    red = pii_guard.redact(text)
    assert red.text == text, red.entity_counts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('password = "Zq8pLm2xR4"', "Zq8pLm2xR4"),
        ("DB_PASSWORD=Zq8pLm2xR4 in .env", "Zq8pLm2xR4"),
        ("api_key = sk_live_9aB3cD4eF5gH6iJ7kL8mN9oP", "sk_live_9aB3cD4eF5gH6iJ7kL8mN9oP"),
        ("SECRET_KEY = 'kX9!vB2#qL7@wZ4$'", "kX9!vB2#qL7@wZ4$"),
        ("token=ab12cd34ef56 is rejected", "ab12cd34ef56"),
        ("password: Selfie.2024x", "Selfie.2024x"),  # a word like an object's name, no attribute access
    ],
)
def test_literal_secrets_in_the_same_places_are_still_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text


def test_nested_brackets_after_a_secret_name_do_not_hold_the_guard():
    """The code-reference pattern matches balanced brackets recursively; without possessive repetition, 6 KB of
    "([([…" after `password =` took two minutes (backtracking, exponential in depth). A hang guard, not a speed
    test: it takes well under a second when the match cannot backtrack, and the child is killed after 120 s."""
    code = (
        "from guardrails.pii import PiiGuard\n"
        "g = PiiGuard()\n"
        "for text in ['password = a' + '([' * 3000, 'token = f' + '(x[' * 2000, 'secret = ' + '[(' * 3000 + 'z']:\n"
        "    g.redact(text)\n"
        "print('done')\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-2000:]
