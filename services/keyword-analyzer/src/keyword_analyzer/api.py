"""Routes under ``/keywords``: extraction, matching, analyses, resumes, skills, insights."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from jobhunt_common import CurrentUser, Page, PageParamsDep, SessionDep, check_if_match, etag_for
from jobhunt_common.db import get_database
from jobhunt_common.errors import BadRequest, PayloadTooLarge, Unprocessable
from keyword_analyzer import service
from keyword_analyzer.config import Settings
from keyword_analyzer.documents import check_text, posting_text, upload_text
from keyword_analyzer.extraction import Keyword
from keyword_analyzer.schemas import (
    AnalysisSummary,
    BatchIn,
    BatchOut,
    ExtractionOut,
    InsightsOut,
    MatchIn,
    MatchOut,
    PostingIn,
    ResumeDetail,
    ResumeIn,
    ResumeOut,
    UserSkillIn,
    UserSkillOut,
    UserSkillUpdate,
)

router = APIRouter(prefix="/keywords", tags=["keywords"])


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_analyzer(request: Request) -> service.Analyzer:
    analyzer: service.Analyzer = request.app.state.analyzer
    return analyzer


SettingsDep = Annotated[Settings, Depends(get_settings)]
AnalyzerDep = Annotated[service.Analyzer, Depends(get_analyzer)]

MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {"schema": MatchIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "job_text": {"type": "string"},
                        "job_html": {"type": "string"},
                        "job_title": {"type": "string"},
                        "resume": {"type": "string", "format": "binary"},
                        "resume_id": {"type": "integer"},
                        "save": {"type": "boolean"},
                    },
                }
            },
        }
    }
}


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("The request body is not valid JSON (UTF-8).") from exc


@dataclass(frozen=True)
class Upload:
    filename: str | None
    content_type: str | None
    raw: bytes


async def _form(request: Request, settings: Settings) -> tuple[dict[str, str], Upload | None]:
    """Text fields and at most one file (read, size-checked) of a multipart body."""
    fields: dict[str, str] = {}
    upload: Upload | None = None
    async with request.form(max_files=1, max_fields=20) as form:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                raw = await value.read(settings.max_upload_bytes + 1)
                if len(raw) > settings.max_upload_bytes:
                    raise PayloadTooLarge(
                        f"The file is larger than {settings.max_upload_bytes} bytes."
                    )
                upload = Upload(value.filename, value.content_type, raw)
            else:
                fields[key] = value
    return fields, upload


def _upload_text(upload: Upload, settings: Settings) -> tuple[str, str]:
    return upload_text(
        upload.filename,
        upload.content_type,
        upload.raw,
        max_bytes=settings.max_upload_bytes,
        max_chars=settings.max_text_chars,
    )


def _validate(model: type[MatchIn] | type[ResumeIn], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A read-only session (extraction only reads the user's own skills)."""
    async for session in get_database(request).session(write=False):
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(read_session)]


def _keywords_json(keywords: list[Keyword]) -> list[dict[str, Any]]:
    # Built by hand: validating thousands of keywords through pydantic costs more than
    # extracting them.
    return [
        {
            "term": k.term,
            "skill": k.skill,
            "category": k.category,
            "group": k.group,
            "required": k.required,
            "count": k.count,
            "spans": k.spans,
            "weight": k.weight,
            "confidence": k.confidence,
        }
        for k in keywords
    ]


@router.post("/extract", response_model=ExtractionOut)
async def extract(
    body: PostingIn,
    user: CurrentUser,
    settings: SettingsDep,
    analyzer: AnalyzerDep,
    session: ReadSessionDep,
) -> JSONResponse:
    """The skills and keywords of one job description (your own skills included)."""
    text = posting_text(body.text, body.html, max_chars=settings.max_text_chars)
    extractors = await analyzer.for_user(session, user.user_id)
    return JSONResponse({"keywords": _keywords_json(extractors.posting.extract(text))})


@router.post("/extract/batch", response_model=BatchOut)
async def extract_batch(
    body: BatchIn,
    user: CurrentUser,
    settings: SettingsDep,
    analyzer: AnalyzerDep,
    session: ReadSessionDep,
) -> JSONResponse:
    """The keywords of many job descriptions in one call."""
    if len(body.postings) > settings.max_batch_postings:
        raise PayloadTooLarge(f"At most {settings.max_batch_postings} postings per batch.")
    texts = [posting_text(p.text, p.html, max_chars=settings.max_text_chars) for p in body.postings]
    extractor = (await analyzer.for_user(session, user.user_id)).posting
    return JSONResponse(
        {"results": [{"keywords": _keywords_json(extractor.extract(text))} for text in texts]}
    )


@router.post("/match", openapi_extra=MULTIPART_BODY)
async def match(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    analyzer: AnalyzerDep,
    response: Response,
) -> MatchOut:
    """Score a resume (text, saved id, or PDF/DOCX/TXT upload) against a job description."""
    content_type = request.headers.get("content-type", "")
    resume_text: str | None = None
    if content_type.startswith("multipart/form-data"):
        fields, upload = await _form(request, settings)
        data: dict[str, Any] = dict(fields)
        if upload is not None:
            resume_text, _ = _upload_text(upload, settings)
    else:
        data = await _json_body(request)
    body: MatchIn = _validate(MatchIn, data)
    if resume_text is not None and (body.resume_text is not None or body.resume_id is not None):
        raise Unprocessable("Send the resume once: as a file, as 'resume_text' or as 'resume_id'.")
    job_text = posting_text(body.job_text, body.job_html, max_chars=settings.max_text_chars)
    out = await service.run_match(
        session,
        analyzer,
        settings,
        user.user_id,
        job_text=job_text,
        job_title=body.job_title,
        resume_text=resume_text if resume_text is not None else body.resume_text,
        resume_id=body.resume_id,
        save=body.save,
    )
    if out.id is not None:
        response.status_code = 201
        response.headers["Location"] = f"/keywords/analyses/{out.id}"
    return out


@router.get("/analyses")
async def list_analyses(
    session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Page[AnalysisSummary]:
    """The user's stored analyses, newest first."""
    return await service.list_analyses(session, user.user_id, page)


@router.get("/analyses/{analysis_id}")
async def get_analysis(analysis_id: int, session: SessionDep, user: CurrentUser) -> MatchOut:
    """One stored analysis."""
    return service.analysis_out(await service.get_analysis(session, user.user_id, analysis_id))


@router.delete("/analyses/{analysis_id}", status_code=204)
async def delete_analysis(analysis_id: int, session: SessionDep, user: CurrentUser) -> None:
    """Delete a stored analysis."""
    await service.delete_owned(
        session, await service.get_analysis(session, user.user_id, analysis_id)
    )


@router.get("/insights")
async def insights(
    session: SessionDep, user: CurrentUser, analyzer: AnalyzerDep, resume_id: int | None = None
) -> InsightsOut:
    """The most demanded skills across the user's analyses, and which the resume lacks."""
    return await service.insights(session, analyzer, user.user_id, resume_id)


@router.post(
    "/resumes",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": ResumeIn.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "file": {"type": "string", "format": "binary"},
                        },
                    }
                },
            }
        }
    },
)
async def create_resume(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    response: Response,
) -> ResumeOut:
    """Save a resume (JSON text, or a PDF/DOCX/TXT upload) to reuse by id."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        fields, upload = await _form(request, settings)
        if upload is None:
            raise Unprocessable("Attach the resume file as 'file'.")
        text, source = _upload_text(upload, settings)
        name = fields.get("name") or upload.filename or "resume"
        body = _validate(ResumeIn, {"name": name[:200], "text": text})
    else:
        body = _validate(ResumeIn, await _json_body(request))
        source = "text"
    check_text(body.text, max_chars=settings.max_text_chars, what="resume")
    resume = await service.create_resume(session, user.user_id, body.name, body.text, source)
    response.headers["Location"] = f"/keywords/resumes/{resume.id}"
    response.headers["ETag"] = etag_for(resume.version)
    return ResumeOut.model_validate(resume)


@router.get("/resumes")
async def list_resumes(
    session: SessionDep, user: CurrentUser, page: PageParamsDep
) -> Page[ResumeOut]:
    """The user's saved resumes, newest first."""
    found = await service.list_resumes(session, user.user_id, page)
    return Page(
        items=[ResumeOut.model_validate(r) for r in found.items], next_cursor=found.next_cursor
    )


@router.get("/resumes/{resume_id}")
async def get_resume(
    resume_id: int,
    session: SessionDep,
    user: CurrentUser,
    analyzer: AnalyzerDep,
    response: Response,
) -> ResumeDetail:
    """One saved resume with its text and the skills found in it."""
    resume = await service.get_resume(session, user.user_id, resume_id)
    extractors = await analyzer.for_user(session, user.user_id)
    skills = [k.skill or k.term for k in extractors.resume.extract(resume.text, sections=False)]
    response.headers["ETag"] = etag_for(resume.version)
    return ResumeDetail(
        **ResumeOut.model_validate(resume).model_dump(), text=resume.text, skills=skills
    )


@router.delete("/resumes/{resume_id}", status_code=204)
async def delete_resume(
    resume_id: int,
    session: SessionDep,
    user: CurrentUser,
    if_match: Annotated[str | None, Header()] = None,
) -> None:
    """Delete a saved resume (analyses made with it stay)."""
    resume = await service.get_resume(session, user.user_id, resume_id)
    check_if_match(if_match, resume.version)
    await service.delete_owned(session, resume)


@router.post("/skills", status_code=201)
async def create_skill(
    body: UserSkillIn,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
    response: Response,
) -> UserSkillOut:
    """Add a skill of your own, or aliases for a known skill, used in your extractions."""
    skill = await service.create_user_skill(session, settings, user.user_id, body)
    response.headers["Location"] = f"/keywords/skills/{skill.id}"
    response.headers["ETag"] = etag_for(skill.version)
    return UserSkillOut.model_validate(skill)


@router.get("/skills")
async def list_skills(session: SessionDep, user: CurrentUser) -> list[UserSkillOut]:
    """Your own skills and aliases."""
    rows = await service.list_user_skills(session, user.user_id)
    return [UserSkillOut.model_validate(r) for r in rows]


@router.get("/skills/{skill_id}")
async def get_skill(
    skill_id: int, session: SessionDep, user: CurrentUser, response: Response
) -> UserSkillOut:
    """One of your skills."""
    skill = await service.get_user_skill(session, user.user_id, skill_id)
    response.headers["ETag"] = etag_for(skill.version)
    return UserSkillOut.model_validate(skill)


@router.patch("/skills/{skill_id}")
async def update_skill(
    skill_id: int,
    body: UserSkillUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> UserSkillOut:
    """Change a skill's category or aliases (If-Match honoured)."""
    skill = await service.get_user_skill(session, user.user_id, skill_id)
    check_if_match(if_match, skill.version)
    await service.update_user_skill(skill, body)
    await session.flush()
    response.headers["ETag"] = etag_for(skill.version)
    return UserSkillOut.model_validate(skill)


@router.delete("/skills/{skill_id}", status_code=204)
async def delete_skill(
    skill_id: int,
    session: SessionDep,
    user: CurrentUser,
    if_match: Annotated[str | None, Header()] = None,
) -> None:
    """Delete one of your skills."""
    skill = await service.get_user_skill(session, user.user_id, skill_id)
    check_if_match(if_match, skill.version)
    await service.delete_owned(session, skill)
