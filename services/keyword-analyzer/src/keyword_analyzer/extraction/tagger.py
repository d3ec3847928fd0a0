"""A linear-chain CRF that tags KNOWLEDGE spans token by token (BILOU), trained on SkillSpan.

``data/span_tagger.crfsuite`` and ``data/tagger_vocabulary.txt`` are written by
``scripts/train_tagger.py``. Features are the token's own form (lower case, shape,
prefix and suffixes, capitals), its neighbours, the line's section and whether it sits
in a wording of the curated and listed vocabulary (never SkillSpan's own spans, so the
tagger learns free phrases instead of trusting the vocabulary). Every feature is a
function of one token's own string at an offset of -2..+2 (its form, shape, affixes,
capitals, length, digits, punctuation, whether it is a common or a function word), the
line's section, a vocabulary hit (B/I/O) at -2..+2, or the line's start and end. The CRF
is first order and its labels are BILOU (B, I, L: first, inner, last token of a span;
U: a one-token span; O: outside).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Container, Iterable, Sequence
from functools import cache
from importlib import resources

import pycrfsuite

from keyword_analyzer.extraction.taxonomy import common_words

# A word (inner punctuation kept: "m/f/d", "e.g.", "a,b"), or one bracket or comma apart.
_TOKEN_RE = re.compile(r"[^\s,;:!?()\[\]]+(?:[,;:!?]+[^\s,;:!?()\[\]]+)*|\S")
_MAX_WORDING_TOKENS = 5
_SHAPE_RUNS = re.compile(r"(.)\1+")
_SHAPE_TABLE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "X" * 26 + "x" * 26 + "d" * 10,
)


def tokens_of(line: str) -> list[tuple[str, int]]:
    """A line's tokens and their offsets: brackets and trailing commas or colons apart."""
    return [(match.group(), match.start()) for match in _TOKEN_RE.finditer(line)]


def _shape(word: str) -> str:
    return _SHAPE_RUNS.sub(r"\1\1", word.translate(_SHAPE_TABLE))


# Function words: a span rarely starts or ends on one.
_STOPWORDS = frozenset(
    {
        *("a", "an", "the", "and", "or", "of", "in", "on", "for", "to", "with", "as", "at"),
        *("by", "from", "is", "are", "be", "will", "you", "we", "our", "your", "this", "that"),
    }
)


@cache
def _common() -> frozenset[str]:
    return common_words()


@cache
def _word_features(word: str) -> tuple[list[str], str, str, str, str, str, str, str, str]:
    # Cached per surface: the own features and the strings a neighbour contributes.
    lower, shape = word.lower(), _shape(word)
    common = "com=1" if lower in _common() else "com=0"
    own = ["b", "w=" + lower, "sh=" + shape, "p3=" + lower[:3], "s3=" + lower[-3:]]
    own.append("s2=" + lower[-2:])
    if word.isupper():
        own.append("up")
    if word[:1].isupper():
        own.append("title")
    size = len(word)
    own.append("len=" + (str(size) if size < 8 else "8" if size < 12 else "12"))
    own.append(common)
    if any(c.isdigit() for c in word):
        own.append("digit")
    if lower in _STOPWORDS:
        own.append("stop")
    if not word.isalnum():
        own.append("punct")
    if "-" in word or "/" in word:
        own.append("hyphen")
    neighbour = ("w-1=" + lower, "w1=" + lower, "w-2=" + lower, "w2=" + lower)
    return own, *neighbour, "sh-1=" + shape, "sh1=" + shape, "-1" + common, "1" + common


class Vocabulary:
    """Wordings (lower-case tokens joined by spaces) and the longest one per first token."""

    def __init__(self, wordings: Iterable[str]) -> None:
        self.wordings = frozenset(wordings)
        self.longest: dict[str, int] = {}
        for wording in self.wordings:
            tokens = wording.split(" ")
            size = min(len(tokens), _MAX_WORDING_TOKENS)
            if size > self.longest.get(tokens[0], 0):
                self.longest[tokens[0]] = size


def vocabulary_hits(lowered: Sequence[str], vocabulary: Vocabulary) -> list[str]:
    """B/I/O per token for the longest vocabulary wording starting at each free token."""
    n = len(lowered)
    hits = ["O"] * n
    longest, wordings = vocabulary.longest, vocabulary.wordings
    i = 0
    while i < n:
        length = 0
        for size in range(min(longest.get(lowered[i], 0), n - i), 0, -1):
            if " ".join(lowered[i : i + size]) in wordings:
                length = size
                break
        if length:
            hits[i] = "B"
            for j in range(i + 1, i + length):
                hits[j] = "I"
            i += length
        else:
            i += 1
    return hits


def features(tokens: Sequence[str], section: str, vocabulary: Vocabulary) -> list[list[str]]:
    """The CRF features of one line's tokens (the same at training and tagging time)."""
    hits = vocabulary_hits([t.lower() for t in tokens], vocabulary)
    own = [_word_features(t) for t in tokens]
    section_feature = "sec=" + section
    n = len(tokens)
    rows = []
    for i in range(n):
        row = [*own[i][0], section_feature, "vh=" + hits[i]]
        if i == 0:
            row.append("BOS")
        if i == n - 1:
            row.append("EOS")
        if i >= 2:
            row += [own[i - 2][3], "vh-2=" + hits[i - 2]]
        if i >= 1:
            row += [own[i - 1][1], own[i - 1][5], own[i - 1][7], "vh-1=" + hits[i - 1]]
        if i + 1 < n:
            row += [own[i + 1][2], own[i + 1][6], own[i + 1][8], "vh1=" + hits[i + 1]]
        if i + 2 < n:
            row += [own[i + 2][4], "vh2=" + hits[i + 2]]
        rows.append(row)
    return rows


class SpanTagger:
    """Tags one line at a time; a lock keeps the C tagger's set/tag/marginal calls together."""

    def __init__(self, model: bytes, vocabulary: Vocabulary) -> None:
        # CRFsuite reads the model in place: the bytes must outlive the tagger.
        self._model = model
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)
        self._lock = threading.Lock()
        self.vocabulary = vocabulary

    def tag(
        self, tokens: Sequence[str], section: str, wanted: Container[str] = ()
    ) -> tuple[list[str], list[float]]:
        """BIO labels of ``tokens``, and for the lower-case tokens in ``wanted`` (others 0)
        the probability of being in a span."""
        rows = features(tokens, section, self.vocabulary)
        tagger = self._tagger
        with self._lock:
            tagger.set(rows)
            labels: list[str] = tagger.tag()
            inside = [
                1.0 - tagger.marginal("O", k) if token.lower() in wanted else 0.0
                for k, token in enumerate(tokens)
            ]
        return labels, inside


def bilou(tags: Sequence[str]) -> list[str]:
    """BIO tags as BILOU: a span's last token L, a one-token span U (the tagger's labels)."""
    out = []
    for k, tag in enumerate(tags):
        continued = k + 1 < len(tags) and tags[k + 1] == "I"
        if tag == "B":
            out.append("B" if continued else "U")
        elif tag == "I":
            out.append("I" if continued else "L")
        else:
            out.append("O")
    return out


def spans_of(labels: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges ``[first, last]`` of the spans in BILOU (or BIO) ``labels``: a span
    starts at B or U and goes on over I and L; U and L close it."""
    spans: list[tuple[int, int]] = []
    first = -1
    for k, label in enumerate([*labels, "O"]):
        if label in "IL" and first >= 0:
            if label == "L":
                spans.append((first, k))
                first = -1
            continue
        if first >= 0:
            spans.append((first, k - 1))
        first = -1
        if label == "U":
            spans.append((k, k))
        elif label == "B":
            first = k
    return spans


@cache
def default_tagger() -> SpanTagger:
    """The shipped tagger, loaded once per process."""
    data = resources.files("keyword_analyzer").joinpath("data")
    words = data.joinpath("tagger_vocabulary.txt").read_text("utf-8").splitlines()
    model = data.joinpath("span_tagger.crfsuite").read_bytes()
    return SpanTagger(model, Vocabulary(w for w in words if w))
