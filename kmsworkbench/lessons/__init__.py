"""Guided lessons on envelope encryption and data key pairs that act on a lesson sandbox.

``parse`` reads the Markdown lesson format, ``actions`` holds what a step can do,
``runner`` runs steps through the service layer and reports them, ``shell`` exports a lesson
as an AWS CLI + OpenSSL script. No Textual here: the lessons screen is in ``tui/``.
"""

from .catalogue import Catalogue, builtin_lessons, load_catalogue
from .model import Action, Lesson, LessonError, Step, Variant
from .parse import parse_lesson, read_lesson
from .runner import LessonRun, StepReport
from .shell import export_script

__all__ = [
    "Action",
    "Catalogue",
    "Lesson",
    "LessonError",
    "LessonRun",
    "Step",
    "StepReport",
    "Variant",
    "builtin_lessons",
    "export_script",
    "load_catalogue",
    "parse_lesson",
    "read_lesson",
]
