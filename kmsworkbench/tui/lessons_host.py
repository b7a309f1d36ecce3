"""What the lessons screens ask of the app: the catalogue (the shipped lessons and a teacher's
``--lessons DIR``), progress kept between runs, and a sandbox of its own for each lesson under
the data folder, never the user's keys."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmsworkbench import paths
from kmsworkbench.service import Backend, KmsSession

if TYPE_CHECKING:
    from kmsworkbench.lessons import Catalogue, Lesson, LessonRun


class LessonsHost:
    """Mixed into WorkbenchApp (which provides ``notify`` and ``lessons_dir``)."""

    lessons_dir: Path | None

    if TYPE_CHECKING:

        def notify(self, message: str, **kwargs: Any) -> None: ...

    def lesson_catalogue(self) -> Catalogue:
        from kmsworkbench.lessons import load_catalogue

        return load_catalogue(self.lessons_dir)

    def _lessons_root(self) -> Path:
        return paths.data_dir() / "lessons"

    def lessons_export_dir(self) -> Path:
        return paths.data_dir() / "exports"

    def lesson_progress(self) -> dict[str, set[int]]:
        from kmsworkbench.lessons.progress import load_progress

        try:
            return load_progress(paths.data_dir())
        except ValueError as exc:
            self.notify(
                f"{exc}; starting from no progress", title="Lesson progress", severity="warning"
            )
            return {}

    def save_lesson_progress(self, lesson_id: str, done: set[int]) -> None:
        from kmsworkbench.lessons.progress import save_progress

        progress = self.lesson_progress()
        progress[lesson_id] = set(done)
        try:
            save_progress(paths.data_dir(), progress)
        except OSError as exc:
            self.notify(f"Progress not saved: {exc.strerror or exc}", severity="warning")

    def new_lesson_run(self, lesson: Lesson) -> LessonRun:
        from kmsworkbench.lessons import LessonRun
        from kmsworkbench.service import Journal

        folder = self._lessons_root() / lesson.id
        backend = Backend(kind="sandbox", data_dir=folder)
        return LessonRun(lesson, KmsSession(backend, Journal()), folder)
