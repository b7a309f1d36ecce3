"""The lessons there are: the ones shipped in the package, and a teacher's own folder."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .model import Lesson, LessonError
from .parse import parse_lesson, read_lesson


@dataclass(frozen=True)
class Catalogue:
    lessons: tuple[Lesson, ...]
    problems: tuple[LessonError, ...]

    def get(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        known = ", ".join(lesson.id for lesson in self.lessons)
        raise KeyError(f"no lesson '{lesson_id}' (there are: {known})")


def builtin_lessons() -> list[Lesson]:
    """The lessons shipped in the package (they are checked by the test suite)."""
    folder = resources.files("kmsworkbench.lessons") / "data"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            out.append(parse_lesson(entry.read_text(encoding="utf-8"), entry.name))
    return out


def load_catalogue(extra: Path | None = None) -> Catalogue:
    """Shipped lessons plus every ``*.md`` in ``extra``; a teacher's lesson with the id of a
    shipped one replaces it. A file that does not parse is kept as a problem, not fatal."""
    by_id = {lesson.id: lesson for lesson in builtin_lessons()}
    problems: list[LessonError] = []
    if extra is not None:
        if not extra.is_dir():
            problems.append(LessonError(str(extra), 1, "not a folder of lesson files"))
        else:
            for path in sorted(extra.glob("*.md")):
                try:
                    lesson = read_lesson(path)
                except LessonError as exc:
                    problems.append(exc)
                    continue
                by_id[lesson.id] = lesson
    ordered = sorted(by_id.values(), key=lambda lesson: (lesson.order, lesson.id))
    return Catalogue(tuple(ordered), tuple(problems))
