"""A1 notation: parsing ranges the way the Sheets API reads them, and writing them back."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_SIMPLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_RANGE = re.compile(r"^([A-Za-z]{1,3}\d*|\d+)(:([A-Za-z]{1,3}\d*|\d+))?$")


class RangeError(ValueError):
    """The text is not a range the API would accept."""


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - 64)
    return index - 1


def quote_sheet_name(name: str) -> str:
    """Sheet names are quoted in responses only where A1 needs it."""
    if _SIMPLE_NAME.match(name) and not _LOOKS_LIKE_RANGE.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class A1Range:
    """Zero-based, end-exclusive bounds; ``None`` is open (to the grid's edge)."""

    sheet: str | None
    start_row: int | None = None
    start_col: int | None = None
    end_row: int | None = None
    end_col: int | None = None

    @property
    def whole_sheet(self) -> bool:
        return self.start_row is None and self.start_col is None


def _split_sheet(text: str) -> tuple[str | None, str]:
    if text.startswith("'"):
        chars: list[str] = []
        i = 1
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    chars.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest and not rest.startswith("!"):
                    raise RangeError(text)
                return "".join(chars), rest[1:]
            chars.append(text[i])
            i += 1
        raise RangeError(text)
    if "!" in text:
        name, _, rest = text.rpartition("!")
        return name, rest
    if _LOOKS_LIKE_RANGE.match(text):
        return None, text
    return text, ""


def _cell(ref: str) -> tuple[int | None, int | None]:
    match = _CELL.match(ref)
    if not match or not (match.group(1) or match.group(2)):
        raise RangeError(ref)
    letters, digits = match.groups()
    row = int(digits) - 1 if digits else None
    if row is not None and row < 0:
        raise RangeError(ref)
    return row, column_index(letters) if letters else None


def parse_range(text: str) -> A1Range:
    """Parse ``'My Sheet'!A1:C10``, ``Sheet1``, ``A:C``, ``2:5`` and friends."""
    sheet, cells = _split_sheet(text.strip())
    if not cells:
        return A1Range(sheet)
    first, _, last = cells.partition(":")
    start_row, start_col = _cell(first)
    if last:
        end_row, end_col = _cell(last)
        end_row = end_row + 1 if end_row is not None else None
        end_col = end_col + 1 if end_col is not None else None
    else:
        end_row = start_row + 1 if start_row is not None else None
        end_col = start_col + 1 if start_col is not None else None
    return A1Range(sheet, start_row or 0, start_col or 0, end_row, end_col)


def format_range(sheet: str, start_row: int, start_col: int, end_row: int, end_col: int) -> str:
    """``Sheet1!A1:D4`` (a single cell as ``Sheet1!D4``), as the API reports ranges."""
    first = f"{column_letters(start_col)}{start_row + 1}"
    last = f"{column_letters(end_col - 1)}{end_row}"
    cells = first if first == last else f"{first}:{last}"
    return f"{quote_sheet_name(sheet)}!{cells}"
