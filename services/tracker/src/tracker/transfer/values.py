"""Cell values from other trackers' CSVs: dates, salaries, statuses, booleans, tags.

Every parser takes a raw string and returns the value, or raises ``ValueError`` with a
message fit to show the user next to the row number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

STATUSES = (
    "saved",
    "applied",
    "screening",
    "interviewing",
    "offer",
    "accepted",
    "rejected",
    "withdrawn",
    "ghosted",
)

# Stage names used by Huntr lists, Teal, JobSync and people's own boards, normalised
# (lower case, runs of non-alphanumerics squashed to one space).
STATUS_ALIASES: dict[str, str] = {
    **{status: status for status in STATUSES},
    "wishlist": "saved",
    "wish list": "saved",
    "bookmarked": "saved",
    "bookmark": "saved",
    "saved for later": "saved",
    "draft": "saved",
    "interested": "saved",
    "to apply": "saved",
    "applying": "saved",
    "not applied": "saved",
    "prospect": "saved",
    "submitted": "applied",
    "application submitted": "applied",
    "applied online": "applied",
    "in review": "applied",
    "screen": "screening",
    "phone screen": "screening",
    "phone screening": "screening",
    "recruiter screen": "screening",
    "recruiter call": "screening",
    "hr screen": "screening",
    "assessment": "screening",
    "interview": "interviewing",
    "interviews": "interviewing",
    "interviewed": "interviewing",
    "onsite": "interviewing",
    "on site": "interviewing",
    "technical interview": "interviewing",
    "final interview": "interviewing",
    "final round": "interviewing",
    "negotiating": "offer",
    "negotiation": "offer",
    "offered": "offer",
    "offer received": "offer",
    "offers": "offer",
    "accept": "accepted",
    "hired": "accepted",
    "signed": "accepted",
    "offer accepted": "accepted",
    "reject": "rejected",
    "rejection": "rejected",
    "declined": "rejected",
    "not selected": "rejected",
    "not moving forward": "rejected",
    "closed": "rejected",
    "withdraw": "withdrawn",
    "withdrew": "withdrawn",
    "i withdrew": "withdrawn",
    "offer declined": "withdrawn",
    "expired": "withdrawn",
    "no response": "ghosted",
    "ghost": "ghosted",
    "no reply": "ghosted",
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_label(text: str) -> str:
    """Lower case with punctuation and emoji squashed: 'No Response 🔕' → 'no response'."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def parse_status(raw: str, extra_aliases: dict[str, str] | None = None) -> str:
    """Our status name for a stage name from any tracker."""
    key = normalise_label(raw)
    if extra_aliases:
        for alias, status in extra_aliases.items():
            if normalise_label(alias) == key:
                return status
    known = STATUS_ALIASES.get(key)
    if known is None:
        raise ValueError(f"unknown status {raw!r} (expected one of {', '.join(STATUSES)})")
    return known


_TRUE = {"true", "yes", "y", "1", "t", "x", "on", "checked"}
_FALSE = {"false", "no", "n", "0", "f", "off", ""}


def parse_bool(raw: str) -> bool:
    key = raw.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {raw!r}")


def parse_tags(raw: str) -> list[str]:
    """Tags separated by ';' or ',' (our export joins them with '; ')."""
    seen: dict[str, None] = {}
    for part in re.split(r"[;,]", raw):
        tag = part.strip()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def parse_int(raw: str, *, low: int | None = None, high: int | None = None) -> int:
    try:
        value = int(Decimal(raw.strip().replace(",", "")))
    except InvalidOperation as exc:
        raise ValueError(f"not a whole number: {raw!r}") from exc
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{value} is outside {low}..{high}")
    return value


def parse_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError as exc:
        raise ValueError(f"not a number: {raw!r}") from exc
    if not math.isfinite(value):  # NaN and infinity would poison every JSON answer later
        raise ValueError(f"not a finite number: {raw!r}")
    return value


# ---------------------------------------------------------------- dates and times

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]m)?)?"
_NUMERIC_DATETIME = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})" + _TIME + r"$", re.IGNORECASE
)
# "Mar 5, 2024", "March 5 2024", "5 Mar 2024", optional time; JS Date.toString() too:
# "Wed May 01 2024 10:00:00 GMT+0200 (Central European Summer Time)".
_WORDY = re.compile(
    r"^(?:[a-z]{3,9},?\s+)?(?:(?P<d1>\d{1,2})\s+(?P<m1>[a-z]{3,9})\.?|(?P<m2>[a-z]{3,9})\.?\s+"
    r"(?P<d2>\d{1,2})(?:st|nd|rd|th)?),?\s+(?P<y>\d{4})"
    r"(?:,?\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]m)?)?"
    r"(?:\s+(?:GMT|UTC)(?P<off>[+-]\d{4})?)?(?:\s+\(.*\))?$",
    re.IGNORECASE,
)


def _hour(hour: int, ampm: str | None) -> int:
    if ampm is None:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError("hour out of range for am/pm")
    return hour % 12 + (12 if ampm.lower() == "pm" else 0)


def _ymd(first: int, second: int, third: int, *, day_first: bool) -> tuple[int, int, int]:
    if first > 31:  # 2024-03-05 / 2024/3/5
        return first, second, third
    if third < 100:
        raise ValueError("two-digit years are ambiguous")
    if first > 12 or (day_first and second <= 12):
        return third, second, first
    return third, first, second


def parse_datetime(raw: str, *, day_first: bool = False) -> datetime:
    """A timezone-aware UTC datetime from the formats trackers export.

    ISO 8601 (offset, ``Z`` or none), ``YYYY-MM-DD``, ``MM/DD/YYYY`` (``DD/MM/YYYY`` with
    ``day_first`` or when the first number is over 12; ``DD.MM.YYYY`` always), month
    names, JavaScript ``Date`` strings and epoch seconds or milliseconds. Times without
    an offset are taken as UTC.
    """
    text = raw.strip()
    if not text:
        raise ValueError("empty date")
    if text.isdigit() and len(text) in (10, 13):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    iso = text[:-1] + "+00:00" if text[-1:] in "zZ" else text
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    try:
        return _parse_loose(text, day_first=day_first)
    except (ValueError, KeyError, OverflowError) as exc:
        raise ValueError(f"unrecognised date {raw!r}") from exc


def _parse_loose(text: str, *, day_first: bool) -> datetime:
    match = _NUMERIC_DATETIME.match(text)
    if match:
        a, b, c = (int(match.group(i)) for i in (1, 2, 3))
        dotted = "." in text.split(" ")[0]
        year, month, day = _ymd(a, b, c, day_first=day_first or dotted)
        hour = _hour(int(match.group(4) or 0), match.group(7))
        return datetime(
            year, month, day, hour, int(match.group(5) or 0), int(match.group(6) or 0), tzinfo=UTC
        )
    match = _WORDY.match(text)
    if not match:
        raise ValueError(text)
    groups = match.groupdict()
    month = _MONTHS[(groups["m1"] or groups["m2"]).lower()]
    day = int(groups["d1"] or groups["d2"])
    hour = _hour(int(groups["H"] or 0), groups["ampm"])
    local = datetime(
        int(groups["y"]), month, day, hour, int(groups["M"] or 0), int(groups["S"] or 0)
    )
    offset = groups["off"]
    if offset:
        sign = 1 if offset[0] == "+" else -1
        local -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return local.replace(tzinfo=UTC)


def parse_date(raw: str, *, day_first: bool = False) -> date:
    """A calendar date; a datetime is cut to its UTC date."""
    return parse_datetime(raw, day_first=day_first).date()


# ---------------------------------------------------------------- salaries

SALARY_PERIODS = ("hour", "day", "week", "month", "year")

_CURRENCY_SYMBOLS = [
    ("CA$", "CAD"),
    ("C$", "CAD"),
    ("AU$", "AUD"),
    ("A$", "AUD"),
    ("NZ$", "NZD"),
    ("US$", "USD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "JPY"),
    ("₹", "INR"),
    ("₩", "KRW"),
    ("zł", "PLN"),
    ("CHF", "CHF"),
]
_CURRENCY_CODES = {
    "USD", "EUR", "GBP", "CAD", "AUD", "NZD", "CHF", "JPY", "INR", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "SGD", "HKD", "CNY", "KRW", "BRL", "MXN", "ZAR", "ILS", "AED",
}  # fmt: skip
_PERIOD_WORDS = [
    (r"/\s*h\b|\bhours?\b|\bhr\b|\bhourly\b", "hour"),
    (r"\bday\b|\bdaily\b|\bper\s+diem\b", "day"),
    (r"\bweek\b|\bwk\b|\bweekly\b", "week"),
    (r"\bmonth\b|/\s*mo\b|\bmonthly\b|\bp\.?m\.?(?=\s|$)", "month"),
    (r"\byear\b|\byr\b|\bannum\b|\bannual(?:ly)?\b|\bp\.?a\.?(?=\s|$)", "year"),
]
_AMOUNT = re.compile(r"(\d[\d,.\s]*\d|\d)\s*([kKmM](?![a-z]))?")


@dataclass(frozen=True)
class Salary:
    minimum: int | None
    maximum: int | None
    currency: str | None
    period: str | None


def _amount(number: str, suffix: str | None) -> Decimal:
    digits = number.replace(" ", "")
    # "60.000" / "60,000" are thousands separators; "72.5" / "72,5" are decimals.
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits):
        digits = re.sub(r"[.,]", "", digits)
    else:
        digits = digits.replace(",", ".")
    value = Decimal(digits)
    if suffix:
        value *= 1000 if suffix.lower() == "k" else 1_000_000
    return value


def parse_salary(raw: str) -> Salary:
    """Min, max, currency and period from a free-text salary such as '$120k-150k/yr'."""
    text = raw.strip()
    if not text:
        raise ValueError("empty salary")
    currency = None
    upper = text.upper()
    for code in _CURRENCY_CODES:
        if re.search(rf"\b{code}\b", upper):
            currency = code
            break
    if currency is None:
        for symbol, code in _CURRENCY_SYMBOLS:
            if symbol in text:
                currency = code
                break
    period = None
    lower = text.lower()
    for pattern, name in _PERIOD_WORDS:
        if re.search(pattern, lower):
            period = name
            break
    try:
        amounts = [_amount(m.group(1), m.group(2)) for m in _AMOUNT.finditer(text)]
    except InvalidOperation as exc:
        raise ValueError(f"unreadable salary {raw!r}") from exc
    if not amounts or len(amounts) > 2:
        raise ValueError(f"unreadable salary {raw!r}")
    # "120-150k": a bare first number takes the second one's multiplier.
    if len(amounts) == 2 and amounts[0] < 1000 <= amounts[1] and amounts[1] / amounts[0] >= 100:
        amounts[0] *= 1000
    low, high = min(amounts), max(amounts)
    return Salary(int(low), int(high), currency, period)
