"""CSV dialects, header mapping, cell parsing and implied history, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from jobhunt_common.errors import PayloadTooLarge, Unprocessable, UnsupportedMediaType
from tracker.transfer import csv_import
from tracker.transfer.csv_import import ApplicationDraft, decode, read_csv
from tracker.transfer.history import PlannedEvent, derived_moments, plan_events
from tracker.transfer.values import parse_datetime, parse_salary, parse_status

FIXTURES = Path(__file__).parent / "test_transfer_fixtures"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def plan_of(name: str, **kwargs: object) -> csv_import.CsvPlan:
    text, encoding = decode((FIXTURES / name).read_bytes())
    return read_csv(text, encoding=encoding, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("$120k - $150k", (120_000, 150_000, "USD", None)),
        ("€70,000 - €85,000 per year", (70_000, 85_000, "EUR", "year")),
        ("60.000 \u2013 70.000 EUR", (60_000, 70_000, "EUR", None)),
        ("$50/hr", (50, 50, "USD", "hour")),
        ("£45k", (45_000, 45_000, "GBP", None)),
        ("120-150k", (120_000, 150_000, None, None)),
        ("4.500 € / month", (4_500, 4_500, "EUR", "month")),
        ("CA$95,000 annually", (95_000, 95_000, "CAD", "year")),
        ("USD 100000 - 120000", (100_000, 120_000, "USD", None)),
    ],
)
def test_salary_strings(raw: str, expected: tuple[object, ...]) -> None:
    salary = parse_salary(raw)
    assert (salary.minimum, salary.maximum, salary.currency, salary.period) == expected


@pytest.mark.parametrize("raw", ["competitive", "DOE", "1 - 2 - 3"])
def test_unreadable_salaries_are_errors(raw: str) -> None:
    with pytest.raises(ValueError, match="salary"):
        parse_salary(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-05", utc(2024, 3, 5)),
        ("2024-03-05T10:00:00Z", utc(2024, 3, 5, 10)),
        ("2024-03-05T10:00:00.000+02:00", utc(2024, 3, 5, 8)),
        ("03/05/2024", utc(2024, 3, 5)),
        ("13/05/2024", utc(2024, 5, 13)),
        ("05.03.2024", utc(2024, 3, 5)),
        ("Mar 5, 2024", utc(2024, 3, 5)),
        ("5 March 2024", utc(2024, 3, 5)),
        ("3/5/2024 2:30 PM", utc(2024, 3, 5, 14, 30)),
        ("Wed May 01 2024 10:00:00 GMT+0200 (Central European Summer Time)", utc(2024, 5, 1, 8)),
        ("1714557600000", utc(2024, 5, 1, 10)),
        ("1714557600", utc(2024, 5, 1, 10)),
    ],
)
def test_dates_in_common_formats_become_utc(raw: str, expected: datetime) -> None:
    assert parse_datetime(raw) == expected


def test_day_first_reads_ambiguous_dates_the_european_way() -> None:
    assert parse_datetime("03/05/2024", day_first=True) == utc(2024, 5, 3)


@pytest.mark.parametrize("raw", ["yesterday", "2024-13-45", "31/31/2024", "5/3/24"])
def test_unreadable_dates_are_errors(raw: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_datetime(raw)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("Wishlist", "saved"),
        ("bookmarked", "saved"),
        ("Interview", "interviewing"),
        ("Negotiating", "offer"),
        ("No Response 🔕", "ghosted"),
        ("I Withdrew", "withdrawn"),
        ("Not Selected", "rejected"),
        ("phone-screen", "screening"),
        ("ACCEPTED", "accepted"),
    ],
)
def test_status_aliases(raw: str, status: str) -> None:
    assert parse_status(raw) == status


def test_unknown_status_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown status 'Maybe'.*saved, applied"):
        parse_status("Maybe")


def test_huntr_export() -> None:
    plan = plan_of("huntr.csv")
    assert plan.dialect == "huntr"
    assert plan.errors == []
    assert plan.ignored_columns == ["_id", "boardName"]
    assert [d.status for d in plan.drafts] == [
        "saved",
        "applied",
        "screening",
        "interviewing",
        "offer",
        "rejected",
    ]
    first = plan.drafts[0]
    assert first.row == 2
    assert first.fields["title"] == "Senior Backend Engineer"
    assert first.fields["company"] == "Acme Robotics"
    assert first.fields["location"] == "Berlin, Germany"
    assert first.fields["description"] == 'Python, PostgreSQL; on-call "light"'
    assert (first.fields["salary_min"], first.fields["salary_max"]) == (70_000, 85_000)
    assert first.fields["salary_currency"] == "EUR"
    assert first.status_label == "Wishlist"
    assert first.created_at == utc(2024, 3, 1, 9, 15)
    screen = plan.drafts[2]
    assert screen.status_label == "Phone Screen"
    assert screen.status_changed_at == utc(2024, 3, 6, 9)


def test_jobsync_export() -> None:
    plan = plan_of("jobsync.csv")
    assert plan.dialect == "jobsync"
    assert plan.errors == []
    by_company = {d.fields["company"]: d for d in plan.drafts}
    globex = by_company["Globex"]
    assert globex.status == "applied"
    assert globex.fields["title"] == "Data Engineer"
    assert globex.fields["employment_type"] == "full_time"
    assert globex.fields["workplace_type"] == "remote"
    assert globex.fields["source"] == "LinkedIn"
    assert globex.fields["applied_at"] == utc(2024, 4, 3)
    assert by_company["Initech"].status == "saved"
    assert by_company["Initech"].fields["employment_type"] == "contract"
    assert by_company["Hooli"].status == "interviewing"
    wonka = by_company["Wonka"]
    assert (wonka.status, wonka.fields["archived"]) == ("applied", True)
    assert by_company["Stark Industries"].status == "withdrawn"
    assert by_company["Stark Industries"].status_label == "expired"


def test_teal_export() -> None:
    plan = plan_of("teal.csv")
    assert plan.dialect == "teal"
    assert plan.errors == []
    statuses = [(d.fields["company"], d.status) for d in plan.drafts]
    assert statuses == [
        ("Pied Piper", "saved"),
        ("Aviato", "applied"),
        ("Raviga", "offer"),
        ("Bachmanity", "ghosted"),
        ("Hooli", "withdrawn"),
    ]
    piper = plan.drafts[0]
    assert piper.fields["excitement"] == 4
    assert piper.note == "Friend works there"
    assert piper.created_at == utc(2024, 3, 5)
    aviato = plan.drafts[1]
    assert aviato.fields["follow_up_at"] == utc(2024, 3, 10)
    assert (aviato.fields["salary_min"], aviato.fields["salary_currency"]) == (110_000, "USD")


def test_generic_layout_is_ours() -> None:
    plan = plan_of("generic.csv")
    assert plan.dialect == "generic"
    assert plan.errors == []
    first = plan.drafts[0]
    assert first.fields["tags"] == ["python", "backend"]
    assert first.fields["description"] == "Multi-line\ndescription"
    assert first.fields["date_posted"] == date(2024, 3, 1)
    assert first.fields["match_score"] == pytest.approx(0.82)
    assert first.fields["archived"] is False


def test_explicit_mapping_and_status_aliases() -> None:
    text = "Role,Org,Where we are\nEngineer,Acme,Stalled\nDesigner,Globex,Sent\n"
    plan = read_csv(
        text,
        encoding="utf-8",
        mapping={"Org": "company", "Where we are": "status"},
        status_aliases={"Stalled": "ghosted", "Sent": "applied"},
    )
    assert plan.mapping == {"Role": "title", "Org": "company", "Where we are": "status"}
    assert [(d.fields["company"], d.status) for d in plan.drafts] == [
        ("Acme", "ghosted"),
        ("Globex", "applied"),
    ]


def test_bad_rows_carry_row_numbers_and_reasons() -> None:
    text = (
        "title,company,status,applied_at,excitement\n"
        "Good,Acme,applied,2024-01-02,3\n"
        "\n"
        "Bad status,Acme,maybe,,\n"
        ",Acme,applied,,\n"
        "Bad date,Acme,applied,someday,9\n"
        "Too long,Acme,applied,,1,extra\n"
    )
    plan = read_csv(text, encoding="utf-8")
    assert plan.total_rows == 5
    assert len(plan.drafts) == 1
    found = {(e.row, e.field) for e in plan.errors}
    assert found == {
        (4, "status"),
        (5, "title"),
        (6, "applied_at"),
        (6, "excitement"),
        (7, None),
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("title,company\n", "no data rows"),
        ("name,place\nx,y\n", "No column holds the job title"),
        ("title,title\nx,y\n", "repeats"),
        ("title,Job Title\nx,y\n", "both map to 'title'"),
    ],
)
def test_whole_file_faults(text: str, message: str) -> None:
    with pytest.raises(Unprocessable, match=message):
        read_csv(text, encoding="utf-8") if text else decode(b"")


def test_mapping_must_name_real_columns_and_fields() -> None:
    with pytest.raises(Unprocessable, match="unknown fields"):
        read_csv("title\nx\n", encoding="utf-8", mapping={"title": "salary_range"})
    with pytest.raises(Unprocessable, match="does not have"):
        read_csv("title\nx\n", encoding="utf-8", mapping={"Company": "company"})


def test_encodings() -> None:
    assert decode("\ufefftitle\nCafé\n".encode()) == ("title\nCafé\n", "utf-8")
    assert decode("title\nCafé\n".encode("utf-16")) == ("title\nCafé\n", "utf-16")
    cp1252 = "title\nCafé \u2013 naïve\n".encode("cp1252")
    with pytest.raises(Unprocessable, match=r"not valid UTF-8.*encoding=cp1252"):
        decode(cp1252)
    assert decode(cp1252, "cp1252") == ("title\nCafé \u2013 naïve\n", "cp1252")
    with pytest.raises(UnsupportedMediaType, match="NUL"):
        decode(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(Unprocessable, match="encoding must be"):
        decode(b"title\nx\n", "ebcdic")


def test_excel_sep_line_and_unnamed_columns() -> None:
    plan = read_csv("sep=;\ntitle;company;;\nEngineer;Acme, Inc;;\n", encoding="utf-8")
    assert plan.drafts[0].fields == {"title": "Engineer", "company": "Acme, Inc"}
    assert plan.drafts[0].row == 2
    assert plan.ignored_columns == ["(column 3)", "(column 4)"]


def test_semicolon_and_tab_delimiters_are_sniffed() -> None:
    semicolon = read_csv("title;company\nEngineer;Acme, Inc\n", encoding="utf-8")
    assert semicolon.drafts[0].fields == {"title": "Engineer", "company": "Acme, Inc"}
    tabbed = read_csv("title\tcompany\nEngineer\tAcme\n", encoding="utf-8")
    assert tabbed.drafts[0].fields["company"] == "Acme"


def test_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(PayloadTooLarge):
        read_csv("title\n" + "x\n" * 4, encoding="utf-8")


def test_history_of_a_row_that_moved_past_applied() -> None:
    draft = ApplicationDraft(
        row=2,
        fields={"applied_at": utc(2024, 3, 3)},
        status="interviewing",
        status_label="Onsite",
        status_changed_at=utc(2024, 3, 12),
        created_at=utc(2024, 3, 1),
    )
    events = plan_events(draft, NOW)
    assert events == [
        PlannedEvent(None, "applied", utc(2024, 3, 3)),
        PlannedEvent("applied", "interviewing", utc(2024, 3, 12), "Onsite"),
    ]
    assert derived_moments(events) == (utc(2024, 3, 3), utc(2024, 3, 12))


def test_history_falls_back_and_never_runs_backwards() -> None:
    saved = ApplicationDraft(row=2, status="saved")
    assert plan_events(saved, NOW) == [PlannedEvent(None, "saved", NOW)]
    applied = ApplicationDraft(row=3, fields={"applied_at": utc(2024, 3, 3)}, status="applied")
    assert plan_events(applied, NOW) == [PlannedEvent(None, "applied", utc(2024, 3, 3))]
    backwards = ApplicationDraft(
        row=4,
        fields={"applied_at": utc(2024, 3, 3)},
        status="rejected",
        status_changed_at=utc(2024, 3, 1),
    )
    events = plan_events(backwards, NOW)
    assert [e.at for e in events] == [utc(2024, 3, 3), utc(2024, 3, 3)]


def test_non_finite_numbers_are_row_errors() -> None:
    plan = read_csv("title,match_score\nA,NaN\nB,inf\nC,0.5\n", encoding="utf-8")
    assert [(e.row, e.field) for e in plan.errors] == [(2, "match_score"), (3, "match_score")]
    assert plan.drafts[0].fields["match_score"] == 0.5
