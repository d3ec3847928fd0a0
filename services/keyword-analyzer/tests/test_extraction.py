"""Tokens, aliases, longest match, case, sections and requirement cues."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from keyword_analyzer.extraction import Extractor, Keyword, default_taxonomy, scan_kernels
from keyword_analyzer.extraction.extractor import REQUIRED_OF_CUES
from keyword_analyzer.extraction.keywords import SCORED_GROUPS, round3
from keyword_analyzer.extraction.sections import (
    _CLEAN_RE,
    _HEADING_RE,
    _SECTION_OF_PHRASE,
    OPTIONAL_CUES,
    REQUIRED_CUES,
    Section,
    SentenceCues,
    heading_phrase,
    heading_section,
    required_of,
    sentence_at,
)
from keyword_analyzer.extraction.taxonomy import ConfidenceModel, Skill, Taxonomy, overlay_trie
from keyword_analyzer.extraction.tokens import SEPARATORS, lower, normalize, tokenize


def skills(keywords: list[Keyword]) -> dict[str, Keyword]:
    return {k.skill: k for k in keywords if k.skill}


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("C++, C#, F# and .NET.", ["c++", "c#", "f#", "and", ".net"]),
        ("Node.js / ASP.NET (Objective-C)", ["node.js", "asp.net", "objective-c"]),
        ("CI/CD; R&D.", ["ci/cd", "r&d"]),
        ("end. Next", ["end", "next"]),
    ],
)
def test_tokenizer_keeps_symbol_terms_whole(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens
    assert len(normalize(text)) == len(text)


@pytest.mark.parametrize(
    ("term", "skill"),
    [
        ("C++", "C++"),
        ("C#", "C#"),
        ("F#", "F#"),
        (".NET", ".NET"),
        ("Node.js", "Node.js"),
        ("CI/CD", "CI/CD"),
        ("ASP.NET", "ASP.NET"),
        ("Objective-C", "Objective-C"),
        ("k8s", "Kubernetes"),
        ("JS", "JavaScript"),
        ("Amazon Web Services", "AWS"),
        ("AWS", "AWS"),
        ("Postgres", "PostgreSQL"),
        ("PostgreSQL", "PostgreSQL"),
        ("golang", "Go"),
        ("Go", "Go"),
        ("R", "R"),
        ("Spring Boot", "Spring Boot"),
        ("React Native", "React Native"),
    ],
)
def test_each_tricky_term_and_alias_is_found_whole(
    extractor: Extractor, term: str, skill: str
) -> None:
    text = f"Requirements\nYou have solid experience with {term}, which is required."
    found = skills(extractor.extract(text))
    assert skill in found, found.keys()
    keyword = found[skill]
    assert keyword.term == term
    start, end = keyword.spans[0]
    assert text[start:end] == term


def test_no_match_inside_other_words(extractor: Extractor) -> None:
    text = (
        "Requirements\nStrong JavaScript and TypeScript skills. We do R&D on Golang-free "
        "stacks.\nLet's go to the office; we are ready to go."
    )
    found = skills(extractor.extract(text))
    assert "JavaScript" in found
    assert "Java" not in found
    assert "R" not in found
    assert found["Go"].term == "Golang"  # the alias, as a part of "Golang-free"
    lower_go = extractor.extract("Requirements\nReady to go and go again, Go is required.")
    go = skills(lower_go)["Go"]
    assert go.count == 1
    assert go.term == "Go"


def test_longest_match_wins(extractor: Extractor) -> None:
    found = skills(extractor.extract("Requirements\nSpring Boot, React Native and ASP.NET."))
    assert {"Spring Boot", "React Native", "ASP.NET"} <= set(found)
    assert not {"Spring", "React", ".NET"} & set(found)


def test_multiword_terms_never_span_punctuation(extractor: Extractor) -> None:
    found = skills(extractor.extract("Requirements\nReact, Native apps are a must."))
    assert "React Native" not in found
    assert "React" in found


def test_compound_words_are_looked_up_part_by_part(extractor: Extractor) -> None:
    found = skills(extractor.extract("Requirements\nYou know Python-based Kubernetes/Helm."))
    assert {"Python", "Kubernetes", "Helm"} <= set(found)
    assert found["Python"].term == "Python"


def test_counts_and_spans_are_exact(extractor: Extractor) -> None:
    text = "Requirements\nPython is a must.\nMore Python, and python again."
    keyword = skills(extractor.extract(text))["Python"]
    assert keyword.count == 3
    assert [text[s:e] for s, e in keyword.spans] == ["Python", "Python", "python"]


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("Requirements", Section.REQUIREMENTS),
        ("What you'll bring:", Section.REQUIREMENTS),
        ("Nice to have", Section.NICE_TO_HAVE),
        ("Preferred Qualifications:", Section.NICE_TO_HAVE),
        ("Responsibilities", Section.RESPONSIBILITIES),
        ("About the role", Section.RESPONSIBILITIES),
        ("Benefits", Section.BENEFITS),
        ("What we offer:", Section.BENEFITS),
        ("About us", Section.COMPANY),
        ("Experience with GraphQL", None),
        ("We build Python services for banks.", None),
        # Marks before the phrase, a curly apostrophe, and a colon after other words.
        ("**Requirements**", Section.REQUIREMENTS),
        ("• Nice to have", Section.NICE_TO_HAVE),
        ("What\u2019s in it for you?", Section.BENEFITS),
        ("Senior Python experience:", Section.REQUIREMENTS),
        ("Python skills", None),
        ("1. Qualifications", None),
    ],
)
def test_heading_detection(line: str, section: Section | None) -> None:
    assert heading_section(line) is section


@pytest.mark.parametrize(
    ("section", "line", "required"),
    [
        (Section.PREAMBLE, "You must know Docker", True),
        (Section.PREAMBLE, "Docker is required", True),
        (Section.REQUIREMENTS, "Docker", True),
        (Section.REQUIREMENTS, "Docker is a plus", False),
        (Section.REQUIREMENTS, "Docker preferred", False),
        (Section.PREAMBLE, "Bonus: Docker", False),
        (Section.NICE_TO_HAVE, "Docker", False),
        (Section.RESPONSIBILITIES, "Run Docker in production", None),
    ],
)
def test_required_cues(section: Section, line: str, required: bool | None) -> None:
    assert required_of(section, line) is required


def test_benefits_and_company_blurbs_are_not_skills(extractor: Extractor) -> None:
    text = (
        "About us\nWe are a Kubernetes consultancy with a Python academy.\n"
        "Requirements\n- Terraform is required\n"
        "Nice to have\n- GraphQL\n"
        "Benefits\n- Free AWS certification courses and Docker stickers\n"
    )
    found = skills(extractor.extract(text))
    assert set(found) >= {"Terraform", "GraphQL"}
    assert not {"Kubernetes", "Python", "AWS", "Docker"} & set(found)
    assert found["Terraform"].required is True
    assert found["GraphQL"].required is False


def test_cues_bind_to_their_sentence(extractor: Extractor) -> None:
    found = skills(extractor.extract("Requirements\nStrong JavaScript skills. Java is a plus."))
    assert found["JavaScript"].required is True
    assert found["Java"].required is False


def test_salient_non_taxonomy_phrases_are_other(extractor: Extractor) -> None:
    text = "Requirements\nHands-on experience with the Zorblax SDK and QWERTZ tooling."
    others = {k.term for k in extractor.extract(text) if k.category == "other"}
    assert others & {"Zorblax", "QWERTZ", "Zorblax SDK"}
    assert all(k.skill is None for k in extractor.extract(text) if k.category == "other")


def test_user_skills_and_aliases_join_the_extraction() -> None:
    taxonomy = default_taxonomy()
    trie = overlay_trie(taxonomy, [("Zorblax", "tool", ["zbx"]), ("Kubernetes", "tool", ["kubbi"])])
    extractor = Extractor(taxonomy, user_trie=trie)
    found = skills(extractor.extract("Requirements\nWe need zbx and kubbi skills."))
    assert found["Zorblax"].term == "zbx"
    assert found["Kubernetes"].term == "kubbi"
    assert found["Zorblax"].category == "tool"


def test_weights_rank_required_hard_skills_first(extractor: Extractor) -> None:
    text = "Requirements\nPython and Kubernetes are required.\nNice to have\nGraphQL\nTeamwork"
    keywords = extractor.extract(text)
    assert keywords[0].skill in {"Python", "Kubernetes"}
    weights = {k.skill: k.weight for k in keywords}
    assert weights["Python"] > weights["GraphQL"]
    assert all(0 < k.weight <= 1 for k in keywords)


def test_knowledge_cue_and_list_lines_are_marked() -> None:
    extractor = Extractor(default_taxonomy(), use_confidence=False)
    text = "Responsibilities\nExperience with Kafka and Terraform\nWe run Kubernetes daily."
    found = skills(extractor.extract(text))
    assert [(found[s].cued, found[s].listed) for s in ("Kafka", "Terraform", "Kubernetes")] == [
        (True, True),
        (True, True),
        (False, False),
    ]


def test_round3_is_round_to_three_places() -> None:
    """Every tie and grid point of three places up to 1000, their neighbouring floats,
    seeded random values, and the values it hands to ``round`` (negative, huge, NaN)."""
    rng = random.Random(3)
    grid = [k / 2000 for k in range(2_000_001)]
    values = [
        *grid,
        *(math.nextafter(v, 0.0) for v in grid[::50]),
        *(math.nextafter(v, 2000.0) for v in grid[::50]),
        *(rng.random() for _ in range(200_000)),
        *(rng.uniform(0, 1000) for _ in range(100_000)),
        0.0625,  # an exact tie in binary: half to even, 0.062
        -0.0004,
        -1.2345,
        1000.0005,
        1e20,
        5e-324,
    ]
    assert [round3(v) for v in values] == [round(v, 3) for v in values]
    assert math.isnan(round3(math.nan))
    assert round3(0.0625) == 0.062


def test_cue_and_list_features_raise_confidence() -> None:
    model = ConfidenceModel(
        bias=0.0,
        prior=1.0,
        requirements=0.0,
        responsibilities=0.0,
        preamble=0.0,
        capitalised=0.0,
        repeated=0.0,
        threshold=0.5,
        cued=1.0,
        listed=0.5,
    )
    plain = model.probability(0.0, "preamble", False, False)
    assert model.probability(0.0, "preamble", False, False, cued=True) > plain
    assert model.probability(0.0, "preamble", False, False, listed=True) > plain
    assert model.hopeless_below() == pytest.approx(-1.5)


def test_term_is_the_wording_postings_tag_most() -> None:
    react = Skill("React", "framework", 1.0)
    taxonomy = Taxonomy([(react, ["reactjs", "React"])], 1.0, logits=[[-2.0, 1.0]])
    found = skills(Extractor(taxonomy, use_confidence=False).extract("reactjs, then React"))
    assert found["React"].term == "React"
    assert found["React"].variants == ["reactjs"]
    assert found["React"].prior_logit == 1.0


@pytest.mark.parametrize(
    "line",
    [
        "Strong Go. Rust is a plus; Kafka is required.",
        "Experience with Java is a must.  Nice to have: Scala",
        "No cue here. None there",
    ],
)
def test_sentence_cues_judge_each_offset_like_its_sentence(line: str) -> None:
    cues = SentenceCues(Section.PREAMBLE, line)
    for offset in range(len(line) + 2):
        assert cues.at(offset) == required_of(Section.PREAMBLE, sentence_at(line, offset))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Requirements\nMachine  learning", (13, 30)),
        ("Requirements\nMachine\u2009learning", (13, 29)),
        ("Requirements\nMachine learning, Go", (13, 29)),
    ],
)
def test_multi_word_terms_cross_whitespace_runs_but_not_separators(
    text: str, span: tuple[int, int]
) -> None:
    found = skills(Extractor(default_taxonomy(), use_confidence=False).extract(text))
    assert found["Machine learning"].spans == [span]
    machine_comma = "Requirements\nMachine, learning"
    assert "Machine learning" not in skills(Extractor(default_taxonomy()).extract(machine_comma))


def test_normalized_text_has_no_whitespace_but_the_space() -> None:
    text = "a\u2009b\u3000c\x1fd\u2028e"
    assert normalize(text) == "a b c d e"
    assert tokenize(text) == ["a", "b", "c", "d", "e"]


def test_normalize_matches_the_branch_by_branch_definition() -> None:
    separators = "[" + re.escape(SEPARATORS) + "]"
    reference = re.compile(separators + r"|[.\-/'\u2019&](?![^\W_])|[\-/'\u2019&](?<![^\W_].)")
    alphabet = "aZ9 .-/'\u2019&,;:()_\n\t\u2009é#+"
    rng = random.Random(3)
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(60))
        assert normalize(text) == reference.sub(" ", text.lower())


def test_the_heading_phrase_is_the_one_the_alternation_regex_matches() -> None:
    """``heading_phrase`` looks phrases up by their first run; the regex it replaces tries
    them all. The same answer on every phrase with every kind of next character, on the
    cleaned form of every SkillSpan line and on random strings made of phrase pieces."""
    phrases = list(_SECTION_OF_PHRASE)
    texts = [p + tail for p in phrases for tail in ("", " x", "x", "s", "-x", "'s", "_", "é", "1")]
    if (SKILLSPAN / "dev.json").exists():
        texts += [
            _CLEAN_RE.sub(" ", line.strip().lower().replace("\u2019", "'")).strip()
            for text in _postings()
            for line in text.split("\n")
        ]
    rng = random.Random(5)
    pieces = [*phrases, *(w for p in phrases for w in p.split()), " ", "-", "'", "_", "é", "0"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 4))) for _ in range(20_000)]
    matched = 0
    for text in texts:
        found = _HEADING_RE.match(text)
        assert heading_phrase(text) == (found.group(1) if found else None), text
        matched += found is not None
    assert matched > 1_000


def test_the_compiled_normalize_is_normalize() -> None:
    rng = random.Random(5)
    # Final sigma, a lower case longer than its letter, a lone surrogate, a character past
    # the BMP (the regex then decides), digits of other scripts and superscripts.
    alphabet = "aZ9 .-/'\u2019&,;:()_\n\t\u2009é#+ΣİΣς\ud800\U0001f600\u0663\u00b2ß"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(40))) for _ in range(5000)]
    texts += ["".join(chr(rng.randrange(0x10000)) for _ in range(30)) for _ in range(2000)]
    for text in texts:
        normalized, codes, lowered = scan_kernels.normalized(text)
        assert normalized == normalize(text), text
        assert codes.tobytes().decode("utf-32-le", "surrogatepass") == normalized
        assert lowered.tobytes().decode("utf-32-le", "surrogatepass") == lower(text)


def test_the_compiled_cue_search_is_required_of() -> None:
    rng = random.Random(8)
    # Cue pieces, their neighbours in other case or script, and what lower-cases oddly:
    # "İ" (to "i" and a combining dot), the Kelvin sign (to "k"), a final sigma.
    pieces = [*OPTIONAL_CUES, *REQUIRED_CUES, "MUST", "Nice To Have", "İ", "\u212a", "Σ"]
    pieces += ["a", " ", "  ", "\t", "-", ".", "plus", "expert", "x", "é", "\U0001f600"]
    lines = ["".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12))) for _ in range(4000)]
    lines += ["must", "required.", "A plus", " preferred ", "nice-to-have", "ideally\tRust"]
    text = "\n".join(lines)
    starts = np.array([0, *itertools.accumulate(len(line) + 1 for line in lines[:-1])])
    ends = starts + np.array([len(line) for line in lines])
    _, _, lowered = scan_kernels.normalized(text)
    cues = scan_kernels.line_cues(lowered, starts, ends, *scan_kernels.CUE_TABLES).tolist()
    assert set(cues) == {0, 1, 2, 3}
    for line, bits in zip(lines, cues, strict=True):
        for section in Section:
            assert REQUIRED_OF_CUES[section, bits] == required_of(section, line), (line, section)


def test_it_and_scrum_master_are_not_degrees() -> None:
    extractor = Extractor(default_taxonomy(), use_confidence=False)
    found = extractor.extract("Requirements\nYou join our IT department as a Scrum Master.")
    assert "Information technology" not in skills(found)
    assert [k.term for k in found if k.group == "degree"] == []
    degree = extractor.extract("Requirements\nA degree in information technology")
    assert "Information technology" in skills(degree)


def test_degree_of_is_english_and_a_masters_degree_is_no_bachelors() -> None:
    extractor = Extractor(default_taxonomy(), use_confidence=False)
    found = extractor.extract("Requirements\nYou work with a high degree of accuracy.")
    assert [k.term for k in found if k.group == "degree"] == []
    found = extractor.extract("Requirements\nAn MSc degree in physics\nA degree")
    assert "Master's degree" in skills(found)
    # "degree" at the end of a line is still one.
    assert "Bachelor's degree" in skills(found)
    assert "Bachelor's degree" not in skills(extractor.extract("Requirements\nA Masters degree"))


SKILLSPAN = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "skillspan"
# Texts for the walk's corner cases: case-sensitive wordings, a term cut by a separator,
# whitespace runs inside a multi-word term, "degree of", parts, salient phrases next to
# common words, a code point past the BMP, a lone surrogate, a lower case longer than
# its letter (İ) and lines with nothing on them.
_TRICKY = [
    "Requirements\nGo, R and golang. go home; r&d\nNice to have\nSpring  Boot\tand Spring, Boot",
    "Requirements:\n- a high degree of accuracy, a degree in CS\n- Java/Spring, Python-based ETL",
    "Must have: Strong Go. Rust is a plus; Kubernetes is required.\n\n\n   \nQualifications",
    "Requirements\nExperience with Apache Kafka Streams and AWS Lambda 🚀 İstanbul \ud800 SAP HANA",
    "Nice to have\nexperience with machine learning; MLOps, FooBar and DataDog on GCP BigQuery",
    "About us\nWe use Python.\nBenefits\nFree Java.\nRequirements\nC++ / C# / F# / .NET / Node.js",
]


def _postings() -> list[str]:
    texts = list(_TRICKY)
    for name in ("train.json", "dev.json"):
        lines: dict[tuple[str, int], list[str]] = {}
        for raw in (SKILLSPAN / name).read_text("utf-8").splitlines():
            record = json.loads(raw)
            lines.setdefault((record["source"], record["idx"]), []).append(
                " ".join(record["tokens"])
            )
        texts += ["\n".join(posting) for posting in lines.values()]
    rng = random.Random(11)
    for text in texts[len(_TRICKY) : len(_TRICKY) + 40]:
        chars = list(text)
        for _ in range(30):
            chars[rng.randrange(len(chars))] = rng.choice(
                [
                    "\n",
                    ".",
                    " ",
                    "  ",
                    ":",
                    "-",
                    "/",
                    "•",
                    "C++",
                    "Go",
                    "k8s",
                    "AWS",
                    "Nice to have\n",
                ]
            )
        texts.append("".join(chars))
    return texts


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"salient_other": False, "skip_sections": frozenset(), "use_confidence": False},
    ],
    ids=["posting", "resume"],
)
def test_the_compiled_walk_finds_what_the_python_walk_finds(options: dict[str, Any]) -> None:
    if not (SKILLSPAN / "dev.json").exists():
        pytest.skip(f"SkillSpan is not at {SKILLSPAN} (see ../shared/data/README.md)")
    taxonomy = default_taxonomy()
    compiled = Extractor(taxonomy, **options)
    reference = Extractor(taxonomy, compiled=False, **options)
    assert compiled._tables is not None
    assert reference._tables is None
    texts = _postings()
    assert len(texts) > 200
    for text in texts:
        for sections in (True, False):
            expected = reference.extract(text, sections=sections)
            assert compiled.extract(text, sections=sections) == expected, text[:80]


def test_every_confidence_is_the_models_probability(extractor: Extractor) -> None:
    """``finish`` computes the confidence model inline: every scored keyword it keeps on
    the SkillSpan postings has ``ConfidenceModel.probability`` of its features, rounded."""
    if not (SKILLSPAN / "dev.json").exists():
        pytest.skip(f"SkillSpan is not at {SKILLSPAN} (see ../shared/data/README.md)")
    model = extractor.taxonomy.confidence
    assert model is not None
    checked = 0
    for text in _postings():
        for keyword in extractor.extract(text):
            if keyword.group not in SCORED_GROUPS:
                continue
            capitalised = any(w != w.lower() for w in (keyword.term, *keyword.variants))
            expected = model.probability(
                keyword.prior_logit,
                keyword.section,
                capitalised,
                keyword.count > 1,
                keyword.term.count(" ") + 1,
                keyword.short_line,
                keyword.cued,
                keyword.listed,
            )
            assert keyword.confidence == round(expected, 3), keyword
            checked += 1
    assert checked > 2000
