"""The lesson format: every shipped lesson is valid, and a bad file says what and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmsworkbench.cli import main
from kmsworkbench.lessons import LessonError, builtin_lessons, load_catalogue, parse_lesson

GOOD = """---
id: tiny
title: Tiny
order: 50
---
Intro.

## Step: A key
```do
action: create-key
alias: alias/tiny
```

## Step: A data key
```do
action: generate-data-key
key: $key.id
```

```break nope
title: Another key
key: alias/none
expect: NotFoundException
explain: There is none.
```
"""


def test_every_shipped_lesson_parses_and_is_listed_in_order() -> None:
    lessons = builtin_lessons()
    ids = [lesson.id for lesson in lessons]
    assert {"envelope", "data-key-pairs", "encryption-context", "post-quantum", "formats"} <= set(
        ids
    )
    orders = [lesson.order for lesson in load_catalogue().lessons]
    assert orders == sorted(orders)
    for lesson in lessons:
        assert lesson.title and lesson.summary and lesson.steps
        assert all(step.action is not None for step in lesson.steps)


def test_a_good_lesson_reads_back() -> None:
    lesson = parse_lesson(GOOD, "tiny.md")
    assert lesson.id == "tiny" and len(lesson.steps) == 2
    variant = lesson.steps[1].variants[0]
    assert variant.expect_error == "NotFoundException"
    # A variant starts from the step's own parameters and changes the ones it names.
    assert variant.action.params == {"key": "alias/none"}
    assert variant.action.name == "generate-data-key"


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (lambda t: t.replace("---\nid", "id", 1), 1, "starts with '---'"),
        (lambda t: t.replace("order: 50\n", ""), 2, "needs 'order'"),
        (lambda t: t.replace("id: tiny", "id: Tiny Lesson"), 2, "id:"),
        (lambda t: t.replace("action: create-key", "action: make-coffee"), 9, "unknown action"),
        (lambda t: t.replace("alias: alias/tiny", "alias: alias/tiny\ncolour: red"), 9, "colour"),
        (lambda t: t.replace("key: $key.id", "key: $missing.id"), 15, "$missing"),
        (lambda t: t.replace("explain: There is none.\n", ""), 20, "needs 'explain"),
        (lambda t: t.rstrip("\n").rsplit("```", 1)[0], 20, "no closing"),
        (lambda t: t.replace("alias: alias/tiny", "alias: [unclosed"), 11, "not valid YAML"),
    ],
)
def test_a_bad_lesson_names_the_line_and_the_problem(change, line, words) -> None:
    with pytest.raises(LessonError) as info:
        parse_lesson(change(GOOD), "tiny.md")
    assert info.value.line == line, str(info.value)
    assert words in info.value.message


def test_lessons_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    bad = tmp_path / "bad.md"
    bad.write_text(GOOD.replace("action: create-key", "action: nope"))
    assert main(["lessons", "check", str(good)]) == 0
    assert "ok: tiny, 2 steps, 1 break-it variants" in capsys.readouterr().out
    assert main(["lessons", "check", str(good), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:9: unknown action 'nope'" in err


def test_a_teachers_folder_adds_lessons_and_reports_bad_files(tmp_path: Path) -> None:
    (tmp_path / "mine.md").write_text(GOOD)
    (tmp_path / "broken.md").write_bytes(b"\xff\xfe not utf-8")
    catalogue = load_catalogue(tmp_path)
    assert catalogue.get("tiny").title == "Tiny"
    assert [p.source for p in catalogue.problems] == ["broken.md"]
    assert "not UTF-8" in str(catalogue.problems[0])
