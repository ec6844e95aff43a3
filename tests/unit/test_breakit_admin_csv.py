"""The one rule for every CSV cell the CLI writes (OWASP CSV injection): text a spreadsheet could read as a formula
starts with ' and is otherwise kept whole."""

from __future__ import annotations

import csv
import io

import pytest

from cli.output import spreadsheet_cell, write_csv


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tplain", "\rplain", "＝1+1", "＋1", "－1", "＠x", "﹦1", "﹢1", "﹣1", "﹫x",
     " =1+1", "\t=1+1", "\r\n=1", "\u3000=1", "\u00a0+1", "  ＠x"],
)  # fmt: skip
def test_text_that_could_start_a_formula_is_neutralised_and_kept_whole(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["How do I book a desk?", "", "  plain", "a=b", "x-1", 3, -3, 0.5, None, True])
def test_anything_else_is_unchanged(value):
    assert spreadsheet_cell(value) == value


def test_write_csv_neutralises_the_header_and_every_text_cell():
    out = io.StringIO()
    write_csv(["=h", "n"], [["＝cmd", -2], ['ok, "quoted"\nline', 1]], stream=out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["'=h", "n"],
        ["'＝cmd", "-2"],
        ['ok, "quoted"\nline', "1"],
    ]
