"""Break-it: a styled (bold, italic, struck) run longer than one section is cut into sections that each open and close
their own markers — Slack renders `*` only in pairs, so a cut run showed a stray `*` at the end of one section and
at the start of the next, and neither half bold."""

from __future__ import annotations

import re

from workers.slack.mrkdwn import FENCE, split, to_mrkdwn

_RUN = {
    "*": re.compile(r"(?<![\w*])\*(?=\S)[^*\n]+?(?<=\S)\*(?![\w*])"),
    "_": re.compile(r"(?<![\w_])_(?=\S)[^_\n]+?(?<=\S)_(?![\w_])"),
}


def _unpaired(part: str, marker: str) -> str:
    """What is left of `part` once its well-formed runs of `marker` are gone: a marker here is a stray one."""
    return _RUN[marker].sub("", part)


def test_a_bold_line_longer_than_a_section_is_bold_in_every_section():
    mrkdwn = to_mrkdwn("**" + " ".join(f"word{i}" for i in range(900)) + "**")
    assert len(mrkdwn) > 3000 and mrkdwn.startswith("*") and mrkdwn.endswith("*")
    parts = split(mrkdwn, 3000)
    assert len(parts) >= 2
    for part in parts:
        assert len(part) <= 3000
        assert part.startswith("*") and part.endswith("*"), (part[:20], part[-20:])
        assert "*" not in _unpaired(part, "*"), part[:40]
    # Nothing lost: the words, in order, as they were.
    assert re.findall(r"word\d+", " ".join(parts)) == [f"word{i}" for i in range(900)]


def test_a_long_bold_run_inside_a_paragraph_is_closed_and_reopened():
    prose = "Intro words here. **" + " ".join(f"bold{i}" for i in range(700)) + "** and plain words after."
    parts = split(to_mrkdwn(prose), 3000)
    assert len(parts) >= 2
    for part in parts:
        assert len(part) <= 3000
        assert "*" not in _unpaired(part, "*"), (part[:40], part[-40:])
    assert parts[0].startswith("Intro words here. *")
    assert parts[-1].endswith("* and plain words after.")


def test_an_italic_run_inside_a_long_bold_line_is_closed_and_reopened_in_order():
    mrkdwn = to_mrkdwn("**lead _" + " ".join(f"it{i}" for i in range(900)) + "_ tail**")
    parts = split(mrkdwn, 3000)
    assert len(parts) >= 2
    for part in parts:
        assert len(part) <= 3000
        assert "*" not in _unpaired(part, "*"), (part[:40], part[-40:])
        assert "_" not in _unpaired(part.replace("*", ""), "_"), (part[:40], part[-40:])
    assert parts[0].endswith("_*") and parts[1].startswith("*_")


def test_stars_in_a_code_block_are_left_alone():
    code = "```\n" + "*" + " ".join(f"x{i}" for i in range(900)) + "\n```"
    parts = split(to_mrkdwn(code), 3000)
    assert len(parts) >= 2
    for part in parts:
        assert part.startswith(FENCE) and part.endswith(FENCE)
    assert not parts[0].rstrip(FENCE).endswith("*")
