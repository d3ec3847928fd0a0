"""Score arithmetic: components, alias credit, missing order, years, education."""

from __future__ import annotations

from datetime import date

from keyword_analyzer.extraction import Extractor
from keyword_analyzer.matching import (
    ALIAS_CREDIT,
    COMPONENT_WEIGHTS,
    required_years,
    resume_years,
    score_match,
)

POSTING = """Senior Backend Engineer
About the role
You will build payment services.
Requirements
- 5+ years of experience with Python and PostgreSQL
- Kubernetes and Terraform are required
- Strong communication skills
- Bachelor's degree in Computer Science
Nice to have
- GraphQL
- Kafka
Benefits
- Free Docker workshops
"""

FULL_RESUME = """Senior Backend Engineer
Bachelor's degree in Computer Science, 2012.
7 years of experience building Python services on PostgreSQL, Kubernetes and Terraform.
Known for strong communication skills.
"""

UNRELATED_RESUME = """Head Chef
Fifteen years leading restaurant kitchens: menus, pastry, suppliers and food safety.
"""


def _match(extractor: Extractor, resume: str, posting: str = POSTING) -> dict[str, object]:
    job = extractor.extract(posting)
    resume_keywords = extractor.extract(resume, sections=False)
    result = score_match(job, posting, "Senior Backend Engineer", resume, resume_keywords)
    return vars(result)


def test_resume_with_every_required_skill_in_the_postings_wording_scores_90(
    extractor: Extractor,
) -> None:
    result = _match(extractor, FULL_RESUME)
    assert result["score"] >= 90
    missing = {m["term"] for m in result["missing"]}  # type: ignore[attr-defined]
    assert missing <= {"GraphQL", "Kafka"}
    assert all(m["match"] == "exact" for m in result["matched"])  # type: ignore[attr-defined]


def test_unrelated_resume_scores_at_most_20(extractor: Extractor) -> None:
    result = _match(extractor, UNRELATED_RESUME)
    assert result["score"] <= 20
    assert result["matched"] == []


def test_score_is_the_weighted_mean_of_its_components(extractor: Extractor) -> None:
    result = _match(extractor, FULL_RESUME)
    breakdown = result["breakdown"]
    assert isinstance(breakdown, dict)
    assert set(breakdown) == {"hard", "soft", "title", "education", "experience"}
    weights = sum(part["weight"] for part in breakdown.values())
    assert abs(weights - 1.0) < 0.01
    expected = sum(part["weight"] * part["score"] for part in breakdown.values())
    assert abs(expected - result["score"]) <= 1
    assert breakdown["experience"]["required_years"] == 5
    assert breakdown["experience"]["resume_years"] == 7


def test_education_counts_only_when_the_posting_asks_for_a_degree(extractor: Extractor) -> None:
    posting = "Requirements\nPython and Docker are required."
    result = _match(extractor, "Python and Docker every day.", posting)
    assert "education" not in result["breakdown"]  # type: ignore[operator]
    assert "experience" not in result["breakdown"]  # type: ignore[operator]


def test_alias_matches_get_partial_credit_and_advice(extractor: Extractor) -> None:
    posting = "Requirements\nKubernetes and PostgreSQL are required."
    exact = _match(extractor, "Kubernetes and PostgreSQL.", posting)
    alias = _match(extractor, "k8s and Postgres.", posting)
    assert exact["breakdown"]["hard"]["score"] == 100  # type: ignore[index]
    assert alias["breakdown"]["hard"]["score"] == round(100 * ALIAS_CREDIT)  # type: ignore[index]
    matched = {m["term"]: m for m in alias["matched"]}  # type: ignore[attr-defined]
    assert matched["Kubernetes"]["match"] == "alias"
    assert matched["Kubernetes"]["resume_term"] == "k8s"
    assert "Kubernetes" in matched["Kubernetes"]["advice"]


def test_must_haves_weigh_nine_times_the_nice_to_haves(extractor: Extractor) -> None:
    posting = "Requirements\nPython is required.\nNice to have\nGraphQL"
    only_must = _match(extractor, "Python", posting)
    only_nice = _match(extractor, "GraphQL", posting)
    assert only_must["breakdown"]["hard"]["score"] == 90  # type: ignore[index]
    assert only_nice["breakdown"]["hard"]["score"] == 10  # type: ignore[index]


def test_missing_are_ranked_required_first(extractor: Extractor) -> None:
    result = _match(extractor, "Nothing relevant here.")
    missing = result["missing"]
    assert isinstance(missing, list)
    ranks = [0 if m["required"] is True else 1 if m["required"] is None else 2 for m in missing]
    assert ranks == sorted(ranks)
    assert missing[-1]["term"] in {"GraphQL", "Kafka"}
    assert "must-have" in str(result["explanation"])


def test_years_get_partial_credit(extractor: Extractor) -> None:
    posting = "Requirements\n- 6+ years of Python"
    result = _match(extractor, "Python developer with 3 years of experience.", posting)
    assert result["breakdown"]["experience"]["score"] == 50  # type: ignore[index]


def test_years_from_text_and_date_ranges() -> None:
    assert required_years("at least 3-5 years of Go, 2 years of Rust") == 3
    assert required_years("no number here") is None
    assert resume_years("2015 - 2019 Acme\n2019 - present Initech", today=date(2025, 1, 1)) == 10
    assert resume_years("5 years of Python", today=date(2025, 1, 1)) == 5


def test_component_weights_sum_to_one() -> None:
    assert abs(sum(COMPONENT_WEIGHTS.values()) - 1.0) < 1e-9
