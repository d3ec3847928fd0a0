"""The span tagger's loops over every token of a posting, compiled with numba.

Emission sums, Viterbi and forward-backward of a first-order linear-chain CRF over all
lines of a posting at once (lines are ``starts[i]:ends[i]``, with padding between them).
In Python they cost more than all the rest of extraction; compiled they take tens of
microseconds. numba caches the machine code on disk (next to this file, or under
``NUMBA_CACHE_DIR``), so only the first start on a machine compiles (about 3 s).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypeVar

import numba
import numpy as np

F = TypeVar("F", bound=Callable[..., np.ndarray])


def _compiled(function: F) -> F:
    """``function`` compiled, its machine code cached on disk where numba finds a writable
    place; where it finds none (a read-only install without ``NUMBA_CACHE_DIR``) it is
    compiled at every start instead of failing the import."""
    try:
        return numba.njit(cache=True, nogil=True)(function)  # type: ignore[return-value]
    except RuntimeError:
        return numba.njit(nogil=True)(function)  # type: ignore[return-value]


@_compiled
def emissions_of(
    table: np.ndarray,
    rows: np.ndarray,
    hits: np.ndarray,
    hit_weights: np.ndarray,
    by_line: np.ndarray,
    bos: np.ndarray,
    eos: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """The score of every label at every position (0 on padding): slot k of the word at
    p + 2 - k and the vocabulary hit at p + k - 2 speak for p, with the line's section
    and the line's first and last token's weights."""
    size = table.shape[2]
    scores = np.zeros((rows.shape[0], size))
    for line in range(starts.shape[0]):
        first, end = starts[line], ends[line]
        for p in range(first, end):
            for y in range(size):
                value = by_line[line, y]
                for k in range(5):
                    value += table[rows[p + 2 - k], k, y] + hit_weights[k, hits[p + k - 2], y]
                if p == first:
                    value += bos[y]
                if p == end - 1:
                    value += eos[y]
                scores[p, y] = value
    return scores


@_compiled
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


@_compiled
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
