"""What the error modal shows, taken from an exception: the KMS code, message, operation,
request id, the plain-words explanation and the remedy (from the service layer's KmsError),
and the AWS CLI's own one-line rendering. Any other exception is shown plainly."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorDetails:
    title: str
    code: str | None
    message: str
    operation: str | None = None
    request_id: str | None = None
    http_status: int | None = None
    explanation: str | None = None
    remedy: str | None = None
    summary_line: str = ""

    def with_title(self, title: str) -> ErrorDetails:
        return dataclasses.replace(self, title=title)

    def fields(self) -> list[tuple[str, str]]:
        """(label, value) pairs in display order, empty values left out."""
        rows: list[tuple[str, str | int | None]] = [
            ("Code", self.code),
            ("Operation", self.operation),
            ("Message", self.message),
            ("Request id", self.request_id),
            ("HTTP status", self.http_status),
            ("What it means", self.explanation),
            ("What to do", self.remedy),
        ]
        return [(label, str(value)) for label, value in rows if value not in (None, "")]

    def as_text(self) -> str:
        """Plain text for the clipboard."""
        lines = [self.title]
        lines += [f"{label}: {value}" for label, value in self.fields()]
        if self.summary_line:
            lines.append(self.summary_line)
        return "\n".join(lines)


def describe_error(error: BaseException) -> ErrorDetails:
    code = getattr(error, "code", None)
    if code is not None and hasattr(error, "explanation"):
        operation = getattr(error, "operation", None)
        title = f"{code}" + (f" in {operation}" if operation else "")
        return ErrorDetails(
            title=title,
            code=str(code),
            message=str(getattr(error, "message", "") or ""),
            operation=operation,
            request_id=getattr(error, "request_id", None),
            http_status=getattr(error, "http_status", None),
            explanation=getattr(error, "explanation", None) or None,
            remedy=getattr(error, "remedy", None) or None,
            summary_line=str(error),
        )
    name = type(error).__name__
    text = str(error) or name
    if isinstance(error, OSError):
        return ErrorDetails(
            title="File error",
            code=name,
            message=text,
            explanation="The file or folder could not be read or written.",
            remedy="Check the path and its permissions, then try again.",
        )
    return ErrorDetails(
        title="Unexpected error",
        code=name,
        message=text,
        explanation="Something failed that kmsworkbench did not expect; the app goes on.",
        remedy="Try again; if it persists, report it with the text copied from here.",
    )
