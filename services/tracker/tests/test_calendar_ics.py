"""The ICS renderer: RFC 5545 framing, escaping, folding, stable UIDs, parsed back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar

from tracker.calendar.ics import interview_entry, render_calendar, task_entry

CHANGED = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
AWKWARD = 'Acme; Robotics, Inc. \\ "Ünïcødé" — ' + "long " * 20


def sample_feed() -> bytes:
    interview = interview_entry(
        interview_id=7,
        title="Backend Engineer",
        company=AWKWARD,
        round_label="2nd technical",
        scheduled_at=datetime(2024, 5, 3, 14, 0, tzinfo=UTC),
        duration_minutes=45,
        location="https://meet.example/abc",
        description="Bring:\n- laptop\n- questions; lots, of them",
        changed_at=CHANGED,
        version=3,
    )
    timed_task = task_entry(
        task_id=11,
        title="Follow up",
        due=datetime(2024, 5, 10, 9, 0, tzinfo=UTC),
        application_title="Backend Engineer",
        description=None,
        changed_at=CHANGED,
    )
    all_day_task = task_entry(
        task_id=12,
        title="Send thank-you note",
        due=date(2024, 5, 4),
        application_title=None,
        description="short",
        changed_at=CHANGED,
    )
    return render_calendar([interview, timed_task, all_day_task])


def test_framing_is_crlf_and_folded_at_75_octets() -> None:
    payload = sample_feed()
    assert payload.startswith(b"BEGIN:VCALENDAR\r\n")
    assert payload.endswith(b"END:VCALENDAR\r\n")
    lines = payload.split(b"\r\n")
    assert all(b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines), "the long summary must be folded"
    payload.decode("utf-8")  # folding never splits a multi-byte character


def test_parsed_back_entries_hold_what_went_in() -> None:
    calendar = icalendar.Calendar.from_ical(sample_feed())
    assert calendar["VERSION"] == "2.0"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {
        "interview-7@jobhunt.tracker",
        "task-11@jobhunt.tracker",
        "task-12@jobhunt.tracker",
    }
    interview = events["interview-7@jobhunt.tracker"]
    assert str(interview["SUMMARY"]) == f"Interview (2nd technical): Backend Engineer at {AWKWARD}"
    assert str(interview["DESCRIPTION"]) == "Bring:\n- laptop\n- questions; lots, of them"
    start = interview.decoded("DTSTART")
    assert start == datetime(2024, 5, 3, 14, 0, tzinfo=UTC)
    assert interview.decoded("DTEND") - start == timedelta(minutes=45)
    assert interview.decoded("DTSTAMP") == CHANGED
    assert int(interview["SEQUENCE"]) == 3
    assert str(interview["URL"]) == "https://meet.example/abc"
    all_day = events["task-12@jobhunt.tracker"]
    assert all_day.decoded("DTSTART") == date(2024, 5, 4)
    assert all_day.decoded("DTEND") == date(2024, 5, 5)
    assert str(all_day["SUMMARY"]) == "To do: Send thank-you note"
    assert str(events["task-11@jobhunt.tracker"]["SUMMARY"]) == (
        "To do: Follow up (Backend Engineer)"
    )


def test_times_are_utc_and_text_is_escaped_on_the_wire() -> None:
    unfolded = sample_feed().replace(b"\r\n ", b"").decode()
    assert "DTSTART:20240503T140000Z" in unfolded
    assert "DTSTAMP:20240501T080000Z" in unfolded
    assert "DTSTART;VALUE=DATE:20240504" in unfolded
    assert "Acme\\; Robotics\\, Inc. \\\\" in unfolded
    assert "Bring:\\n- laptop" in unfolded


def test_same_input_renders_the_same_bytes() -> None:
    assert sample_feed() == sample_feed()
