"""Build ``src/keyword_analyzer/data/{taxonomy.json,common_words.txt}`` reproducibly.

Sources (see ../ATTRIBUTION.md):
  * ``core_skills.txt`` beside this script: the curated core, written for jobhunt;
  * the MIT-licensed term list of the ``skill-extractor`` wheel (PyPI, pinned version),
    fetched with ``pip download --no-deps`` into a temporary folder (or ``--wheel``);
  * the SkillSpan train split (MIT): its KNOWLEDGE spans join the vocabulary, and every
    wording is kept only if postings that contain it tag it as knowledge often enough
    (smoothed document precision >= ``--threshold``). IDF per skill comes from the same
    postings. Parameters were chosen by 5-fold cross-validation on train (``--tune``);
    the dev split is never read here.

Run: ``uv run python services/keyword-analyzer/scripts/build_taxonomy.py``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from keyword_analyzer.extraction.extractor import OTHER_LOGIT, Extractor
from keyword_analyzer.extraction.keywords import SCORED_GROUPS
from keyword_analyzer.extraction.taxonomy import ConfidenceModel, Skill, Taxonomy
from keyword_analyzer.extraction.tokens import tokenize

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE.parent / "src" / "keyword_analyzer" / "data"
DEFAULT_SKILLSPAN = Path("/work/shared/data/skillspan")
SKILL_EXTRACTOR = "skill-extractor==0.2.0"
SKILL_EXTRACTOR_MEMBER = "skill_extractor/data/skills.json"

# Wordings too generic to be a skill whatever a list says.
GENERIC = {
    "experience",
    "team",
    "work",
    "skills",
    "skill",
    "knowledge",
    "ability",
    "abilities",
    "understanding",
    "job",
    "role",
    "company",
    "business",
    "projects",
    "project",
    "environment",
    "solutions",
    "solution",
    "development",
    "process",
    "processes",
    "systems",
    "system",
    "tools",
    "tool",
    "services",
    "service",
    "products",
    "product",
    "people",
    "customers",
    "customer",
    "clients",
    "client",
    "quality",
    "support",
    "management",
    "years",
    "year",
    "opportunity",
    "opportunities",
    "time",
    "way",
    "part",
    "level",
    "degree",
    "plus",
    "new",
    "good",
    "great",
    "strong",
    "excellent",
    "high",
    "technical",
    "working",
    "culture",
    "growth",
    "office",
    "benefits",
    "salary",
    "bonus",
    "responsibility",
    "responsibilities",
    "requirements",
    "design",
    "testing",
    "engineering",
    "planning",
    "research",
    "operations",
    "data",
    "software",
    "technology",
    "technologies",
    "communication",
    "implementation",
    "integration",
    "delivery",
    "maintenance",
}
ENGLISH_STOPWORDS = {
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "etc",
    "e.g",
    "i.e",
    "via",
    "per",
    "within",
    "across",
    "including",
    "us",
    "also",
    "well",
}


@dataclass
class Posting:
    text: str
    gold: set[str]


def load_postings(path: Path) -> list[Posting]:
    """SkillSpan postings: lines of one (source, idx), tokens joined by spaces."""
    lines: dict[tuple[str, int], list[str]] = defaultdict(list)
    gold: dict[tuple[str, int], set[str]] = defaultdict(set)
    for raw in path.read_text("utf-8").splitlines():
        record = json.loads(raw)
        key = (record["source"], record["idx"])
        tokens = record["tokens"]
        lines[key].append(" ".join(tokens))
        span: list[str] = []
        for token, tag in [*zip(tokens, record["tags_knowledge"], strict=True), ("", "O")]:
            if tag == "I" and span:
                span.append(token)
                continue
            if span:
                gold[key].add(" ".join(span).lower())
            span = [token] if tag == "B" else []
    return [Posting("\n".join(lines[key]), gold[key]) for key in lines]


def read_core(path: Path) -> list[tuple[str, str, list[str]]]:
    entries = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        category, name = parts[0], parts[1]
        aliases = [a.strip() for a in parts[2].split(";")] if len(parts) > 2 else []
        surfaces = [name] if not any(a.lstrip("=").lower() == name.lower() for a in aliases) else []
        entries.append((name, category, surfaces + [a for a in aliases if a]))
    return entries


def _pip() -> list[str]:
    """A pip to download with: this interpreter's, one on PATH, or ``uvx pip``."""
    if (
        subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode
        == 0
    ):
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        found = shutil.which(name)
        if found:
            return [found]
    return ["uvx", "pip"]


def fetch_skill_extractor_terms(wheel: Path | None) -> tuple[list[str], str]:
    """The term list inside the skill-extractor wheel and its SHA-256."""
    with tempfile.TemporaryDirectory() as folder:
        if wheel is None:
            subprocess.run(
                [*_pip(), "download", "--no-deps", "--quiet", SKILL_EXTRACTOR, "-d", folder],
                check=True,
            )
            wheel = next(Path(folder).glob("skill_extractor-*.whl"))
        with zipfile.ZipFile(wheel) as archive:
            raw = archive.read(SKILL_EXTRACTOR_MEMBER)
    return [str(t) for t in json.loads(raw)], hashlib.sha256(raw).hexdigest()


def _key(surface: str) -> str:
    return " ".join(tokenize(surface.lstrip("=")))


@dataclass
class Candidate:
    name: str
    category: str
    surfaces: list[str]
    curated: bool


# "scrum master" is a role, not a degree.
_DEGREE_RE = re.compile(
    r"\b(degree|bachelor|(?<!scrum )master|masters|phd|ph\.d|diploma|bsc|msc|mba)\b"
)
_CERTIFICATION_RE = re.compile(r"\b(certified|certification|certificate|license|licence)\b")


def _category_of(key: str) -> str:
    """A listed term's category from its words (the lists carry none)."""
    if _DEGREE_RE.search(key):
        return "degree"
    if _CERTIFICATION_RE.search(key):
        return "certification"
    return "knowledge"


def candidates(
    core: list[tuple[str, str, list[str]]], listed: Iterable[str], gold_spans: Iterable[str]
) -> list[Candidate]:
    """Curated skills first (they own their wordings), then listed terms, then gold spans."""
    taken: set[str] = set()
    out: list[Candidate] = []
    for name, category, surfaces in core:
        out.append(Candidate(name, category, surfaces, curated=True))
        taken.update(_key(s) for s in surfaces)
    for term in [*listed, *gold_spans]:
        key = _key(term)
        if not key or key in taken or key in GENERIC or key in ENGLISH_STOPWORDS:
            continue
        if len(key) < 2 or key.replace(" ", "").isdigit():
            continue
        words = key.split()
        if words[0] in ENGLISH_STOPWORDS or words[-1] in ENGLISH_STOPWORDS:
            continue  # "to python", "experience in": fragments, and slow trie roots
        taken.add(key)
        out.append(Candidate(term, _category_of(key), [term], curated=False))
    return out


@dataclass
class Instance:
    """A hard-skill (or salient) keyword found in one training posting, with its features."""

    posting: int
    keys: list[str]
    hits: list[bool]
    curated: bool
    section: str
    capitalised: bool
    repeated: bool
    label: bool
    words: int = 1
    short_line: bool = False
    term: str = ""
    cued: bool = False
    listed: bool = False


@dataclass
class Observations:
    instances: list[Instance]
    always_kept_hits: int
    always_kept: int
    gold: int
    found: Counter[str]
    hit: Counter[str]
    golds: list[set[str]] = field(default_factory=list)
    always_terms: list[list[str]] = field(default_factory=list)


def observe(cands: list[Candidate], postings: list[Posting]) -> Observations:
    """Extract every training posting with all wordings and no confidence filter."""
    curated = {c.name.lower() for c in cands if c.curated}
    taxonomy = Taxonomy(((Skill(c.name, c.category, 1.0), c.surfaces) for c in cands), 1.0)
    extractor = Extractor(taxonomy, use_confidence=False)
    obs = Observations([], 0, 0, sum(len(p.gold) for p in postings), Counter(), Counter())
    for index, posting in enumerate(postings):
        obs.golds.append(posting.gold)
        obs.always_terms.append([])
        for keyword in extractor.extract(posting.text):
            label = keyword.term.lower() in posting.gold
            if keyword.group not in SCORED_GROUPS:
                obs.always_kept += 1
                obs.always_kept_hits += label
                obs.always_terms[-1].append(keyword.term.lower())
                continue
            surfaces = list(dict.fromkeys([keyword.term, *keyword.variants]))
            keys = [_key(s) for s in surfaces]
            hits = [s.lower() in posting.gold for s in surfaces]
            if keyword.skill is not None:
                for key, hit in zip(keys, hits, strict=True):
                    obs.found[key] += 1
                    obs.hit[key] += hit
            obs.instances.append(
                Instance(
                    index,
                    keys if keyword.skill is not None else [],
                    hits,
                    (keyword.skill or "").lower() in curated,
                    keyword.section,
                    any(c.isupper() for s in surfaces for c in s),
                    keyword.count > 1,
                    label,
                    keyword.term.count(" ") + 1,
                    keyword.short_line,
                    keyword.term.lower(),
                    keyword.cued,
                    keyword.listed,
                )
            )
    return obs


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


@dataclass
class Params:
    strength: float = 2.0
    curated_prior: float = 0.5
    listed_prior: float = 0.25
    other_logit: float = OTHER_LOGIT
    iterations: int = 400


def prior_logit(obs: Observations, inst: Instance, params: Params, leave_out: bool) -> float:
    if not inst.keys:
        return params.other_logit
    prior = params.curated_prior if inst.curated else params.listed_prior
    best = -math.inf
    for key, hit in zip(inst.keys, inst.hits, strict=True):
        found, hits = obs.found[key], obs.hit[key]
        if leave_out:
            found, hits = found - 1, hits - hit
        best = max(best, _logit((hits + params.strength * prior) / (found + params.strength)))
    return best


FEATURES = (
    "bias",
    "prior",
    "requirements",
    "responsibilities",
    "preamble",
    "capitalised",
    "repeated",
    "multiword",
    "long_term",
    "short_line",
    "cued",
    "listed",
)


def features(logit: float, inst: Instance) -> list[float]:
    section = inst.section
    return [
        1.0,
        logit,
        float(section in ("requirements", "nice_to_have")),
        float(section == "responsibilities"),
        float(section == "preamble"),
        float(inst.capitalised),
        float(inst.repeated),
        float(inst.words >= 2),
        float(inst.words >= 3),
        float(inst.short_line),
        float(inst.cued),
        float(inst.listed),
    ]


def fit_confidence(obs: Observations, params: Params) -> ConfidenceModel:
    """Logistic regression by gradient descent on leave-one-posting-out priors; best-F1 cut."""
    rows = [features(prior_logit(obs, i, params, True), i) for i in obs.instances]
    labels = [float(i.label) for i in obs.instances]
    weights = [0.0] * len(FEATURES)
    rate, l2 = 0.5, 1e-3
    for _ in range(params.iterations):
        grad = [0.0] * len(weights)
        for row, label in zip(rows, labels, strict=True):
            z = sum(w * x for w, x in zip(weights, row, strict=True))
            error = 1.0 / (1.0 + math.exp(-max(min(z, 30), -30))) - label
            for k, x in enumerate(row):
                grad[k] += error * x
        weights = [w - rate * (g / len(rows) + l2 * w) for w, g in zip(weights, grad, strict=True)]
    model = ConfidenceModel(**dict(zip(FEATURES, weights, strict=True)), threshold=0.5)
    probabilities = [
        1.0 / (1.0 + math.exp(-sum(w * x for w, x in zip(weights, row, strict=True))))
        for row in rows
    ]
    best = (0.0, 0.5)
    for step in range(5, 40):
        cut = step / 50
        predicted = [list(terms) for terms in obs.always_terms]
        for probability, inst in zip(probabilities, obs.instances, strict=True):
            if probability >= cut:
                predicted[inst.posting].append(inst.term)
        best = max(best, (_exact_and_partial_f1(predicted, obs.golds), cut))
    return ConfidenceModel(**{**vars(model), "threshold": best[1]})


def document_f1(
    predicted: list[list[str]] | list[set[str]], golds: list[set[str]]
) -> tuple[float, float]:
    """Document-level exact and partial (one string contains the other) F1."""
    tp = partial_pred = partial_gold = n_pred = n_gold = 0
    for terms, gold in zip(predicted, golds, strict=True):
        unique = set(terms)
        tp += len(unique & gold)
        n_pred += len(unique)
        n_gold += len(gold)
        partial_pred += sum(any(t in g or g in t for g in gold) for t in unique)
        partial_gold += sum(any(t in g or g in t for t in unique) for g in gold)

    def f1(hits_p: int, hits_r: int) -> float:
        p, r = hits_p / max(n_pred, 1), hits_r / max(n_gold, 1)
        return 2 * p * r / max(p + r, 1e-9)

    return f1(tp, tp), f1(partial_pred, partial_gold)


def _exact_and_partial_f1(predicted: list[list[str]], golds: list[set[str]]) -> float:
    """The mean of exact and partial document-level F1: the cut serves both metrics."""
    return sum(document_f1(predicted, golds)) / 2


def build(
    cands: list[Candidate], postings: list[Posting], params: Params
) -> tuple[list[tuple[Skill, list[str]]], list[list[float]], ConfidenceModel]:
    """Every wording with its prior log-odds on ``postings``, the confidence model, and IDF."""
    obs = observe(cands, postings)
    model = fit_confidence(obs, params)
    skills: list[tuple[Skill, list[str]]] = []
    logits: list[list[float]] = []
    taxonomy = Taxonomy(((Skill(c.name, c.category, 1.0), c.surfaces) for c in cands), 1.0)
    extractor = Extractor(taxonomy, use_confidence=False, skip_sections=frozenset())
    df: Counter[str] = Counter()
    for posting in postings:
        df.update({k.skill for k in extractor.extract(posting.text) if k.skill})
    total = len(postings)
    for cand in cands:
        prior = params.curated_prior if cand.curated else params.listed_prior
        surface_logits = []
        for surface in cand.surfaces:
            key = _key(surface)
            p = (obs.hit[key] + params.strength * prior) / (obs.found[key] + params.strength)
            surface_logits.append(round(_logit(p), 3))
        idf = round(math.log((total + 1) / (df[cand.name] + 1)) + 1, 3)
        skills.append((Skill(cand.name, cand.category, idf), cand.surfaces))
        logits.append(surface_logits)
    return skills, logits, model


def evaluate(
    built: tuple[list[tuple[Skill, list[str]]], list[list[float]], ConfidenceModel],
    postings: list[Posting],
) -> float:
    skills, logits, model = built
    max_idf = max((s.idf for s, _ in skills), default=1.0)
    extractor = Extractor(Taxonomy(skills, max_idf, logits=logits, confidence=model))
    tp = predicted = gold = 0
    for posting in postings:
        terms = {k.term.lower() for k in extractor.extract(posting.text)}
        tp += len(terms & posting.gold)
        predicted += len(terms)
        gold += len(posting.gold)
    precision, recall = tp / max(predicted, 1), tp / max(gold, 1)
    return 2 * precision * recall / max(precision + recall, 1e-9)


def cross_validate(
    core: list[tuple[str, str, list[str]]],
    listed: list[str],
    postings: list[Posting],
    params: Params,
    folds: int = 5,
) -> float:
    order = list(range(len(postings)))
    random.Random(7).shuffle(order)
    scores = []
    for fold in range(folds):
        held = [postings[i] for i in order[fold::folds]]
        rest = [postings[i] for n, i in enumerate(order) if n % folds != fold]
        built = build(candidates(core, listed, gold_spans(rest, 1)), rest, params)
        scores.append(evaluate(built, held))
    return sum(scores) / len(scores)


def gold_spans(postings: list[Posting], min_docs: int) -> list[str]:
    counts = Counter(span for p in postings for span in p.gold)
    return sorted(s for s, n in counts.items() if n >= min_docs)


def common_words(postings: list[Posting]) -> list[str]:
    """Lower-case words in two or more postings, plus stopwords: never salient alone."""
    df: Counter[str] = Counter()
    for posting in postings:
        df.update(set(re.findall(r"[a-z][a-z'\-]+", posting.text)))
    return sorted({w for w, n in df.items() if n >= 2} | ENGLISH_STOPWORDS | GENERIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skillspan", type=Path, default=DEFAULT_SKILLSPAN)
    parser.add_argument("--wheel", type=Path, help="a downloaded skill-extractor wheel")
    parser.add_argument("--tune", action="store_true", help="5-fold CV on train, no write")
    args = parser.parse_args()

    core = read_core(HERE / "core_skills.txt")
    listed, digest = fetch_skill_extractor_terms(args.wheel)
    postings = load_postings(args.skillspan / "train.json")
    params = Params()
    if args.tune:
        for listed_prior in (0.15, 0.25, 0.35):
            for strength in (1.0, 2.0, 4.0):
                trial = Params(strength=strength, listed_prior=listed_prior)
                score = cross_validate(core, listed, postings, trial)
                print(f"{trial} cv_f1={score:.3f}", flush=True)
        return
    skills, logits, model = build(
        candidates(core, listed, gold_spans(postings, 1)), postings, params
    )
    document = {
        "generated_by": "services/keyword-analyzer/scripts/build_taxonomy.py",
        "sources": {
            "core_skills.txt": hashlib.sha256((HERE / "core_skills.txt").read_bytes()).hexdigest(),
            SKILL_EXTRACTOR: digest,
            "skillspan/train.json": hashlib.sha256(
                (args.skillspan / "train.json").read_bytes()
            ).hexdigest(),
        },
        "params": vars(params),
        "confidence": {k: round(v, 4) for k, v in vars(model).items()},
        "max_idf": round(math.log(len(postings) + 1) + 1, 3),
        "skills": [
            [s.name, s.category, s.idf, surfaces, surface_logits]
            for (s, surfaces), surface_logits in zip(skills, logits, strict=True)
        ],
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "taxonomy.json").write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8"
    )
    (DATA_DIR / "common_words.txt").write_text("\n".join(common_words(postings)) + "\n", "utf-8")
    print(f"{len(skills)} skills written to {DATA_DIR / 'taxonomy.json'}; confidence {model}")


if __name__ == "__main__":
    main()
