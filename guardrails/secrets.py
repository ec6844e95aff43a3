"""Presidio pattern recognizers for secrets, which Presidio does not ship."""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer

# Case matters for token prefixes (AKIA…, ghp_…); patterns opt in to (?i) themselves.
_FLAGS = regex.DOTALL | regex.MULTILINE

SECRET_ENTITIES = (
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "SLACK_TOKEN",
    "GITHUB_TOKEN",
    "PRIVATE_KEY",
    "JWT",
    "API_KEY",
    "GENERIC_SECRET",
)


def _recognizer(entity: str, patterns: list[tuple[str, str, float]], context: list[str] | None = None):
    return PatternRecognizer(
        supported_entity=entity,
        name=f"{entity.title().replace('_', '')}Recognizer",
        patterns=[Pattern(name=n, regex=r, score=s) for n, r, s in patterns],
        context=context,
        supported_language="en",
        global_regex_flags=_FLAGS,
    )


def secret_recognizers() -> list[PatternRecognizer]:
    return [
        _recognizer(
            "AWS_ACCESS_KEY",
            [("aws_access_key_id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b", 0.95)],
        ),
        _recognizer(
            "AWS_SECRET_KEY",
            [
                (
                    "aws_secret_assignment",
                    r"(?i)(?<=\b(?:aws_?secret(?:_?access)?_?key|secret_?access_?key)[\"']?\s*[:=]\s*[\"']?)"
                    r"[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])",
                    0.95,
                )
            ],
        ),
        _recognizer(
            "SLACK_TOKEN",
            [
                ("slack_token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b", 0.95),
                ("slack_app_token", r"\bxapp-\d-[A-Za-z0-9-]{10,}\b", 0.95),
                (
                    "slack_webhook",
                    r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+",
                    0.95,
                ),
            ],
        ),
        _recognizer(
            "GITHUB_TOKEN",
            [
                ("github_classic", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 0.95),
                ("github_fine_grained", r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", 0.95),
            ],
        ),
        _recognizer(
            "PRIVATE_KEY",
            [
                (
                    "pem_private_key",
                    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
                    r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|\Z)",
                    1.0,
                )
            ],
        ),
        _recognizer(
            "JWT",
            [("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b", 0.95)],
        ),
        _recognizer(
            "API_KEY",
            [
                ("openai_key", r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b", 0.9),
                ("stripe_key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b", 0.9),
                ("google_api_key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0.9),
                ("huggingface_token", r"\bhf_[A-Za-z0-9]{30,}\b", 0.9),
                ("gitlab_token", r"\bglpat-[A-Za-z0-9_-]{20,}\b", 0.9),
                ("npm_token", r"\bnpm_[A-Za-z0-9]{36}\b", 0.9),
                ("sendgrid_key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{20,}\b", 0.9),
            ],
        ),
        _recognizer(
            "GENERIC_SECRET",
            [
                (
                    "secret_assignment",
                    r"(?i)(?<=\b[a-z0-9_.-]*(?:api[_-]?key|apikey|secret|passw(?:or)?d|passwd|pwd|token|"
                    r"access[_-]?key|auth[_-]?key|client[_-]?secret)[a-z0-9_.-]*[\"']?\s*[:=]\s*[\"']?)"
                    # not a reference to a secret (env var, template, path) nor a plain number or word…
                    r"(?!os\.environ|\$|\{\{|%\(|/|(?:[0-9]+[a-z]{0,2}|(?-i:[a-z-]+))(?:[\s\"',;<>&?]|$))"
                    r"[^\s\"',;<>&]{6,}",
                    0.85,
                ),
                (
                    "password_in_prose",  # "I set the db password to pgj82ywdmS+3": needs a digit and a letter
                    r"(?i)(?<=\bpass(?:word|phrase)\s+(?:is|to|was|of)\s+[\"']?)"
                    r"(?=[^\s\"']*[0-9])(?=[^\s\"']*[a-z])[^\s\"',;<>]{6,}",
                    0.8,
                ),
                ("bearer_header", r"(?i)(?<=\bbearer\s+)[A-Za-z0-9_\-.=]{16,}", 0.85),
                ("basic_auth_header", r"(?i)(?<=\bauthorization:\s*basic\s+)[A-Za-z0-9+/]{8,}={0,2}", 0.85),
                ("url_credentials", r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]{3,}@[^\s/]+", 0.9),
            ],
        ),
    ]
