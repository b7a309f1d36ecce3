"""The direction of the arrows in DESIGN.md: nothing below the TUI imports Textual, the key pair
code imports only cryptography (and kyber_py for ML-KEM-512), and the sandbox never reaches up
into the service layer, the commands or the TUI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kmsworkbench"


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imported_roots(path: Path) -> set[str]:
    """Every module a file imports (absolute names; relative ones resolved in the package)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
    return names


def _below_tui() -> list[Path]:
    return [p for p in _modules(PACKAGE) if "tui" not in p.relative_to(PACKAGE).parts]


@pytest.mark.parametrize("path", _below_tui(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_textual_below_the_tui(path: Path) -> None:
    bad = {n for n in _imported_roots(path) if n.split(".")[0] in {"textual", "kmsworkbench.tui"}}
    bad |= {n for n in _imported_roots(path) if n.startswith("kmsworkbench.tui")}
    if path.name == "cli.py":
        # cli.py starts the TUI through importlib at run time, never at import.
        bad.discard("kmsworkbench.tui.launch")
    assert not bad, f"{path.name} imports {sorted(bad)}"


ALLOWED_FOR_KEYPAIRS = {"cryptography", "kyber_py", "kmsworkbench"}


@pytest.mark.parametrize(
    "path", _modules(PACKAGE / "keypairs"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_keypairs_imports_only_cryptography(path: Path) -> None:
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    for name in _imported_roots(path):
        root = name.split(".")[0]
        assert root in stdlib or root in ALLOWED_FOR_KEYPAIRS, f"{path.name} imports {name}"
        if root == "kmsworkbench":
            assert name.startswith("kmsworkbench.keypairs"), f"{path.name} imports {name}"


@pytest.mark.parametrize(
    "path", _modules(PACKAGE / "sandbox"), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_sandbox_does_not_reach_up(path: Path) -> None:
    for name in _imported_roots(path):
        for upper in ("kmsworkbench.service", "kmsworkbench.commands", "kmsworkbench.tui"):
            assert not name.startswith(upper), f"{path.name} imports {name}"
        assert name != "kmsworkbench.cli", f"{path.name} imports the CLI"


def test_importing_everything_below_the_tui_loads_no_textual() -> None:
    names = []
    for path in _below_tui():
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts))
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "assert 'textual' not in sys.modules, 'textual loaded below the TUI'\n"
        "print(len(sys.modules))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
