"""The ATS-style match score: what the posting asks for against what the resume shows.

Components (weights re-normalised over the ones that apply):

    hard skills   0.55  must-haves 90 %, nice-to-haves 10 % (keyword weights inside)
    soft skills   0.10
    job title     0.15  only when a title is known
    education     0.10  only when the posting asks for a degree
    experience    0.10  only when the posting asks for years; partial credit

An alias match (resume says "k8s", posting says "Kubernetes") earns 85 % of the credit
and comes with the advice to use the posting's wording, as ATSs match exact words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from keyword_analyzer.extraction import Keyword
from keyword_analyzer.extraction.tokens import tokenize

COMPONENT_WEIGHTS = {
    "hard": 0.55,
    "soft": 0.10,
    "title": 0.15,
    "education": 0.10,
    "experience": 0.10,
}
MUST_SHARE = 0.9
ALIAS_CREDIT = 0.85
REQUIRED_RANK = {True: 0, None: 1, False: 2}
GROUP_RANK = {"hard": 0, "certification": 1, "degree": 2, "other": 3, "soft": 4}
_YEARS_RE = re.compile(
    r"(\d{1,2})\s*\+?\s*(?:-|to|\u2013)?\s*(?:\d{1,2}\s*)?\+?\s*(?:years|yrs)\b", re.IGNORECASE
)
_RANGE_RE = re.compile(
    r"\b((?:19|20)\d{2})\s*(?:-|\u2013|\u2014|to)\s*((?:19|20)\d{2}|present|now|current|today)\b",
    re.IGNORECASE,
)
_TITLE_NOISE = frozenset(
    {
        "senior",
        "junior",
        "sr",
        "jr",
        "lead",
        "principal",
        "staff",
        "mid",
        "level",
        "the",
        "a",
        "an",
        "of",
        "and",
        "or",
        "for",
        "in",
        "at",
        "to",
        "with",
        "m",
        "f",
        "d",
        "w",
        "x",
        "i",
        "ii",
        "iii",
        "remote",
        "hybrid",
        "full",
        "time",
        "part",
    }
)


@dataclass
class MatchResult:
    score: int
    breakdown: dict[str, Any]
    matched: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    explanation: str
    job_keywords: list[dict[str, Any]] = field(default_factory=list)


def required_years(text: str) -> int | None:
    """The years of experience a posting asks for (the largest stated, at most 25)."""
    years = [int(m.group(1)) for m in _YEARS_RE.finditer(text) if 0 < int(m.group(1)) <= 25]
    return max(years) if years else None


def resume_years(text: str, today: date | None = None) -> int | None:
    """Years of experience a resume shows: stated ("7 years") or spanned by date ranges."""
    this_year = (today or date.today()).year
    stated = [int(m.group(1)) for m in _YEARS_RE.finditer(text) if 0 < int(m.group(1)) <= 50]
    starts, ends = [], []
    for match in _RANGE_RE.finditer(text):
        start = int(match.group(1))
        end = this_year if not match.group(2)[0].isdigit() else int(match.group(2))
        if start <= end <= this_year:
            starts.append(start)
            ends.append(end)
    spanned = max(ends) - min(starts) if starts else None
    candidates = [v for v in (max(stated) if stated else None, spanned) if v is not None]
    return max(candidates) if candidates else None


def title_coverage(title: str, resume_tokens: set[str], resume_normalized: str) -> float:
    """1.0 when the resume holds the whole title, else the share of its words it holds."""
    words = [w for w in tokenize(title) if w not in _TITLE_NOISE and not w.isdigit()]
    if not words:
        return 1.0
    if f" {' '.join(words)} " in resume_normalized:
        return 1.0
    return sum(w in resume_tokens for w in words) / len(words)


def _keyword_key(keyword: Keyword) -> str:
    return keyword.skill.lower() if keyword.skill else "\0" + keyword.term.lower()


def _phrase_in(term: str, resume_normalized: str) -> bool:
    return f" {' '.join(tokenize(term))} " in resume_normalized


def _coverage(items: list[tuple[Keyword, float]]) -> float | None:
    must = [(k, c) for k, c in items if k.required is not False]
    nice = [(k, c) for k, c in items if k.required is False]

    def share(group: list[tuple[Keyword, float]]) -> float:
        total = sum(k.weight for k, _ in group)
        return sum(k.weight * c for k, c in group) / total if total else 0.0

    if must and nice:
        return MUST_SHARE * share(must) + (1 - MUST_SHARE) * share(nice)
    if must or nice:
        return share(must or nice)
    return None


def score_match(
    job_keywords: list[Keyword],
    job_text: str,
    job_title: str | None,
    resume_text: str,
    resume_keywords: list[Keyword],
) -> MatchResult:
    """Score, breakdown, matched and missing keywords, and a short explanation."""
    resume_normalized = " " + " ".join(tokenize(resume_text)) + " "
    resume_tokens = set(resume_normalized.split())
    in_resume = {_keyword_key(k): k for k in resume_keywords}
    matched: list[dict[str, Any]] = []
    missing: list[Keyword] = []
    credits: dict[str, list[tuple[Keyword, float]]] = {"hard": [], "soft": [], "degree": []}
    for keyword in job_keywords:
        exact = _phrase_in(keyword.term, resume_normalized)
        resume_keyword = in_resume.get(_keyword_key(keyword))
        credit = 1.0 if exact else ALIAS_CREDIT if resume_keyword is not None else 0.0
        bucket = {"soft": "soft", "degree": "degree"}.get(keyword.group, "hard")
        credits[bucket].append((keyword, credit))
        if credit == 0.0:
            missing.append(keyword)
            continue
        entry: dict[str, Any] = {
            "term": keyword.term,
            "skill": keyword.skill,
            "category": keyword.category,
            "required": keyword.required,
            "match": "exact" if exact else "alias",
        }
        if not exact and resume_keyword is not None:
            entry["resume_term"] = resume_keyword.term
            entry["advice"] = (
                f"Your resume says '{resume_keyword.term}'; use the posting's wording "
                f"'{keyword.term}' so an ATS matches it."
            )
        matched.append(entry)

    components: dict[str, float] = {}
    hard = _coverage(credits["hard"])
    if hard is not None:
        components["hard"] = hard
    soft = _coverage(credits["soft"])
    if soft is not None:
        components["soft"] = soft
    if job_title:
        components["title"] = title_coverage(job_title, resume_tokens, resume_normalized)
    if credits["degree"]:
        # Any degree the resume shows counts a little; the asked-for one counts fully.
        has_degree = any(k.group == "degree" for k in resume_keywords)
        best = max(c for _, c in credits["degree"])
        components["education"] = max(best, 0.5 if has_degree else 0.0)
    wanted_years = required_years(job_text)
    shown_years = resume_years(resume_text) if wanted_years else None
    if wanted_years:
        components["experience"] = min((shown_years or 0) / wanted_years, 1.0)

    total_weight = sum(COMPONENT_WEIGHTS[name] for name in components)
    score = (
        round(100 * sum(COMPONENT_WEIGHTS[n] * v for n, v in components.items()) / total_weight)
        if total_weight
        else 0
    )
    breakdown: dict[str, Any] = {
        name: {
            "score": round(100 * value),
            "weight": round(COMPONENT_WEIGHTS[name] / total_weight, 3),
        }
        for name, value in components.items()
    }
    if "experience" in breakdown:
        breakdown["experience"].update(required_years=wanted_years, resume_years=shown_years)
    missing.sort(
        key=lambda k: (REQUIRED_RANK[k.required], GROUP_RANK.get(k.group, 5), -k.count, -k.idf)
    )
    missing_out = [
        {
            "term": k.term,
            "skill": k.skill,
            "category": k.category,
            "required": k.required,
            "count": k.count,
            "importance": k.weight,
        }
        for k in missing
    ]
    return MatchResult(
        score=score,
        breakdown=breakdown,
        matched=matched,
        missing=missing_out,
        explanation=_explain(score, credits, matched, missing, wanted_years, shown_years),
    )


def _explain(
    score: int,
    credits: dict[str, list[tuple[Keyword, float]]],
    matched: list[dict[str, Any]],
    missing: list[Keyword],
    wanted_years: int | None,
    shown_years: int | None,
) -> str:
    items = [pair for bucket in credits.values() for pair in bucket]
    must = [k for k, _ in items if k.required is not False]
    must_hit = sum(1 for k, c in items if k.required is not False and c > 0)
    nice = [k for k, _ in items if k.required is False]
    nice_hit = sum(1 for k, c in items if k.required is False and c > 0)
    parts = [f"Match score {score}/100."]
    if must:
        parts.append(f"Your resume covers {must_hit} of {len(must)} must-have keywords")
        top = [k.term for k in missing if k.required is not False][:3]
        parts[-1] += f" (missing: {', '.join(top)})." if top else "."
    if nice:
        parts.append(f"It covers {nice_hit} of {len(nice)} nice-to-haves.")
    aliases = [m["term"] for m in matched if m["match"] == "alias"]
    if aliases:
        parts.append(
            f"{len(aliases)} matched under another name ({', '.join(aliases[:3])}): "
            "use the posting's wording."
        )
    if wanted_years:
        shown = f"{shown_years}" if shown_years is not None else "no clear number of"
        parts.append(f"The posting asks for {wanted_years}+ years; your resume shows {shown}.")
    return " ".join(parts)
