"""Split sections into retrieval-sized chunks on paragraph, then sentence, boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.text import sentences
from workers.kb.parsing import ParsedDocument


@dataclass
class Chunk:
    ordinal: int
    section_title: str
    heading_path: list[str]
    anchor: str
    content: str

    def embedding_text(self) -> str:
        """What gets embedded: the heading path gives a short passage its context."""
        return " > ".join(self.heading_path) + "\n" + self.content


def _windows(text: str, size: int) -> list[str]:
    """The text in consecutive pieces of at most `size` characters, cut at whitespace where there is some: the
    sentence splitter is quadratic in a run of abbreviations ("Mr. Mr. …": 32 KB took 12 s, so a 1 MB paragraph
    hours), and a sentence longer than a window is hard-cut to max_chars anyway."""
    out: list[str] = []
    while len(text) > size:
        cut = max(text.rfind(" ", 0, size), text.rfind("\n", 0, size))
        cut = cut if cut > 0 else size
        out.append(text[:cut])
        text = text[cut:]
    out.append(text)
    return out


def _pieces(text: str, max_chars: int) -> list[str]:
    """Paragraphs, with over-long ones split into sentence groups (and hard-cut as a last resort)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip()
        if not para:
            continue
        if len(para) <= max_chars:
            out.append(para)
            continue
        for sent in (s for window in _windows(para, 2 * max_chars) for s in sentences(window)):
            while len(sent) > max_chars:
                out.append(sent[:max_chars])
                sent = sent[max_chars:]
            if sent:
                out.append(sent)
    return out


def chunk_document(doc: ParsedDocument, *, max_chars: int = 1200, overlap_chars: int = 150) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in doc.sections:
        current: list[str] = []
        size = 0
        for piece in _pieces(section.text, max_chars):
            if current and size + len(piece) + 2 > max_chars:
                chunks.append(
                    Chunk(len(chunks), section.title, section.heading_path, section.anchor, "\n\n".join(current))
                )
                tail = current[-1] if len(current[-1]) <= overlap_chars else ""
                current, size = ([tail] if tail else []), len(tail)
            current.append(piece)
            size += len(piece) + 2
        if current:
            chunks.append(Chunk(len(chunks), section.title, section.heading_path, section.anchor, "\n\n".join(current)))
    return chunks
