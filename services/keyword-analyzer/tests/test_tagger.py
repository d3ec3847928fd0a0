"""The KNOWLEDGE span tagger: tokens, free phrases, the veto, and a reproducible build."""

from __future__ import annotations

import importlib
import json
import random
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import numba
import numpy as np
import pycrfsuite
import pytest

from keyword_analyzer.extraction import Extractor, crf_kernels, default_taxonomy, word_kernels
from keyword_analyzer.extraction import tagger as tagger_module
from keyword_analyzer.extraction.keywords import Keyword, absorb
from keyword_analyzer.extraction.tagger import (
    SpanTagger,
    Vocabulary,
    bilou,
    default_tagger,
    features,
    spans_of,
    tokens_of,
    vocabulary_hits,
    words_of,
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
    assert words_of("Node.js, .NET and Kubernetes. Go") == [
        *("Node.js", ",", ".NET", "and", "Kubernetes", ".", "Go"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Kubernetes.",
        "e.g. Python, SQL.",
        "a.b.c. d",
        "(AWS.)",
        "...",
        ". .",
        "v1.2.",
        "Go. Rust",
        "x .NET",
        "Key tasks:.",
        "a,. b",
        ".,b",
        "5,800.",
    ],
)
def test_the_fast_tokenizer_path_agrees_with_the_full_pattern(line: str) -> None:
    assert words_of(line) == tagger_module._TOKEN_RE.findall(line)
    assert words_of(line + " plain words, no period") == tagger_module._TOKEN_RE.findall(
        line + " plain words, no period"
    )
    assert [word for word, _ in tokens_of(line)] == words_of(line)


def _bounds(lines: list[str]) -> list[tuple[int, int]]:
    """The (start, end) offsets of ``lines`` in ``"\\n".join(lines)``."""
    bounds, start = [], 0
    for line in lines:
        bounds.append((start, start + len(line)))
        start += len(line) + 1
    return bounds


def _compiled_tokens(text: str, bounds: list[tuple[int, int]]) -> list[list[tuple[str, int]]]:
    """The compiled tokenizer's tokens and offsets of each line ``text[start:end]``."""
    codes = word_kernels.codes_of(text)
    array = np.array(bounds, np.int64).reshape(len(bounds), 2)
    starts, ends = word_kernels.tokenize(
        codes, array[:, 0].copy(), array[:, 1].copy(), word_kernels.CLASSES
    )
    lines: list[list[tuple[str, int]]] = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if start < 0:
            lines.append([])
        else:
            lines[-1].append((text[start:end], start))
    assert lines.pop() == []  # the padding after the last line
    return lines


def test_the_tokenizers_agree_with_the_full_pattern_on_random_text() -> None:
    """Seeded random strings of the characters that decide token bounds: ``words_of``,
    ``tokens_of`` and the compiled tokenizer all give ``_TOKEN_RE``'s tokens."""
    rng = random.Random(7)
    alphabet = [*"ab1.,;:!?()[] -/#+é", "\t", "\xa0", "\u2028", "\ud800", "\U0001f600", "\n"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        bounds = _bounds(text.split("\n"))
        expected = [
            [(m.group(), s + m.start()) for m in tagger_module._TOKEN_RE.finditer(text[s:e])]
            for s, e in bounds
        ]
        assert [[(w, s + o) for w, o in tokens_of(text[s:e])] for s, e in bounds] == expected
        assert [words_of(text[s:e]) for s, e in bounds] == [[w for w, _ in ws] for ws in expected]
        assert _compiled_tokens(text, bounds) == expected


def test_tagging_a_text_is_tagging_its_lines() -> None:
    tagger = default_tagger()
    text = "\n".join(line for line, _ in POSTING)
    bounds = _bounds([line for line, _ in POSTING])
    sections = [section for _, section in POSTING]
    lines = [(words_of(line), section) for line, section in POSTING]
    wanted = {"python", "sql", "kafka", "streams", "degree", "jobs"}
    spans, supported = tagger.tag_text(text, bounds, sections, wanted, 0.2)
    line_spans, line_supported = tagger.tag_lines(lines, wanted, 0.2)
    expected = []
    for number, ((s, _), (line, _)) in enumerate(zip(bounds, POSTING, strict=True)):
        tokens = tokens_of(line)
        for first, last in line_spans[number]:
            end = s + tokens[last][1] + len(tokens[last][0])
            expected.append((number, s + tokens[first][1], end))
    assert spans == expected
    assert len(spans) > 3
    assert supported == line_supported
    assert supported
    with pytest.raises(ValueError, match="1 lines of tokens for 2 sections"):
        tagger.tag_text("Python SQL", [(0, 10)], ["requirements", "preamble"])
    with pytest.raises(ValueError, match="an empty token"):
        tagger.tag_lines([(["Python", "", "SQL"], "requirements")])


def test_the_word_table_grows_and_keeps_every_words_row() -> None:
    """Thousands of new words: the compiled table rehashes and its arena grows, and every
    token still finds the row the word has in the tagger's dictionary."""
    tagger = default_tagger()
    words = tagger._current_words()
    text = " ".join(f"w{n}x{'y' * (n % 7)}" for n in range(6_000))
    codes = word_kernels.codes_of(text)
    line_starts, line_ends = np.array([0]), np.array([len(text)])
    starts, ends, rows = words.tokens(text, codes, line_starts, line_ends)
    again = words.tokens(text, codes, line_starts, line_ends)
    assert rows.tolist() == again[2].tolist()
    assert (starts.tolist(), ends.tolist()) == (again[0].tolist(), again[1].tolist())
    tokens = text.split()
    assert rows[1:-1].tolist() == [words[token] for token in tokens]
    assert len(set(rows[1:-1].tolist())) == len(tokens)


def test_a_skill_ending_a_sentence_is_not_tagged_again_with_its_period(
    tagged: Extractor,
) -> None:
    text = "Requirements: 5+ years of Python, PostgreSQL and Kubernetes. Nice to have: Go."
    terms = [k.term for k in tagged.extract(text)]
    assert sorted(terms) == ["Go", "Kubernetes", "PostgreSQL", "Python"]


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
    absorb(found, [(0, 15), (40, 50)])
    # Curated skills and keywords also written outside a tagged span stay.
    assert set(found) == {"kafka", "java"}


def test_absorb_drops_only_what_a_longer_tagged_span_holds() -> None:
    """Every way an occurrence can sit against the tagged spans (20-30 and 40-50)."""
    tagged = [(40, 50), (20, 30)]  # unsorted: absorb sorts them
    cases = {
        "same start, ends before": ((20, 25), True),
        "same start and end": ((20, 30), False),
        "starts after, same end": ((25, 30), True),
        "strictly inside": ((22, 28), True),
        "runs past the end": ((25, 35), False),
        "before every span": ((0, 5), False),
        "between two spans": ((32, 38), False),
        "after every span": ((55, 60), False),
        "starts with a span's end": ((30, 34), False),
    }
    found = {
        name: Keyword(name, None, "other", "other", None, 1, [span])
        for name, (span, _) in cases.items()
    }
    absorb(found, tagged)
    assert set(found) == {name for name, (_, absorbed) in cases.items() if not absorbed}


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
    labels = SpanTagger(model, vocabulary).tag(
        ["Experience", "with", "stream", "processing"], "requirements"
    )
    assert spans_of(labels) == [(2, 3)]


SKILLSPAN = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "skillspan"
POSTING = [
    ("Senior Data Engineer (m/f/d)", "preamble"),
    ("We build a real-time analytics platform for logistics.", "preamble"),
    ("Requirements", "requirements"),
    ("- 5+ years of experience with Python, SQL and Apache Spark", "requirements"),
    ("- Solid knowledge of distributed stream processing and event sourcing", "requirements"),
    ("- Hands-on with Kubernetes, Terraform and CI/CD on AWS or GCP", "requirements"),
    ("- Understanding of data modelling, machine learning pipelines and dbt", "requirements"),
    ("Nice to have: Scala, Kafka Streams, Flink; a degree in Computer Science", "nice_to_have"),
    ("You will design, build and run batch and streaming jobs.", "responsibilities"),
]


def _reference(
    model: bytes, lines: list[tuple[list[str], str]], vocabulary: Vocabulary, threshold: float
) -> tuple[list[list[tuple[int, int]]], set[str]]:
    """CRFsuite's own Viterbi spans and marginals, the way the tagger used to call it."""
    crf = pycrfsuite.Tagger()
    crf.open_inmemory(model)
    spans, supported = [], set()
    for tokens, section in lines:
        crf.set(features(tokens, section, vocabulary))
        spans.append(spans_of(crf.tag()))
        supported |= {
            token.lower()
            for k, token in enumerate(tokens)
            if 1.0 - crf.marginal("O", k) >= threshold
        }
    return spans, supported


def _assert_same_as_crfsuite(postings: list[list[tuple[list[str], str]]]) -> int:
    tagger = default_tagger()
    model = resources.files("keyword_analyzer").joinpath("data/span_tagger.crfsuite").read_bytes()
    tagged = 0
    for lines in postings:
        everything = {token.lower() for tokens, _ in lines for token in tokens}
        expected_spans, expected_supported = _reference(model, lines, tagger.vocabulary, 0.2)
        spans, supported = tagger.tag_lines(lines, everything, 0.2)
        assert spans == expected_spans
        assert supported == expected_supported
        tagged += sum(map(len, spans))
    return tagged


def test_tagging_gives_crfsuites_spans_and_probabilities_on_a_posting() -> None:
    lines = [([word for word, _ in tokens_of(line)], section) for line, section in POSTING]
    assert _assert_same_as_crfsuite([lines]) > 3  # spans were found, not only O


def test_tagging_gives_crfsuites_spans_and_probabilities_on_skillspan_dev() -> None:
    if not (SKILLSPAN / "dev.json").exists():
        pytest.skip(f"SkillSpan dev is not at {SKILLSPAN} (see ../shared/data/README.md)")
    by_posting: dict[tuple[str, int], list[tuple[list[str], str]]] = {}
    for raw in (SKILLSPAN / "dev.json").read_text("utf-8").splitlines():
        record = json.loads(raw)
        if record["tokens"]:
            lines = by_posting.setdefault((record["source"], record["idx"]), [])
            lines.append((record["tokens"], "requirements" if len(lines) % 3 else "preamble"))
    assert _assert_same_as_crfsuite(list(by_posting.values())) > 500


def test_vocabulary_hits_of_a_whole_posting_match_line_by_line() -> None:
    tagger = default_tagger()
    lines = [[word for word, _ in tokens_of(line)] for line, _ in POSTING]
    lines.append(["machine", "learning", "engineer", "ci/cd", "machine"])
    scored = tagger.emissions([(tokens, "requirements") for tokens in lines])
    hits_seen = 0
    for first, tokens in zip(scored.starts.tolist(), lines, strict=True):
        expected = vocabulary_hits([t.lower() for t in tokens], tagger.vocabulary)
        assert ["OBI"[c] for c in scored.hits[first : first + len(tokens)]] == expected
        hits_seen += expected.count("B")
    assert hits_seen > 5


def test_kernels_compile_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    real_njit = numba.njit

    def njit(**options: object) -> Callable[..., object]:
        if options.get("cache"):  # what numba raises with nowhere to write its cache
            raise RuntimeError("cannot cache function: no locator available for file")
        return real_njit(**options)  # type: ignore[no-any-return]

    monkeypatch.setattr(numba, "njit", njit)

    def double(values: np.ndarray) -> np.ndarray:
        return values * 2

    assert crf_kernels.compiled(double)(np.arange(3)).tolist() == [0, 2, 4]
