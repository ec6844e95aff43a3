"""Break-it: App Home sections hold 3,000 characters; a longer text (a pending correction full of & < >, escaped
five-fold) was cut anywhere — through an escaped character ("&am") or a mention — and Slack showed the stump."""

from __future__ import annotations

import re

from bot.app_home import _text
from workers.slack.blocks import escape


def _shown(text: str) -> str:
    return _text(text)["text"]["text"]


def test_a_long_escaped_text_is_never_cut_inside_an_escaped_character():
    for pad in range(6):
        shown = _shown("x" * pad + escape("R&D <-> QA & ops " * 400))
        assert len(shown) <= 3000
        assert not re.search(r"&[a-z]*$", shown), shown[-12:]


def test_a_long_text_is_never_cut_inside_a_mention():
    shown = _shown("owner " * 498 + "<@U0ALICE001> and more words after it " * 10)
    assert len(shown) <= 3000
    assert shown.count("<") == shown.count(">")
