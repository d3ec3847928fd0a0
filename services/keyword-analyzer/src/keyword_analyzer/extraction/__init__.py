"""Skill extraction: tokens, the taxonomy trie, sections and the extractor."""

from keyword_analyzer.extraction.extractor import Extractor
from keyword_analyzer.extraction.keywords import Keyword
from keyword_analyzer.extraction.taxonomy import Skill, Taxonomy, default_taxonomy

__all__ = ["Extractor", "Keyword", "Skill", "Taxonomy", "default_taxonomy"]
