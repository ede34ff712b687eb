"""Every third-party import is declared, with a lower bound, and pinned in the lock files.

CI once passed only because the machine had pandera and pyarrow installed by hand. These
tests read the imports of the code with ``ast`` and map them to distributions with
``importlib.metadata.packages_distributions()``, so an undeclared import fails here.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Modules of the project itself: the package, and the helper modules beside tests and scripts.
LOCAL = {"report"} | {p.stem for folder in ("tests", "scripts") for p in (ROOT / folder).glob("*.py")}


def _name(requirement: str) -> str:
    """PEP 503 normalised distribution name of a requirement string."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _declared(*extras: str) -> set[str]:
    project = PYPROJECT["project"]
    names = {_name(r) for r in project["dependencies"]}
    for extra in extras:
        names |= {_name(r) for r in project["optional-dependencies"][extra]}
    return names


def _imports(folder: str) -> dict[str, set[str]]:
    """Top-level module → the files importing it (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    return found


def _undeclared(folder: str, allowed: set[str]) -> list[str]:
    distributions = packages_distributions()
    problems = []
    for module, files in sorted(_imports(folder).items()):
        if module in sys.stdlib_module_names or module in LOCAL or module == "__future__":
            continue
        dists = {_name(d) for d in distributions.get(module, [])}
        where = ", ".join(sorted(files))
        if not dists:
            problems.append(f"{module} (imported in {where}) is not installed: declare its distribution")
        elif not dists & allowed:
            problems.append(f"{module} (imported in {where}) comes from {sorted(dists)}, not declared")
    return problems


def test_package_imports_are_runtime_dependencies():
    assert _undeclared("report", _declared()) == []


@pytest.mark.parametrize("folder", ["tests", "scripts"])
def test_test_and_script_imports_are_declared(folder):
    assert _undeclared(folder, _declared("test")) == []


def test_every_dependency_has_a_lower_bound():
    project = PYPROJECT["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += extra
    assert [r for r in requirements if ">=" not in r] == []


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", ()), ("requirements-test.lock", ("test",))]
)
def test_lock_files_pin_every_declared_dependency_with_hashes(lock, extras):
    text = (ROOT / lock).read_text(encoding="utf-8")
    pinned = {_name(m) for m in re.findall(r"^([A-Za-z0-9._-]+)==", text, flags=re.M)}
    assert sorted(_declared(*extras) - pinned) == [], f"run bash scripts/lock.sh ({lock} is stale)"
    # Every pin carries at least one hash, so pip --require-hashes installs exactly these files.
    blocks = re.split(r"^(?=[A-Za-z0-9._-]+==)", text, flags=re.M)[1:]
    assert blocks and all("--hash=sha256:" in block for block in blocks)
