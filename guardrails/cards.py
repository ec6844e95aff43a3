"""Payment card numbers of every major network: IIN range and length per brand, Luhn-checked.

Presidio's CreditCardRecognizer knows 1-series Mastercard, 16-digit Visa, Amex, Diners, Discover and JCB with a
few fixed groupings: it misses 2-series Mastercard (2221–2720), 19-digit Visa, Maestro (12–19 digits), UnionPay
and the 17–19-digit JCB/Discover numbers. This recognizer takes any run of 12–19 digits written contiguously, in
groups with one consistent separator (space, dash or dot: ``4111.1111.1111.1111``), spaces and dashes mixed in a
card's own grouping (``4111 1111-1111 1111``), or one group per line (typed so to get past a filter), and keeps it
only when its prefix is an issuer range of a brand that issues that length and the Luhn checksum holds.

A Luhn-valid 13–19-digit number outside the known ranges (a new or regional IIN; test cards) is a card only next
to a card word. Score: 1.0, except for a contiguous run of 12–14 digits (12-digit Maestro, 13-digit Visa, 14-digit
Diners), which is also an account id, a phone number or a database key often enough that it needs a card word
nearby (``card``, ``visa``, ``pan``, ``cc``…) to reach the guard's threshold.
"""

from __future__ import annotations

import regex
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

# (IIN prefix range low, high, number of prefix digits compared, allowed lengths). Sources: the networks' published
# ranges (ISO/IEC 7812 issuer identification numbers) as collected in public BIN range tables.
_ANY = range(12, 20)
IIN_RANGES: tuple[tuple[int, int, int, range | tuple[int, ...]], ...] = (
    (4, 4, 1, (13, 16, 19)),  # Visa (incl. Electron)
    (51, 55, 2, (16,)),  # Mastercard
    (2221, 2720, 4, (16,)),  # Mastercard 2-series
    (34, 34, 2, (15,)),  # American Express
    (37, 37, 2, (15,)),
    (300, 305, 3, (14, 15, 16, 17, 18, 19)),  # Diners Club International
    (36, 36, 2, range(14, 20)),
    (38, 39, 2, (14, 15, 16, 17, 18, 19)),
    (6011, 6011, 4, range(16, 20)),  # Discover
    (644, 649, 3, range(16, 20)),
    (65, 65, 2, range(16, 20)),
    (622126, 622925, 6, range(16, 20)),  # Discover / UnionPay co-branded
    (3528, 3589, 4, range(16, 20)),  # JCB
    (62, 62, 2, range(16, 20)),  # UnionPay
    (81, 81, 2, range(16, 20)),  # UnionPay (8171…), RuPay (81/82)
    (82, 82, 2, (16,)),
    (50, 50, 2, _ANY),  # Maestro (5018, 5020, 5038, 5893, 6304, 6759, 6761–6763 …) and Verve (506099…)
    (56, 69, 2, _ANY),
    (2200, 2204, 4, range(16, 20)),  # Mir
    (60, 60, 2, (16,)),  # RuPay
    (508, 508, 3, (16,)),
    (353, 353, 3, (16,)),
    (356, 356, 3, (16,)),
    (9792, 9792, 4, (16,)),  # Troy
)

CARD_CONTEXT = regex.compile(
    r"(?i)\b(?:cards?|credit|debit|visa|master\s?card|mc|amex|american express|maestro|diners|discover|jcb|"
    r"union\s?pay|rupay|mir|pan|cc|ccn|cvv|cvc|exp(?:iry|ires)?|billing|payment|refund|charge[ds]?|declined)\b"
)
_CONTEXT_WINDOW = 60

# 12–19 digits: contiguous, or groups of 2–7 digits with one separator type. Not glued to other digits, to a
# decimal point, a version dot, a "+" (a phone) or a word character: a dotted run of more groups (an OID, a
# version) has a dot or a digit at one end.
CARD_REGEX = (
    r"(?<![\w+.,/:-])(?<![\w.][-])"
    r"(?:\d{12,19}|\d{2,7}(?:(?P<sep>[ .-])\d{1,7})(?:(?P=sep)\d{1,7}){1,5})"
    r"(?![\w])(?![.,/:-]\d)"
)
# Spaces and dashes mixed, in a card's own grouping only (4-4-4-4, 4-4-4-4-3, Amex 4-6-5, Diners 4-6-4): a card
# copied from two places or retyped half way. Other digit runs with mixed separators (dates, ids) are left alone.
CARD_MIXED_REGEX = (
    r"(?<![\w+.,/:-])(?<![\w.][-])"
    r"(?:\d{4}(?:[ -]\d{4}){3}(?:[ -]\d{3})?|\d{4}[ -]\d{6}[ -]\d{4,5})"
    r"(?![\w])(?![.,/:-]\d)"
)
# One group per line, alone on its line (spaces around it allowed): nothing else in those lines.
CARD_LINES_REGEX = r"(?m)(?<=^[ \t]*)\d{3,6}(?:[ \t]*\r?\n[ \t]*\d{1,7}){2,5}(?=[ \t]*$)"
_SEPARATOR = regex.compile(r"[ \t]*\r?\n[ \t]*|[ .-]")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand_ok(digits: str) -> bool:
    n = len(digits)
    return any(n in lengths and low <= int(digits[:width]) <= high for low, high, width, lengths in IIN_RANGES)


def is_card_number(digits: str) -> bool:
    return 12 <= len(digits) <= 19 and len(set(digits)) > 1 and card_brand_ok(digits) and luhn_ok(digits)


class CardNumberRecognizer(PatternRecognizer):
    """CREDIT_CARD for every major brand (see module docstring)."""

    AMBIGUOUS_SCORE = 0.3  # below the guard's 0.35: needs a card word nearby

    def __init__(self) -> None:
        super().__init__(
            supported_entity="CREDIT_CARD",
            name="CardNumberRecognizer",
            patterns=[
                Pattern("card_number", CARD_REGEX, 0.3),
                Pattern("card_mixed", CARD_MIXED_REGEX, 0.3),
                Pattern("card_lines", CARD_LINES_REGEX, 0.3),
            ],
            supported_language="en",
            context=[],
        )

    def validate_result(self, pattern_text: str) -> bool:
        groups = _SEPARATOR.split(pattern_text)
        digits = "".join(groups)
        if not (13 <= len(digits) <= 19 or card_brand_ok(digits)) or len(set(digits)) < 2 or not luhn_ok(digits):
            return False
        # grouped numbers: every group but the last has 3–6 digits (4-4-4-4, 4-6-5, 4-6-4, 6-13 is contiguous…)
        return len(groups) == 1 or all(3 <= len(g) <= 6 for g in groups[:-1])

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for r in results:
            value = text[r.start : r.end]
            digits = "".join(_SEPARATOR.split(value))
            if not card_brand_ok(digits) or (value.isdigit() and len(value) < 15):
                window = text[max(0, r.start - _CONTEXT_WINDOW) : r.end + _CONTEXT_WINDOW]
                r.score = 1.0 if CARD_CONTEXT.search(window) else self.AMBIGUOUS_SCORE
        return results
