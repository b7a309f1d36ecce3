"""Which steps of which lesson a learner has done, kept in the data folder (0600, atomic)."""

from __future__ import annotations

import json
from pathlib import Path

from kmsworkbench import paths

FILE_NAME = "lessons-progress.json"


def progress_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def load_progress(data_dir: Path) -> dict[str, set[int]]:
    """Done steps per lesson id. A missing file is no progress; a damaged one is reported by
    raising ValueError with the file's name (the caller shows it and starts from nothing
    without overwriting the file until the learner does a step)."""
    path = progress_path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path.name} cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name} is not valid JSON (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} is not a mapping of lesson ids to steps")
    out: dict[str, set[int]] = {}
    for key, steps in data.items():
        if isinstance(steps, list):
            out[str(key)] = {s for s in steps if isinstance(s, int) and 0 <= s < 1000}
    return out


def save_progress(data_dir: Path, progress: dict[str, set[int]]) -> None:
    data = {k: sorted(v) for k, v in sorted(progress.items())}
    paths.atomic_write(progress_path(data_dir), json.dumps(data, indent=1) + "\n")
