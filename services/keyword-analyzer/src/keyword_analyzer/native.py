"""The extraction's hot Python modules compiled to C with mypyc, used only when built from
the sources at hand.

``python -m keyword_analyzer.native`` (``make setup`` runs it) compiles ``MODULES`` of
``keyword_analyzer.extraction`` (all but the numba kernels) into ``extraction/_mypyc/``
with a stamp: the digest of every module of the package and the Python it was built for.
The package calls ``load()`` before it imports those modules: with a stamp that matches,
they come from the build, else from their sources, which nothing in the build can shadow
(it is not on any import path). A stale build is never used; the sources always work.
Compiling needs mypy and setuptools (development dependencies) and a C compiler; without
them the build says why and the sources serve.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from types import ModuleType

PACKAGE = "keyword_analyzer.extraction"
# Compiled, in the order they import one another: each must be loaded compiled before a
# compiled module that calls it natively.
MODULES = ("tokens", "taxonomy", "sections", "keywords", "tagger", "extractor")
# mypyc's shared library for the group, which the modules' shims import by this name.
LIBRARY = "native__mypyc"
# Every extension of a build, in the order they load.
EXTENSIONS = (LIBRARY, *MODULES)
FOLDER = Path(__file__).resolve().parent / "extraction"
BUILD = FOLDER / "_mypyc"
STAMP = "stamp.json"
# Set (to anything but "" or "0") to use the sources even with a current build.
PURE_ENV = "KEYWORDS_PURE_PYTHON"

# "compiled", or why the sources serve; set by ``load``.
status = "not loaded"


def _suffix() -> str:
    return str(sysconfig.get_config_var("EXT_SUFFIX"))


def extension(build: Path, name: str) -> Path:
    """The file of extension ``name`` in ``build``, for this Python."""
    return build / f"{name}{_suffix()}"


def expected_stamp(folder: Path = FOLDER) -> dict[str, object]:
    """What a build of the sources in ``folder`` for this Python records: the digest of
    every module of the package (a compiled module relies on the types of those it
    imports) and of this builder (what it compiles, and how), and the extension suffix."""
    digests = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("*.py"))
    }
    builder = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return {"builder": builder, "python": _suffix(), "sources": digests}


def stale_reason(folder: Path = FOLDER, build: Path = BUILD) -> str | None:
    """Why the build in ``build`` cannot stand for the sources in ``folder``; None if it can."""
    try:
        stamp = json.loads((build / STAMP).read_text("utf-8"))
    except (OSError, ValueError):
        return "no build (`make setup` or `python -m keyword_analyzer.native` builds one)"
    if stamp != expected_stamp(folder):
        return "the build is of other sources or another Python (`make setup` rebuilds it)"
    missing = [name for name in EXTENSIONS if not extension(build, name).is_file()]
    if missing:
        return f"the build lacks {', '.join(missing)}"
    return None


def load(folder: Path = FOLDER, build: Path = BUILD) -> str:
    """Put the compiled modules in ``sys.modules`` when the build is current, and return
    (and keep in ``status``) "compiled" or why the sources serve instead."""
    global status
    status = _load(folder, build)
    return status


def _load(folder: Path, build: Path) -> str:
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return f"{PURE_ENV} is set"
    reason = stale_reason(folder, build)
    if reason is not None:
        return reason
    package = sys.modules[PACKAGE]
    try:
        for name in EXTENSIONS:
            path = extension(build, name)
            spec = importlib.util.spec_from_file_location(f"{PACKAGE}.{name}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"no loader for {path}")
            module: ModuleType = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            spec.loader.exec_module(module)
            setattr(package, name, module)
    except Exception as error:  # a broken build must not take the sources down with it
        for name in EXTENSIONS:
            sys.modules.pop(f"{PACKAGE}.{name}", None)
            if hasattr(package, name):
                delattr(package, name)
        return f"the build failed to load: {error!r}"
    return "compiled"


def build(folder: Path = FOLDER, target: Path = BUILD) -> str:
    """Compile ``MODULES`` of ``folder`` into ``target`` unless a current build is there;
    returns what it did. Raises ``RuntimeError`` when it cannot compile."""
    if stale_reason(folder, target) is None:
        return f"up to date: {target}"
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution  # type: ignore[import-untyped]
    except ImportError as error:
        raise RuntimeError(f"compiling needs mypy and setuptools: {error}") from error
    stamp = expected_stamp(folder)
    source_root = folder.parents[1]  # holds the keyword_analyzer package
    with tempfile.TemporaryDirectory(prefix="keyword-analyzer-mypyc-") as scratch:
        work = Path(scratch)
        cwd = Path.cwd()
        os.chdir(source_root)  # mypy names the modules by their paths from here
        try:
            extensions = mypycify(
                [
                    f"--cache-dir={work / 'mypy-cache'}",
                    *(str(Path(*PACKAGE.split("."), f"{name}.py")) for name in MODULES),
                ],
                opt_level="3",
                target_dir=str(work / "c"),
                group_name=f"{PACKAGE}.native",
            )
            distribution = Distribution(
                {"name": "keyword-analyzer-native", "ext_modules": extensions}
            )
            command = distribution.get_command_obj("build_ext")
            command.build_lib = str(work / "lib")
            command.build_temp = str(work / "temp")
            distribution.run_command("build_ext")
        except (Exception, SystemExit) as error:
            raise RuntimeError(f"mypyc could not compile the extraction: {error!r}") from error
        finally:
            os.chdir(cwd)
        if expected_stamp(folder) != stamp:
            raise RuntimeError("the sources changed while they were compiled: build again")
        built = work / "lib" / Path(*PACKAGE.split("."))
        try:
            if target.exists():
                shutil.rmtree(target)
            target.mkdir(parents=True)
            for name in EXTENSIONS:
                shutil.copy2(extension(built, name), extension(target, name))
            # The stamp last: a build interrupted before it is no build.
            (target / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True), "utf-8")
        except OSError as error:
            raise RuntimeError(f"could not write the build to {target}: {error}") from error
    return f"compiled {', '.join(MODULES)} into {target}"


def main() -> int:
    """Build, or say why not; exits 0 either way unless ``--strict`` (the sources serve)."""
    strict = "--strict" in sys.argv[1:]
    try:
        print(f"keyword analyzer, mypyc: {build()}")
    except RuntimeError as error:
        print(f"keyword analyzer, mypyc: not compiled, the Python sources serve: {error}")
        return 1 if strict else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
