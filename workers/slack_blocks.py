"""Block Kit for answers: within Slack's limits (50 blocks, 3,000 chars per section), always a text fallback."""

from __future__ import annotations

from workers.pipeline import AnswerResult

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
_ENTITY_WORDS = {
    "EMAIL_ADDRESS": "an email address",
    "PHONE_NUMBER": "a phone number",
    "CREDIT_CARD": "a card number",
    "IBAN_CODE": "a bank account (IBAN)",
    "IP_ADDRESS": "an IP address",
    "US_SSN": "a social security number",
    "AWS_ACCESS_KEY": "an AWS access key",
    "AWS_SECRET_KEY": "an AWS secret key",
    "SLACK_TOKEN": "a Slack token",
    "GITHUB_TOKEN": "a GitHub token",
    "PRIVATE_KEY": "a private key",
    "JWT": "a JWT",
    "API_KEY": "an API key",
    "GENERIC_SECRET": "a password or secret",
}


# How sure the bot is that the documents answer the question, in words (never a bare number to a user).
CONFIDENCE_WORDS = {
    "high": "Confidence: *high* — the documents clearly cover this. ",
    "medium": "Confidence: *medium* — check the sources. ",
}


def escape(text: str) -> str:
    """Slack mrkdwn escaping: & < > (so text can never form a link, a mention or <!channel>)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _split(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    parts, rest = [], text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def _link(url: str, label: str) -> str:
    label = escape(label).replace("|", "¦")
    return f"<{url}|{label}>" if url.startswith(("http://", "https://")) else f"{label} (`{url}`)"


def pii_notice(pii: dict) -> str | None:
    """What was removed from the question — types only, never the values."""
    if not pii.get("found"):
        return None
    kinds = sorted({_ENTITY_WORDS.get(k, k.lower().replace("_", " ")) for k in pii.get("entities", {})})
    text = f":lock: I removed {', '.join(kinds)} from your question before searching; it was not stored."
    if pii.get("secrets"):
        text += " It looked like a secret: *rotate it now* — treat it as exposed, even after deleting your message."
    return text


def answer_message(result: AnswerResult, *, pii: dict, expert: str | None) -> tuple[str, list[dict]]:
    """(fallback text, blocks) for a finished answer or an honest "I don't know"."""
    blocks: list[dict] = []
    notice = pii_notice(pii)
    if result.status == "answered":
        for part in _split(escape(result.answer)):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
        seen: dict[int, object] = {}
        for c in result.citations:
            seen.setdefault(c.chunk_id, c)
        if seen:
            lines = [
                f"{i}. {_link(c.link, f'{c.document_title} › {c.section}')}"
                for i, c in enumerate(seen.values(), start=1)
            ]
            blocks.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": t} for t in _split("*Sources*\n" + "\n".join(lines), 2000)][
                        :10
                    ],
                }
            )
        hint = (
            f"{CONFIDENCE_WORDS.get(result.confidence, '')}Was this helpful? React :+1: or :-1:, or use "
            "*Improve this answer* from the message menu."
        )
        fallback = escape(result.answer)
    else:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": ":thinking_face: I don't know"}})
        first = result.answer.split("\n", 1)[0]
        body = first.removeprefix("I don't know. ")
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": escape(body)[:SECTION_LIMIT]}})
        if result.closest:
            lines = [f"• {_link(d['link'], d['title'])}" for d in result.closest]
            blocks.append(
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": ("*Closest documents*\n" + "\n".join(lines))[:3000]},
                }
            )
        if expert:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"You could ask {expert}."}})
        hint = "If someone answers in this thread, an admin can turn it into a verified answer."
        fallback = escape(result.answer) + (f"\nYou could ask {expert}." if expert else "")
    if notice:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": notice}]})
        fallback = notice + "\n" + fallback
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": hint}]})
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 2], blocks[-2], blocks[-1]]
    return fallback[:39_000], blocks


def private_answer_message(result: AnswerResult) -> tuple[str, list[dict]]:
    """The ephemeral follow-up with an answer from restricted documents only the asker may read."""
    head = ":lock: I found more in documents only you can see (this reply is visible only to you):"
    text, blocks = answer_message(result, pii={}, expert=None)
    return f"{head}\n{text}", [{"type": "section", "text": {"type": "mrkdwn", "text": head}}, *blocks][:MAX_BLOCKS]


def failure_message(reason: str) -> tuple[str, list[dict]]:
    text = (
        f":warning: Sorry — I couldn't produce an answer this time ({reason}). "
        "Please ask again in a few minutes; if it keeps happening, tell an Answerloop admin."
    )
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
