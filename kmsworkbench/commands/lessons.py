"""``kmsworkbench lessons``: list, check, run and export the guided lessons.

- ``lessons list``: the lessons (shipped, plus ``--lessons DIR``) with their steps.
- ``lessons check FILE...``: validate lesson files; exit 1 with ``FILE:LINE: problem`` lines.
- ``lessons run NAME``: run every step and "break it" variant on a fresh lesson sandbox and
  print what happened (what the TUI's lessons screen shows, as text).
- ``lessons export NAME``: the lesson as a shell script of AWS CLI and OpenSSL commands
  against ``kmsworkbench serve`` (``--outfile`` writes it 0600; default: standard output).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from kmsworkbench.commands._output import emit, guarded


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "lessons",
        parents=parents,
        help="guided lessons: list, check, run, export",
        description="Guided lessons on envelope encryption and data key pairs.",
    )
    p.add_argument("--lessons", metavar="DIR", help="a folder of your own lesson files")
    sub = p.add_subparsers(dest="lessons_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", parents=parents, help="the lessons and their steps")
    ls.add_argument("--lessons", metavar="DIR", default=argparse.SUPPRESS)
    ls.set_defaults(func=run_list)
    check = sub.add_parser("check", parents=parents, help="validate lesson files")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(func=run_check)
    run = sub.add_parser("run", parents=parents, help="run a lesson on a fresh lesson sandbox")
    run.add_argument("name", metavar="NAME")
    run.add_argument("--lessons", metavar="DIR", default=argparse.SUPPRESS)
    run.set_defaults(func=run_lesson)
    export = sub.add_parser("export", parents=parents, help="the lesson as a shell script")
    export.add_argument("name", metavar="NAME")
    export.add_argument("--outfile", metavar="FILE", help="write the script here (0600)")
    export.add_argument("--lessons", metavar="DIR", default=argparse.SUPPRESS)
    export.set_defaults(func=run_export)


def _catalogue(args: argparse.Namespace) -> Any:
    from kmsworkbench.lessons import load_catalogue

    folder = getattr(args, "lessons", None)
    catalogue = load_catalogue(Path(folder) if folder else None)
    for problem in catalogue.problems:
        sys.stderr.write(f"skipped: {problem}\n")
    return catalogue


def _lesson(args: argparse.Namespace) -> Any:
    catalogue = _catalogue(args)
    try:
        return catalogue.get(args.name)
    except KeyError as exc:
        sys.stderr.write(f"{exc.args[0]}\n")
        return None


@guarded
def run_list(args: argparse.Namespace) -> int:
    catalogue = _catalogue(args)
    rows = [
        {
            "Id": lesson.id,
            "Title": lesson.title,
            "Steps": len(lesson.steps),
            "BreakIt": sum(len(s.variants) for s in lesson.steps),
            "Summary": lesson.summary,
        }
        for lesson in catalogue.lessons
    ]
    emit({"Lessons": rows}, args, "Lessons")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from kmsworkbench.lessons import LessonError, read_lesson

    failed = 0
    for name in args.files:
        try:
            lesson = read_lesson(Path(name))
        except LessonError as exc:
            failed += 1
            print(f"{name}:{exc.line}: {exc.message}", file=sys.stderr)
            continue
        variants = sum(len(s.variants) for s in lesson.steps)
        print(f"{name}: ok: {lesson.id}, {len(lesson.steps)} steps, {variants} break-it variants")
    return 1 if failed else 0


@guarded
def run_lesson(args: argparse.Namespace) -> int:
    from kmsworkbench.lessons import LessonRun
    from kmsworkbench.lessons.text import report_lines
    from kmsworkbench.service import Backend, KmsSession

    lesson = _lesson(args)
    if lesson is None:
        return 252
    folder = Path(tempfile.mkdtemp(prefix="kmswb-lesson-"))
    try:
        session = KmsSession(Backend(kind="sandbox", data_dir=folder, region=args.region))
        run = LessonRun(lesson, session, folder)
        unmet = 0
        for index, step in enumerate(lesson.steps):
            print(f"== Step {index + 1}: {step.title}")
            report = run.run_step(index)
            print("\n".join(report_lines(report)))
            if not report.ok:
                unmet += 1
            for variant in step.variants:
                print(f"-- break it: {variant.title}")
                vreport = run.run_variant(index, variant.name)
                print("\n".join(report_lines(vreport)))
                if not vreport.met_expectation:
                    unmet += 1
        session.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"Lesson {lesson.id}: {'done' if not unmet else f'{unmet} step(s) did not go as written'}"
    )
    return 1 if unmet else 0


@guarded
def run_export(args: argparse.Namespace) -> int:
    from kmsworkbench import paths
    from kmsworkbench.lessons import export_script

    lesson = _lesson(args)
    if lesson is None:
        return 252
    script = export_script(lesson)
    if args.outfile:
        target = Path(args.outfile)
        paths.ensure_private_dir(target.parent) if not target.parent.exists() else None
        paths.replace_file(target, script)
        print(
            f'wrote {target} (run it after: kmsworkbench serve; eval "$(kmsworkbench sandbox env)")'
        )
    else:
        sys.stdout.write(script)
    return 0
