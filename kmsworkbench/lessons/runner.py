"""Running a lesson's steps on its own sandbox, through the same service layer as the rest
of the app, and reporting what happened the way a learner should see it: each KMS request
and response (blobs shortened, no secret), the equivalent AWS CLI command, the OpenSSL
command for local crypto, and the CloudTrail event the sandbox recorded."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmsworkbench.service.errors import KmsError
from kmsworkbench.service.journal import redact_params

from .actions import ACTIONS
from .model import Action, Lesson, Step, Variant
from .values import LocalError, Secret, shown

if TYPE_CHECKING:
    from kmsworkbench.service.session import KmsSession

# Response members that carry secrets: replaced before anything is kept or shown.
_SECRET_RESPONSE = {
    "Plaintext": "plaintext",
    "PrivateKeyPlaintext": "plaintext private key",
    "SharedSecret": "shared secret",
}


@dataclass
class CallRecord:
    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    aws_cli: str
    error_code: str | None = None
    error_message: str | None = None
    request_id: str | None = None


@dataclass
class LocalRecord:
    title: str
    detail: str
    openssl: str | None = None


@dataclass
class StepReport:
    title: str
    ok: bool = True
    calls: list[CallRecord] = field(default_factory=list)
    local: list[LocalRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error_code: str | None = None
    error_message: str | None = None
    explanation: str = ""
    expected: str | None = None
    met_expectation: bool | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)


class StepContext:
    """What an action sees: the lesson's session and saved values, and the report it adds to."""

    def __init__(self, run: LessonRun, report: StepReport, acting: str | None = None) -> None:
        self.run = run
        self.report = report
        self.session = run.session_for(acting)

    # ---- values
    def resolve(self, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("$"):
            name, _, attr = value[1:].partition(".")
            saved = self.run.state.get(name)
            if saved is None:
                raise LocalError(
                    "StepNotDone",
                    f"${name} is not there yet",
                    "Do the earlier step that makes it first (or press reset and start again).",
                )
            if not attr:
                return saved
            if attr not in saved:
                raise LocalError("StepNotDone", f"${name} has no {attr}", "")
            return saved[attr]
        if isinstance(value, dict):
            return {str(k): self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def param(self, params: dict[str, Any], name: str, default: Any = None) -> Any:
        return self.resolve(params[name]) if name in params else default

    def save(self, params: dict[str, Any], default: str, **values: Any) -> None:
        name = str(params.get("save") or default)
        old = self.run.state.get(name, {})
        for v in old.values():
            if isinstance(v, Secret):
                v.wipe()
        self.run.state[name] = values

    # ---- reporting
    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One KMS call through the session (journaled; errors raise KmsError)."""
        before = len(self.session.journal.entries)
        record = CallRecord(operation, shown(redact_params(params)), None, "")
        self.report.calls.append(record)
        try:
            response = self.session.call(operation, **params)
        except KmsError as exc:
            record.error_code = exc.code
            record.error_message = exc.message
            record.request_id = getattr(exc, "request_id", None)
            self._journal_line(record, before)
            raise
        self._journal_line(record, before)
        kept = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        for member, label in _SECRET_RESPONSE.items():
            if member in kept:
                kept[member] = repr(Secret(b"\0" * len(kept[member]), label))
        record.response = shown(kept)
        record.request_id = response.get("ResponseMetadata", {}).get("RequestId")
        return response

    def _journal_line(self, record: CallRecord, before: int) -> None:
        entries = self.session.journal.entries[before:]
        for entry in reversed(entries):
            if entry.operation == record.operation:
                record.aws_cli = entry.aws_cli
                return

    def local(self, title: str, detail: str, openssl: str | None = None) -> None:
        self.report.local.append(LocalRecord(title, detail, openssl))

    def note(self, text: str) -> None:
        self.report.notes.append(text)


TrailReader = Callable[[str], list[dict[str, Any]]]


def sandbox_trail(data_dir: Path, request_ids: list[str]) -> list[dict[str, Any]]:
    """The CloudTrail events the lesson sandbox recorded for these requests, in call order."""
    from kmsworkbench.sandbox import Sandbox
    from kmsworkbench.sandbox.directory import trail_events

    try:
        with Sandbox.open(data_dir) as sandbox:
            rows = trail_events(sandbox, None, 10 * len(request_ids) + 10)
    except Exception:  # the trail is shown when it can be read; a step never fails for it
        return []
    by_id = {str(record.get("requestID")): record for _seq, _t, record in rows}
    return [by_id[rid] for rid in request_ids if rid in by_id]


class LessonRun:
    """One lesson on one lesson sandbox: the values saved so far and the steps done."""

    def __init__(
        self,
        lesson: Lesson,
        session: KmsSession,
        data_dir: Path | None = None,
        trail: TrailReader | None = None,
    ) -> None:
        self.lesson = lesson
        self.session = session
        self.data_dir = data_dir
        self.state: dict[str, dict[str, Any]] = {}
        self.done: set[int] = set()
        self._trail = trail
        self._sessions: dict[str, KmsSession] = {}
        self._account: str | None = None

    def session_for(self, principal: str | None) -> KmsSession:
        """The lesson's session, or one that signs as a principal of the lesson sandbox."""
        if not principal:
            return self.session
        if principal not in self._sessions:
            import dataclasses

            from kmsworkbench.service import KmsSession

            backend = dataclasses.replace(self.session.backend, acting_as=principal)
            self._sessions[principal] = KmsSession(backend, self.session.journal)
        return self._sessions[principal]

    def account_id(self) -> str:
        if self._account is None:
            from kmsworkbench.sandbox import Sandbox

            if self.data_dir is None:
                raise LocalError("NotASandbox", "this lesson needs its sandbox", "")
            with Sandbox.open(self.data_dir) as sandbox:
                self._account = sandbox.account_id
        return self._account

    def run_step(self, index: int) -> StepReport:
        step = self.lesson.steps[index]
        report = self._run(step.title, step.action)
        if report.ok:
            self.done.add(index)
        return report

    def run_variant(self, index: int, name: str) -> StepReport:
        step: Step = self.lesson.steps[index]
        variant = next((v for v in step.variants if v.name == name), None)
        if variant is None:
            raise KeyError(name)
        return self._run_variant(variant)

    def _run_variant(self, variant: Variant) -> StepReport:
        # A variant works on a copy of the saved values, so breaking a step never spoils the
        # lesson's own path.
        saved = self.state
        self.state = {k: dict(v) for k, v in saved.items()}
        try:
            report = self._run(variant.title, variant.action)
        finally:
            self.state = saved
        report.expected = variant.expect_error or "ok"
        got = report.error_code or "ok"
        report.met_expectation = got == report.expected
        if variant.explain:
            report.notes.append(variant.explain)
        return report

    def _run(self, title: str, action: Action | None) -> StepReport:
        report = StepReport(title=title)
        if action is None:
            return report
        acting = action.params.get("as")
        try:
            ctx = StepContext(self, report, str(acting) if acting else None)
        except KmsError as exc:
            report.ok = False
            report.error_code = exc.code
            report.error_message = exc.message
            return report
        try:
            ACTIONS[action.name].run(ctx, action.params)
        except KmsError as exc:
            report.ok = False
            report.error_code = exc.code
            report.error_message = exc.message
            report.explanation = " ".join(x for x in (exc.explanation, exc.remedy) if x)
        except LocalError as exc:
            report.ok = False
            report.error_code = exc.code
            report.error_message = exc.message
            report.explanation = exc.explanation
        except (ValueError, TypeError, ArithmeticError) as exc:
            # Local crypto refusing its input (a wrong-size key, a malformed key): a failed
            # step to show, not a crash.
            report.ok = False
            report.error_code = type(exc).__name__
            report.error_message = str(exc)
            report.explanation = "The local step could not run with these values."
        report.audit = self._audit(report)
        return report

    def _audit(self, report: StepReport) -> list[dict[str, Any]]:
        ids = [call.request_id for call in report.calls if call.request_id]
        if not ids:
            return []
        if self._trail is not None:
            return [event for rid in ids for event in self._trail(rid)]
        return sandbox_trail(self.data_dir, ids) if self.data_dir is not None else []

    def reset(self) -> None:
        """Forget every saved value (secrets wiped) and wipe the lesson's sandbox."""
        for values in self.state.values():
            for v in values.values():
                if isinstance(v, Secret):
                    v.wipe()
        self.state.clear()
        self.done.clear()
        self.session.close()
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()
        self._account = None
        if self.data_dir is not None and self.data_dir.exists():
            shutil.rmtree(self.data_dir)
