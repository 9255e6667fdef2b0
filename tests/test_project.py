"""The project's own promises: dependencies named alike, notebooks without outputs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_names_the_same_dependencies_as_pyproject() -> None:
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(d) for d in py["dependencies"]}
    for extra in py.get("optional-dependencies", {}).values():
        wanted |= {_name(d) for d in extra}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert conda == wanted
    pip_part = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert "-e ." in pip_part


def test_every_dependency_is_pinned_in_the_lock() -> None:
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {_name(d) for d in py["dependencies"]}
    for extra in py.get("optional-dependencies", {}).values():
        names |= {_name(d) for d in extra}
    lock = {
        _name(line)
        for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line
    }
    assert names <= lock, names - lock


def test_notebooks_are_committed_without_outputs() -> None:
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        data = json.loads(nb.read_text(encoding="utf-8"))
        for cell in data["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), nb
                assert cell.get("execution_count") is None, nb
