"""The KNOWLEDGE span tagger: tokens, free phrases, the veto, and a reproducible build."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from keyword_analyzer.extraction import Extractor, default_taxonomy
from keyword_analyzer.extraction.extractor import Keyword
from keyword_analyzer.extraction.tagger import (
    SpanTagger,
    Vocabulary,
    bilou,
    default_tagger,
    spans_of,
    tokens_of,
)

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


@pytest.fixture(scope="module")
def tagged() -> Extractor:
    return Extractor(default_taxonomy(), tagger=default_tagger())


def test_tokens_split_brackets_and_trailing_punctuation() -> None:
    assert tokens_of("(Python, SQL) and C++: m/f/d") == [
        ("(", 0),
        ("Python", 1),
        (",", 7),
        ("SQL", 9),
        (")", 12),
        ("and", 14),
        ("C++", 18),
        (":", 21),
        ("m/f/d", 23),
    ]


def test_spans_of_bio_labels() -> None:
    assert spans_of(["O", "B", "I", "O", "B", "B", "I", "I"]) == [(1, 2), (4, 4), (5, 7)]
    assert spans_of(["I", "O"]) == []


def test_bilou_labels_and_their_spans() -> None:
    tags = ["O", "B", "I", "I", "B", "B", "O", "B", "I"]
    assert bilou(tags) == ["O", "B", "I", "L", "U", "U", "O", "B", "L"]
    assert spans_of(bilou(tags)) == spans_of(tags) == [(1, 3), (4, 4), (5, 5), (7, 8)]
    # A span the tagger leaves open (no L) ends where the next one starts or at O.
    assert spans_of(["B", "I", "U", "L", "B", "I", "O"]) == [(0, 1), (2, 2), (4, 5)]


def test_a_keyword_inside_a_longer_tagged_span_gives_way() -> None:
    def keyword(term: str, category: str, spans: list[tuple[int, int]]) -> Keyword:
        return Keyword(term, None, category, "hard", None, len(spans), spans)

    found = {
        "activemq": keyword("ActiveMQ", "knowledge", [(7, 15)]),
        "kafka": keyword("Kafka", "knowledge", [(7, 12), (30, 35)]),
        "java": keyword("Java", "language", [(40, 44)]),
    }
    Extractor._absorb(found, [(0, 15), (40, 50)])
    # Curated skills and keywords also written outside a tagged span stay.
    assert set(found) == {"kafka", "java"}


def test_tagger_finds_a_free_phrase_no_vocabulary_holds(
    tagged: Extractor, extractor: Extractor
) -> None:
    text = "Requirements\n- Solid knowledge of distributed stream processing and event sourcing"
    found = {k.term: k for k in tagged.extract(text)}
    assert found["distributed stream processing"].category == "other"
    assert found["distributed stream processing"].required is True
    assert "event sourcing" in found
    assert "distributed stream processing" not in {k.term for k in extractor.extract(text)}


def test_curated_skills_on_a_short_line_are_never_vetoed(tagged: Extractor) -> None:
    found = {k.skill for k in tagged.extract("Requirements\nGo and Rust")}
    assert {"Go", "Rust"} <= found


def test_training_is_deterministic_and_learns_its_phrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SCRIPTS))
    train_tagger = importlib.import_module("train_tagger")
    lines = [
        (
            ["Experience", "with", "stream", "processing", "is", "key"],
            ["O", "O", "B", "I", "O", "O"],
        ),
        (["We", "offer", "free", "lunch"], ["O", "O", "O", "O"]),
        (
            ["Knowledge", "of", "Python", "and", "stream", "processing"],
            ["O", "O", "B", "O", "B", "I"],
        ),
    ]
    vocabulary = Vocabulary(["python"])
    model = train_tagger.train([lines] * 3, vocabulary)
    assert model == train_tagger.train([lines] * 3, vocabulary)
    labels, _ = SpanTagger(model, vocabulary).tag(
        ["Experience", "with", "stream", "processing"], "requirements"
    )
    assert spans_of(labels) == [(2, 3)]
