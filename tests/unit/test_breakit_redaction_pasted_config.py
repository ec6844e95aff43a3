"""Break-it: credentials inside the configuration people paste into a question — a Kubernetes Secret's base64
private key, a Docker or npm auth string, a Discord webhook, ``sshpass -p``, a quoted password with a space in it,
newer vendor token prefixes — and an address whose "&" Slack sent as ``&amp;``. Through `PiiGuard.redact`, the
entry point the pipeline calls on every question."""

from __future__ import annotations

import base64

import pytest

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7pqZq8pLm2xR4vTq8pLm2xR4vTq8pLm2xR4vTq8pLm2xR4vT\n"
PEM_B64 = base64.b64encode(PEM.encode()).decode()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (f"why does the ingress ignore\n  tls.key: {PEM_B64}\nin my secret?", PEM_B64[20:60]),
        (  # wrapped at 64 columns, as `base64` writes it
            f"data:\n  tls.key: {PEM_B64[:64]}\n    {PEM_B64[64:]}\n",
            PEM_B64[64:],
        ),
        ('{"auths":{"ghcr.io":{"auth":"ZGVwbG95OlpxOHBMbTJ4UjR2VA=="}}}', "ZGVwbG95OlpxOHBMbTJ4UjR2VA"),
        ("//registry.example.com/:_auth=ZGVwbG95OlpxOHBMbTJ4UjR2VA==", "ZGVwbG95OlpxOHBMbTJ4UjR2VA"),
        (
            "https://discord.com/api/webhooks/123456789012345678/Zq8pLm2xR4vTq8pLm2xR4vTq8pLm2xR4vTq8pLm2xR4vT",
            "Zq8pLm2xR4vTq8pLm2xR4vTq8pLm2xR4vTq8pLm2xR4vT",
        ),
        ("sshpass -p 'Zq8pLm2xR4vT' ssh deploy@host", "Zq8pLm2xR4vT"),
        ('{"password": "Zq8pLm2x R4vT!"}', "R4vT!"),
        ("password = 'correct horse 42 battery'", "battery"),
        ("dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0123456789abcdef0123"),
        ("shpat_0123456789abcdef0123456789abcdef works?", "0123456789abcdef0123"),
    ],
)
def test_a_credential_in_pasted_config_is_redacted(pii_guard, text, value):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.secrets_found, red.entity_counts


def test_a_base64_certificate_is_not_a_private_key(pii_guard):
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n").decode()
    text = f"tls.crt: {cert}"
    assert "PRIVATE_KEY" not in pii_guard.redact(text).entity_counts


@pytest.mark.parametrize(
    "text",
    [
        '{"password": "string", "username": "string"}',  # an OpenAPI example body
        '{"password": "your password here"}',
        "the password field says 'must be 12 characters'",
    ],
)
def test_schema_examples_with_a_password_key_stay(pii_guard, text):
    assert pii_guard.redact(text).text == text


def test_an_address_with_a_slack_escaped_ampersand_is_redacted_whole(pii_guard):
    red = pii_guard.redact("write to tom&amp;jerry@example.com about it")
    assert red.text == "write to <EMAIL_ADDRESS> about it", red.text
