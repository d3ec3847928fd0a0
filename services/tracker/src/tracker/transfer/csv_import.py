"""Reading other trackers' CSV exports into application drafts (no database here).

Bytes → text (encoding rules) → rows (delimiter sniffed) → a dialect picked from the
headers (Huntr, JobSync, Teal-style or our generic layout) → each header mapped to one
of our fields (aliases, overridable with an explicit mapping) → per-row drafts with
every bad cell reported by row number. Row numbers count like a spreadsheet: the
header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from jobhunt_common.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from tracker.transfer import values
from tracker.transfer.dialects import (
    EMPLOYMENT,
    HEADER_ALIASES,
    IMPORT_FIELDS,
    SIGNATURES,
    WORKPLACE,
    header_key,
)
from tracker.transfer.values import STATUSES

MAX_IMPORT_ROWS = 100_000
ENCODINGS = ("utf-8", "cp1252", "latin-1")
DIALECTS = ("huntr", "jobsync", "teal", "generic")


@dataclass
class RowError:
    row: int
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ApplicationDraft:
    """One CSV row turned into our terms, before anything touches the database."""

    row: int
    fields: dict[str, Any] = field(default_factory=dict)
    status: str = "saved"
    status_label: str | None = None
    status_changed_at: datetime | None = None
    applied: bool | None = None
    created_at: datetime | None = None
    note: str | None = None


@dataclass
class CsvPlan:
    dialect: str
    encoding: str
    mapping: dict[str, str]
    ignored_columns: list[str]
    total_rows: int
    drafts: list[ApplicationDraft]
    errors: list[RowError]


def decode(payload: bytes, encoding: str = "utf-8") -> tuple[str, str]:
    """The text of an upload and the encoding used; a clear 4xx for anything unreadable."""
    if encoding not in ENCODINGS:
        raise Unprocessable(f"encoding must be one of {', '.join(ENCODINGS)}.")
    if not payload.strip():
        raise Unprocessable("The file is empty.")
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return payload.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise Unprocessable("The file claims UTF-16 but is not valid UTF-16.") from exc
    if b"\x00" in payload:
        raise UnsupportedMediaType("The file holds NUL bytes: it is not a CSV text file.")
    if encoding == "utf-8":
        try:
            return payload.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:
            raise Unprocessable(
                f"The file is not valid UTF-8 (byte {exc.start}). Save it as UTF-8, or "
                "pass encoding=cp1252 if it came from Excel on Windows."
            ) from exc
    return payload.decode(encoding), encoding


def _sniff_delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def detect_dialect(headers: list[str]) -> str:
    """Which tracker wrote these headers; ``generic`` when none's signature fits."""
    keys = {header_key(h) for h in headers}
    for name, (signature, needed) in SIGNATURES.items():
        if len(keys & signature) >= needed:
            return name
    return "generic"


def build_mapping(headers: list[str], override: Mapping[str, str] | None) -> dict[str, str]:
    """Header → field for every header we understand (explicit overrides win)."""
    override = dict(override or {})
    unknown_fields = sorted({f for f in override.values() if f not in IMPORT_FIELDS})
    if unknown_fields:
        raise Unprocessable(
            f"mapping names unknown fields {unknown_fields}; "
            f"known fields: {', '.join(IMPORT_FIELDS)}."
        )
    missing = sorted(set(override) - set(headers))
    if missing:
        raise Unprocessable(f"mapping names columns the file does not have: {missing}.")
    mapping: dict[str, str] = {}
    for header in headers:
        target = override.get(header) or HEADER_ALIASES.get(header_key(header))
        if target is not None and target != "ignore":
            mapping[header] = target
    taken: dict[str, str] = {}
    for header, target in mapping.items():
        if target in taken:
            raise Unprocessable(
                f"Columns {taken[target]!r} and {header!r} both map to {target!r}; "
                "pass a mapping that sets one of them to 'ignore'."
            )
        taken[target] = header
    if "title" not in taken:
        raise Unprocessable(
            f"No column holds the job title (columns: {headers}); pass a mapping such as "
            '{"Position": "title"}.'
        )
    return mapping


def read_csv(
    text: str,
    *,
    encoding: str,
    dialect: str | None = None,
    mapping: Mapping[str, str] | None = None,
    status_aliases: Mapping[str, str] | None = None,
    day_first: bool = False,
) -> CsvPlan:
    """Parse a whole CSV into drafts and per-row errors; raises only for whole-file faults."""
    first_line = text.split("\n", 1)[0].strip()
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        # Excel's hint line ("sep=;") names the delimiter and is not a row.
        delimiter, text = first_line[4], text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise Unprocessable("The file is empty.") from exc
    except csv.Error as exc:
        raise Unprocessable(f"The header row is not valid CSV: {exc}.") from exc
    named = [h for h in headers if h]
    if len(set(named)) != len(named) or not named:
        raise Unprocessable(f"The header row repeats column names: {headers}.")
    # Spreadsheets often add unnamed trailing columns: keep them, ignored, under a label.
    headers = [h or f"(column {i + 1})" for i, h in enumerate(headers)]
    if dialect is not None and dialect not in DIALECTS:
        raise Unprocessable(f"format must be one of {', '.join(DIALECTS)}, or json.")
    chosen = dialect or detect_dialect(headers)
    column_map = build_mapping(headers, mapping)
    for alias, status in (status_aliases or {}).items():
        if status not in STATUSES:
            raise Unprocessable(f"status_aliases maps {alias!r} to unknown status {status!r}.")
    converter = _RowConverter(chosen, dict(status_aliases or {}), day_first)

    drafts: list[ApplicationDraft] = []
    errors: list[RowError] = []
    total = 0
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise Unprocessable(f"Row {reader.line_num} is not valid CSV: {exc}.") from exc
        row_number += 1
        if not any(cell.strip() for cell in cells):
            continue
        total += 1
        if total > MAX_IMPORT_ROWS:
            raise PayloadTooLarge(f"An import takes at most {MAX_IMPORT_ROWS} rows.")
        if len(cells) > len(headers) and any(c.strip() for c in cells[len(headers) :]):
            errors.append(RowError(row_number, f"{len(cells)} cells but {len(headers)} columns"))
            continue
        record = {h: cells[i].strip() if i < len(cells) else "" for i, h in enumerate(headers)}
        draft, row_errors = converter.convert(row_number, record, column_map)
        if row_errors:
            errors.extend(row_errors)
        else:
            drafts.append(draft)
    if total == 0:
        raise Unprocessable("The file has a header row but no data rows.")
    return CsvPlan(
        dialect=chosen,
        encoding=encoding,
        mapping=column_map,
        ignored_columns=[h for h in headers if h not in column_map],
        total_rows=total,
        drafts=drafts,
        errors=errors,
    )


class _RowConverter:
    def __init__(self, dialect: str, status_aliases: dict[str, str], day_first: bool) -> None:
        self.dialect = dialect
        self.status_aliases = status_aliases
        self.day_first = day_first

    def _datetime(self, raw: str) -> datetime:
        return values.parse_datetime(raw, day_first=self.day_first)

    def _date(self, raw: str) -> date:
        return values.parse_date(raw, day_first=self.day_first)

    def convert(
        self, row: int, record: dict[str, str], column_map: dict[str, str]
    ) -> tuple[ApplicationDraft, list[RowError]]:
        draft = ApplicationDraft(row=row)
        errors: list[RowError] = []
        cells = {target: record[header] for header, target in column_map.items()}
        setters: dict[str, Callable[[ApplicationDraft, str], None]] = {
            "status": self._set_status,
            "salary": _set_salary,
            "workplace_type": _set_workplace,
            "employment_type": _set_employment,
            "applied": lambda d, v: setattr(d, "applied", values.parse_bool(v)),
            "created_at": lambda d, v: setattr(d, "created_at", self._datetime(v)),
            "status_changed_at": lambda d, v: setattr(d, "status_changed_at", self._datetime(v)),
            "notes": lambda d, v: setattr(d, "note", v),
            "applied_at": lambda d, v: d.fields.__setitem__("applied_at", self._datetime(v)),
            "first_response_at": lambda d, v: d.fields.__setitem__(
                "first_response_at", self._datetime(v)
            ),
            "follow_up_at": lambda d, v: d.fields.__setitem__("follow_up_at", self._datetime(v)),
            "date_posted": lambda d, v: d.fields.__setitem__("date_posted", self._date(v)),
            "salary_min": lambda d, v: d.fields.__setitem__("salary_min", values.parse_int(v)),
            "salary_max": lambda d, v: d.fields.__setitem__("salary_max", values.parse_int(v)),
            "salary_currency": _set_currency,
            "salary_period": _set_period,
            "excitement": lambda d, v: d.fields.__setitem__(
                "excitement", values.parse_int(v, low=1, high=5)
            ),
            "tags": lambda d, v: d.fields.__setitem__("tags", values.parse_tags(v)),
            "archived": lambda d, v: d.fields.__setitem__("archived", values.parse_bool(v)),
            "match_score": lambda d, v: d.fields.__setitem__("match_score", values.parse_float(v)),
        }
        # Salary text first so explicit min/max/currency/period columns override it.
        for target in sorted(cells, key=lambda t: t != "salary"):
            raw = cells[target]
            if not raw:
                continue
            setter = setters.get(target)
            try:
                if setter is None:
                    draft.fields[target] = raw
                else:
                    setter(draft, raw)
            except ValueError as exc:
                errors.append(RowError(row, str(exc), target))
        if not draft.fields.get("title"):
            errors.append(RowError(row, "the job title is empty", "title"))
        low, high = draft.fields.get("salary_min"), draft.fields.get("salary_max")
        if low is not None and high is not None and low > high:
            errors.append(RowError(row, f"salary_min {low} is above salary_max {high}", "salary"))
        if draft.applied and "status" not in cells:
            draft.status = "applied"
        if draft.status == "saved" and draft.fields.get("applied_at") and not cells.get("status"):
            draft.status = "applied"
        return draft, errors

    def _set_status(self, draft: ApplicationDraft, raw: str) -> None:
        key = values.normalise_label(raw)
        if self.dialect == "jobsync" and key == "archived":
            # JobSync archives instead of closing: keep the flag, the stage is unknown.
            draft.fields["archived"] = True
            draft.status = "applied" if draft.applied else "saved"
            return
        draft.status = values.parse_status(raw, self.status_aliases)
        if key != draft.status:
            draft.status_label = raw


def _set_salary(draft: ApplicationDraft, raw: str) -> None:
    salary = values.parse_salary(raw)
    draft.fields.update(salary_min=salary.minimum, salary_max=salary.maximum)
    if salary.currency:
        draft.fields["salary_currency"] = salary.currency
    if salary.period:
        draft.fields["salary_period"] = salary.period


def _set_currency(draft: ApplicationDraft, raw: str) -> None:
    code = raw.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"not a three-letter currency code: {raw!r}")
    draft.fields["salary_currency"] = code


def _set_period(draft: ApplicationDraft, raw: str) -> None:
    key = values.normalise_label(raw).removeprefix("per ")
    period = {"hourly": "hour", "daily": "day", "weekly": "week", "monthly": "month"}.get(
        key, {"annual": "year", "yearly": "year", "annually": "year"}.get(key, key)
    )
    if period not in values.SALARY_PERIODS:
        raise ValueError(f"unknown salary period {raw!r}")
    draft.fields["salary_period"] = period


def _set_workplace(draft: ApplicationDraft, raw: str) -> None:
    key = values.normalise_label(raw)
    if key in {"yes", "true"}:
        key = "remote"
    workplace = WORKPLACE.get(key)
    if workplace is None:
        raise ValueError(f"unknown workplace type {raw!r} (remote, hybrid or onsite)")
    draft.fields["workplace_type"] = workplace


def _set_employment(draft: ApplicationDraft, raw: str) -> None:
    key = values.normalise_label(raw)
    draft.fields["employment_type"] = EMPLOYMENT.get(key, key.replace(" ", "_"))
