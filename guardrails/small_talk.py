"""Small talk: greetings, thanks, goodbyes and "who are you?" — answered with a short friendly word about what the
bot does, never sent through retrieval (where "hi" would get "I don't know" and three unrelated documents).

The rule is strict on purpose: a message is small talk only when ALL its words are small-talk phrases or filler
("hi there!", "thanks so much :pray:", "who are you?"). Any other word makes it a question: "hi, how do I
deploy?" and "thanks — and on staging?" go to the pipeline as they always did.
"""

from __future__ import annotations

import re

# Phrases, as word tuples, by kind. Longer phrases are tried first.
_PHRASES: dict[str, list[str]] = {
    "greeting": [
        "hi", "hello", "hey", "heya", "hiya", "howdy", "yo", "hallo", "greetings", "good morning",
        "good afternoon", "good evening", "morning", "gm", "hey hey", "hi hi", "hello hello", "sup",
        "whats up", "what s up", "how are you", "how are you doing", "how s it going", "hows it going",
        "how is it going",
    ],
    "thanks": [
        "thanks", "thank you", "thx", "ty", "tysm", "thank u", "thanks a lot", "many thanks", "cheers",
        "much appreciated", "appreciated", "appreciate it", "great", "awesome", "perfect", "nice", "cool",
        "got it", "ok", "okay", "k", "kk", "great thanks", "that helps", "that helped", "this helps",
        "helpful", "very helpful", "super helpful", "brilliant", "excellent", "amazing", "lovely", "wonderful",
        "good bot", "well done", "noted", "that worked", "it worked", "worked", "works", "that fixed it",
        "fixed it", "all good", "sounds good", "makes sense", "that makes sense", "great answer", "nice one",
    ],
    "farewell": ["bye", "goodbye", "bye bye", "see you", "see ya", "later", "good night", "ciao", "take care"],
    "about": [
        "who are you", "what are you", "what can you do", "what do you do", "what do you know",
        "how do you work", "how does this work", "are you a bot", "are you a robot", "are you human",
        "are you an ai", "are you ai", "what is this", "what s this", "whats this", "introduce yourself",
        "tell me about yourself", "what can i ask", "what can i ask you", "what should i ask",
    ],
}  # fmt: skip
# Words that may surround small talk without making it a question.
_FILLER = {
    "there", "all", "everyone", "everybody", "folks", "team", "guys", "y", "again", "so", "much", "very",
    "a", "lot", "for", "the", "your", "help", "oh", "ah", "well", "and", "bot", "answerloop", "friend", "buddy",
    "mate", "please", "pls", "just", "really", "too", "you", "u", "it", "that", "this", "one", "now",
    "wow", "yay", "lol", "haha", "hm", "hmm", "dear", "indeed", "me", "good", "s",
}  # fmt: skip
_MAX_WORDS = 12  # longer messages are never small talk
_MENTION = re.compile(r"<[@#!][^>]*>")
_EMOJI_CODE = re.compile(r":[a-z0-9_+\-']+:")
_WORD = re.compile(r"[a-z]+")

_BY_LENGTH = sorted(
    ((tuple(p.split()), kind) for kind, phrases in _PHRASES.items() for p in phrases),
    key=lambda item: -len(item[0]),
)


def small_talk(text: str) -> str | None:
    """greeting | thanks | farewell | about when the whole message is small talk, else None (a question)."""
    if not isinstance(text, str):
        return None
    cleaned = _EMOJI_CODE.sub(" ", _MENTION.sub(" ", text.lower()).replace("’", "'"))
    if any(ch.isdigit() for ch in cleaned):
        return None
    words = _WORD.findall(cleaned.replace("'", " "))
    if not words or len(words) > _MAX_WORDS:
        return None
    kinds: list[str] = []
    i = 0
    while i < len(words):
        for phrase, kind in _BY_LENGTH:
            if tuple(words[i : i + len(phrase)]) == phrase:
                kinds.append(kind)
                i += len(phrase)
                break
        else:
            if words[i] not in _FILLER:
                return None  # a word of a real question
            i += 1
    if not kinds:
        # "help" (alone, or "help please"): what can you do? Only filler otherwise: let the usual checks answer.
        return "about" if "help" in words else None
    # "hi, who are you?" is about the bot; "thanks, bye" is thanks.
    for kind in ("about", "thanks", "greeting", "farewell"):
        if kind in kinds:
            return kind
    return None


def small_talk_reply(kind: str, *, bot_mention: str = "me") -> str:
    """A short, friendly reply that says what the bot can do (Slack mrkdwn)."""
    what = (
        "I answer questions from your team's documents, with the sources I used — and I say so when they don't "
        f"cover something. Ask me anything about your docs: mention {bot_mention} in a channel, write to me here, "
        "or use `/ask`. The 👍/👎 under an answer helps me improve."
    )
    if kind == "thanks":
        return "You're welcome! :slightly_smiling_face: Ask me anytime."
    if kind == "farewell":
        return "Bye! :wave: I'm here whenever you have a question."
    if kind == "greeting":
        return f"Hi! :wave: {what}"
    return f"I'm Answerloop. {what}"
