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


def term_frequencies(text: str) -> Counter[str]:
    return Counter(search_terms(text))
