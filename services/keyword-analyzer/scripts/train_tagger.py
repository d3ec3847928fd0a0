"""Train the KNOWLEDGE span tagger: ``src/keyword_analyzer/data/span_tagger.crfsuite``.

A linear-chain CRF (CRFsuite, L-BFGS, fixed parameters: the same bytes on every rebuild)
fit on the KNOWLEDGE tags of the SkillSpan **train** split (BIO, learnt as BILOU), with the
features of ``keyword_analyzer.extraction.tagger``. Its vocabulary feature uses the curated
core and the ``skill-extractor`` term list only (written to ``tagger_vocabulary.txt``), never
SkillSpan spans. ``--cv`` reports 5-fold cross-validation on train of the whole
extraction (a taxonomy and a tagger fit per fold) with and without the tagger, and
writes nothing. The dev split is never read here.

Run: ``uv run python services/keyword-analyzer/scripts/train_tagger.py [--cv]``
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections import defaultdict
from pathlib import Path

import pycrfsuite
from build_taxonomy import (
    DATA_DIR,
    DEFAULT_SKILLSPAN,
    HERE,
    Params,
    Posting,
    _key,
    build,
    candidates,
    document_f1,
    fetch_skill_extractor_terms,
    gold_spans,
    load_postings,
    read_core,
)

from keyword_analyzer.extraction.extractor import Extractor
from keyword_analyzer.extraction.sections import Section, heading_section
from keyword_analyzer.extraction.tagger import SpanTagger, Vocabulary, bilou, features
from keyword_analyzer.extraction.taxonomy import Taxonomy

CRF_PARAMS = {"c1": 0.3, "c2": 0.2, "max_iterations": 100, "feature.possible_transitions": True}
Line = tuple[list[str], list[str]]


def load_lines(path: Path) -> list[list[Line]]:
    """Per posting (in file order, as ``load_postings``): each line's tokens and tags."""
    postings: dict[tuple[str, int], list[Line]] = defaultdict(list)
    for raw in path.read_text("utf-8").splitlines():
        record = json.loads(raw)
        postings[(record["source"], record["idx"])].append(
            (record["tokens"], record["tags_knowledge"])
        )
    return list(postings.values())


def sections_of(lines: list[Line]) -> list[str]:
    """The section of each line, as the extractor tracks it."""
    section, out = Section.PREAMBLE, []
    for tokens, _ in lines:
        text = " ".join(tokens)
        if len(text) <= 64:
            section = heading_section(text) or section
        out.append(section.value)
    return out


def train(postings: list[list[Line]], vocabulary: Vocabulary) -> bytes:
    """The CRFsuite model file fit on ``postings``."""
    trainer = pycrfsuite.Trainer(verbose=False)
    for lines in postings:
        for (tokens, tags), section in zip(lines, sections_of(lines), strict=True):
            if tokens:
                trainer.append(features(tokens, section, vocabulary), bilou(tags))
    trainer.set_params(CRF_PARAMS)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.crfsuite"
        trainer.train(str(path))
        return path.read_bytes()


def cross_validate(
    core: list[tuple[str, str, list[str]]],
    listed: list[str],
    postings: list[Posting],
    lines: list[list[Line]],
    vocabulary: Vocabulary,
) -> None:
    order = list(range(len(postings)))
    random.Random(7).shuffle(order)
    predicted: dict[str, list[set[str]]] = {"without tagger": [], "with tagger": []}
    golds: list[set[str]] = []
    for fold in range(5):
        held = order[fold::5]
        rest = [i for n, i in enumerate(order) if n % 5 != fold]
        skills, logits, model = build(
            candidates(core, listed, gold_spans([postings[i] for i in rest], 1)),
            [postings[i] for i in rest],
            Params(),
        )
        taxonomy = Taxonomy(skills, max(s.idf for s, _ in skills), logits=logits, confidence=model)
        tagger = SpanTagger(train([lines[i] for i in rest], vocabulary), vocabulary)
        plain, tagged = Extractor(taxonomy), Extractor(taxonomy, tagger=tagger)
        for i in held:
            golds.append(postings[i].gold)
            predicted["without tagger"].append(
                {k.term.lower() for k in plain.extract(postings[i].text)}
            )
            predicted["with tagger"].append(
                {k.term.lower() for k in tagged.extract(postings[i].text)}
            )
        print(f"fold {fold} done", flush=True)
    for name, sets in predicted.items():
        exact, partial = document_f1(sets, golds)
        print(f"{name}: cv exact F1 {exact:.3f}, partial F1 {partial:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skillspan", type=Path, default=DEFAULT_SKILLSPAN)
    parser.add_argument("--wheel", type=Path, help="a downloaded skill-extractor wheel")
    parser.add_argument("--cv", action="store_true", help="5-fold CV on train, no write")
    args = parser.parse_args()

    core = read_core(HERE / "core_skills.txt")
    listed, _ = fetch_skill_extractor_terms(args.wheel)
    wordings = sorted(
        {
            " ".join(_key(surface).split())
            for candidate in candidates(core, listed, [])
            for surface in candidate.surfaces
        }
        - {""}
    )
    vocabulary = Vocabulary(wordings)
    lines = load_lines(args.skillspan / "train.json")
    if args.cv:
        postings = load_postings(args.skillspan / "train.json")
        cross_validate(core, listed, postings, lines, vocabulary)
        return
    model = train(lines, vocabulary)
    (DATA_DIR / "span_tagger.crfsuite").write_bytes(model)
    (DATA_DIR / "tagger_vocabulary.txt").write_text("\n".join(wordings) + "\n", "utf-8")
    print(f"{len(model):,} bytes written to {DATA_DIR / 'span_tagger.crfsuite'}")


if __name__ == "__main__":
    main()
