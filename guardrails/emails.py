"""Email addresses, company-internal domains included.

Presidio's EmailRecognizer keeps a match only when tldextract finds a public suffix in its domain, so mail on a
domain that is not on the public suffix list — ``jane@corp.internal``, ``ops@build.local``, ``bob@fileserver.lan``,
which is where a lot of company mail lives — was not PII at all. This subclass also keeps a domain whose last label
is one of the names reserved or customary for private networks (RFC 2606 and 6761, ICANN's ``.internal``, home
networks' ``.home.arpa``, Active Directory's ``.corp``/``.ad``). Anything else still needs a public suffix, so
``x@w.T`` or ``requests@2.31.0`` stay text.
"""

from __future__ import annotations

from presidio_analyzer.predefined_recognizers import EmailRecognizer

PRIVATE_TLDS = frozenset(
    {
        "internal",  # ICANN, 2024: reserved for private use
        "local",  # mDNS (RFC 6762), and many Active Directory forests
        "localdomain",
        "lan",
        "home",
        "arpa",  # home.arpa (RFC 8375)
        "corp",
        "ad",  # a public ccTLD too; tldextract already accepts it
        "intranet",
        "intra",
        "private",
        "priv",
        "example",  # RFC 2606
        "test",
        "invalid",
        "localhost",
    }
)


class EmailAddressRecognizer(EmailRecognizer):
    def __init__(self) -> None:
        super().__init__(name="EmailAddressRecognizer")

    def validate_result(self, pattern_text: str) -> bool:
        if super().validate_result(pattern_text):
            return True
        domain = pattern_text.rsplit("@", 1)[-1].rstrip(".").lower()
        labels = domain.split(".")
        return len(labels) >= 2 and labels[-1] in PRIVATE_TLDS and all(labels)
