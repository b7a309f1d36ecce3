"""A step's report as plain lines (for ``lessons run`` and for tests)."""

from __future__ import annotations

import json

from .runner import StepReport


def report_lines(report: StepReport) -> list[str]:
    out: list[str] = []
    for call in report.calls:
        out.append(f"  KMS {call.operation}  {json.dumps(call.request, default=str)}")
        if call.aws_cli:
            out.append(f"    $ {call.aws_cli}")
        if call.error_code:
            out.append(f"    -> {call.error_code}: {call.error_message or '(no message)'}")
        elif call.response is not None:
            out.append(f"    -> {json.dumps(call.response, default=str)[:400]}")
    for local in report.local:
        out.append(f"  local: {local.title}")
        out.extend(f"    {line}" for line in local.detail.splitlines())
        if local.openssl:
            out.append(f"    $ {local.openssl}")
    for event in report.audit:
        out.append(
            f"  CloudTrail: {event.get('eventName')} by {event.get('userIdentity', {}).get('arn')}"
        )
    if report.error_code:
        out.append(f"  failed: {report.error_code}: {report.error_message or '(no message)'}")
        if report.explanation:
            out.append(f"    {report.explanation}")
    if report.expected is not None:
        verdict = "as expected" if report.met_expectation else f"expected {report.expected}"
        out.append(f"  ({verdict})")
    out.extend(f"  note: {n}" for n in report.notes)
    return out
