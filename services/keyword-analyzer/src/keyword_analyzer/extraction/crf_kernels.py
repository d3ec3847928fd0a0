"""The span tagger's loops over every token of a posting, compiled with numba.

Vocabulary hits, emission sums, Viterbi and forward-backward of a first-order
linear-chain CRF over all lines of a posting at once (lines are ``starts[i]:ends[i]``,
one padding position apart).
In Python they cost more than all the rest of extraction; compiled they take tens of
microseconds. numba caches the machine code on disk (next to this file, or under
``NUMBA_CACHE_DIR``), so only the first start on a machine compiles (5 to 10 s).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., Any])


def compiled(function: F) -> F:
    """``function`` compiled, its machine code cached on disk where numba finds a writable
    place; where it finds none (a read-only install without ``NUMBA_CACHE_DIR``) it is
    compiled at every start instead of failing the import."""
    try:
        return numba.njit(cache=True, nogil=True)(function)  # type: ignore[return-value]
    except RuntimeError:
        return numba.njit(nogil=True)(function)  # type: ignore[return-value]


@compiled
def child_of(
    node: int, token: int, first_child: np.ndarray, child_ids: np.ndarray, children: np.ndarray
) -> int:  # pragma: no cover - compiled
    """The child of trie node ``node`` by token id ``token`` (-1: none): node ``n``'s
    children are ``children[first_child[n]:first_child[n + 1]]``, by ascending
    ``child_ids``."""
    low, high = first_child[node], first_child[node + 1]
    while low < high:
        middle = (low + high) // 2
        if child_ids[middle] < token:
            low = middle + 1
        else:
            high = middle
    if low == first_child[node + 1] or child_ids[low] != token:
        return -1
    return int(children[low])


@compiled
def hit_codes(
    ids: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    roots: np.ndarray,
    first_child: np.ndarray,
    child_ids: np.ndarray,
    children: np.ndarray,
    complete: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """The vocabulary hit of every position, 0/1/2 for O/B/I (3 outside the lines): per
    line, the longest wording starting at each free position, walked in a trie over
    vocabulary token ids (``ids``, -1 for a word in no wording). ``roots[id]`` is the
    node a wording's first token leads to (0 if none); node ``n``'s further children are
    ``children[first_child[n]:first_child[n + 1]]``, by ascending ``child_ids``."""
    codes = np.full(ids.shape[0], 3, np.int64)
    for line in range(starts.shape[0]):
        first, end = starts[line], ends[line]
        codes[first:end] = 0
        i = first
        while i < end:
            if ids[i] < 0 or roots[ids[i]] == 0:
                i += 1
                continue
            node, size, j = roots[ids[i]], 0, i + 1
            if complete[node]:
                size = 1
            while j < end and ids[j] >= 0:
                node = child_of(node, ids[j], first_child, child_ids, children)
                if node < 0:
                    break
                j += 1
                if complete[node]:
                    size = j - i
            if size == 0:
                i += 1
                continue
            codes[i] = 1
            codes[i + 1 : i + size] = 2
            i += size
    return codes


@compiled
def emissions_of(
    table: np.ndarray,
    rows: np.ndarray,
    hits: np.ndarray,
    hit_weights: np.ndarray,
    by_section: np.ndarray,
    sections: np.ndarray,
    bos: np.ndarray,
    eos: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """The score of every label at every position (0 on padding): slot k of the word at
    p + 2 - k and the vocabulary hit at p + k - 2 speak for p when they are on its line,
    with the section's weights (``by_section[sections[line]]``) and the line's first and
    last token's."""
    size = table.shape[2]
    scores = np.zeros((rows.shape[0], size))
    for line in range(starts.shape[0]):
        first, end = starts[line], ends[line]
        for p in range(first, end):
            for y in range(size):
                value = by_section[sections[line], y]
                for k in range(5):
                    if first <= p + 2 - k < end:
                        value += table[rows[p + 2 - k], k, y]
                    if first <= p + k - 2 < end:
                        value += hit_weights[k, hits[p + k - 2], y]
                if p == first:
                    value += bos[y]
                if p == end - 1:
                    value += eos[y]
                scores[p, y] = value
    return scores


@compiled
def viterbi(
    scores: np.ndarray, starts: np.ndarray, ends: np.ndarray, t: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """The best label of every position (0 outside the lines): per line, Viterbi with
    CRFsuite's tie rule (the first best wins)."""
    size = t.shape[0]
    path = np.zeros(scores.shape[0], np.int64)
    back = np.zeros((scores.shape[0], size), np.int64)
    delta = np.empty(size)
    step = np.empty(size)
    for line in range(starts.shape[0]):
        first, end = starts[line], ends[line]
        if first >= end:
            continue
        delta[:] = scores[first]
        for p in range(first + 1, end):
            for y in range(size):
                best, value = 0, delta[0] + t[0, y]
                for x in range(1, size):
                    candidate = delta[x] + t[x, y]
                    if candidate > value:
                        best, value = x, candidate
                back[p, y] = best
                step[y] = value + scores[p, y]
            delta[:] = step
        y = 0
        for x in range(1, size):
            if delta[x] > delta[y]:
                y = x
        path[end - 1] = y
        for p in range(end - 1, first, -1):
            y = back[p, y]
            path[p - 1] = y
    return path


@compiled
def inside(
    scores: np.ndarray, starts: np.ndarray, ends: np.ndarray, et: np.ndarray, o: int
) -> np.ndarray:  # pragma: no cover - compiled
    """1 - P(O) at every position (0 outside the lines): per line, forward-backward with
    the scores shifted per position and the messages normalised at every step."""
    size = et.shape[0]
    psi = np.empty_like(scores)
    alpha = np.empty_like(scores)
    out = np.zeros(scores.shape[0])
    beta = np.empty(size)
    step = np.empty(size)
    for line in range(starts.shape[0]):
        first, end = starts[line], ends[line]
        for p in range(first, end):
            top = scores[p, 0]
            for y in range(1, size):
                top = max(top, scores[p, y])
            norm = 0.0
            for y in range(size):
                psi[p, y] = math.exp(scores[p, y] - top)
                if p == first:
                    value = psi[p, y]
                else:
                    value = 0.0
                    for x in range(size):
                        value += alpha[p - 1, x] * et[x, y]
                    value *= psi[p, y]
                alpha[p, y] = value
                norm += value
            for y in range(size):
                alpha[p, y] /= norm
        for y in range(size):
            beta[y] = 1.0
        for p in range(end - 1, first - 1, -1):
            total = 0.0
            for y in range(size):
                total += alpha[p, y] * beta[y]
            out[p] = 1.0 - alpha[p, o] * beta[o] / total
            norm = 0.0
            for x in range(size):
                value = 0.0
                for y in range(size):
                    value += et[x, y] * psi[p, y] * beta[y]
                step[x] = value
                norm += value
            for x in range(size):
                beta[x] = step[x] / norm
    return out


@compiled
def spans_in(
    path: np.ndarray, starts: np.ndarray, ends: np.ndarray, kinds: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    """The spans of a BILOU path as rows (line, first, last), token positions counted from
    the line's start: ``tagger.spans_of`` of every line. ``kinds`` gives each label's
    letter as 0/1/2/3/4 for O/B/I/L/U."""
    found = np.empty((path.shape[0], 3), np.int64)
    count = 0
    for line in range(starts.shape[0]):
        first, end = starts[line], ends[line]
        opened = -1
        for p in range(first, end + 1):
            kind = kinds[path[p]] if p < end else 0
            if (kind == 2 or kind == 3) and opened >= 0:
                if kind == 3:
                    found[count, 0], found[count, 1], found[count, 2] = line, opened, p - first
                    count += 1
                    opened = -1
                continue
            if opened >= 0:
                found[count, 0], found[count, 1], found[count, 2] = line, opened, p - first - 1
                count += 1
            opened = -1
            if kind == 4:
                found[count, 0], found[count, 1], found[count, 2] = line, p - first, p - first
                count += 1
            elif kind == 1:
                opened = p - first
    return found[:count]


@compiled
def tag_rows(
    rows: np.ndarray,
    ids: np.ndarray,
    roots: np.ndarray,
    first_child: np.ndarray,
    child_ids: np.ndarray,
    children: np.ndarray,
    complete: np.ndarray,
    table: np.ndarray,
    hit_weights: np.ndarray,
    by_section: np.ndarray,
    sections: np.ndarray,
    bos: np.ndarray,
    eos: np.ndarray,
    transition: np.ndarray,
    exp_transition: np.ndarray,
    kinds: np.ndarray,
    o: int,
    threshold: float,
    probabilities: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The whole tagging of the words at ``rows`` (lines between padding rows 0) in one
    call: ``hit_codes`` over their vocabulary ``ids``, ``emissions_of``, ``viterbi`` and
    ``spans_in``, and with ``probabilities`` ``inside``. Returns the spans as rows (line,
    first, last), each line's first position, and the distinct rows whose 1 - P(O)
    reaches ``threshold`` at some position (none without ``probabilities``)."""
    breaks = np.flatnonzero(rows == 0)
    starts, ends = breaks[:-1] + 1, breaks[1:]
    hits = hit_codes(ids[rows], starts, ends, roots, first_child, child_ids, children, complete)
    scores = emissions_of(
        table, rows, hits, hit_weights, by_section, sections, bos, eos, starts, ends
    )
    found = spans_in(viterbi(scores, starts, ends, transition), starts, ends, kinds)
    if not probabilities:
        return found, starts, np.empty(0, np.int64)
    likely = np.unique(rows[inside(scores, starts, ends, exp_transition, o) >= threshold])
    return found, starts, likely
