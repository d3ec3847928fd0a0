"""Section headings of a job posting and the must-have / nice-to-have cues of a line."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Final


class Section(StrEnum):
    PREAMBLE = "preamble"
    REQUIREMENTS = "requirements"
    NICE_TO_HAVE = "nice_to_have"
    RESPONSIBILITIES = "responsibilities"
    BENEFITS = "benefits"
    COMPANY = "company"


# Checked in order: "preferred qualifications" is nice-to-have before "qualifications".
_HEADINGS: Final[list[tuple[Section, tuple[str, ...]]]] = [
    (
        Section.NICE_TO_HAVE,
        (
            "nice to have",
            "nice-to-have",
            "preferred",
            "bonus",
            "plus",
            "desirable",
            "good to have",
            "would be a plus",
            "extra credit",
            "ideally",
            "even better",
            "it would be great",
            "great if",
            "pluses",
            "assets",
            "an advantage",
        ),
    ),
    (
        Section.BENEFITS,
        (
            "benefits",
            "perks",
            "what we offer",
            "we offer",
            "our offer",
            "compensation",
            "why join",
            "why you'll love",
            "why work",
            "what's in it for you",
            "whats in it for you",
            "what you get",
            "what you can expect",
            "salary",
            "our benefits",
            "rewards",
            "we provide",
        ),
    ),
    (
        Section.COMPANY,
        (
            "about us",
            "about the company",
            "who we are",
            "our company",
            "company",
            "about",
            "our mission",
            "our story",
            "our culture",
            "culture",
            "mission",
            "equal opportunity",
            "eeo",
            "diversity",
            "the company",
            "our team",
            "the team",
            "about the team",
            "company description",
            "company overview",
        ),
    ),
    (
        Section.REQUIREMENTS,
        (
            "requirements",
            "qualifications",
            "what you bring",
            "what you'll bring",
            "what you will bring",
            "what we're looking for",
            "what we are looking for",
            "who you are",
            "must have",
            "must-have",
            "your profile",
            "profile",
            "skills",
            "experience",
            "what you'll need",
            "what you need",
            "what you will need",
            "you have",
            "you bring",
            "required",
            "minimum qualifications",
            "basic qualifications",
            "your skills",
            "key skills",
            "knowledge",
            "about you",
            "you are",
            "you should have",
            "technical skills",
            "requirement",
            "your experience",
            "ideal candidate",
            "we expect",
            "we are looking for",
            "we're looking for",
            "essential",
            "candidate",
            "competencies",
            "technologies",
            "tech stack",
            "our stack",
        ),
    ),
    (
        Section.RESPONSIBILITIES,
        (
            "responsibilities",
            "what you'll do",
            "what you will do",
            "your role",
            "the role",
            "role",
            "duties",
            "your tasks",
            "tasks",
            "job description",
            "day to day",
            "your mission",
            "what you'll be doing",
            "in this role",
            "key responsibilities",
            "the job",
            "the position",
            "position",
            "description",
            "your responsibilities",
            "what you will be doing",
            "overview",
            "about the role",
            "about the job",
            "about the position",
            "job summary",
        ),
    ),
]

_HEADING_MAX_CHARS: Final = 60
_HEADING_MAX_WORDS: Final = 7
_CLEAN_RE: Final = re.compile(r"[^a-z0-9' +-]+")

# Cue phrases, matched on " <lower-cased line> " (spaces keep them whole words).
REQUIRED_CUES: Final = (
    " must ",
    " required",
    " requirement",
    " requires ",
    " essential",
    " mandatory",
    " minimum ",
    " at least ",
    " proven ",
    " solid ",
    " strong ",
    " expert",
    " you have ",
)
OPTIONAL_CUES: Final = (
    "nice to have",
    "nice-to-have",
    " preferred",
    " preferably",
    " bonus",
    " a plus",
    " desirable",
    " ideally",
    " advantage",
    " optional",
    " familiarity",
    "good to have",
    "would be great",
    " beneficial",
    "not required",
    "exposure to",
)


_SECTION_OF_PHRASE: Final = {
    phrase: section for section, phrases in _HEADINGS for phrase in phrases
}
# Longest phrase first, so "about the role" beats "about" and "preferred qualifications"
# beats "qualifications".
_HEADING_RE: Final = re.compile(
    r"(?:^|\b)("
    + "|".join(re.escape(p) for p in sorted(_SECTION_OF_PHRASE, key=len, reverse=True))
    + r")(?:\b|$)"
)

_FIRST_WORD_RE: Final = re.compile("[a-z0-9]+")
_FIRST_WORDS: Final[frozenset[str]] = frozenset(
    _FIRST_WORD_RE.findall(phrase)[0] for phrase in _SECTION_OF_PHRASE
)


def _phrases_by_first_run() -> dict[str, list[str]]:
    by_run: dict[str, list[str]] = {}
    for phrase in sorted(_SECTION_OF_PHRASE, key=len, reverse=True):  # _HEADING_RE's order
        by_run.setdefault(_FIRST_WORD_RE.findall(phrase)[0], []).append(phrase)
    return by_run


# The phrases by their first run of letters and digits, longest first.
_PHRASES_BY_FIRST_RUN: Final = _phrases_by_first_run()


def heading_phrase(cleaned: str) -> str | None:
    """The phrase of ``_HEADING_RE.match(cleaned)``, or None, without trying its hundred
    and twenty alternatives one by one: only a phrase that shares the text's first run of
    letters and digits can start it, and the first of those (longest first) that does and
    ends at a word boundary is the one the regex finds."""
    run = _FIRST_WORD_RE.match(cleaned)
    if run is None:
        return None
    for phrase in _PHRASES_BY_FIRST_RUN.get(run.group(), ()):
        if cleaned.startswith(phrase):
            if len(cleaned) == len(phrase):
                return phrase
            after = cleaned[len(phrase)]
            if not (after.isalnum() or after == "_"):  # \b after a phrase's last letter
                return phrase
    return None


def heading_section(line: str) -> Section | None:
    """The section a short heading line opens, or ``None`` if the line is not a heading."""
    colon = line.rstrip().endswith(":")
    if not colon:
        # Without a colon a heading starts with a phrase, so its first run of letters and
        # digits is a phrase's first word: most lines are rejected here in C.
        first = _FIRST_WORD_RE.search(line.lower())
        if first is None or first.group() not in _FIRST_WORDS:
            return None
    stripped = line.strip().strip("#*-•:|=_ \t").strip()
    if not stripped or len(stripped) > _HEADING_MAX_CHARS:
        return None
    words = stripped.count(" ") + 1
    if words > _HEADING_MAX_WORDS:
        return None
    cleaned = _CLEAN_RE.sub(" ", stripped.lower().replace("\u2019", "'")).strip()
    phrase = heading_phrase(cleaned)
    if phrase is not None:
        if cleaned == phrase or colon:
            return _SECTION_OF_PHRASE[phrase]
        # "Skills & requirements" is a heading; "Experience with GraphQL" is a bullet.
        if phrase.count(" ") + 1 >= words / 2 and words <= 4:
            return _SECTION_OF_PHRASE[phrase]
    if colon:
        match = _HEADING_RE.search(cleaned)
        if match is not None and len(match.group(1)) > 6:
            return _SECTION_OF_PHRASE[match.group(1)]
    return None


# Every word of every cue: a line without any of them needs no cue search.
CUE_WORDS: Final = frozenset(
    word.strip("-") for cue in (*REQUIRED_CUES, *OPTIONAL_CUES) for word in cue.split()
) | {"nice-to-have"}
SECTION_REQUIRED: Final[dict[Section, bool | None]] = {
    Section.REQUIREMENTS: True,
    Section.NICE_TO_HAVE: False,
}

_SENTENCE_SPLIT_RE: Final = re.compile(r"(?<=[.;!?])\s+")


def sentence_at(line: str, offset: int) -> str:
    """The sentence of ``line`` around character ``offset``."""
    start = 0
    for piece in _SENTENCE_SPLIT_RE.split(line):
        at = line.find(piece, start)
        if at <= offset < at + len(piece) or at + len(piece) >= len(line):
            return piece
        start = at + len(piece)
    return line


class SentenceCues:
    """``required_of`` the sentence around an offset of one line; each sentence judged once."""

    __slots__ = ("_line", "_required", "_section", "_spans")

    def __init__(self, section: Section, line: str) -> None:
        self._section = section
        self._line = line
        self._spans: list[tuple[int, int]] | None = None
        self._required: dict[int, bool | None] = {}

    def at(self, offset: int) -> bool | None:
        """Same as ``required_of(section, sentence_at(line, offset))``."""
        line = self._line
        if self._spans is None:
            self._spans = []
            start = 0
            for piece in _SENTENCE_SPLIT_RE.split(line):
                found = line.find(piece, start)
                self._spans.append((found, found + len(piece)))
                start = found + len(piece)
        for number, (begin, end) in enumerate(self._spans):
            if begin <= offset < end or end >= len(line):
                if number not in self._required:
                    self._required[number] = required_of(self._section, line[begin:end])
                return self._required[number]
        return required_of(self._section, line)


def required_of(section: Section, line: str) -> bool | None:
    """True for a must-have, False for a nice-to-have, None when unknown; the text's cues win."""
    padded = f" {line.lower()} "
    for cue in OPTIONAL_CUES:  # plain loops: no generator per call on this hot path
        if cue in padded:
            return False
    if section is Section.NICE_TO_HAVE:
        return False
    if section is Section.REQUIREMENTS:
        return True
    for cue in REQUIRED_CUES:
        if cue in padded:
            return True
    return None
