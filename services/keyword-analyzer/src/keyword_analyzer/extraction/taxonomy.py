"""The skill taxonomy (package data) and the token trie built from it once at start-up.

``data/taxonomy.json`` is written by ``scripts/build_taxonomy.py``. Each skill has a
canonical name, a category and the surface forms it is written as; a surface form
starting with ``=`` matches only with exactly that case (``=Go``, ``=R``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from keyword_analyzer.extraction.tokens import tokenize

HARD_CATEGORIES = frozenset(
    {
        "language",
        "framework",
        "library",
        "tool",
        "platform",
        "database",
        "cloud",
        "methodology",
        "domain",
        "spoken_language",
        "knowledge",
    }
)
GROUP_OF_CATEGORY = {"soft": "soft", "certification": "certification", "degree": "degree"}
CATEGORIES = frozenset(HARD_CATEGORIES | set(GROUP_OF_CATEGORY) | {"other"})

# The trie node key under which a complete term's payload sits (never a token).
END = ""
# The prior log-odds of a wording a user added themselves: always kept.
USER_LOGIT = 5.0


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic model of "this hard-skill keyword is a real requirement", fit on SkillSpan train.

    Features: the wording's prior log-odds (how often postings that contain it tag it),
    the best section it occurs in, whether it is written with capitals, and its count.
    """

    bias: float
    prior: float
    requirements: float
    responsibilities: float
    preamble: float
    capitalised: float
    repeated: float
    threshold: float
    multiword: float = 0.0
    long_term: float = 0.0
    short_line: float = 0.0
    cued: float = 0.0
    listed: float = 0.0

    def probability(
        self,
        prior_logit: float,
        section: str,
        capitalised: bool,
        repeated: bool,
        words: int = 1,
        short_line: bool = False,
        cued: bool = False,
        listed: bool = False,
    ) -> float:
        # Called once per keyword: the section weight inline and no min/max calls.
        if section == "requirements" or section == "nice_to_have":
            section_weight = self.requirements
        elif section == "responsibilities":
            section_weight = self.responsibilities
        else:
            section_weight = self.preamble if section == "preamble" else 0.0
        z = (
            self.bias
            + self.prior * prior_logit
            + section_weight
            + (self.capitalised if capitalised else 0.0)
            + (self.repeated if repeated else 0.0)
            + (self.multiword if words >= 2 else 0.0)
            + (self.long_term if words >= 3 else 0.0)
            + (self.short_line if short_line else 0.0)
            + (self.cued if cued else 0.0)
            + (self.listed if listed else 0.0)
        )
        if z > 30.0:
            z = 30.0
        elif z < -30.0:
            z = -30.0
        return 1.0 / (1.0 + math.exp(-z))

    def hopeless_below(self) -> float:
        """The prior log-odds under which no context lifts a keyword over the threshold."""
        if self.prior <= 0:
            return -math.inf
        best_context = (
            self.bias
            + max(self.requirements, self.responsibilities, self.preamble, 0.0)
            + max(self.capitalised, 0.0)
            + max(self.repeated, 0.0)
            + max(self.multiword, 0.0)
            + max(self.long_term, 0.0)
            + max(self.short_line, 0.0)
            + max(self.cued, 0.0)
            + max(self.listed, 0.0)
        )
        cut = min(max(self.threshold, 1e-6), 1 - 1e-6)
        return (math.log(cut / (1 - cut)) - best_context) / self.prior


def group_of(category: str) -> str:
    """hard, soft, certification, degree or other."""
    if category == "other":
        return "other"
    return GROUP_OF_CATEGORY.get(category, "hard")


@dataclass(frozen=True)
class Skill:
    """A canonical skill."""

    name: str
    category: str
    idf: float
    group: str = field(init=False)
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "group", group_of(self.category))
        object.__setattr__(self, "key", self.name.lower())


@dataclass(frozen=True)
class Term:
    """What a complete path in the trie means: a skill, and the exact cases allowed (if any)."""

    skill: Skill
    allowed_surfaces: frozenset[str] | None
    logit: float = 0.0


Trie = dict[str, Any]


def _insert(
    trie: Trie, tokens: Sequence[str], skill: Skill, exact: str | None, logit: float
) -> None:
    node = trie
    for token in tokens:
        node = node.setdefault(token, {})
    existing: Term | None = node.get(END)
    if existing is not None and existing.skill is not skill:
        return  # the first skill to claim a wording keeps it (curated entries come first)
    if exact is None:
        node[END] = Term(skill, None, logit)
    elif existing is None:
        node[END] = Term(skill, frozenset({exact}), logit)
    elif existing.allowed_surfaces is not None:
        node[END] = Term(skill, existing.allowed_surfaces | {exact}, max(logit, existing.logit))


class Taxonomy:
    """Skills by canonical name and the trie of their surface forms."""

    def __init__(
        self,
        skills: Iterable[tuple[Skill, Sequence[str]]],
        max_idf: float,
        *,
        logits: Iterable[Sequence[float]] | None = None,
        confidence: ConfidenceModel | None = None,
    ) -> None:
        self.trie: Trie = {}
        self.by_name: dict[str, Skill] = {}
        self.vocabulary_tokens: set[str] = set()
        self.max_idf = max_idf
        self.confidence = confidence
        # What other modules build once from the finished trie, by name
        # (``scan_kernels.tables_of``): kept here, as a compiled Taxonomy takes no weak
        # references.
        self.derived: dict[str, object] = {}
        logit_iter = iter(logits) if logits is not None else None
        hopeless = confidence.hopeless_below() if confidence is not None else -math.inf
        for skill, surfaces in skills:
            self.by_name.setdefault(skill.name.lower(), skill)
            surface_logits = next(logit_iter) if logit_iter is not None else ()
            for n, surface in enumerate(surfaces):
                logit = surface_logits[n] if n < len(surface_logits) else USER_LOGIT
                if logit < hopeless and skill.group == "hard":
                    continue  # could never pass the confidence cut: keep the trie small and fast
                self.add_surface(skill, surface, logit)

    def add_surface(self, skill: Skill, surface: str, logit: float = 0.0) -> None:
        """Make ``surface`` (``=Exact`` for a case-sensitive one) find ``skill``."""
        exact = surface[1:] if surface.startswith("=") else None
        tokens = tokenize(exact if exact is not None else surface)
        if not tokens:
            return
        self.vocabulary_tokens.update(t for t in tokens if "/" in t or "-" in t)
        _insert(self.trie, tokens, skill, " ".join(exact.split()) if exact else None, logit)

    def skill(self, name: str) -> Skill | None:
        return self.by_name.get(name.lower())

    def __len__(self) -> int:
        return len(self.by_name)

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Taxonomy:
        """Load ``taxonomy.json``: ``skills: [[name, category, idf, [surface], [logit]]]``."""
        max_idf = float(document.get("max_idf", 1.0))
        rows = document["skills"]
        entries = [(Skill(row[0], row[1], float(row[2])), row[3]) for row in rows]
        logits = [row[4] if len(row) > 4 else () for row in rows]
        model = document.get("confidence")
        confidence = ConfidenceModel(**model) if model else None
        return cls(entries, max_idf, logits=logits, confidence=confidence)


def default_idf(max_idf: float) -> float:
    """The IDF given to a skill never seen in the reference postings."""
    return max_idf if max_idf > 0 else math.log(2.0)


@cache
def default_taxonomy() -> Taxonomy:
    """The shipped taxonomy, loaded once per process."""
    text = resources.files("keyword_analyzer").joinpath("data/taxonomy.json").read_text("utf-8")
    return Taxonomy.from_json(json.loads(text))


@cache
def common_words() -> frozenset[str]:
    """Lower-case words common in job postings (never salient on their own)."""
    text = resources.files("keyword_analyzer").joinpath("data/common_words.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def overlay_trie(base: Taxonomy, entries: Iterable[tuple[str, str, Sequence[str]]]) -> Trie:
    """A small trie of one user's (name, category, aliases): new skills or new wordings."""
    trie: Trie = {}
    for name, category, aliases in entries:
        skill = base.skill(name) or Skill(name, category, base.max_idf)
        for surface in (name, *aliases):
            exact = surface[1:] if surface.startswith("=") else None
            tokens = tokenize(exact if exact is not None else surface)
            if tokens:
                _insert(trie, tokens, skill, " ".join(exact.split()) if exact else None, USER_LOGIT)
    return trie
