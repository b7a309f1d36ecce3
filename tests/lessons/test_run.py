"""Every shipped lesson runs on a lesson sandbox through the service layer: each "do it"
succeeds, each "break it" fails the way the lesson says, and nothing secret is shown."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from kmsworkbench.lessons import LessonRun, builtin_lessons
from kmsworkbench.lessons.text import report_lines
from kmsworkbench.lessons.values import Secret
from kmsworkbench.service import Backend, KmsSession


def _secrets(run: LessonRun) -> list[bytes]:
    return [
        v.value
        for values in run.state.values()
        for v in values.values()
        if isinstance(v, Secret) and len(v)
    ]


@pytest.mark.parametrize("lesson", builtin_lessons(), ids=lambda lesson: lesson.id)
def test_the_lesson_runs_as_written(lesson, tmp_path: Path) -> None:
    session = KmsSession(Backend(kind="sandbox", data_dir=tmp_path / "lesson"))
    run = LessonRun(lesson, session, tmp_path / "lesson")
    shown: list[str] = []
    for index, step in enumerate(lesson.steps):
        report = run.run_step(index)
        assert report.ok, (step.title, report.error_code, report.error_message)
        shown += report_lines(report)
        for variant in step.variants:
            vreport = run.run_variant(index, variant.name)
            assert vreport.met_expectation, (variant.name, vreport.error_code, vreport.expected)
            assert vreport.explanation or vreport.notes
            shown += report_lines(vreport)
        # Secrets (data keys, private keys, shared secrets) appear nowhere in what is shown.
        text = "\n".join(shown)
        for secret in _secrets(run):
            for form in (base64.b64encode(secret).decode(), secret.hex()):
                assert form not in text
    assert run.done == set(range(len(lesson.steps)))
    run.reset()
    assert not (tmp_path / "lesson").exists()
    assert run.state == {}


def test_a_variant_never_changes_the_lessons_own_path(tmp_path: Path) -> None:
    lesson = next(x for x in builtin_lessons() if x.id == "envelope")
    run = LessonRun(lesson, KmsSession(Backend(kind="sandbox", data_dir=tmp_path)), tmp_path)
    run.run_step(0)
    run.run_step(1)
    before = run.state["data_key"]["blob"]
    run.run_variant(1, "wrong-key")
    assert run.state["data_key"]["blob"] == before


def test_a_step_out_of_order_says_what_to_do_first(tmp_path: Path) -> None:
    lesson = next(x for x in builtin_lessons() if x.id == "envelope")
    run = LessonRun(lesson, KmsSession(Backend(kind="sandbox", data_dir=tmp_path)), tmp_path)
    report = run.run_step(2)
    assert not report.ok and report.error_code == "StepNotDone"
    assert "earlier step" in report.explanation


def test_responses_shorten_blobs_and_hide_plaintexts(tmp_path: Path) -> None:
    lesson = next(x for x in builtin_lessons() if x.id == "data-key-pairs")
    run = LessonRun(lesson, KmsSession(Backend(kind="sandbox", data_dir=tmp_path)), tmp_path)
    for i in range(4):
        report = run.run_step(i)
    decrypt = next(c for c in report.calls if c.operation == "Decrypt") if report.calls else None
    report = run.run_step(3)  # Decrypt of the private key
    call = report.calls[0]
    assert call.operation == "Decrypt"
    assert "not shown" in json.dumps(call.response)
    assert call.aws_cli.startswith("aws kms decrypt ")
    assert decrypt is None or decrypt.operation == "Decrypt"
