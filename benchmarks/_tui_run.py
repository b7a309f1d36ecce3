"""Starting the headless TUI child (``_tui_child.py``) and reading what it prints."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

CHILD = Path(__file__).resolve().parent / "_tui_child.py"


def run_child(
    mode: str, folder: Path, env: dict[str, str], url: str = ""
) -> dict[str, list[list[str]]]:
    """Every line the child printed, by its first word; a failure stops the benchmark."""
    start = time.time()
    result = subprocess.run(
        [sys.executable, str(CHILD), mode, repr(start), str(folder), url],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    if result.returncode != 0:
        raise SystemExit(f"the headless TUI failed ({result.returncode}): {result.stderr[-3000:]}")
    return parse_lines(result.stdout)


def parse_lines(stdout: str) -> dict[str, list[list[str]]]:
    """A child's printed lines, by their first word: ``{"WORD": [[rest...], ...]}``."""
    lines: dict[str, list[list[str]]] = {}
    for line in stdout.splitlines():
        words = line.split()
        if words:
            lines.setdefault(words[0], []).append(words[1:])
    return lines
