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

CRFsuite trains the model; tagging does not go through it. Since every feature is one
word's at one offset, the line's or a vocabulary hit's, the weights fold into per-word
score rows (``_Words``), a posting's emission scores are array sums, and Viterbi and
forward-backward run compiled over all its lines at once. Labels and probabilities are
CRFsuite's own (tests/test_tagger.py compares them on every SkillSpan dev line).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from functools import cache
from importlib import resources
from itertools import repeat
from typing import NamedTuple

import numpy as np
import pycrfsuite  # type: ignore[import-untyped]

from keyword_analyzer.extraction import word_kernels
from keyword_analyzer.extraction.crf_kernels import (
    emissions_of,
    hit_codes,
    tag_rows,
)
from keyword_analyzer.extraction.taxonomy import common_words

# A word (inner punctuation kept: "m/f/d", "Node.js", "a,b"), or one bracket, comma or
# final period apart: "Kubernetes." at a sentence's end is "Kubernetes" and ".", as in
# SkillSpan's own tokens.
_WORD = r"(?:[^\s,;:!?()\[\].]+|\.(?=[^\s,;:!?()\[\]]))+"
_TOKEN_RE = re.compile(_WORD + r"(?:[,;:!?]+" + _WORD + r")*|\S")
# The same on a line where no word ends in a period: a third faster.
_PLAIN_TOKEN_RE = re.compile(r"[^\s,;:!?()\[\]]+(?:[,;:!?]+[^\s,;:!?()\[\]]+)*|\S")
# Where a period ends a word the two differ: the same only with every period that is no
# word's (before a space, punctuation, a bracket or the end) alone between spaces.
_FINAL_PERIOD = re.compile(r"\.(?<=\S\.)(?=[\s,;:!?()\[\]]|$)|\.(?=[,;:!?()\[\]])")
_MAX_WORDING_TOKENS = 5
_SHAPE_RUNS = re.compile(r"(.)\1+")
_SHAPE_TABLE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "X" * 26 + "x" * 26 + "d" * 10,
)


def _token_pattern(line: str) -> re.Pattern[str]:
    return _TOKEN_RE if _FINAL_PERIOD.search(line) else _PLAIN_TOKEN_RE


def tokens_of(line: str) -> list[tuple[str, int]]:
    """A line's tokens and their offsets: brackets and trailing commas or colons apart."""
    return [(match.group(), match.start()) for match in _token_pattern(line).finditer(line)]


def words_of(line: str) -> list[str]:
    """The words of ``tokens_of`` without their offsets."""
    return _token_pattern(line).findall(line)


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
    """Wordings (lower-case tokens joined by spaces) and the longest one per first token;
    for the compiled walk, an id per token (``ids``) and a trie over those ids."""

    def __init__(self, wordings: Iterable[str]) -> None:
        self.wordings = frozenset(wordings)
        self.longest: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        children: list[dict[int, int]] = [{}]
        complete = [False]
        for wording in sorted(self.wordings):
            tokens = wording.split(" ")
            size = min(len(tokens), _MAX_WORDING_TOKENS)
            if size > self.longest.get(tokens[0], 0):
                self.longest[tokens[0]] = size
            if len(tokens) > _MAX_WORDING_TOKENS:
                continue  # never looked for
            node = 0
            for token in tokens:
                token_id = self.ids.setdefault(token, len(self.ids))
                child = children[node].get(token_id)
                if child is None:
                    child = children[node][token_id] = len(children)
                    children.append({})
                    complete.append(False)
                node = child
            complete[node] = True
        roots = np.zeros(len(self.ids), np.int64)
        for token_id, node in children[0].items():
            roots[token_id] = node
        self.trie = _Trie(
            roots,
            np.cumsum([0] + [len(c) for c in children]),
            np.array([i for c in children for i in sorted(c)], np.int64),
            np.array([c[i] for c in children for i in sorted(c)], np.int64),
            np.array(complete),
        )


class _Trie(NamedTuple):
    """The vocabulary's wordings as a trie over token ids, in the arrays
    ``crf_kernels.hit_codes`` walks."""

    roots: np.ndarray
    first_child: np.ndarray
    child_ids: np.ndarray
    children: np.ndarray
    complete: np.ndarray


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


# The values of the vocabulary-hit features (``vh=B``), and their names by the hit's
# offset from the position they describe (-2..2).
HIT_LABELS = ("O", "B", "I")
_HIT_FEATURES = ("vh-2", "vh-1", "vh", "vh1", "vh2")
# The per-word table is rebuilt empty past this many distinct words (bounded memory).
_MAX_WORDS = 200_000
# A word's five table slots: what it adds to the position two before it (its ``w2=``),
# one before (``w1=``, ``sh1=``, ``1com=``), its own (its features), one after and two
# after, as indices into ``_word_features`` (None: the own list).
_SLOT_PARTS: tuple[tuple[int, ...] | None, ...] = ((4,), (2, 6, 8), None, (1, 5, 7), (3,))


class _Words(dict[str, int]):
    """Word -> row of the per-word arrays, filled on first sight: ``table``, the word's
    summed weights per label in each of ``_SLOT_PARTS``; ``ids``, the vocabulary id of
    its lower case (-1 if no wording has it). Row 0 is the padding between lines (the
    empty word). The same words in a compiled hash table (``word_kernels``) let a text's
    tokens find their rows without a Python string each."""

    def __init__(
        self,
        weights: dict[str, np.ndarray],
        labels: int,
        vocabulary: Vocabulary,
        lock: AbstractContextManager[bool],
    ) -> None:
        super().__init__()
        self.table = np.zeros((1024, 5, labels))
        self.ids = np.full(1024, -1, np.int64)
        # The hash table: slots hold rows (-1 empty); a row's code points are
        # ``arena[word_starts[row]:word_ends[row]]`` (-1: not in the table).
        self.slots = np.full(4096, word_kernels.EMPTY, np.int64)
        self.arena = np.zeros(16_384, np.uint32)
        self.word_starts = np.full(1024, -1, np.int64)
        self.word_ends = np.full(1024, -1, np.int64)
        self._used = 0
        self._hashed = 0
        # Compiled now (once per process) rather than when a request first fills the table.
        word_kernels.rehash(self.slots, self.arena, self.word_starts, self.word_ends)
        self.lowers: list[str] = [""]
        self._weights = weights
        self._vocabulary = vocabulary
        self._lock = lock
        self[""] = 0

    def __missing__(self, word: str) -> int:
        with self._lock:
            if word in self:
                return dict.__getitem__(self, word)
            row = len(self.lowers)
            if row >= len(self.table):
                self.table = np.concatenate([self.table, np.zeros_like(self.table)])
                self.ids = np.concatenate([self.ids, np.full_like(self.ids, -1)])
                self.word_starts = np.concatenate(
                    [self.word_starts, np.full_like(self.word_starts, -1)]
                )
                self.word_ends = np.concatenate([self.word_ends, np.full_like(self.word_ends, -1)])
            parts = _word_features(word)
            slots = self.table[row]
            for slot, indices in enumerate(_SLOT_PARTS):
                names = parts[0] if indices is None else [parts[k] for k in indices]
                for name in names:
                    weight = self._weights.get(name)  # type: ignore[arg-type]
                    if weight is not None:
                        slots[slot] += weight
            lower = word.lower()
            self.lowers.append(lower)
            self.ids[row] = self._vocabulary.ids.get(lower, -1)
            self[word] = row
            return row

    def tokens(
        self, text: str, codes: np.ndarray, line_starts: np.ndarray, line_ends: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The tokens of the lines ``text[line_starts[i]:line_ends[i]]`` (``codes``: the
        text's code points) as ``word_kernels.tokenize`` cuts them: their start and end
        offsets and their rows (padding at -1 offsets is row 0), new words added on the way."""
        with self._lock:
            starts, ends, rows = word_kernels.token_rows(
                codes,
                line_starts,
                line_ends,
                word_kernels.CLASSES,
                self.slots,
                self.arena,
                self.word_starts,
                self.word_ends,
            )
            for p in np.flatnonzero(rows < 0).tolist():
                start, end = int(starts[p]), int(ends[p])
                rows[p] = row = self[text[start:end]]
                self._hash(codes, start, end, row)
            return starts, ends, rows

    def _hash(self, codes: np.ndarray, start: int, end: int, row: int) -> None:
        if self._used + end - start > len(self.arena):
            self.arena = np.concatenate(
                [self.arena, np.zeros(len(self.arena) + end - start, np.uint32)]
            )
        if 2 * (self._hashed + 1) > len(self.slots):
            self.slots = np.full(2 * len(self.slots), word_kernels.EMPTY, np.int64)
            word_kernels.rehash(self.slots, self.arena, self.word_starts, self.word_ends)
        used = word_kernels.insert(
            codes,
            start,
            end,
            row,
            self.slots,
            self.arena,
            self._used,
            self.word_starts,
            self.word_ends,
        )
        if used != self._used:
            self._used = used
            self._hashed += 1


class _Scored(NamedTuple):
    scores: np.ndarray  # positions x labels
    starts: np.ndarray  # each line's first position
    ends: np.ndarray  # each line's last position + 1
    hits: np.ndarray  # vocabulary hits: 0/1/2 for O/B/I, 3 for padding


class SpanTagger:
    """The CRF's weights as per-word score tables, so a whole posting is scored at once.

    CRFsuite's model is read once; each distinct word's contribution to the scores of
    the positions around it (its own features at 0, ``w-1=``/``sh-1=`` at +1 and so on)
    is summed into one row on first sight. A posting's emission scores are then a few
    array gathers, and the compiled kernels of ``crf_kernels`` decode all its lines.
    """

    def __init__(self, model: bytes, vocabulary: Vocabulary) -> None:
        tagger = pycrfsuite.Tagger()
        tagger.open_inmemory(model)
        info = tagger.info()
        tagger.close()
        self.vocabulary = vocabulary
        self.labels = tuple(sorted(info.labels, key=lambda label: int(info.labels[label])))
        self._o = self.labels.index("O")
        self._kinds = np.array(["OBILU".index(label) for label in self.labels], np.int64)
        size = len(self.labels)
        self._weights: dict[str, np.ndarray] = {}
        for (attribute, label), weight in info.state_features.items():
            row = self._weights.setdefault(attribute, np.zeros(size))
            row[self.labels.index(label)] = weight
        self._transition = np.array(
            [[info.transitions.get((a, b), 0.0) for b in self.labels] for a in self.labels]
        )
        self._exp_transition = np.exp(self._transition)
        zero = self._zero = np.zeros(size)
        self._bos = self._weights.get("BOS", zero)
        self._eos = self._weights.get("EOS", zero)
        # Per offset, the vocabulary hit O/B/I, and a fourth zero row for outside a line.
        self._hits = np.array(
            [
                [self._weights.get(f"{name}={label}", zero) for label in HIT_LABELS] + [zero]
                for name in _HIT_FEATURES
            ]
        )
        # The sections' weights by index (0: a section the model never saw, no weights).
        known = sorted(name for name in self._weights if name.startswith("sec="))
        self._section_of = {name.removeprefix("sec="): k + 1 for k, name in enumerate(known)}
        self._by_section = np.array([zero] + [self._weights[name] for name in known])
        self._lock = threading.RLock()
        self._words = self._new_words()

    def _new_words(self) -> _Words:
        return _Words(self._weights, len(self.labels), self.vocabulary, self._lock)

    def emissions(self, lines: Sequence[tuple[Sequence[str], str]]) -> _Scored:
        """The emission scores of all lines' tokens, one padding position apart, and their
        vocabulary hits."""
        words, rows = self._line_rows(lines)
        starts, ends = self._line_bounds(rows)
        hits = hit_codes(words.ids[rows], starts, ends, *self.vocabulary.trie)
        scores = emissions_of(
            words.table,
            rows,
            hits,
            self._hits,
            self._by_section,
            self._section_ids([section for _tokens, section in lines]),
            self._bos,
            self._eos,
            starts,
            ends,
        )
        return _Scored(scores, starts, ends, hits)

    def _current_words(self) -> _Words:
        words = self._words
        if len(words) > _MAX_WORDS:
            words = self._words = self._new_words()
        return words

    def _line_rows(self, lines: Sequence[tuple[Sequence[str], str]]) -> tuple[_Words, np.ndarray]:
        """The rows of all lines' tokens, the lines between padding (row 0)."""
        flat: list[str] = [""]
        for tokens, _section in lines:
            flat += tokens
            flat.append("")
        words = self._current_words()
        rows = np.fromiter(map(words.__getitem__, flat), np.intp, len(flat))
        if np.count_nonzero(rows == 0) != len(lines) + 1:
            raise ValueError("an empty token: it would stand for the padding between lines")
        return words, rows

    @staticmethod
    def _line_bounds(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each line's first position and its last + 1 (lines between padding rows 0)."""
        breaks = np.flatnonzero(rows == 0)
        return breaks[:-1] + 1, breaks[1:]

    def _section_ids(self, sections: Sequence[str]) -> np.ndarray:
        """The sections' rows in ``_by_section`` (0: a section the model never saw)."""
        return np.fromiter(map(self._section_of.get, sections, repeat(0)), np.intp, len(sections))

    def _tag_rows(
        self,
        words: _Words,
        rows: np.ndarray,
        sections: Sequence[str],
        wanted: Collection[str],
        threshold: float,
    ) -> tuple[np.ndarray, np.ndarray, set[str]]:
        """``crf_kernels.tag_rows`` of the words at ``rows`` (lines between padding, one
        section each): the spans as rows (line, first token, last token), each line's first
        position, and the words of ``wanted`` whose probability of being in a span reaches
        ``threshold`` somewhere."""
        found, line_starts, likely = tag_rows(
            rows,
            words.ids,
            *self.vocabulary.trie,
            words.table,
            self._hits,
            self._by_section,
            self._section_ids(sections),
            self._bos,
            self._eos,
            self._transition,
            self._exp_transition,
            self._kinds,
            self._o,
            threshold,
            bool(wanted),
        )
        supported: set[str] = set()
        if wanted:
            lowers = words.lowers
            supported = {lowers[row] for row in likely.tolist()}.intersection(wanted)
        return found, line_starts, supported

    def tag_lines(
        self,
        lines: Sequence[tuple[Sequence[str], str]],
        wanted: Collection[str] = (),
        threshold: float = 0.5,
    ) -> tuple[list[list[tuple[int, int]]], set[str]]:
        """The spans (first and last token) of the Viterbi path in each line, and the
        lower-case words in ``wanted`` whose probability of being in a span (1 - P(O))
        reaches ``threshold`` somewhere."""
        words, rows = self._line_rows(lines)
        found, _, supported = self._tag_rows(
            words, rows, [section for _tokens, section in lines], wanted, threshold
        )
        spans: list[list[tuple[int, int]]] = [[] for _ in lines]
        for line, first, last in found.tolist():
            spans[line].append((first, last))
        return spans, supported

    def tag_text(
        self,
        text: str,
        bounds: Sequence[tuple[int, int]] | np.ndarray,
        sections: Sequence[str],
        wanted: Collection[str] = (),
        threshold: float = 0.5,
        codes: np.ndarray | None = None,
    ) -> tuple[list[tuple[int, int, int]], set[str]]:
        """``tag_lines`` of the lines ``text[start:end]`` of ``bounds`` (one section each),
        tokenized as ``words_of`` does: the spans as (line, start, end), their offsets into
        ``text``, in order. ``codes``: the text's code points, when the caller has them."""
        if codes is None:
            codes = word_kernels.codes_of(text)
        if len(bounds) != len(sections):
            raise ValueError(f"{len(bounds)} lines of tokens for {len(sections)} sections")
        line_bounds = np.asarray(bounds, np.int64).reshape(len(bounds), 2)
        words = self._current_words()
        starts, ends, rows = words.tokens(
            text, codes, line_bounds[:, 0].copy(), line_bounds[:, 1].copy()
        )
        found, line_starts, supported = self._tag_rows(words, rows, sections, wanted, threshold)
        first = line_starts[found[:, 0]]
        spans = list(
            zip(
                found[:, 0].tolist(),
                starts[first + found[:, 1]].tolist(),
                ends[first + found[:, 2]].tolist(),
                strict=True,
            )
        )
        return spans, supported

    def tag(self, tokens: Sequence[str], section: str) -> list[str]:
        """BIO labels of one line's ``tokens``."""
        spans, _ = self.tag_lines([(tokens, section)])
        labels = ["O"] * len(tokens)
        for first, last in spans[0]:
            labels[first] = "B"
            labels[first + 1 : last + 1] = ["I"] * (last - first)
        return labels


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
    """The shipped tagger, loaded once per process, its compiled code warmed up (numba
    compiles it on first use, 5 to 10 s, or loads it from its on-disk cache)."""
    data = resources.files("keyword_analyzer").joinpath("data")
    words = data.joinpath("tagger_vocabulary.txt").read_text("utf-8").splitlines()
    model = data.joinpath("span_tagger.crfsuite").read_bytes()
    tagger = SpanTagger(model, Vocabulary([w for w in words if w]))
    tagger.tag_text("Python and SQL", [(0, 14)], ["requirements"], {"python"})
    return tagger
