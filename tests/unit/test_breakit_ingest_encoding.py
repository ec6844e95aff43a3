"""Text files in the encodings old Windows documents use: read, never refused and never turned into mojibake;
valid UTF-8 always read as UTF-8, whatever a detector would guess."""

from __future__ import annotations

import random

import pytest

from workers.kb.parsing import UnreadableDocument, decode

CP1252 = "The \u201csmart quotes\u201d cost 5\u20ac \u2013 caf\xe9, na\xefve r\xe9sum\xe9 and cr\xe8me br\xfbl\xe9e.\n"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("caf\xe9 cr\xe8me", "latin-1"),  # ten bytes: too short for any detector to be sure
        (CP1252, "cp1252"),  # bytes 0x80-0x9F: Windows' quotes, euro sign and dashes
        ("# Proc\xe9dure\n\nL'\xe9quipe red\xe9marre le serveur apr\xe8s la mise \xe0 jour.\n", "cp1252"),
        ("Gr\xfc\xdfe aus M\xfcnchen. Die Stra\xdfe ist gesperrt, bitte \xfcber die Br\xfccke fahren.\n", "latin-1"),
        ("Привет, это документ о развертывании сервиса. Перезапустите сервер после обновления.\n", "cp1251"),
        ("Zażółć gęślą jaźń. Proszę zrestartować serwer po aktualizacji systemu.\n", "cp1250"),
        ("これは日本語の文書です。サーバーの再起動手順。\n", "shift_jis"),
    ],
)
def test_legacy_encodings_are_read(text, encoding):
    assert decode(text.encode(encoding), "old.txt") == text


def test_valid_utf8_is_always_utf8():
    text = "Gr\xfc\xdfe, caf\xe9 \u2013 \u00c3\u00a9 looks like mojibake but is what the author wrote.\n"
    assert decode(text.encode("utf-8"), "new.txt") == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8"), "bom.txt") == text


def test_a_long_legacy_file_with_one_odd_line_late_is_read_whole():
    text = "Plain English line about the deploy.\n" * 5000 + "Le caf\xe9 est ferm\xe9.\n"
    assert decode(text.encode("cp1252"), "long.txt") == text


def test_binary_is_still_refused():
    with pytest.raises(UnreadableDocument, match="binary"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00binary", "image.md")
    with pytest.raises(UnreadableDocument):
        decode(bytes(range(0x80, 0x100)) * 64, "noise.txt")
    with pytest.raises(UnreadableDocument, match="save it as UTF-8"):  # no cp1252, no language: not guessed
        decode(b"caf\xe9 au lait \x81\x8d\x90", "odd.txt")
    noise = bytes(b for b in random.Random(7).randbytes(8000) if b >= 0x20)  # no byte cp1252 lacks a character for
    with pytest.raises(UnreadableDocument, match="save it as UTF-8"):
        decode(noise.replace(b"\x81", b"").replace(b"\x8d", b"").replace(b"\x8f", b"").replace(b"\x90", b"")
               .replace(b"\x9d", b""), "noise.txt")  # fmt: skip
