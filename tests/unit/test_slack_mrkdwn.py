"""Answer Markdown made into Slack mrkdwn (and safe stream Markdown), and cut to Slack's limits whole."""

from __future__ import annotations

from workers.slack.mrkdwn import FENCE, link, split, to_markdown, to_mrkdwn

ANSWER = """# Deploying

Run **make deploy**, then *wait*. See [the runbook](https://example.com/run?a=1&b=2) — never <!channel>.

- build
* test

```bash
echo "<ok>" && make
```
Use `a<b>` here; ~~old~~ is gone.
> quoted"""


def test_markdown_becomes_mrkdwn_with_code_kept_and_nothing_that_pings():
    out = to_mrkdwn(ANSWER)
    assert out.startswith("*Deploying*\n")
    assert "Run *make deploy*, then _wait_." in out
    assert "<https://example.com/run?a=1&amp;b=2|the runbook>" in out
    assert "<!channel>" not in out and "&lt;!channel&gt;" in out
    assert "• build\n• test" in out
    assert '```\necho "&lt;ok&gt;" &amp;&amp; make\n```' in out, "code kept, its language tag dropped"
    assert "`a&lt;b&gt;`" in out and "~old~" in out and "\n> quoted" in out


def test_stream_markdown_keeps_markdown_and_code_but_escapes_everything_slack_could_parse():
    out = to_markdown(ANSWER)
    assert "**make deploy**" in out and "[the runbook](" in out
    # code too: Slack's docs do not say a code span of markdown_text keeps <!channel> from being parsed
    assert '```bash\necho "&lt;ok&gt;" &amp;&amp; make\n```' in out and "`a&lt;b&gt;`" in out
    assert "&lt;!channel&gt;" in out and "\n> quoted" in out
    quoted = to_markdown("Never send `<!channel>` or\n```\n<!here> <@U0EVIL0001> <https://evil.example|x>\n```")
    assert "<" not in quoted and ">" not in quoted, quoted


def test_links_are_safe_inside_angle_brackets():
    assert link("https://x.io/a b|c>d", "A | B <c>") == "<https://x.io/a%20b%7Cc%3Ed|A ¦ B &lt;c&gt;>"
    assert link("handbook/on-call.md", "On-call") == "On-call (`handbook/on-call.md`)"


def test_split_keeps_parts_within_the_limit_and_code_blocks_closed():
    code = "\n".join(f"step {i}: " + "x" * 60 for i in range(300))
    text = to_mrkdwn(f"Intro.\n\n```\n{code}\n```\nAfter the code.")
    parts = split(text, 3000)
    assert len(parts) > 5 and all(len(p) <= 3000 for p in parts)
    assert all(p.count(FENCE) % 2 == 0 for p in parts), "every part opens and closes its code block"
    assert parts[0].startswith("Intro.") and parts[-1].endswith("After the code.")
    joined = "".join(p.replace(FENCE, "") for p in parts)
    assert joined.count("step ") == 300, "no line lost"


def test_split_never_cuts_a_link():
    text = " ".join(link(f"https://example.com/{i}", f"Document {i} › Section") for i in range(200))
    for part in split(text, 500):
        assert part.count("<") == part.count(">") and len(part) <= 500
