"""Everything below the routes: extractors per user, resumes, analyses, skills, insights."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jobhunt_common import Page
from jobhunt_common.errors import Conflict, NotFound, Unprocessable
from jobhunt_common.pagination import PageParams, page_from_rows, paginate_select
from keyword_analyzer.config import Settings
from keyword_analyzer.documents import check_text
from keyword_analyzer.extraction import Extractor, Taxonomy
from keyword_analyzer.extraction.tagger import SpanTagger
from keyword_analyzer.extraction.taxonomy import overlay_trie
from keyword_analyzer.matching import score_match
from keyword_analyzer.models import Analysis, Resume, UserSkill
from keyword_analyzer.schemas import (
    AnalysisSummary,
    InsightSkill,
    InsightsOut,
    MatchOut,
    UserSkillIn,
    UserSkillUpdate,
)

INSIGHT_ANALYSES = 500
INSIGHT_TOP = 25


@dataclass
class Extractors:
    """How one user's postings and resumes are read (their own skills included)."""

    posting: Extractor
    resume: Extractor


class Analyzer:
    """The taxonomy loaded once, and the extractors built on it."""

    def __init__(self, taxonomy: Taxonomy, tagger: SpanTagger | None = None) -> None:
        self.taxonomy = taxonomy
        self.tagger = tagger
        self.default = self._extractors(None)

    def _extractors(self, user_trie: dict[str, Any] | None) -> Extractors:
        return Extractors(
            posting=Extractor(self.taxonomy, user_trie=user_trie, tagger=self.tagger),
            # A resume has no requirement sections; every skill it names counts.
            resume=Extractor(
                self.taxonomy,
                user_trie=user_trie,
                skip_sections=frozenset(),
                salient_other=False,
                use_confidence=False,
            ),
        )

    async def for_user(self, session: AsyncSession, owner_id: str) -> Extractors:
        rows = (
            await session.scalars(select(UserSkill).where(UserSkill.owner_id == owner_id))
        ).all()
        if not rows:
            return self.default
        trie = overlay_trie(self.taxonomy, ((r.name, r.category, r.aliases) for r in rows))
        return self._extractors(trie)


def guess_title(job_text: str) -> str | None:
    """The first short line of a posting, which is its title more often than not."""
    for line in job_text.split("\n"):
        line = line.strip()
        if line:
            return line if len(line) <= 80 else None
    return None


# Resumes


async def get_resume(session: AsyncSession, owner_id: str, resume_id: int) -> Resume:
    resume = await session.get(Resume, resume_id)
    if resume is None or resume.owner_id != owner_id:
        raise NotFound(f"No resume {resume_id}.")
    return resume


async def create_resume(
    session: AsyncSession, owner_id: str, name: str, text: str, source: str
) -> Resume:
    resume = Resume(owner_id=owner_id, name=name, text=text, source=source)
    session.add(resume)
    await session.flush()
    return resume


async def list_resumes(session: AsyncSession, owner_id: str, page: PageParams) -> Page[Resume]:
    statement = paginate_select(
        select(Resume).where(Resume.owner_id == owner_id), [Resume.id.expression], page
    )
    rows = (await session.scalars(statement)).all()
    items, cursor = page_from_rows(rows, page, lambda r: [r.id])
    return Page(items=items, next_cursor=cursor)


# Analyses


async def run_match(
    session: AsyncSession,
    analyzer: Analyzer,
    settings: Settings,
    owner_id: str,
    *,
    job_text: str,
    job_title: str | None,
    resume_text: str | None,
    resume_id: int | None,
    save: bool,
) -> MatchOut:
    """Score a resume against a job description; store the analysis when ``save``."""
    if (resume_text is None) == (resume_id is None):
        raise Unprocessable("Send exactly one of 'resume_text', 'resume_id' or a resume file.")
    if resume_id is not None:
        resume_text = (await get_resume(session, owner_id, resume_id)).text
    assert resume_text is not None
    check_text(resume_text, max_chars=settings.max_text_chars, what="resume")
    extractors = await analyzer.for_user(session, owner_id)
    job_keywords = extractors.posting.extract(job_text)
    resume_keywords = extractors.resume.extract(resume_text, sections=False)
    title = job_title or guess_title(job_text)
    result = score_match(job_keywords, job_text, title, resume_text, resume_keywords)
    out = MatchOut(
        id=None,
        score=result.score,
        breakdown=result.breakdown,
        matched=result.matched,
        missing=result.missing,
        explanation=result.explanation,
        job_title=title,
        resume_id=resume_id,
        created_at=None,
    )
    if save:
        stored = out.model_dump(mode="json", exclude={"id", "created_at"})
        stored["job_keywords"] = [
            {"term": k.term, "skill": k.skill, "category": k.category, "required": k.required}
            for k in job_keywords
        ]
        analysis = Analysis(
            owner_id=owner_id,
            job_title=title,
            score=result.score,
            resume_id=resume_id,
            result=stored,
        )
        session.add(analysis)
        await session.flush()
        out.id, out.created_at = analysis.id, analysis.created_at
    return out


def analysis_out(analysis: Analysis) -> MatchOut:
    stored = {k: v for k, v in analysis.result.items() if k != "job_keywords"}
    return MatchOut.model_validate({**stored, "id": analysis.id, "created_at": analysis.created_at})


async def get_analysis(session: AsyncSession, owner_id: str, analysis_id: int) -> Analysis:
    analysis = await session.get(Analysis, analysis_id)
    if analysis is None or analysis.owner_id != owner_id:
        raise NotFound(f"No analysis {analysis_id}.")
    return analysis


async def list_analyses(
    session: AsyncSession, owner_id: str, page: PageParams
) -> Page[AnalysisSummary]:
    statement = paginate_select(
        select(Analysis).where(Analysis.owner_id == owner_id), [Analysis.id.expression], page
    )
    rows = (await session.scalars(statement)).all()
    items, cursor = page_from_rows(rows, page, lambda a: [a.id])
    return Page(
        items=[
            AnalysisSummary(
                id=a.id,
                job_title=a.job_title,
                score=a.score,
                resume_id=a.resume_id,
                created_at=a.created_at,
            )
            for a in items
        ],
        next_cursor=cursor,
    )


async def insights(
    session: AsyncSession, analyzer: Analyzer, owner_id: str, resume_id: int | None
) -> InsightsOut:
    """The skills the user's saved analyses ask for most, and which the resume lacks."""
    analyses = (
        await session.scalars(
            select(Analysis)
            .where(Analysis.owner_id == owner_id)
            .order_by(Analysis.id.desc())
            .limit(INSIGHT_ANALYSES)
        )
    ).all()
    demand: Counter[str] = Counter()
    required: Counter[str] = Counter()
    first: dict[str, dict[str, Any]] = {}
    for analysis in analyses:
        seen: set[str] = set()
        for keyword in analysis.result.get("job_keywords", []):
            key = (keyword["skill"] or keyword["term"]).lower()
            if key in seen:
                continue
            seen.add(key)
            first.setdefault(key, keyword)
            demand[key] += 1
            required[key] += keyword["required"] is True
    if resume_id is None:
        resume_id = await session.scalar(
            select(func.max(Resume.id)).where(Resume.owner_id == owner_id)
        )
    have: set[str] | None = None
    if resume_id is not None:
        resume = await get_resume(session, owner_id, resume_id)
        extractors = await analyzer.for_user(session, owner_id)
        found = extractors.resume.extract(resume.text, sections=False)
        have = {(k.skill or k.term).lower() for k in found}
    top = [
        InsightSkill(
            term=first[key]["term"],
            skill=first[key]["skill"],
            category=first[key]["category"],
            postings=count,
            required_in=required[key],
            in_resume=None if have is None else key in have,
        )
        for key, count in sorted(demand.items(), key=lambda kv: (-kv[1], -required[kv[0]], kv[0]))
    ]
    return InsightsOut(
        analyses=len(analyses),
        resume_id=resume_id,
        top_skills=top[:INSIGHT_TOP],
        missing_from_resume=[s for s in top if s.in_resume is False][:INSIGHT_TOP],
    )


# User skills


def _clean_aliases(aliases: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(a.strip() for a in aliases if a.strip()))
    if any(len(a) > 200 for a in cleaned):
        raise Unprocessable("An alias is longer than 200 characters.")
    return cleaned


async def list_user_skills(session: AsyncSession, owner_id: str) -> list[UserSkill]:
    rows = await session.scalars(
        select(UserSkill).where(UserSkill.owner_id == owner_id).order_by(UserSkill.id)
    )
    return list(rows)


async def get_user_skill(session: AsyncSession, owner_id: str, skill_id: int) -> UserSkill:
    skill = await session.get(UserSkill, skill_id)
    if skill is None or skill.owner_id != owner_id:
        raise NotFound(f"No skill {skill_id}.")
    return skill


async def create_user_skill(
    session: AsyncSession, settings: Settings, owner_id: str, body: UserSkillIn
) -> UserSkill:
    name = " ".join(body.name.split())
    if not name:
        raise Unprocessable("The skill name is empty.")
    existing = await session.scalar(
        select(UserSkill).where(UserSkill.owner_id == owner_id, UserSkill.name_key == name.lower())
    )
    if existing is not None:
        raise Conflict(f"You already have the skill '{existing.name}' (id {existing.id}).")
    count = await session.scalar(
        select(func.count()).select_from(UserSkill).where(UserSkill.owner_id == owner_id)
    )
    if (count or 0) >= settings.max_user_skills:
        raise Conflict(f"You have {count} skills, the most allowed.")
    skill = UserSkill(
        owner_id=owner_id,
        name=name,
        name_key=name.lower(),
        category=body.category,
        aliases=_clean_aliases(body.aliases),
    )
    session.add(skill)
    await session.flush()
    return skill


async def update_user_skill(skill: UserSkill, body: UserSkillUpdate) -> None:
    if body.category is not None:
        skill.category = body.category
    if body.aliases is not None:
        skill.aliases = _clean_aliases(body.aliases)


async def delete_owned(session: AsyncSession, row: Resume | Analysis | UserSkill) -> None:
    await session.delete(row)
    await session.flush()
