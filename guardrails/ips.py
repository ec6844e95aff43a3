"""IP addresses, without the ones that identify no one.

Presidio's IpRecognizer types every address as PII, including ``0.0.0.0``, ``127.0.0.1``, ``::1`` and network
blocks such as ``10.36.0.0/16`` — everyday words of technical questions ("listen 0.0.0.0:8080", "the CIDR overlaps
the peering VPC"). This subclass drops unspecified and loopback addresses and CIDR blocks written with their
network address (host bits zero); every other address, private ranges included, stays PII.
"""

from __future__ import annotations

import ipaddress

import regex
from presidio_analyzer.predefined_recognizers import IpRecognizer


class IpAddressRecognizer(IpRecognizer):
    def __init__(self) -> None:
        super().__init__(name="IpAddressRecognizer")

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
        kept = []
        for r in super().analyze(text, entities, nlp_artifacts, regex_flags):
            if not _identifies_no_one(text, r.start, r.end):
                kept.append(r)
        return kept


# The word right before a dotted quad that makes it a version number (IPv4 only: a version has no colons).
_VERSION_WORD = regex.compile(r"(?i)\b(?:version|ver\.?|release|firmware|fw)\s*[:=#]?\s*$")


def _identifies_no_one(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    if ":" not in value and _VERSION_WORD.search(text[max(0, start - 20) : start]):
        return True
    suffix = regex.match(r"/\d{1,3}\b", text[end : end + 4])
    if "/" not in value and suffix:  # the CIDR suffix may be inside the match or right after it
        value += suffix.group()
    try:
        if "/" in value:
            network = ipaddress.ip_network(value, strict=True)  # strict: host bits must be zero
            return network.num_addresses > 1 or network.network_address.is_loopback
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return address.is_unspecified or address.is_loopback
