"""The mypyc build of the extraction (``keyword_analyzer.native``): loaded only when it
was built from the sources at hand, and finding what those sources find, field for field."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_extraction import SKILLSPAN

from keyword_analyzer import native

# CI sets it: there a missing or stale build fails these tests instead of skipping them.
REQUIRE_ENV = "KEYWORDS_REQUIRE_NATIVE"
DUMP = Path(__file__).with_name("native_dump.py")


def _require_build() -> None:
    if native.status == "compiled":
        return
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{REQUIRE_ENV} is set but the sources serve: {native.status}")
    pytest.skip(f"the extraction is not compiled here: {native.status}")


def _dump(**env: str) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if k != native.PURE_ENV}
    result = subprocess.run(
        [sys.executable, str(DUMP)],
        env={**environment, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_the_compiled_extraction_finds_what_its_sources_find() -> None:
    _require_build()
    if not (SKILLSPAN / "dev.json").exists():
        pytest.skip(f"SkillSpan is not at {SKILLSPAN} (see ../shared/data/README.md)")
    compiled = _dump()
    sources = _dump(**{native.PURE_ENV: "1"})
    assert compiled["status"] == "compiled"
    assert sources["status"] == f"{native.PURE_ENV} is set"
    assert compiled["found"].keys() == sources["found"].keys()
    for way, expected in sources["found"].items():
        assert len(expected) > 200
        for number, keywords in enumerate(compiled["found"][way]):
            assert keywords == expected[number], (way, number)


def _copy_sources(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "extraction"
    shutil.copytree(native.FOLDER, folder, ignore=shutil.ignore_patterns("_mypyc", "__pycache__"))
    return folder, tmp_path / "_mypyc"


def test_a_build_stands_only_for_the_sources_and_python_it_was_made_from(
    tmp_path: Path,
) -> None:
    folder, build = _copy_sources(tmp_path)
    assert native.stale_reason(folder, build) is not None  # no build at all
    build.mkdir()
    (build / native.STAMP).write_text(json.dumps(native.expected_stamp(folder)), "utf-8")
    for name in native.EXTENSIONS:
        native.extension(build, name).write_bytes(b"")
    assert native.stale_reason(folder, build) is None
    # Any module of the package changed, even one that is not compiled: stale.
    tokens = folder / "tokens.py"
    tokens.write_text(tokens.read_text("utf-8") + "\n# edited\n", "utf-8")
    assert "other sources" in str(native.stale_reason(folder, build))
    (build / native.STAMP).write_text(json.dumps(native.expected_stamp(folder)), "utf-8")
    assert native.stale_reason(folder, build) is None
    # A stamp for another Python's extensions: stale.
    stamp = native.expected_stamp(folder)
    stamp["python"] = ".cpython-399-x86_64-linux-gnu.so"
    (build / native.STAMP).write_text(json.dumps(stamp), "utf-8")
    assert "another Python" in str(native.stale_reason(folder, build))
    # A module missing from the build: not used.
    (build / native.STAMP).write_text(json.dumps(native.expected_stamp(folder)), "utf-8")
    native.extension(build, "extractor").unlink()
    assert "lacks extractor" in str(native.stale_reason(folder, build))


def test_a_stale_build_is_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "status", native.status)
    folder, build = _copy_sources(tmp_path)
    if native.BUILD.is_dir():
        shutil.copytree(native.BUILD, build)
    else:
        build.mkdir()
    (build / native.STAMP).write_text('{"sources": {}}', "utf-8")
    before = dict(sys.modules)
    assert "other sources" in native.load(folder, build)
    assert sys.modules == before
    monkeypatch.setenv(native.PURE_ENV, "1")
    assert native.load() == f"{native.PURE_ENV} is set"
    assert sys.modules == before


def test_a_build_that_fails_to_load_leaves_the_sources_to_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A current stamp over extensions that cannot load (here: empty files): ``load`` says
    why and takes out whatever it put in ``sys.modules``, so the sources import."""
    monkeypatch.setattr(native, "status", native.status)
    folder, build = _copy_sources(tmp_path)
    build.mkdir()
    (build / native.STAMP).write_text(json.dumps(native.expected_stamp(folder)), "utf-8")
    for name in native.EXTENSIONS:
        native.extension(build, name).write_bytes(b"")
    package = sys.modules[native.PACKAGE]
    # ``load`` works on the real package's names: keep what this process has loaded.
    for name in native.EXTENSIONS:
        if f"{native.PACKAGE}.{name}" in sys.modules:
            monkeypatch.setitem(
                sys.modules, f"{native.PACKAGE}.{name}", sys.modules[f"{native.PACKAGE}.{name}"]
            )
        if hasattr(package, name):
            monkeypatch.setattr(package, name, getattr(package, name))
    status = native.load(folder, build)
    assert status.startswith("the build failed to load"), status
    for name in native.EXTENSIONS:
        assert f"{native.PACKAGE}.{name}" not in sys.modules
        assert not hasattr(package, name)


def test_without_a_c_compiler_the_build_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No compiler (``CC`` names one that fails): ``build`` raises ``RuntimeError`` and
    leaves no build behind, so ``load`` keeps to the sources; ``main`` says so and exits 0
    (1 with ``--strict``), which is what ``make setup`` relies on."""
    pytest.importorskip("mypyc.build", reason="compiling needs mypy (the dev group)")
    source_root = tmp_path / "src"
    shutil.copytree(
        native.FOLDER.parent,
        source_root / "keyword_analyzer",
        ignore=shutil.ignore_patterns("_mypyc", "__pycache__", "data"),
    )
    folder, target = source_root / "keyword_analyzer" / "extraction", tmp_path / "_mypyc"
    monkeypatch.setenv("CC", "false")
    with pytest.raises(RuntimeError, match=r"could not compile .*CompileError"):
        native.build(folder, target)
    assert not (target / native.STAMP).exists()
    assert native.stale_reason(folder, target) is not None

    def failing_build() -> str:
        raise RuntimeError("no compiler")

    monkeypatch.setattr(native, "build", failing_build)
    monkeypatch.setattr(sys, "argv", ["keyword_analyzer.native"])
    assert native.main() == 0
    monkeypatch.setattr(sys, "argv", ["keyword_analyzer.native", "--strict"])
    assert native.main() == 1
