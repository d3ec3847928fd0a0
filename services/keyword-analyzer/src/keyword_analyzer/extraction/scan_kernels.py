"""The extractor's walk over a posting's lines, compiled with numba; and the two other
per-character passes it needs, compiled too: ``normalized`` (``tokens.normalize``) and
``line_cues`` (``sections.required_of`` of every line).

``Extractor`` finds the taxonomy's terms word by word: most words start no term, most
that do start only longer ones that the next word does not continue, and a Python loop
spent half of a posting's time finding that out. Here the normalised text's words
(runs of non-spaces) get their ids from a hash table of every word the trie, the common
words and the cue words hold (``word_kernels``), the trie is walked over those ids, and
only what needs Python comes back, in text order, as events: a term found (``ADD``), a
word to look up part by part (``PARTS``: ``Java/Spring``) and a word a salient phrase
may take (``UNCOVERED``). The rules are ``Extractor._scan_line``'s, which a test holds
this walk to on every SkillSpan posting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from keyword_analyzer.extraction import word_kernels
from keyword_analyzer.extraction.crf_kernels import child_of, compiled
from keyword_analyzer.extraction.sections import OPTIONAL_CUES, REQUIRED_CUES
from keyword_analyzer.extraction.taxonomy import END, Taxonomy, Term, Trie
from keyword_analyzer.extraction.tokens import SEPARATORS, lower, normalize
from keyword_analyzer.extraction.word_kernels import CLASSES, codes_of, is_space

ADD, PARTS, UNCOVERED = 0, 1, 2
# Bits of a word's flags.
COMMON, CUE, KNOWLEDGE_CUE = 1, 2, 4
_SPACE = 0x20
_HYPHEN, _SLASH = 0x2D, 0x2F


class ScanTables(NamedTuple):
    """A trie's words, nodes and terms as the arrays ``scan`` takes (after the texts, the
    line arrays and the character classes, in this order), and the terms by index."""

    slots: np.ndarray  # the word hash table (word_kernels)
    arena: np.ndarray
    word_starts: np.ndarray
    word_ends: np.ndarray
    flags: np.ndarray  # per word id: COMMON | CUE | KNOWLEDGE_CUE
    not_before: np.ndarray  # per word id: the word after which it is no term (-1: none)
    roots: np.ndarray  # per word id: the node a term's first word leads to (-1: none)
    first_child: np.ndarray  # node n's children: children[first_child[n]:first_child[n+1]]
    child_ids: np.ndarray  # ... by ascending word id
    children: np.ndarray
    term_of: np.ndarray  # per node: the index of its term in ``terms`` (-1: none)
    first_surface: np.ndarray  # term t's allowed wordings: first_surface[t]:first_surface[t+1]
    surface_starts: np.ndarray  # ... each surface_arena[surface_starts[s]:surface_ends[s]]
    surface_ends: np.ndarray  # (none: any wording)
    surface_arena: np.ndarray
    terms: list[Term]

    def arguments(self) -> tuple[np.ndarray, ...]:
        """``scan``'s arguments after the texts and the line arrays: the character
        classes, then every field but ``terms``."""
        return (CLASSES, BMP_CLASSES, *self[:-1])


def build_tables(
    trie: Trie,
    common: Iterable[str],
    cues: Iterable[str],
    knowledge_cues: Iterable[str],
    not_before: dict[str, str],
) -> ScanTables:
    """The arrays of ``trie`` (a dict per node, its term under ``END``) and the word lists."""
    ids: dict[str, int] = {}
    # Nodes breadth first: node 0 is the root.
    nodes: list[Trie] = [trie]
    child_lists: list[list[tuple[int, int]]] = []
    term_of: list[int] = []
    terms: list[Term] = []
    for node in nodes:  # grows while it is walked
        term: Term | None = node.get(END)
        if term is not None:
            term_of.append(len(terms))
            terms.append(term)
        else:
            term_of.append(-1)
        own = []
        for word, child in node.items():
            if word != END:
                own.append((ids.setdefault(word, len(ids)), len(nodes)))
                nodes.append(child)
        child_lists.append(sorted(own))
    flags: dict[int, int] = {}
    for words, bit in ((common, COMMON), (cues, CUE), (knowledge_cues, KNOWLEDGE_CUE)):
        for word in words:
            word_id = ids.setdefault(word, len(ids))
            flags[word_id] = flags.get(word_id, 0) | bit
    for word, following in not_before.items():
        ids.setdefault(word, len(ids))
        ids.setdefault(following, len(ids))
    size = len(ids)
    roots = np.full(size, -1, np.int64)
    for word_id, root in child_lists[0]:
        roots[word_id] = root
    words = sorted(ids, key=ids.__getitem__)
    arena = codes_of("".join(words)).copy()
    word_ends = np.cumsum([len(word) for word in words], dtype=np.int64)
    word_starts = word_ends - np.array([len(word) for word in words], np.int64)
    slots = np.full(1 << max(4, (2 * size).bit_length()), word_kernels.EMPTY, np.int64)
    word_kernels.rehash(slots, arena, word_starts, word_ends)
    surfaces = [sorted(t.allowed_surfaces) if t.allowed_surfaces is not None else [] for t in terms]
    if any(t.allowed_surfaces is not None and not t.allowed_surfaces for t in terms):
        raise ValueError("a term allows no wording at all")
    flat = [surface for own_surfaces in surfaces for surface in own_surfaces]
    surface_ends = np.cumsum([len(s) for s in flat], dtype=np.int64)
    return ScanTables(
        slots,
        arena,
        word_starts,
        word_ends,
        np.array([flags.get(word_id, 0) for word_id in range(size)], np.int64),
        np.array([ids[not_before[w]] if w in not_before else -1 for w in words], np.int64),
        roots,
        np.cumsum([0] + [len(c) for c in child_lists], dtype=np.int64),
        np.array([i for c in child_lists for i, _ in c], np.int64),
        np.array([n for c in child_lists for _, n in c], np.int64),
        np.array(term_of, np.int64),
        np.cumsum([0] + [len(s) for s in surfaces], dtype=np.int64),
        surface_ends - np.array([len(s) for s in flat], np.int64),
        surface_ends,
        codes_of("".join(flat)).copy(),
        terms,
    )


# Character classes of the Basic Multilingual Plane: for ``tokens.normalize`` a
# separator, a punctuation mark kept between letters or digits, the dot (kept after
# them too) and a letter or digit (the regex's own ``[^\W_]``); and an upper-case
# letter (str.isupper), without which no word is salient.
_SEPARATOR, _JOINER, _DOT, _ALNUM, _UPPER = 1, 2, 4, 8, 16
_ALNUM_RE = re.compile(r"[^\W_]")
BMP_CLASSES = np.array(
    [
        (_SEPARATOR if chr(c) in SEPARATORS else 0)
        | (_JOINER if chr(c) in ".-/'\u2019&" else 0)
        | (_DOT if c == 0x2E else 0)
        | (_ALNUM if _ALNUM_RE.match(chr(c)) else 0)
        | (_UPPER if chr(c).isupper() else 0)
        for c in range(0x10000)
    ],
    np.uint8,
)


@compiled
def _normalize(
    codes: np.ndarray, classes: np.ndarray
) -> tuple[np.ndarray, bool]:  # pragma: no cover - compiled
    """``tokens.normalize`` of lower-cased code points, and True; or False where a code
    point lies past the table (the caller takes the regex)."""
    out = codes.copy()
    n = codes.shape[0]
    size = classes.shape[0]
    for i in range(n):
        c = codes[i]
        if c >= size:
            return out, False
        kind = classes[c]
        if kind & _SEPARATOR:
            out[i] = _SPACE
        elif kind & _JOINER:
            if i + 1 < n and codes[i + 1] >= size:
                return out, False
            if i + 1 == n or not classes[codes[i + 1]] & _ALNUM:
                out[i] = _SPACE  # not followed by a letter or digit
            elif not kind & _DOT and (i == 0 or not classes[codes[i - 1]] & _ALNUM):
                out[i] = _SPACE  # not a dot, and after no letter or digit
    return out, True


# Per BMP code point, its lower case where that is one code point, else itself: what
# ``tokens.lower`` makes of it everywhere but in a capital sigma (final or not by its
# neighbours).
BMP_LOWER = np.array(
    [ord(chr(c).lower()) if len(chr(c).lower()) == 1 else c for c in range(0x10000)],
    np.uint32,
)
_CAPITAL_SIGMA = 0x3A3
LOWERED, NOT_LOWERED, NOT_NORMALIZED = 0, 1, 2


@compiled
def _lower_normalize(
    codes: np.ndarray, lower_table: np.ndarray, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:  # pragma: no cover - compiled
    """``tokens.lower`` and ``tokens.normalize`` of the code points, and LOWERED; or
    NOT_LOWERED where one lies past the table or is a capital sigma, NOT_NORMALIZED where
    ``_normalize`` needs the regex (the caller takes over from there)."""
    lowered = np.empty_like(codes)
    size = lower_table.shape[0]
    for i in range(codes.shape[0]):
        c = codes[i]
        if c >= size or c == _CAPITAL_SIGMA:
            return lowered, lowered, NOT_LOWERED
        lowered[i] = lower_table[c]
    out, complete = _normalize(lowered, classes)
    return lowered, out, LOWERED if complete else NOT_NORMALIZED


def normalized(text: str, codes: np.ndarray | None = None) -> tuple[str, np.ndarray, np.ndarray]:
    """``tokens.normalize(text)`` and its code points, compiled for text in the BMP; and
    the code points of ``tokens.lower(text)``. ``codes``: the text's, if the caller has them."""
    lowered, out, status = _lower_normalize(
        codes_of(text) if codes is None else codes, BMP_LOWER, BMP_CLASSES
    )
    if status == NOT_LOWERED:
        lowered = codes_of(lower(text)).copy()  # writable, as the kernel's own
        out, complete = _normalize(lowered, BMP_CLASSES)
        status = LOWERED if complete else NOT_NORMALIZED
    if status == NOT_NORMALIZED:
        result = normalize(text)
        return result, codes_of(result).copy(), lowered  # writable, as the kernel's own
    return out.tobytes().decode("utf-32-le", "surrogatepass"), out, lowered


# The requirement cues of ``sections.required_of`` for ``line_cues``: their code points,
# whether each is optional, and by their first two characters (both ASCII: 128 x 128).
_CUES = (*OPTIONAL_CUES, *REQUIRED_CUES)
_CUE_PAIRS = sorted(range(len(_CUES)), key=lambda cue: (ord(_CUES[cue][0]), ord(_CUES[cue][1])))
CUE_TABLES = (
    np.searchsorted(
        [ord(_CUES[cue][0]) * 128 + ord(_CUES[cue][1]) for cue in _CUE_PAIRS],
        np.arange(128 * 128 + 1),
    ).astype(np.int64),
    np.array(_CUE_PAIRS, np.int64),
    np.cumsum([0] + [len(cue) for cue in _CUES], dtype=np.int64),
    codes_of("".join(_CUES)).copy(),
    np.array([cue in OPTIONAL_CUES for cue in _CUES], np.bool_),
)
if any(not cue.isascii() or len(cue) < 2 or cue.endswith("i") for cue in _CUES):
    # An "i" may be the first half of a lower-cased "İ" (line_cues keeps the "İ").
    raise ValueError("line_cues takes ASCII cues of two characters or more, none ending in i")
OPTIONAL_CUE, REQUIRED_CUE = 1, 2


@compiled
def line_cues(
    lowered: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    by_pair: np.ndarray,
    pair_cues: np.ndarray,
    cue_bounds: np.ndarray,
    cue_codes: np.ndarray,
    optional: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Per line ``[line_starts[i], line_ends[i])`` of the lower-cased code points, the
    cues ``required_of`` finds in it (space-padded): OPTIONAL_CUE | REQUIRED_CUE bits."""
    found = np.zeros(line_starts.shape[0], np.int8)
    for line in range(line_starts.shape[0]):
        first, last = line_starts[line] - 1, line_ends[line]  # the padding included
        for p in range(first, last):
            c0 = _SPACE if p == first else lowered[p]
            c1 = _SPACE if p + 1 == last else lowered[p + 1]
            if c0 >= 128 or c1 >= 128:
                continue
            pair = c0 * 128 + c1
            for index in range(by_pair[pair], by_pair[pair + 1]):
                cue = pair_cues[index]
                start, stop = cue_bounds[cue], cue_bounds[cue + 1]
                if p + stop - start > last + 1:
                    continue
                same = True
                for q in range(2, stop - start):
                    at = p + q
                    c = _SPACE if at == last else lowered[at]
                    if c != cue_codes[start + q]:
                        same = False
                        break
                if same:
                    found[line] |= OPTIONAL_CUE if optional[cue] else REQUIRED_CUE
    return found


_tables_lock = threading.Lock()


def tables_of(
    taxonomy: Taxonomy,
    common: Iterable[str],
    cues: Iterable[str],
    knowledge_cues: Iterable[str],
    not_before: dict[str, str],
) -> ScanTables:
    """``build_tables`` of the taxonomy's trie, built once per taxonomy (its trie is
    complete once it is constructed)."""
    with _tables_lock:
        built = taxonomy.derived.get("scan tables")
        if isinstance(built, ScanTables):
            return built
        tables = build_tables(taxonomy.trie, common, cues, knowledge_cues, not_before)
        taxonomy.derived["scan tables"] = tables
        # Compiled now (once per process) rather than on the first posting.
        line = np.zeros(1, np.int64)
        text = codes_of("Go")
        _, normalized_codes, lowered = normalized("Go", text)
        normalized("\u03a3")  # a capital sigma: lower-cased in Python, then compiled
        line_cues(lowered, line, line + 2, *CUE_TABLES)
        scan(
            text,
            normalized_codes,
            line,
            line + 2,
            np.ones(1, np.bool_),
            *tables.arguments(),
        )
        return tables


@compiled
def _surface_ok(
    text: np.ndarray,
    first: int,
    end: int,
    term: int,
    first_surface: np.ndarray,
    surface_starts: np.ndarray,
    surface_ends: np.ndarray,
    surface_arena: np.ndarray,
    classes: np.ndarray,
) -> bool:  # pragma: no cover - compiled
    """Whether ``text[first:end]`` with its whitespace runs as one space each is one of
    the term's allowed wordings (any wording when it has none)."""
    low, high = first_surface[term], first_surface[term + 1]
    if low == high:
        return True
    for surface in range(low, high):
        p, stop = surface_starts[surface], surface_ends[surface]
        i = first
        same = True
        while i < end:
            c = text[i]
            i += 1
            if is_space(c, classes):
                c = _SPACE
                while i < end and is_space(text[i], classes):
                    i += 1
            if p >= stop or surface_arena[p] != c:
                same = False
                break
            p += 1
        if same and p == stop:
            return True
    return False


@compiled
def _all_space(
    text: np.ndarray, start: int, end: int, classes: np.ndarray
) -> bool:  # pragma: no cover - compiled
    """``text[start:end].isspace()``."""
    i = start
    while i < end and is_space(text[i], classes):
        i += 1
    return start < end and i == end


@compiled
def _may_be_salient(
    text: np.ndarray, start: int, end: int, bmp: np.ndarray
) -> bool:  # pragma: no cover - compiled
    """Whether ``Extractor._is_salient`` could take the word: two characters or more,
    one of them upper case (or past the table). Dropping the others from a line's
    ``UNCOVERED`` words changes no phrase: the word between two salient ones keeps
    them apart either way."""
    i = start
    while i < end and text[i] < bmp.shape[0] and not bmp[text[i]] & _UPPER:
        i += 1
    return end - start >= 2 and i < end


@compiled
def scan(
    text: np.ndarray,
    normalized: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    salient: np.ndarray,
    classes: np.ndarray,
    bmp: np.ndarray,
    slots: np.ndarray,
    arena: np.ndarray,
    word_starts: np.ndarray,
    word_ends: np.ndarray,
    flags: np.ndarray,
    not_before: np.ndarray,
    roots: np.ndarray,
    first_child: np.ndarray,
    child_ids: np.ndarray,
    children: np.ndarray,
    term_of: np.ndarray,
    first_surface: np.ndarray,
    surface_starts: np.ndarray,
    surface_ends: np.ndarray,
    surface_arena: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The events of the lines ``[line_starts[i], line_ends[i])`` (``salient[i]``: the
    line may yield salient phrases) as rows (line, kind, start, end, term), in text
    order; and per line (words, has a cue word, has a knowledge cue word)."""
    lines = line_starts.shape[0]
    total = 0
    for line in range(lines):
        total += line_ends[line] - line_starts[line]
    piece_starts = np.empty(total, np.int64)
    piece_ends = np.empty(total, np.int64)
    # Whether a word holds a "-" or "/" (what ``PARTS`` looks up part by part).
    joined = np.zeros(total, np.bool_)
    line_first = np.empty(lines + 1, np.int64)
    count = 0
    for line in range(lines):
        line_first[line] = count
        i, end = line_starts[line], line_ends[line]
        while i < end:
            if normalized[i] == _SPACE:
                i += 1
                continue
            j = i
            while j < end and normalized[j] != _SPACE:
                if normalized[j] == _HYPHEN or normalized[j] == _SLASH:
                    joined[count] = True
                j += 1
            piece_starts[count], piece_ends[count] = i, j
            count += 1
            i = j
    line_first[lines] = count
    ids = word_kernels.lookup(
        normalized,
        piece_starts[:count],
        piece_ends[:count],
        slots,
        arena,
        word_starts,
        word_ends,
    )
    events = np.empty((count, 5), np.int64)
    info = np.zeros((lines, 3), np.int64)
    n = 0
    for line in range(lines):
        first, last = line_first[line], line_first[line + 1]
        info[line, 0] = last - first
        for k in range(first, last):
            if ids[k] >= 0:
                if flags[ids[k]] & CUE:
                    info[line, 1] = 1
                if flags[ids[k]] & KNOWLEDGE_CUE:
                    info[line, 2] = 1
        next_free = first
        for k in range(first, last):
            if k < next_free:
                continue
            word = ids[k]
            s, e = piece_starts[k], piece_ends[k]
            node = roots[word] if word >= 0 else -1
            kind = -1
            term = -1
            if node >= 0:
                following = ids[k + 1] if k + 1 < last else -1
                continues = following >= 0 and (
                    child_of(node, following, first_child, child_ids, children) >= 0
                )
                if not continues:
                    # A one-word term or nothing: no walk.
                    term = term_of[node]
                    if term >= 0 and not (following >= 0 and following == not_before[word]):
                        if _surface_ok(
                            text,
                            s,
                            e,
                            term,
                            first_surface,
                            surface_starts,
                            surface_ends,
                            surface_arena,
                            classes,
                        ):
                            kind = ADD
                        elif salient[line] and _may_be_salient(text, s, e, bmp):
                            kind = UNCOVERED
                        if kind >= 0:
                            events[n, 0], events[n, 1], events[n, 2] = line, kind, s
                            events[n, 3], events[n, 4] = e, term
                            n += 1
                        continue
                    term = -1
                else:
                    # The longest term from here whose wording is allowed.
                    j, at = k, node
                    best = -1
                    while at >= 0:
                        end = piece_ends[j]
                        candidate = term_of[at]
                        if candidate >= 0 and _surface_ok(
                            text,
                            s,
                            end,
                            candidate,
                            first_surface,
                            surface_starts,
                            surface_ends,
                            surface_arena,
                            classes,
                        ):
                            best, term, e = j, candidate, end
                        j += 1
                        if j >= last or ids[j] < 0:
                            break
                        at = child_of(at, ids[j], first_child, child_ids, children)
                        # A multi-word term never spans a separator: check the original gap.
                        if at >= 0 and not _all_space(text, end, piece_starts[j], classes):
                            break
                    if best >= 0:
                        events[n, 0], events[n, 1], events[n, 2] = line, ADD, s
                        events[n, 3], events[n, 4] = e, term
                        n += 1
                        next_free = best + 1
                        continue
                    e = piece_ends[k]
            if joined[k]:
                kind = PARTS
            elif (
                salient[line]
                and (node >= 0 or word < 0 or not flags[word] & COMMON)
                and _may_be_salient(text, s, e, bmp)
            ):
                # A word that starts terms is looked at even when common ("experience").
                kind = UNCOVERED
            if kind >= 0:
                events[n, 0], events[n, 1], events[n, 2] = line, kind, s
                events[n, 3], events[n, 4] = e, -1
                n += 1
    return events[:n], info
