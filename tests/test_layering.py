"""The package layering: services stand on the shared kernel (``core``), never on the composition root."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("api", "history", "ml", "producers", "schemas", "stream_processors", "vector_index", "warehouse", "web")


def _imports(package: str) -> dict[str, set[str]]:
    """Top-level package names each module of ``package`` imports (absolute imports only)."""
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(REPO))] = names
    return found


@pytest.mark.parametrize("package", SERVICES)
def test_services_never_import_the_composition_root(package: str) -> None:
    offenders = {mod for mod, names in _imports(package).items() if "jobmarket" in names}
    assert not offenders, f"{package} imports the composition root: {sorted(offenders)}"


def test_the_kernel_imports_no_service() -> None:
    modules = _imports("core")
    assert modules, "core/ has no module"
    offenders = {mod: sorted(names & {*SERVICES, "jobmarket"} - {"schemas"})
                 for mod, names in modules.items() if names & {*SERVICES, "jobmarket"} - {"schemas"}}
    assert not offenders, f"the kernel imports services: {offenders}"
