"""A linear-chain CRF that tags KNOWLEDGE spans token by token (BIO), trained on SkillSpan.

``data/span_tagger.crfsuite`` and ``data/tagger_vocabulary.txt`` are written by
``scripts/train_tagger.py``. Features are the token's own form (lower case, shape,
prefix and suffixes, capitals), its neighbours, the line's section and whether it sits
in a wording of the curated and listed vocabulary (never SkillSpan's own spans, so the
tagger learns free phrases instead of trusting the vocabulary).

CRFsuite trains the model; tagging does not go through it. Every feature is a function
of one word at one offset, of the line, or of the vocabulary hits, so the weights fold
into per-word score rows (``_Words``), a posting's emission scores are array sums, and a
bound (``_settled_loss``) leaves Viterbi and forward-backward only the few stretches
where a span is possible. Labels are CRFsuite's own (tests/test_tagger.py compares them
on every SkillSpan dev line), at about a tenth of the cost.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from collections.abc import Collection, Iterable, Sequence
from functools import cache
from importlib import resources
from typing import NamedTuple

import numpy as np
import pycrfsuite

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


def words_of(line: str) -> list[str]:
    """The words of ``tokens_of`` without their offsets."""
    return _TOKEN_RE.findall(line)


def _shape(word: str) -> str:
    return _SHAPE_RUNS.sub(r"\1\1", word.translate(_SHAPE_TABLE))


@cache
def _word_features(word: str) -> tuple[list[str], str, str, str, str, str, str]:
    # Cached per surface: the own features and the strings a neighbour contributes.
    lower, shape = word.lower(), _shape(word)
    own = ["b", "w=" + lower, "sh=" + shape, "p3=" + lower[:3], "s3=" + lower[-3:]]
    own.append("s2=" + lower[-2:])
    if word.isupper():
        own.append("up")
    if word[:1].isupper():
        own.append("title")
    neighbour = ("w-1=" + lower, "w1=" + lower, "w-2=" + lower, "w2=" + lower)
    return own, *neighbour, "sh-1=" + shape, "sh1=" + shape


class Vocabulary:
    """Wordings (lower-case tokens joined by spaces) and the longest one per first token."""

    def __init__(self, wordings: Iterable[str]) -> None:
        self.wordings = frozenset(wordings)
        self.longest: dict[str, int] = {}
        # The two-token and longer beginnings of wordings, for a walk without retries.
        self.prefixes: set[str] = set()
        for wording in self.wordings:
            tokens = wording.split(" ")
            size = min(len(tokens), _MAX_WORDING_TOKENS)
            if size > self.longest.get(tokens[0], 0):
                self.longest[tokens[0]] = size
            for k in range(2, size + 1):
                self.prefixes.add(" ".join(tokens[:k]))


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
            row.append(own[i - 2][3])
        if i >= 1:
            row += [own[i - 1][1], own[i - 1][5], "vh-1=" + hits[i - 1]]
        if i + 1 < n:
            row += [own[i + 1][2], own[i + 1][6], "vh1=" + hits[i + 1]]
        if i + 2 < n:
            row.append(own[i + 2][4])
        rows.append(row)
    return rows


# Labels in the order of the score arrays below.
LABELS = ("O", "B", "I")
_O, _B, _I = 0, 1, 2
# Viterbi runs where ``_settled_loss`` is below this (0 is exact; 1 leaves room for
# rounding); forward-backward on the stretches where it is below the second, which gives
# probabilities within 0.035 of CRFsuite's on every SkillSpan train and dev token.
VITERBI_MARGIN = 1.0
MARGINAL_MARGIN = 3.0
# A probability this close to the asked threshold is computed again over its whole line.
_NEAR = 0.05
# The per-word table is rebuilt empty past this many distinct words (bounded memory).
_MAX_WORDS = 200_000
# A word's five table slots: what it adds to the position two before it (its ``w2=``),
# one before (``w1=``, ``sh1=``), its own (its features), one after and two after, as
# indices into ``_word_features`` (None: the own list).
_SLOT_PARTS: tuple[tuple[int, ...] | None, ...] = ((4,), (2, 6), None, (1, 5), (3,))


def _settled_loss(
    scores: np.ndarray, padding: np.ndarray, transition: list[list[float]]
) -> np.ndarray:
    """Per position, a lower bound of what any path loses by giving it B or I.

    Relabelling a run ``s..e`` of B/I tokens as O raises a path's score by at least
    ``sum(gain_k) + inner + entry_s + exit_e``: ``gain_k`` is how much O's emission beats
    the better of B and I at ``k``, less what an inner transition can gain over O->O and
    ln 2 for the two labels each token could take; ``entry_s`` and ``exit_e`` are what
    the run's boundary transitions lose against O->O (none at a line's edge). Where every
    run through a token loses (the bound is above 0), Viterbi labels it O; where the bound
    is ``m``, P(not O) is about e^-m at most (0.035 at 3 on SkillSpan). The smallest sum
    comes from two running extrema of prefix sums, so there is no Python loop.
    """
    t = transition
    inner = max(t[_B][_I], t[_I][_I], t[_B][_B], t[_I][_B]) - t[_O][_O]
    entry = t[_O][_O] - max(t[_O][_B], t[_O][_I])
    exit_ = t[_O][_O] - max(t[_B][_O], t[_I][_O])
    gain = scores[:, _O] - np.maximum(scores[:, _B], scores[:, _I]) - inner - math.log(2)
    # No run crosses a line's end (a run through padding only lowers the bound: safe).
    gain[padding] = 1e3
    prefix = np.concatenate([[0.0], np.cumsum(gain)])
    first = np.zeros(len(gain), bool)
    first[1:] = padding[:-1]
    last = np.zeros(len(gain), bool)
    last[:-1] = padding[1:]
    # min over e >= i of (prefix[e + 1] + exit_e), minus max over s <= i of (prefix[s] - entry_s).
    lowest_after = np.minimum.accumulate((prefix[1:] + np.where(last, 0.0, exit_))[::-1])[::-1]
    highest_before = np.maximum.accumulate(prefix[:-1] - np.where(first, 0.0, entry))
    return lowest_after - highest_before + inner


class _Words(dict[str, int]):
    """Word -> row of the per-word arrays, filled on first sight: ``table``, the word's
    summed weights in each of ``_SLOT_PARTS``; ``longest``, the most tokens of a
    vocabulary wording it starts (0 if none of two or more); ``single``, whether it is a
    one-word wording. Row 0 is the padding between lines."""

    def __init__(
        self, weights: dict[str, np.ndarray], vocabulary: Vocabulary, lock: threading.Lock
    ) -> None:
        super().__init__()
        self.table = np.zeros((1024, 5, 3))
        self.longest = np.zeros(1024, np.intp)
        self.single = np.zeros(1024, np.intp)
        # (row << 32 | next row) -> whether the two words begin a wording.
        self.pairs: dict[int, bool] = {}
        self.lowers: list[str] = [""]
        self.by_lower: dict[str, list[int]] = {}
        self._weights = weights
        self._vocabulary = vocabulary
        self._lock = lock
        self[""] = 0

    def __missing__(self, word: str) -> int:
        with self._lock:
            if word in self:
                return dict.__getitem__(self, word)
            row = len(self)
            if row >= len(self.table):
                self.table = np.concatenate([self.table, np.zeros_like(self.table)])
                self.longest = np.concatenate([self.longest, np.zeros_like(self.longest)])
                self.single = np.concatenate([self.single, np.zeros_like(self.single)])
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
            self.by_lower.setdefault(lower, []).append(row)
            longest = self._vocabulary.longest.get(lower, 0)
            self.longest[row] = longest if longest > 1 else 0
            self.single[row] = lower in self._vocabulary.wordings
            self[word] = row
            return row


class _Scored(NamedTuple):
    scores: np.ndarray  # positions x O/B/I
    padding: np.ndarray  # True between lines
    firsts: list[int]  # each line's first position
    ends: list[int]  # each line's last position + 1
    rows: np.ndarray  # each position's row in ``words``
    words: _Words
    hits: np.ndarray  # vocabulary hits: 0/1/2 for O/B/I, 3 for padding


class SpanTagger:
    """The CRF's weights as per-word score tables, so a whole posting is scored at once.

    CRFsuite's model is read once; each distinct word's contribution to the scores of
    the positions around it (its own features at 0, ``w-1=``/``sh-1=`` at +1 and so on)
    is summed into one row on first sight. A posting's emission scores are then a few
    array gathers; Viterbi and forward-backward run in Python only on the short stretches
    where a span is possible at all (most tokens are settled O).
    """

    def __init__(self, model: bytes, vocabulary: Vocabulary) -> None:
        tagger = pycrfsuite.Tagger()
        tagger.open_inmemory(model)
        info = tagger.info()
        tagger.close()
        self.vocabulary = vocabulary
        self._weights: dict[str, np.ndarray] = {}
        for (attribute, label), weight in info.state_features.items():
            row = self._weights.setdefault(attribute, np.zeros(3))
            row[LABELS.index(label)] = weight
        self._transition = [[info.transitions.get((a, b), 0.0) for b in LABELS] for a in LABELS]
        self._exp_transition = [[math.exp(w) for w in row] for row in self._transition]
        zero = np.zeros(3)
        self._bos = self._weights.get("BOS", zero)
        self._eos = self._weights.get("EOS", zero)
        # Vocabulary hit O/B/I at offsets -1, 0, +1, and a fourth zero row for padding.
        self._hits = np.array(
            [
                [self._weights.get(f"{name}={label}", zero) for label in LABELS] + [zero]
                for name in ("vh-1", "vh", "vh1")
            ]
        )
        self._lock = threading.Lock()
        self._words = _Words(self._weights, self.vocabulary, self._lock)

    def emissions(self, lines: Sequence[tuple[Sequence[str], str]]) -> _Scored:
        """The emission scores of all lines' tokens, two padding tokens apart."""
        words = self._words
        if len(words) > _MAX_WORDS:
            words = self._words = _Words(self._weights, self.vocabulary, self._lock)
        flat: list[str] = ["", ""]
        firsts: list[int] = []
        sections: list[str] = []
        for tokens, section in lines:
            firsts.append(len(flat))
            flat += tokens
            flat += ("", "")
            sections.append(section)
        rows = np.fromiter(map(words.__getitem__, flat), np.intp, len(flat))
        table = words.table[rows]
        e = table[2:-2, 2] + table[1:-3, 3] + table[:-4, 4] + table[3:-1, 1] + table[4:, 0]
        scores = np.zeros((len(flat), 3))
        scores[2:-2] = e
        hits = self._hit_codes(words, rows, flat)
        vh = self._hits
        scores[1:-1] += vh[1][hits[1:-1]] + vh[0][hits[:-2]] + vh[2][hits[2:]]
        lengths = [len(tokens) for tokens, _ in lines]
        zero = np.zeros(3)
        section_rows = np.array([self._weights.get("sec=" + section, zero) for section in sections])
        starts = np.array(firsts)
        positions = (
            np.repeat(starts, lengths)
            + np.arange(len(flat) - 2 * len(lines) - 2)
            - np.repeat(np.cumsum([0, *lengths[:-1]]), lengths)
        )
        scores[positions] += np.repeat(section_rows, lengths, axis=0)
        filled = np.array(lengths) > 0
        scores[starts[filled]] += self._bos
        scores[(starts + lengths - 1)[filled]] += self._eos
        ends = [first + len(tokens) for first, (tokens, _) in zip(firsts, lines, strict=True)]
        return _Scored(scores, hits == 3, firsts, ends, rows, words, hits)

    def _hit_codes(self, words: _Words, rows: np.ndarray, flat: list[str]) -> np.ndarray:
        """``vocabulary_codes`` of ``flat``: one-word hits from the table, longer ones walked."""
        codes: np.ndarray = words.single[rows]
        codes[rows == 0] = 3
        wordings, prefixes = self.vocabulary.wordings, self.vocabulary.prefixes
        starts = np.flatnonzero(words.longest[rows])
        # Most starts fail on the second word: a per-pair verdict, cached, rules them out.
        pairs = words.pairs
        covered = -1
        for i, key in zip(
            starts.tolist(), ((rows[starts] << 32) | rows[starts + 1]).tolist(), strict=True
        ):
            if i <= covered:
                continue
            known = pairs.get(key)
            if known is None:
                known = pairs[key] = f"{flat[i]} {flat[i + 1]}".lower() in prefixes
            if not known:
                continue
            prefix, size = flat[i].lower(), 0
            for j in range(i + 1, i + _MAX_WORDING_TOKENS):
                prefix += " " + flat[j].lower()
                if prefix not in prefixes:
                    break
                if prefix in wordings:
                    size = j - i + 1
            if size:
                codes[i] = 1
                codes[i + 1 : i + size] = 2
                covered = i + size - 1
        return codes

    def tag_lines(
        self,
        lines: Sequence[tuple[Sequence[str], str]],
        wanted: Collection[str] = (),
        threshold: float = 0.5,
    ) -> tuple[list[list[tuple[int, int]]], set[str]]:
        """The spans (first and last token) of CRFsuite's Viterbi path in each line, and
        the lower-case words in ``wanted`` whose probability of being in a span reaches
        ``threshold`` somewhere."""
        scored = self.emissions(lines)
        scores, padding, firsts = scored.scores, scored.padding, scored.firsts
        loss = _settled_loss(scores, padding, self._transition)
        spans: list[list[tuple[int, int]]] = [[] for _ in lines]
        runs = _runs(loss < VITERBI_MARGIN)
        line_of = np.searchsorted(firsts, [lo for lo, _ in runs], side="right") - 1
        for (lo, hi), line in zip(runs, line_of.tolist(), strict=True):
            path = _viterbi(
                scores[lo : hi + 1].tolist(),
                self._transition,
                not padding[lo - 1],
                not padding[hi + 1],
            )
            offset = lo - firsts[line]
            spans[line] += [
                (offset + first, offset + last)
                for first, last in spans_of([LABELS[y] for y in path])
            ]
        return spans, self._supported(scored, loss, wanted, threshold)

    def _supported(
        self, scored: _Scored, loss: np.ndarray, wanted: Collection[str], threshold: float
    ) -> set[str]:
        supported: set[str] = set()
        scores, padding, rows, words = scored.scores, scored.padding, scored.rows, scored.words
        wanted_rows = [row for word in wanted for row in words.by_lower.get(word, ())]
        if not wanted_rows:
            return supported
        # Where the bound says P(not O) < threshold / e, no token needs its probability.
        bound = 1.0 - math.log(threshold)
        positions = np.flatnonzero((loss < bound) & np.isin(rows, wanted_rows))
        asked = positions.tolist()
        if not asked:
            return supported
        lowered = dict(
            zip(asked, [words.lowers[row] for row in rows[positions].tolist()], strict=True)
        )
        runs = _runs(loss < max(bound, MARGINAL_MARGIN))
        ends = [hi for _, hi in runs]
        by_run: dict[int, list[int]] = {}
        for k in asked:
            by_run.setdefault(bisect.bisect_left(ends, k), []).append(k)
        for run, members in by_run.items():
            if all(lowered[k] in supported for k in members):
                continue
            lo, hi = runs[run]
            probabilities = _inside(
                scores[lo : hi + 1].tolist(),
                self._exp_transition,
                not padding[lo - 1],
                not padding[hi + 1],
            )
            for k in members:
                probability = probabilities[k - lo]
                if abs(probability - threshold) < _NEAR:
                    # Close to the line: again over the whole line, exactly as CRFsuite.
                    line = bisect.bisect_right(scored.firsts, k) - 1
                    first, end = scored.firsts[line], scored.ends[line]
                    whole = _inside(scores[first:end].tolist(), self._exp_transition, False, False)
                    probability = whole[k - first]
                if probability >= threshold:
                    supported.add(lowered[k])
        return supported

    def tag(self, tokens: Sequence[str], section: str) -> list[str]:
        """BIO labels of one line's ``tokens``."""
        spans, _ = self.tag_lines([(tokens, section)])
        labels = ["O"] * len(tokens)
        for first, last in spans[0]:
            labels[first] = "B"
            labels[first + 1 : last + 1] = ["I"] * (last - first)
        return labels


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """First and last index of each run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], mask, [False]]).astype(np.int8)))
    bounds = edges.tolist()
    return [(bounds[k], bounds[k + 1] - 1) for k in range(0, len(bounds), 2)]


def _viterbi(
    rows: list[list[float]], t: list[list[float]], after_o: bool, before_o: bool
) -> list[int]:
    """The best O/B/I path of one run whose neighbours (where there are any) are O."""
    too, tob, toi = t[_O]
    tbo, tbb, tbi = t[_B]
    tio, tib, tii = t[_I]
    eo, eb, ei = rows[0]
    if after_o:
        do, db, di = eo + too, eb + tob, ei + toi
    else:
        do, db, di = eo, eb, ei
    back: list[tuple[int, int, int]] = []
    for eo, eb, ei in rows[1:]:
        # Into O, B and I from the best of O, B, I (first best wins, as CRFsuite).
        vo, vb, vi = do + too, db + tbo, di + tio
        bo = 0 if vo >= vb and vo >= vi else (1 if vb >= vi else 2)
        no = (vo, vb, vi)[bo] + eo
        vo, vb, vi = do + tob, db + tbb, di + tib
        bb = 0 if vo >= vb and vo >= vi else (1 if vb >= vi else 2)
        nb = (vo, vb, vi)[bb] + eb
        vo, vb, vi = do + toi, db + tbi, di + tii
        bi = 0 if vo >= vb and vo >= vi else (1 if vb >= vi else 2)
        ni = (vo, vb, vi)[bi] + ei
        do, db, di = no, nb, ni
        back.append((bo, bb, bi))
    if before_o:
        do, db, di = do + too, db + tbo, di + tio
    y = 0 if do >= db and do >= di else (1 if db >= di else 2)
    path = [y]
    for pointers in reversed(back):
        y = pointers[y]
        path.append(y)
    path.reverse()
    return path


def _inside(
    rows: list[list[float]], et: list[list[float]], after_o: bool, before_o: bool
) -> list[float]:
    """P(not O) at each token of one run whose neighbours are O (scaled forward-backward)."""
    (oo, ob, oi), (bo_, bb_, bi_), (io, ib, ii) = et
    exp = math.exp
    psi: list[tuple[float, float, float]] = []
    alpha: list[tuple[float, float, float]] = []
    fo = fb = fi = 1.0
    for k, (eo, eb, ei) in enumerate(rows):
        top = max(eo, eb, ei)
        po, pb, pi = exp(eo - top), exp(eb - top), exp(ei - top)
        psi.append((po, pb, pi))
        if k:
            z = fo + fb + fi
            fo, fb, fi = (
                (fo * oo + fb * bo_ + fi * io) / z * po,
                (fo * ob + fb * bb_ + fi * ib) / z * pb,
                (fo * oi + fb * bi_ + fi * ii) / z * pi,
            )
        elif after_o:
            fo, fb, fi = oo * po, ob * pb, oi * pi
        else:
            fo, fb, fi = po, pb, pi
        alpha.append((fo, fb, fi))
    # Backward, from the O after the run (or the line's end).
    go, gb, gi = (oo, bo_, io) if before_o else (1.0, 1.0, 1.0)
    out = [0.0] * len(rows)
    for k in range(len(rows) - 1, -1, -1):
        fo, fb, fi = alpha[k]
        jo, jb, ji = fo * go, fb * gb, fi * gi
        out[k] = (jb + ji) / (jo + jb + ji)
        if k:
            po, pb, pi = psi[k]
            no, nb, ni = go * po, gb * pb, gi * pi
            z = no + nb + ni
            go, gb, gi = (
                (oo * no + ob * nb + oi * ni) / z,
                (bo_ * no + bb_ * nb + bi_ * ni) / z,
                (io * no + ib * nb + ii * ni) / z,
            )
    return out


def spans_of(labels: Sequence[str]) -> list[tuple[int, int]]:
    """Token ranges ``[first, last]`` of the B/I runs in ``labels``."""
    spans: list[tuple[int, int]] = []
    first = -1
    for k, label in enumerate([*labels, "O"]):
        if label == "I" and first >= 0:
            continue
        if first >= 0:
            spans.append((first, k - 1))
        first = k if label == "B" else -1
    return spans


@cache
def default_tagger() -> SpanTagger:
    """The shipped tagger, loaded once per process."""
    data = resources.files("keyword_analyzer").joinpath("data")
    words = data.joinpath("tagger_vocabulary.txt").read_text("utf-8").splitlines()
    model = data.joinpath("span_tagger.crfsuite").read_bytes()
    return SpanTagger(model, Vocabulary(w for w in words if w))
