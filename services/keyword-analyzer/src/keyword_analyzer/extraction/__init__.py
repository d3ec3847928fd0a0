"""Skill extraction: tokens, the taxonomy trie, sections and the extractor."""

from keyword_analyzer import native

# Before anything imports them: the compiled modules (``native.MODULES``) when their build
# is current, else their sources (``native.status`` says which).
native.load()

from keyword_analyzer.extraction.extractor import Extractor  # noqa: E402
from keyword_analyzer.extraction.keywords import Keyword  # noqa: E402
from keyword_analyzer.extraction.taxonomy import Skill, Taxonomy, default_taxonomy  # noqa: E402

__all__ = ["Extractor", "Keyword", "Skill", "Taxonomy", "default_taxonomy"]
