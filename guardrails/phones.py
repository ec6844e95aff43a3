"""Phone numbers through Google's libphonenumber (the ``phonenumbers`` port, which Presidio already depends on).

Why this library and not regexes: phone formats differ per country (trunk prefixes, area-code lengths, "(0)"
notation, extensions), and libphonenumber carries the numbering plan of every country; its matcher also skips
dates, times and slash-separated numbers. Why not Presidio's PhoneRecognizer as is: it runs the matcher for eight
fixed regions with the VALID leniency and accepts a bare local number anywhere, so it both misses international
numbers whose range the metadata does not list as assigned (``+41 53 147 37 99``) and redacts 10-digit ids.

Two rules:

* **International** — written with a country code (``+41…``, ``(+33)…``, ``0041…``): always a phone. A ``+``
  number needs only to be a *possible* number (right length for its country); a ``00`` number must be *valid*
  (``00`` also starts ids).
* **Local** (no country code): only when written in a shape only phones have (``(415) 555-0132``, an extension
  ``x1234``) or when a phone word is near (``call``, ``phone``, ``tel``, ``mobile``, ``cell``,
  ``whatsapp``, ``sms``, ``text me``, ``reach me on``, ``ring``, ``fax``, ``pager``…) and the number is *valid* in one
  of ``LOCAL_REGIONS``. Version numbers, ports, ticket ids, timestamps, durations, sizes and dates never meet both.
"""

from __future__ import annotations

import phonenumbers
import regex
from phonenumbers import Leniency, PhoneNumberMatcher
from presidio_analyzer import EntityRecognizer, RecognizerResult

LOCAL_REGIONS = ("US", "GB", "CH", "FR", "DE", "IN", "IT", "ES", "NL", "AT", "BE", "IE", "AU", "CA", "BR")

PHONE_WORDS = regex.compile(
    r"(?i)(?:\b(?:call(?:s|ed|ing)?|phone[sd]?|telephone|tel|mobile|mob|cell(?:phone)?|whats\s?app|signal|"
    r"sms|text\s+me|texts?|reach\s+me(?:\s+(?:on|at))?|ring|fax|pager|hotline|landline|dial(?:led|ing)?|"
    r"my\s+number|contact\s+number|(?:support|help|direct|office|emergency|phone)\s+line|natel|handy|portable|"
    r"t[ée]l[ée]phone|desk|voicemail|ext)\b)"
)
_BEFORE, _AFTER = 60, 40
# A local number whose shape says "phone" on its own: an area code in parentheses, or an extension.
PHONE_SHAPE = regex.compile(r"^\(\d{2,5}\)|\d\s*(?:x|ext\.?|extension)\s*\d{1,6}$", regex.IGNORECASE)
_EXT_AFTER = regex.compile(r"\s*(?:x|ext\.?|extension)\s*\d", regex.IGNORECASE)
SSN_SHAPE = regex.compile(r"^\d{3}-\d{2}-\d{4}$")  # 123-45-6789 is a US SSN, not a phone

INTL_START = regex.compile(r"^\(?\s*(?:\+|00[1-9])")
# cheap gate: something with at least 7 digits among separators
_DIGITS = regex.compile(r"\d(?:[\s().\-/]*\d){6,}")


def _is_intl(raw: str) -> bool:
    return bool(INTL_START.match(raw))


class PhoneNumberRecognizer(EntityRecognizer):
    """PHONE_NUMBER: international numbers in any format; local numbers next to a phone word."""

    INTL_SCORE = 0.75
    LOCAL_SCORE = 0.45  # below a checksum-validated or SSN match of the same digits

    def __init__(self, regions: tuple[str, ...] = LOCAL_REGIONS) -> None:
        self.regions = regions
        super().__init__(supported_entities=["PHONE_NUMBER"], name="PhoneNumberRecognizer", supported_language="en")

    def load(self) -> None:
        """Load each region's numbering plan now: libphonenumber reads them lazily, on a user's first question."""
        for region in (*LOCAL_REGIONS, "CH"):
            list(PhoneNumberMatcher("call 079 123 45 67 or (415) 555-0132", region, Leniency.VALID))

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        if not _DIGITS.search(text):
            return []
        found: dict[tuple[int, int], float] = {}
        # 1) international: any region whose international prefix is 00 parses "+…" and "00…" alike
        for m in PhoneNumberMatcher(text, "CH", Leniency.POSSIBLE):
            if not _is_intl(m.raw_string):
                continue
            if (
                m.raw_string.lstrip("( ").startswith("00")
                and not phonenumbers.is_valid_number(m.number)
                and not regex.search(r"\d[\s.\-]\d", m.raw_string)  # "0041 53 147 37 99" is written as a phone
            ):
                continue
            found[(m.start, m.end)] = self.INTL_SCORE
        # 2) local: only where a phone word is near, or written in a shape only phones have. Each remaining run of
        # digits is parsed on its own (a short snippet), region by region until one validates it.
        words = PHONE_WORDS.search(text) is not None
        for cand in _DIGITS.finditer(text):
            c_start, c_end = cand.span()
            if any(s < c_end and c_start < e for s, e in found) or SSN_SHAPE.match(cand.group()):
                continue
            if sum(ch.isdigit() for ch in cand.group()) > 17:  # longer than any national number: an id
                continue
            window = text[max(0, c_start - _BEFORE) : c_start] + " " + text[c_end : c_end + _AFTER]
            near_word = words and PHONE_WORDS.search(window) is not None
            shaped = text[max(0, c_start - 6) : c_start].rstrip().endswith(tuple("(")) or _EXT_AFTER.match(text, c_end)
            if not (near_word or shaped or "(" in text[c_start:c_end]):
                continue
            lo = max(0, c_start - 6)
            snippet = text[lo : c_end + 12]
            for region in self.regions:
                hits = [
                    m
                    for m in PhoneNumberMatcher(snippet, region, Leniency.VALID)
                    if m.start + lo < c_end and c_start < m.end + lo and not SSN_SHAPE.match(m.raw_string)
                ]
                if hits:
                    m = hits[0]
                    if near_word or PHONE_SHAPE.search(m.raw_string):
                        found[(m.start + lo, m.end + lo)] = self.LOCAL_SCORE
                    break
        return [RecognizerResult("PHONE_NUMBER", start, end, score) for (start, end), score in sorted(found.items())]
