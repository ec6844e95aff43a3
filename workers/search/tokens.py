"""The keyword index's tokeniser: one function for documents and questions alike.

Content terms (lower-cased, English stopwords removed, Snowball-stemmed: `guardrails.text.content_terms`),
and for a compound identifier (`app.conf.task_routes`, `worker-prefetch`) its parts as well, so a question
that names `task_routes` finds the chunk that spells the whole path.
"""

from __future__ import annotations

import re
from collections import Counter

from guardrails.text import STOPWORDS, content_terms

_SPLIT = re.compile(r"[._\-/+#']+")
COMPOUND = _SPLIT


def search_terms(text: str) -> list[str]:
    out: list[str] = []
    for term in content_terms(text):
        out.append(term)
        if _SPLIT.search(term):
            for part in _SPLIT.split(term):
                if len(part) > 1 and part not in STOPWORDS:
                    out.append(part)
    return out


# A stopword with an English clitic: "isn't", "we're", "I've", "can't", "it's".
_CONTRACTION = re.compile(r"\b([A-Za-z]+?)(n['\u2019]t|['\u2019](?:s|re|ve|ll|d|m))\b", re.IGNORECASE)
_NT_BASES = {"ca": "can", "wo": "will", "sha": "shall"}


def _drop_contracted_stopword(m: re.Match) -> str:
    base = m.group(1).lower()
    if m.group(2)[0].lower() == "n":
        base = _NT_BASES.get(base, base)
    return " " if base in STOPWORDS else m.group(0)


def question_terms(text: str) -> list[str]:
    """`search_terms` without contracted stopwords: "isn't" says nothing about what a question is about, and a
    collection that never wrote "isn't" must not look as if it lacked one of the question's subjects. (The index
    and BM25 keep them, as bm25s does: this is for what the answerability signals read.)"""
    return search_terms(_CONTRACTION.sub(_drop_contracted_stopword, text))


def term_frequencies(text: str) -> Counter[str]:
    return Counter(search_terms(text))
