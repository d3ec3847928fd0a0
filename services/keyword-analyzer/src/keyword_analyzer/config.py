"""Settings of the keyword analyzer (env prefix ``KEYWORDS_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jobhunt_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Everything the keyword analyzer reads from the environment."""

    service_name: ClassVar[str] = "keyword_analyzer"
    model_config = SettingsConfigDict(env_prefix="KEYWORDS_", extra="ignore", populate_by_name=True)

    # A job description or resume as text; bigger is not a posting (413).
    max_text_chars: int = 200_000
    # An uploaded resume file (PDF / DOCX / TXT).
    max_upload_bytes: int = 5 * 1024 * 1024
    max_batch_postings: int = 200
    max_user_skills: int = 2_000
    # gc.freeze() once the taxonomy is loaded (about 10 % faster extraction).
    freeze_gc_after_startup: bool = True
    # The CRF span tagger on postings: +0.08 exact F1 on SkillSpan dev, about 2x slower.
    span_tagger: bool = True
