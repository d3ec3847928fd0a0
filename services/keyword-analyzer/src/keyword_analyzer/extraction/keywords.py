"""What a keyword is, which ones are kept, and how much each weighs.

The extractor finds candidates; ``finish`` keeps those the confidence model (and, with
the span tagger, its veto) lets through and gives each a weight from its group, whether
it is required, its rarity and its count. ``absorb`` lets a longer tagged span win over
an uncurated keyword inside it.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from typing import Final

from keyword_analyzer.extraction.sections import Section
from keyword_analyzer.extraction.taxonomy import USER_LOGIT, Taxonomy

GROUP_WEIGHT: Final = {"hard": 1.0, "certification": 0.9, "degree": 0.7, "soft": 0.5, "other": 0.4}
REQUIRED_FACTOR: Final = {True: 1.0, None: 0.8, False: 0.6}
SCORED_GROUPS: Final = frozenset({"hard", "other"})
# A keyword's frequency factor, 1 + log2(count) / 4, by count below _TABULATED.
_TABULATED: Final = 64
FREQUENCY: Final = [math.nan] + [1.0 + 0.25 * math.log2(count) for count in range(1, _TABULATED)]
# A keyword of an uncurated wording (category knowledge: from the term list or SkillSpan)
# or a salient phrase is dropped when one of its words never gets this probability of
# being in a span from the tagger anywhere in the posting (chosen by 5-fold CV on train).
# Curated skills ("Rust", "Airflow") and a user's own wordings are never vetoed.
TAGGER_VETO: Final = 0.2
VETOED_CATEGORIES: Final = frozenset({"knowledge", "other"})
# With the tagger on, the confidence cut is this much higher: its spans bring back most
# of what the higher cut drops (chosen by 5-fold CV on train).
TAGGED_THRESHOLD_DELTA: Final = 0.1


@dataclass(slots=True, init=False)
class Keyword:
    """One skill (or salient phrase) found in a text."""

    term: str
    skill: str | None
    category: str
    group: str
    required: bool | None
    count: int
    spans: list[tuple[int, int]]
    weight: float
    variants: list[str]
    idf: float
    section: str
    prior_logit: float
    confidence: float
    short_line: bool
    cued: bool
    listed: bool
    tagged: bool

    # Written out rather than generated: compiled (``keyword_analyzer.native``), the
    # dataclass's own ``__init__`` stays interpreted Python, 6 % of a posting's time.
    def __init__(
        self,
        term: str,
        skill: str | None,
        category: str,
        group: str,
        required: bool | None,
        count: int,
        spans: list[tuple[int, int]],
        weight: float = 0.0,
        variants: list[str] | None = None,
        idf: float = 0.0,
        section: str = Section.PREAMBLE.value,
        prior_logit: float = 0.0,
        confidence: float = 1.0,
        short_line: bool = False,
        cued: bool = False,
        listed: bool = False,
        tagged: bool = False,
    ) -> None:
        self.term = term
        self.skill = skill
        self.category = category
        self.group = group
        self.required = required
        self.count = count
        self.spans = spans
        self.weight = weight
        self.variants = [] if variants is None else variants
        self.idf = idf
        self.section = section
        self.prior_logit = prior_logit
        self.confidence = confidence
        self.short_line = short_line
        self.cued = cued
        self.listed = listed
        self.tagged = tagged


def round3(value: float) -> float:
    """``round(value, 3)`` for 0 <= value <= 1000 without formatting and parsing a decimal
    string (which ``round`` does: 355 against 207 ns a call here, two per keyword). The
    product ``value * 1000`` is off by at most 2e-10 there: unless it lies that near a
    tie, its rounded whole number is the decimal one, and the division by 1000 gives the
    nearest float to that decimal, as ``round`` does."""
    if not 0.0 <= value <= 1000.0:
        return round(value, 3)
    scaled = value * 1000.0
    # The floor, as 0 <= scaled: int() is a C conversion when compiled, where ``// 1.0``
    # calls fmod.
    whole = float(int(scaled))
    fraction = scaled - whole  # exact
    if -1e-9 < fraction - 0.5 < 1e-9:  # too near a tie to trust the product: exactly
        return round(value, 3)
    return (whole + 1.0 if fraction > 0.5 else whole) / 1000.0


def absorb(found: dict[str, Keyword], tagged_spans: list[tuple[int, int]]) -> None:
    """Drop the untagged uncurated keywords whose every occurrence lies inside a longer
    tagged span: the tagger's boundaries win ("apache activemq" over "activemq").
    ``tagged_spans`` are disjoint, as the tagger's are (one path per line)."""
    if not tagged_spans:
        return
    tagged_spans.sort()
    starts = [s for s, _ in tagged_spans]
    for key, keyword in list(found.items()):
        if (
            keyword.category not in VETOED_CATEGORIES
            or keyword.tagged
            or keyword.prior_logit >= USER_LOGIT
        ):
            continue
        for start, end in keyword.spans:
            # Disjoint spans: only the last one starting at or before ``start`` can hold
            # it, and is longer if it starts before it or ends after it.
            at = bisect_right(starts, start) - 1
            if at < 0:
                break
            tagged_start, tagged_end = tagged_spans[at]
            if not (tagged_end > end or (tagged_end == end and tagged_start < start)):
                break  # an occurrence outside every longer tagged span: it stays
        else:
            del found[key]


def finish(
    found: dict[str, Keyword],
    taxonomy: Taxonomy,
    supported: set[str] | None,
    *,
    use_confidence: bool = True,
) -> list[Keyword]:
    """The keywords that pass the confidence model and the tagger's veto, weighted and
    most important first (``supported``: the tagger's words, None without a tagger)."""
    max_idf = taxonomy.max_idf or 1.0
    keywords = list(found.values())
    model = taxonomy.confidence if use_confidence else None
    if model is not None:
        threshold = model.threshold + (TAGGED_THRESHOLD_DELTA if supported is not None else 0.0)
        kept = []
        # ``model.probability`` inlined, its terms in its order (a call per keyword cost
        # 1.5 % of a posting's instructions; a test holds the two together).
        m = model
        exp = math.exp
        requirements, responsibilities, preamble = m.requirements, m.responsibilities, m.preamble
        capitals, repeated, multiword, long_term = (
            m.capitalised,
            m.repeated,
            m.multiword,
            m.long_term,
        )
        for keyword in keywords:
            if keyword.group in SCORED_GROUPS:
                term = keyword.term
                capitalised = term != term.lower() or (
                    bool(keyword.variants) and any(v != v.lower() for v in keyword.variants)
                )
                section = keyword.section
                words = term.count(" ") + 1
                z = (
                    m.bias
                    + m.prior * keyword.prior_logit
                    + (
                        requirements
                        if section == "requirements" or section == "nice_to_have"
                        else responsibilities
                        if section == "responsibilities"
                        else preamble
                        if section == "preamble"
                        else 0.0
                    )
                )
                if capitalised:
                    z += capitals
                if keyword.count > 1:
                    z += repeated
                if words >= 2:
                    z += multiword
                    if words >= 3:
                        z += long_term
                if keyword.short_line:
                    z += m.short_line
                if keyword.cued:
                    z += m.cued
                if keyword.listed:
                    z += m.listed
                z = 30.0 if z > 30.0 else -30.0 if z < -30.0 else z
                keyword.confidence = round3(1.0 / (1.0 + exp(-z)))
                # The tagger's own spans stay; it may veto the others.
                if not keyword.tagged and (
                    keyword.confidence < threshold
                    or (
                        supported is not None
                        and keyword.category in VETOED_CATEGORIES
                        and keyword.prior_logit < USER_LOGIT
                        and not supported.issuperset(term.lower().split())
                    )
                ):
                    continue
            kept.append(keyword)
        keywords = kept
    for keyword in keywords:
        rarity = keyword.idf / max_idf
        rarity = 0.5 + 0.5 * (1.0 if rarity > 1.0 else rarity)
        count = keyword.count
        frequency = FREQUENCY[count] if 0 < count < _TABULATED else 1.0 + 0.25 * math.log2(count)
        raw = GROUP_WEIGHT[keyword.group] * REQUIRED_FACTOR[keyword.required] * rarity * frequency
        keyword.weight = round3(1.0 if raw > 1.0 else raw)
    keywords.sort(key=lambda k: (-k.weight, k.spans[0][0]))
    return keywords
