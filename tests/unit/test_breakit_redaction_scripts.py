"""Break-it: values written straight against text in scripts that use no spaces (Japanese, Chinese, Korean, Thai).

In "メールはtaro.yamada@example.jpです" the letters before and after the address are word characters to every
``\\b`` and ``\\w`` boundary the recognizers use, so the address, a card, an SSN or an IP glued to kana or kanji was
left in the clear. Through `PiiGuard.redact`, the entry point the pipeline calls on every question."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("メールはtaro.yamada@example.jpです", "taro.yamada@example.jp", "EMAIL_ADDRESS"),
        ("请发邮件到li.wei@example.cn谢谢", "li.wei@example.cn", "EMAIL_ADDRESS"),
        ("カード4111111111111111です", "4111111111111111", "CREDIT_CARD"),
        ("カード番号は4111 1111 1111 1111です", "4111 1111 1111 1111", "CREDIT_CARD"),
        ("ssn: 536-22-1234です", "536-22-1234", "US_SSN"),
        ("サーバー10.20.30.40です", "10.20.30.40", "IP_ADDRESS"),
        ("이메일은kim.minsu@example.kr입니다", "kim.minsu@example.kr", "EMAIL_ADDRESS"),
    ],
)
def test_a_value_glued_to_cjk_text_is_redacted(pii_guard, text, value, entity):
    red = pii_guard.redact(text)
    assert value not in red.text, red.text
    assert red.text == text.replace(value, f"<{entity}>"), red.text


@pytest.mark.parametrize(
    "text",
    [
        "バージョン3.11のドキュメントはどこですか",  # a version number, not a value
        "ポート8080で起動します",
        "東京オフィスのWi-Fiは?",
        "Pythonの使い方",
    ],
)
def test_cjk_questions_with_numbers_and_words_stay(pii_guard, text):
    assert pii_guard.redact(text).text == text
