"""Tokens: keeps C++, C#, F#, .NET, Node.js, CI/CD, ASP.NET and Objective-C whole.

Text is normalised without changing its length (so offsets stay valid): lower case,
separators (``, ; : ( ) [ ] " ! ? *`` …) and whitespace become one space each, and a
``. - / ' &`` that does not sit between two letters or digits becomes a space too
(``end.`` loses its dot, ``.NET`` keeps it, ``Node.js`` stays whole). Tokens are then
the whitespace-separated words, split in C. ``Java`` is never a token inside
``JavaScript``, nor ``R`` inside ``R&D``. A word joined by ``/`` or ``-`` that is not in
the vocabulary (``Java/Spring``, ``Python-based``) is looked up part by part.
"""

from __future__ import annotations

import re

SEPARATORS = (
    ',;:()[]{}"!?*|<>\u2022\u00b7\u2026\u201c\u201d\u2013\u2014=~^`$%@\\\t\r\n\x0b\x0c\xa0'
    # The rest of what ``str.split()`` takes for whitespace: after ``normalize`` the only
    # whitespace left is the plain space, so the extractor can split on it alone.
    "\x1c\x1d\x1e\x1f\x85\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# One pass: separators, and punctuation not between two letters/digits (a leading dot
# before a word stays: .NET). The pattern opens with one character class holding every
# character it can replace and decides by looking around that character: a leading class
# lets the regex engine skip to candidates in C instead of trying each branch everywhere.
_SEP = re.escape(SEPARATORS)
_NOT_TOKEN_RE = re.compile(
    "[" + _SEP + r".\-/'\u2019&]"
    "(?:(?<=[" + _SEP + r"])"  # a separator
    r"|(?<=[.\-/'\u2019&])(?![^\W_])"  # punctuation not followed by a letter or digit
    r"|(?<=[\-/'\u2019&])(?<![^\W_].))"  # punctuation (not a dot) not after one
)
PART_RE = re.compile(r"[-/]")


def lower(text: str) -> str:
    """``text`` lower-cased, of the same length."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer (rare)
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def normalize(text: str) -> str:
    """Lower-cased ``text`` of the same length with separators turned into spaces."""
    return _NOT_TOKEN_RE.sub(" ", lower(text))


def tokenize(text: str) -> list[str]:
    """The tokens of ``text`` (how vocabulary wordings are stored in the trie)."""
    return normalize(text).split()
