"""The span tagger's tokenizer and its table of known words, compiled with numba.

A posting's text goes in as an array of code points. ``tokenize`` cuts its lines into
the tagger's tokens (``tagger.words_of``: a word, inner punctuation kept, or a bracket,
punctuation mark or word-ending period alone) and ``lookup`` finds each token's row in
an open-addressing hash table of the words seen so far, comparing the code points
themselves: no Python string per token, and no regex.
"""

from __future__ import annotations

import numpy as np

from keyword_analyzer.extraction.crf_kernels import compiled

# Character classes of the tokenizer, by code point.
_PERIOD = 0x2E
_PUNCTUATION = (0x2C, 0x3B, 0x3A, 0x21, 0x3F)  # , ; : ! ?
_BRACKETS = (0x28, 0x29, 0x5B, 0x5D)  # ( ) [ ]
# The class bits of every code point up to the last whitespace one (U+3000): whitespace
# (str.isspace), a punctuation mark or a bracket. Beyond it: none of them.
SPACE, MARK, BRACKET = 1, 2, 4
CLASSES = np.array(
    [
        (SPACE if chr(c).isspace() else 0)
        | (MARK if c in _PUNCTUATION else 0)
        | (BRACKET if c in _BRACKETS else 0)
        for c in range(0x3001)
    ],
    np.uint8,
)
EMPTY = np.int64(-1)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


def codes_of(text: str) -> np.ndarray:
    """The code points of ``text`` (lone surrogates too)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)


@compiled
def _separates(c: int, classes: np.ndarray) -> bool:  # pragma: no cover - compiled
    """Whitespace, punctuation or a bracket: what no word character is."""
    return c < classes.shape[0] and bool(classes[c] != 0)


@compiled
def _is_mark(c: int, classes: np.ndarray) -> bool:  # pragma: no cover - compiled
    return c < classes.shape[0] and bool(classes[c] & MARK)


@compiled
def is_space(c: int, classes: np.ndarray) -> bool:  # pragma: no cover - compiled
    """``chr(c).isspace()``."""
    return c < classes.shape[0] and bool(classes[c] & SPACE)


@compiled
def _word_end(
    codes: np.ndarray, i: int, end: int, classes: np.ndarray
) -> int:  # pragma: no cover - compiled
    """Where the word starting at ``i`` ends (``i`` if none starts there): word characters,
    and periods followed by one (a period before a separator or the line's end ends it)."""
    j = i
    while j < end:
        c = codes[j]
        if c == _PERIOD:
            if j + 1 < end and not _separates(codes[j + 1], classes):
                j += 1
                continue
            return j
        if _separates(c, classes):
            return j
        j += 1
    return j


@compiled
def tokenize(
    codes: np.ndarray, line_starts: np.ndarray, line_ends: np.ndarray, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The tokens of every line ``codes[line_starts[i]:line_ends[i]]`` as start and end
    offsets, the lines one padding position apart (offsets -1) with one before the first
    and one after the last: the layout ``SpanTagger.emissions`` scores."""
    size = 1 + line_starts.shape[0]
    for line in range(line_starts.shape[0]):
        size += line_ends[line] - line_starts[line]
    starts = np.full(size, -1, np.int64)
    ends = np.full(size, -1, np.int64)
    count = 1
    for line in range(line_starts.shape[0]):
        i, end = line_starts[line], line_ends[line]
        while i < end:
            c = codes[i]
            if is_space(c, classes):
                i += 1
                continue
            j = _word_end(codes, i, end, classes)
            if j == i:
                j = i + 1  # a bracket, a punctuation mark or a period alone
            else:
                # Punctuation between two words stays inside: "5,800", "a,b".
                while True:
                    k = j
                    while k < end and _is_mark(codes[k], classes):
                        k += 1
                    if k == j:
                        break
                    m = _word_end(codes, k, end, classes)
                    if m == k:
                        break
                    j = m
            starts[count], ends[count] = i, j
            count += 1
            i = j
        count += 1  # the padding after the line
    return starts[:count], ends[:count]


@compiled
def _hash(codes: np.ndarray, start: int, end: int) -> np.uint64:  # pragma: no cover - compiled
    """FNV-1a over the code points of ``codes[start:end]``."""
    value = _FNV_OFFSET
    for k in range(start, end):
        value = (value ^ np.uint64(codes[k])) * _FNV_PRIME
    return value


@compiled
def _slot(
    codes: np.ndarray,
    start: int,
    end: int,
    slots: np.ndarray,
    arena: np.ndarray,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """The slot holding the word ``codes[start:end]``, or the empty slot it would take."""
    mask = slots.shape[0] - 1
    slot = int(np.int64(_hash(codes, start, end) & np.uint64(mask)))
    size = end - start
    while True:
        row = slots[slot]
        if row == EMPTY:
            return slot
        first = word_starts[row]
        if word_ends[row] - first == size:
            same = True
            for k in range(size):
                if arena[first + k] != codes[start + k]:
                    same = False
                    break
            if same:
                return slot
        slot = (slot + 1) & mask


@compiled
def lookup(
    codes: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    slots: np.ndarray,
    arena: np.ndarray,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """The row of every token in the table (-1 for a word not in it, 0 on padding)."""
    rows = np.zeros(starts.shape[0], np.int64)
    for p in range(starts.shape[0]):
        if starts[p] >= 0:
            slot = _slot(codes, starts[p], ends[p], slots, arena, word_starts, word_ends)
            rows[p] = slots[slot]
    return rows


@compiled
def insert(
    codes: np.ndarray,
    start: int,
    end: int,
    row: int,
    slots: np.ndarray,
    arena: np.ndarray,
    used: int,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Put the word ``codes[start:end]`` in the table as ``row`` (its code points copied to
    ``arena`` from ``used`` on, which the caller made room for); the arena's new use."""
    slot = _slot(codes, start, end, slots, arena, word_starts, word_ends)
    if slots[slot] != EMPTY:
        return used
    size = end - start
    arena[used : used + size] = codes[start:end]
    word_starts[row], word_ends[row] = used, used + size
    slots[slot] = row
    return used + size


@compiled
def rehash(
    slots: np.ndarray, arena: np.ndarray, word_starts: np.ndarray, word_ends: np.ndarray
) -> None:  # pragma: no cover - compiled
    """Fill the empty ``slots`` with every word of the arena (``word_starts[row]`` -1: none)."""
    for row in range(word_starts.shape[0]):
        if word_starts[row] >= 0:
            slot = _slot(
                arena, word_starts[row], word_ends[row], slots, arena, word_starts, word_ends
            )
            slots[slot] = row


@compiled
def token_rows(
    codes: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    classes: np.ndarray,
    slots: np.ndarray,
    arena: np.ndarray,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``tokenize`` and ``lookup`` in one call: the tokens' start and end offsets and rows."""
    starts, ends = tokenize(codes, line_starts, line_ends, classes)
    return starts, ends, lookup(codes, starts, ends, slots, arena, word_starts, word_ends)
