"""One lesson step's outcome, as a learner reads it: what happened, the KMS request and
response, the equivalent AWS CLI command, the local crypto and its OpenSSL command, and the
CloudTrail event. Blobs arrive shortened and secrets replaced (``lessons.values.shown``)."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.widgets import Static

from kmsworkbench.lessons import StepReport


def _json(value: object) -> Syntax:
    return Syntax(
        json.dumps(value, indent=2, default=str, ensure_ascii=False),
        "json",
        theme="ansi_dark",
        word_wrap=True,
    )


def render_report(report: StepReport) -> RenderableType:
    parts: list[RenderableType] = []
    if report.expected is not None:
        if report.met_expectation:
            verdict = Text("✓ Broke as the lesson says: ", style="bold")
            verdict.append(report.error_code or "it worked")
        else:
            verdict = Text("✗ Not what the lesson expects: ", style="bold reverse")
            verdict.append(f"expected {report.expected}, got {report.error_code or 'success'}")
        parts.append(verdict)
    elif report.ok:
        parts.append(Text("✓ Done", style="bold"))
    if report.error_code and report.expected is None:
        line = Text(f"✗ {report.error_code}", style="bold reverse")
        line.append(f": {report.error_message}" if report.error_message else " (no message)")
        parts.append(line)
    if report.explanation:
        parts.append(Text(report.explanation))
    for note in report.notes:
        parts.append(Text(note))
    for call in report.calls:
        parts.append(Text(f"\nKMS {call.operation} — request", style="bold underline"))
        parts.append(_json(call.request))
        if call.error_code:
            line = Text(f"→ {call.error_code}", style="bold")
            line.append(f": {call.error_message}" if call.error_message else " (no message)")
            parts.append(line)
        elif call.response is not None:
            parts.append(Text("response", style="bold"))
            parts.append(_json(call.response))
        if call.aws_cli:
            parts.append(Text("AWS CLI", style="bold"))
            parts.append(Text(f"$ {call.aws_cli}"))
    for local in report.local:
        parts.append(Text(f"\nLocal: {local.title} (no KMS call)", style="bold underline"))
        parts.append(Text(local.detail))
        if local.openssl:
            parts.append(Text("OpenSSL", style="bold"))
            parts.append(Text(f"$ {local.openssl}"))
    for event in report.audit:
        parts.append(Text("\nCloudTrail event", style="bold underline"))
        parts.append(_json(event))
    if report.calls and not report.audit:
        parts.append(Text("\nCloudTrail: no event was found for these calls.", style="italic"))
    return Group(*parts)


class StepReportView(Static):
    """Shows the last report (or a hint when there is none)."""

    shown: RenderableType = ""

    def show(self, report: StepReport | None) -> None:
        if report is None:
            self.shown = Text("Press d to do this step, b to break it.", style="italic")
        else:
            self.shown = render_report(report)
        self.update(self.shown)
