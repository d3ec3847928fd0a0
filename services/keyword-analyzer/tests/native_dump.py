"""Print as JSON what the extraction finds in every text of ``test_extraction._postings``,
in each way the service reads a text, and which modules did it (``native.status``).
``test_native`` runs this twice, compiled and from the sources, and compares."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from test_extraction import _postings

from keyword_analyzer import native
from keyword_analyzer.extraction import Extractor, default_taxonomy
from keyword_analyzer.extraction.tagger import default_tagger
from keyword_analyzer.extraction.taxonomy import overlay_trie


def main() -> None:
    taxonomy = default_taxonomy()
    user_trie = overlay_trie(
        taxonomy, [("Foo Bar", "tool", ["foobar", "=FB"]), ("Kubernetes", "platform", ["kube"])]
    )
    resume: dict[str, Any] = {
        "skip_sections": frozenset(),
        "salient_other": False,
        "use_confidence": False,
    }
    extractors = {
        "posting, tagger": Extractor(taxonomy, tagger=default_tagger()),
        "posting": Extractor(taxonomy),
        "resume": Extractor(taxonomy, **resume),
        "posting, user skills": Extractor(taxonomy, user_trie=user_trie, tagger=default_tagger()),
        "resume, user skills": Extractor(taxonomy, user_trie=user_trie, **resume),
    }
    found = {
        f"{name}, sections {sections}": [
            [dataclasses.asdict(keyword) for keyword in extractor.extract(text, sections=sections)]
            for text in _postings()
        ]
        for name, extractor in extractors.items()
        for sections in (True, False)
    }
    json.dump({"status": native.status, "found": found}, sys.stdout)


if __name__ == "__main__":
    main()
