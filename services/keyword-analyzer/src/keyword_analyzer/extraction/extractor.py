"""Keyword extraction: one pass over the lines, the trie walked from every token.

Longest match wins; a multi-word term never spans punctuation; a case-sensitive
wording (``Go``, ``R``) must appear with exactly its case. Lines under a benefits or
about-the-company heading yield nothing; lines under requirements also yield salient
non-taxonomy tokens (acronyms, capitalised product names) as category ``other``.
The taxonomy's trie is walked compiled (``scan_kernels``), which hands back only what
needs Python; ``_scan_line`` walks in Python what that walk must match, and a user's
own trie.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Final

import numpy as np

from keyword_analyzer.extraction import scan_kernels, word_kernels
from keyword_analyzer.extraction.keywords import (
    TAGGER_VETO,
    VETOED_CATEGORIES,
    Keyword,
    absorb,
    finish,
)
from keyword_analyzer.extraction.scan_kernels import ADD, PARTS
from keyword_analyzer.extraction.sections import (
    CUE_WORDS,
    SECTION_REQUIRED,
    Section,
    SentenceCues,
    heading_section,
    required_of,
)
from keyword_analyzer.extraction.tagger import SpanTagger
from keyword_analyzer.extraction.taxonomy import (
    END,
    Skill,
    Taxonomy,
    Term,
    Trie,
    common_words,
)
from keyword_analyzer.extraction.tokens import PART_RE, normalize

SKIPPED_SECTIONS: Final = frozenset({Section.BENEFITS, Section.COMPANY})
SALIENT_SECTIONS: Final = frozenset({Section.REQUIREMENTS, Section.NICE_TO_HAVE})
_HEADING_MAX_CHARS: Final = 64
_MAX_OTHER_TOKENS: Final = 3
_SENTENCE_END: Final = re.compile(r"[.!?:;]\s*$")
# Prior log-odds of a salient non-taxonomy phrase; the confidence model decides from there.
OTHER_LOGIT: Final = -1.0
# Sections by how much they say about requirements: a keyword is judged by its best one.
SECTION_RANK: Final = {
    Section.REQUIREMENTS.value: 5,
    Section.NICE_TO_HAVE.value: 4,
    Section.RESPONSIBILITIES.value: 3,
    Section.PREAMBLE.value: 2,
    Section.COMPANY.value: 1,
    Section.BENEFITS.value: 0,
}
# ``Section.value`` is a property: a dict finds it faster on the hot path.
SECTION_VALUE: Final[dict[Section, str]] = {section: section.value for section in Section}
# ``required_of(section, line)`` by the cues ``scan_kernels.line_cues`` found in the line.
REQUIRED_OF_CUES: Final[dict[tuple[Section, int], bool | None]] = {
    (section, bits): (
        False
        if bits & scan_kernels.OPTIONAL_CUE or section is Section.NICE_TO_HAVE
        else True
        if section is Section.REQUIREMENTS or bits & scan_kernels.REQUIRED_CUE
        else None
    )
    for section in Section
    for bits in range(4)
}
# A one-word wording followed by this word is ordinary English: "a high degree of accuracy".
_NOT_BEFORE: Final = {"degree": "of"}
# A line this short is a list item or a tag line ("Technologies: vue.js vuex mysql").
SHORT_LINE_WORDS: Final = 8
# Words that introduce what a candidate should know ("experience with", "knowledge of").
KNOWLEDGE_CUES: Final = frozenset(
    {
        "experience",
        "experienced",
        "knowledge",
        "familiar",
        "familiarity",
        "proficient",
        "proficiency",
        "understanding",
        "expertise",
        "skills",
        "skilled",
        "background",
        "competencies",
        "hands-on",
    }
)


def _mark_listed(found: dict[str, Keyword], line_keys: list[str]) -> None:
    """Two skills or more on one line (``line_keys``: their keys in order, two or more):
    a list of what the job needs."""
    if line_keys.count(line_keys[0]) < len(line_keys):
        for key in line_keys:
            found[key].listed = True


class Extractor:
    """Finds the keywords of postings (or resumes) with one taxonomy and optional user terms."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        *,
        user_trie: Trie | None = None,
        skip_sections: frozenset[Section] = SKIPPED_SECTIONS,
        salient_other: bool = True,
        use_confidence: bool = True,
        tagger: SpanTagger | None = None,
        compiled: bool = True,
    ) -> None:
        """``compiled``: walk the taxonomy's trie with ``scan_kernels`` (with no user trie);
        False: in Python, as ``_scan_line`` does (the reference the compiled walk is tested
        against, and the walk over a user's own trie)."""
        self.taxonomy = taxonomy
        self.use_confidence = use_confidence
        self.tagger = tagger
        self.tries: tuple[Trie, ...] = (user_trie, taxonomy.trie) if user_trie else (taxonomy.trie,)
        self._single = taxonomy.trie if not user_trie else None
        self.skip_sections = skip_sections
        self.salient_other = salient_other
        self.common = common_words()
        self.compounds = taxonomy.vocabulary_tokens
        self._tables = (
            scan_kernels.tables_of(taxonomy, self.common, CUE_WORDS, KNOWLEDGE_CUES, _NOT_BEFORE)
            if compiled and self._single is not None
            else None
        )
        self._scan_arguments = self._tables.arguments() if self._tables is not None else ()

    def extract(self, text: str, *, sections: bool = True) -> list[Keyword]:
        """The keywords of ``text``, most important first."""
        found: dict[str, Keyword] = {}
        section = Section.PREAMBLE
        position = 0
        # With the compiled walk: the normalised text, its code points and the lower-cased
        # text's.
        codes = word_kernels.codes_of(text)
        compiled = scan_kernels.normalized(text, codes) if self._tables is not None else None
        normalized = compiled[0] if compiled is not None else normalize(text)
        tagged_lines: list[tuple[int, str, Section]] = []
        for line in text.split("\n"):
            start = position
            position += len(line) + 1
            if sections and len(line) <= _HEADING_MAX_CHARS:
                heading = heading_section(line)
                if heading is not None:
                    section = heading
            if section in self.skip_sections or not line or line.isspace():
                continue
            if self._tables is None:
                self._scan_line(text, normalized, start, line, section, found)
            tagged_lines.append((start, line, section))
        supported: set[str] | None = None if self.tagger is None else set()
        if tagged_lines:
            bounds = np.array(
                [(start, start + len(line)) for start, line, _ in tagged_lines], np.int64
            )
            line_required: list[bool | None] | None = None
            if compiled is not None:
                _, normalized_codes, lowered = compiled
                line_starts, line_ends = bounds[:, 0].copy(), bounds[:, 1].copy()
                cues = scan_kernels.line_cues(
                    lowered, line_starts, line_ends, *scan_kernels.CUE_TABLES
                )
                # required_of of each whole line, from the cues the kernel found in it.
                line_required = [
                    REQUIRED_OF_CUES[section, bits]
                    for (_, _, section), bits in zip(tagged_lines, cues.tolist(), strict=True)
                ]
                self._scan(
                    text,
                    codes,
                    normalized,
                    normalized_codes,
                    line_starts,
                    line_ends,
                    tagged_lines,
                    line_required,
                    found,
                )
            if self.tagger is not None:
                supported = self._tag(text, codes, bounds, tagged_lines, line_required, found)
        return finish(found, self.taxonomy, supported, use_confidence=self.use_confidence)

    def _tag(
        self,
        text: str,
        codes: np.ndarray,
        bounds: np.ndarray,
        lines: list[tuple[int, str, Section]],
        line_required: list[bool | None] | None,
        found: dict[str, Keyword],
    ) -> set[str]:
        """Add the tagger's spans; return the words whose probability of being in a span
        reaches ``TAGGER_VETO`` somewhere (among those of keywords it may veto). ``codes``:
        the text's code points; ``bounds``: the lines' (start, end) offsets;
        ``line_required``: ``required_of`` each line, if known."""
        assert self.tagger is not None
        # Keywords by their terms' lower cases (a term wins over another's variant), and
        # the words of scored keywords: only they can be vetoed, only theirs need a
        # probability.
        by_term: dict[str, Keyword] = {}
        wanted: set[str] = set()
        for keyword in found.values():
            lowered = keyword.term.lower()
            by_term[lowered] = keyword
            for variant in keyword.variants:
                by_term.setdefault(variant.lower(), keyword)
            if keyword.category in VETOED_CATEGORIES:
                wanted.update(lowered.split())
        tagged_spans: list[tuple[int, int]] = []
        # Per keyword the wording the tagger tagged, "" when it tagged the term itself.
        tagged_wordings: dict[int, tuple[Keyword, str]] = {}
        spans, supported = self.tagger.tag_text(
            text,
            bounds,
            [SECTION_VALUE[section] for _, _, section in lines],
            wanted,
            TAGGER_VETO,
            codes,
        )
        for number, s, e in spans:
            term = " ".join(text[s:e].split())
            lowered = term.lower()
            known = by_term.get(lowered)
            if known is None:
                _, line, section = lines[number]
                required = (
                    required_of(section, line) if line_required is None else line_required[number]
                )
                key = self._add(found, None, term, s, e, required, section, OTHER_LOGIT)
                known = by_term[lowered] = found[key]
            known.tagged = True
            tagged_spans.append((s, e))
            if lowered == known.term.lower():
                tagged_wordings[id(known)] = (known, "")
            else:
                tagged_wordings.setdefault(id(known), (known, term))
        for known, wording in tagged_wordings.values():
            if wording:
                # The wording this posting's tagged span uses names it: "ReactJS" over "React".
                known.variants = [v for v in known.variants if v != wording]
                known.variants.append(known.term)
                known.term = wording
        absorb(found, tagged_spans)
        return supported

    def _scan(
        self,
        text: str,
        codes: np.ndarray,
        normalized: str,
        normalized_codes: np.ndarray,
        line_starts: np.ndarray,
        line_ends: np.ndarray,
        lines: list[tuple[int, str, Section]],
        line_required: list[bool | None],
        found: dict[str, Keyword],
    ) -> None:
        """``_scan_line`` of every line, the trie walked by ``scan_kernels.scan``
        (``codes``: the code points of ``text`` and ``normalized``; the lines' offsets;
        ``line_required``: ``required_of`` each line)."""
        assert self._tables is not None
        events, info = scan_kernels.scan(
            codes,
            normalized_codes,
            line_starts,
            line_ends,
            np.array(
                [self.salient_other and section in SALIENT_SECTIONS for _, _, section in lines],
                np.bool_,
            ),
            *self._scan_arguments,
        )
        terms = self._tables.terms
        # Typed rows: compiled (``keyword_analyzer.native``), their fields are C integers.
        rows: list[list[int]] = events.tolist()
        line_info: list[list[int]] = info.tolist()
        first, count = 0, len(rows)
        while first < count:  # the rows of one line at a time (they come in line order)
            number = rows[first][0]
            end = first + 1
            while end < count and rows[end][0] == number:
                end += 1
            start, line, section = lines[number]
            words, cue, knowledge = line_info[number]
            short, cued = words <= SHORT_LINE_WORDS, knowledge == 1
            # No cue word on the line (most lines): the section alone decides.
            required = line_required[number] if cue else SECTION_REQUIRED.get(section)
            sentences = (
                SentenceCues(section, line) if cue and (". " in line or "; " in line) else None
            )
            line_keys: list[str] = []
            uncovered: list[tuple[int, int]] = []
            for row in range(first, end):
                _, kind, s, e, term_index = rows[row]
                if kind == ADD:
                    term = terms[term_index]
                    # Cues bind to their sentence: "Strong Go. Rust is a plus."
                    in_sentence = required if sentences is None else sentences.at(s - start)
                    line_keys.append(
                        self._add(
                            found,
                            term.skill,
                            text[s:e],
                            s,
                            e,
                            in_sentence,
                            section,
                            term.logit,
                            short,
                            cued,
                        )
                    )
                elif kind == PARTS:
                    self._scan_parts(
                        text, s, normalized[s:e], section, line_required[number], found
                    )
                else:
                    uncovered.append((s, e))
            if len(line_keys) > 1:
                _mark_listed(found, line_keys)
            if uncovered:
                self._salient(text, uncovered, found, required, section, short, cued)
            first = end

    def _scan_line(
        self,
        text: str,
        normalized: str,
        start: int,
        line: str,
        section: Section,
        found: dict[str, Keyword],
    ) -> None:
        # The normalised line split on single spaces: a run of separators leaves empty
        # pieces, so piece ``k`` starts at ``offsets[k] + k`` without searching for it.
        body = normalized[start : start + len(line)]
        pieces = body.split(" ")
        single = self._single
        salient = self.salient_other and section in SALIENT_SECTIONS
        # Only words that start a term, may hold parts (Java/Spring) or may be salient need
        # Python-level work: find them in one sweep.
        indices: list[int]
        if single is None:
            indices = [k for k, piece in enumerate(pieces) if piece]
        elif salient:
            common = self.common
            indices = [
                k
                for k, piece in enumerate(pieces)
                if piece in single
                or (piece and piece not in common)
                or "-" in piece
                or "/" in piece
            ]
        elif "-" in body or "/" in body:
            indices = [
                k
                for k, piece in enumerate(pieces)
                if piece in single or "-" in piece or "/" in piece
            ]
        else:
            indices = [k for k, piece in enumerate(pieces) if piece in single]
        if not indices:
            return
        required: bool | None = None
        required_known = False
        sentences: SentenceCues | None = None
        if CUE_WORDS.isdisjoint(pieces):
            # No cue word on the line (most lines): the section alone decides.
            required, required_known = SECTION_REQUIRED.get(section), True
        elif ". " in line or "; " in line:
            sentences = SentenceCues(section, line)
        short = len(pieces) - pieces.count("") <= SHORT_LINE_WORDS
        cued = not KNOWLEDGE_CUES.isdisjoint(pieces)
        line_keys: list[str] = []
        uncovered: list[tuple[int, int]] = []
        offsets = list(accumulate(map(len, pieces), initial=0))
        n = len(pieces)
        next_free = 0
        for k in indices:
            if k < next_free:
                continue
            word = pieces[k]
            node = single.get(word) if single is not None else None
            if node is not None:
                following = pieces[k + 1] if k + 1 < n else None
                if following == "":  # separators first: the next word is further on
                    m = k + 2
                    while m < n and not pieces[m]:
                        m += 1
                    following = pieces[m] if m < n else None
                if following is None or following not in node:
                    # Nothing longer continues here: a one-word term or nothing, no walk.
                    only: Term | None = node.get(END)
                    if only is None or _NOT_BEFORE.get(word, "") == following:
                        if "-" in word or "/" in word:
                            self._scan_parts(
                                text,
                                start + offsets[k] + k,
                                word,
                                section,
                                required_of(section, line),
                                found,
                            )
                        elif salient:
                            s = start + offsets[k] + k
                            uncovered.append((s, s + len(word)))
                        continue
                    at = offsets[k] + k
                    s, e = start + at, start + at + len(word)
                    if only.allowed_surfaces is None or text[s:e] in only.allowed_surfaces:
                        if sentences is not None:
                            required = sentences.at(at)
                        elif not required_known:
                            required, required_known = required_of(section, line), True
                        line_keys.append(
                            self._add(
                                found,
                                only.skill,
                                text[s:e],
                                s,
                                e,
                                required,
                                section,
                                only.logit,
                                short,
                                cued,
                            )
                        )
                    elif salient:
                        uncovered.append((s, e))
                    continue
            best = None
            if single is None or node is not None:
                best = self._longest(text, start, pieces, offsets, k)
            if best is None:
                at = offsets[k] + k
                if "-" in word or "/" in word:
                    self._scan_parts(
                        text, start + at, word, section, required_of(section, line), found
                    )
                elif salient:
                    uncovered.append((start + at, start + at + len(word)))
                continue
            j, term, span_start, span_end = best
            if sentences is not None:
                # Cues bind to their sentence: "Strong Go. Rust is a plus."
                required = sentences.at(span_start - start)
            elif not required_known:
                required, required_known = required_of(section, line), True
            line_keys.append(
                self._add(
                    found,
                    term.skill,
                    text[span_start:span_end],
                    span_start,
                    span_end,
                    required,
                    section,
                    term.logit,
                    short,
                    cued,
                )
            )
            next_free = j + 1
        if len(line_keys) > 1:
            _mark_listed(found, line_keys)
        if salient and uncovered:
            if not required_known:
                required, required_known = required_of(section, line), True
            self._salient(text, uncovered, found, required, section, short, cued)

    def _scan_parts(
        self,
        text: str,
        at: int,
        word: str,
        section: Section,
        required: bool | None,
        found: dict[str, Keyword],
    ) -> None:
        """Look up the parts of ``Java/Spring`` or ``Python-based`` (at ``at``) one by one;
        ``required``: ``required_of`` their line."""
        for part in PART_RE.split(word):
            if part:
                for trie in self.tries:
                    term: Term | None = trie.get(part, {}).get(END)
                    if term is not None and (
                        term.allowed_surfaces is None
                        or text[at : at + len(part)] in term.allowed_surfaces
                    ):
                        self._add(
                            found,
                            term.skill,
                            text[at : at + len(part)],
                            at,
                            at + len(part),
                            required,
                            section,
                            term.logit,
                        )
                        break
            at += len(part) + 1

    def _longest(
        self, text: str, start: int, pieces: list[str], offsets: list[int], k: int
    ) -> tuple[int, Term, int, int] | None:
        """The longest term starting at piece ``k``: (last piece, term, start, end offsets)."""
        best: tuple[int, Term, int, int] | None = None
        n = len(pieces)
        first = start + offsets[k] + k
        for trie in self.tries:
            node = trie.get(pieces[k])
            j = k
            while node is not None:
                end = start + offsets[j] + j + len(pieces[j])
                term: Term | None = node.get(END)
                if term is not None and (best is None or j > best[0]):
                    allowed = term.allowed_surfaces
                    if allowed is None or " ".join(text[first:end].split()) in allowed:
                        best = (j, term, first, end)
                j += 1
                while j < n and not pieces[j]:
                    j += 1
                if j >= n:
                    break
                node = node.get(pieces[j])
                # A multi-word term never spans a separator: check the original gap.
                if node is not None and not text[end : start + offsets[j] + j].isspace():
                    break
        return best

    def _salient(
        self,
        text: str,
        uncovered: list[tuple[int, int]],
        found: dict[str, Keyword],
        required: bool | None,
        section: Section,
        short_line: bool,
        cued: bool,
    ) -> None:
        run: list[tuple[int, int]] = []
        for position, span in enumerate([*uncovered, (-1, -1)]):
            ok = span[0] >= 0 and self._is_salient(text, uncovered, position)
            if ok and (
                not run or (text[run[-1][1] : span[0]].isspace() and len(run) < _MAX_OTHER_TOKENS)
            ):
                run.append(span)
                continue
            if run:
                s, e = run[0][0], run[-1][1]
                self._add(
                    found, None, text[s:e], s, e, required, section, OTHER_LOGIT, short_line, cued
                )
            run = [span] if ok else []

    def _is_salient(self, text: str, spans: list[tuple[int, int]], position: int) -> bool:
        start, end = spans[position]
        word = text[start:end]
        if len(word) < 2 or word.lower() in self.common or word.isdigit():
            return False
        if any(c.isupper() for c in word[1:]) and any(c.isalpha() for c in word):
            return not word.isupper() or len(word) <= 6
        if word[0].isupper():
            # Capitalised only counts mid-sentence; a sentence's first word says nothing.
            before = text[max(0, start - 3) : start].strip()
            return bool(before) and not _SENTENCE_END.search(before)
        return False

    def _add(
        self,
        found: dict[str, Keyword],
        skill: Skill | None,
        term: str,
        start: int,
        end: int,
        required: bool | None,
        section: Section,
        logit: float,
        short_line: bool = False,
        cued: bool = False,
    ) -> str:
        key = skill.key if skill is not None else "\0" + term.lower()
        keyword = found.get(key)
        if keyword is None:
            # In field order, positionally: twice as fast as by name, and this runs per keyword.
            found[key] = Keyword(
                term,
                skill.name if skill is not None else None,
                skill.category if skill is not None else "other",
                skill.group if skill is not None else "other",
                required,
                1,  # count
                [(start, end)],  # spans
                0.0,  # weight
                [],  # variants
                skill.idf if skill is not None else self.taxonomy.max_idf,
                SECTION_VALUE[section],
                logit,  # prior_logit
                1.0,  # confidence
                short_line,
                cued,
            )
            return key
        keyword.count += 1
        keyword.spans.append((start, end))
        if term != keyword.term and term not in keyword.variants:
            if logit > keyword.prior_logit and term.lower() != keyword.term.lower():
                # The wording postings tag most often names the skill: "React" over "reactjs".
                keyword.variants.append(keyword.term)
                keyword.term = term
            else:
                keyword.variants.append(term)
        if required is True or (required is False and keyword.required is None):
            keyword.required = required
        # A Section is a str: it finds its own value's rank.
        if SECTION_RANK[section] > SECTION_RANK[keyword.section]:
            keyword.section = SECTION_VALUE[section]
        if logit > keyword.prior_logit:
            keyword.prior_logit = logit
        if short_line:
            keyword.short_line = True
        if cued:
            keyword.cued = True
        return key
