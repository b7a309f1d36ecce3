"""Generate a data key pair: spec, encryption context, grant tokens, DryRun, the equivalent
aws-cli command (live), then GenerateDataKeyPairWithoutPlaintext in a worker. The result is
saved in the library and shown on the result screen."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Static

from kmsworkbench.pairs import PairRecord
from kmsworkbench.service import GenerateResult, KeyInfo, KmsError, aws_cli_command
from kmsworkbench.tui.screens.base import WorkbenchScreen
from kmsworkbench.tui.widgets.context_editor import ContextEditor
from kmsworkbench.tui.widgets.footer import WorkbenchFooter
from kmsworkbench.tui.widgets.header import BackendHeader
from kmsworkbench.tui.widgets.spec_picker import SpecPicker
from kmsworkbench.tui.widgets.tokens import TokenRows

OPERATION = "GenerateDataKeyPairWithoutPlaintext"
MAX_GRANT_TOKENS = 10


class Generated(Message):
    def __init__(self, result: GenerateResult, record: PairRecord) -> None:
        super().__init__()
        self.result = result
        self.record = record


class DryRunPassed(Message):
    """KMS answered a DryRun with DryRunOperationException: the request would have worked."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


def parse_grant_tokens(text: str) -> list[str]:
    """Grant tokens separated by commas, spaces or newlines."""
    return [t for t in re.split(r"[\s,]+", text.strip()) if t]


def pair_base_name(reference: str, info: KeyInfo | None, spec: str) -> str:
    if info is not None and info.aliases:
        base = info.aliases[0]
    elif reference.startswith("alias/") or ":alias/" in reference:
        base = reference
    else:
        base = (info.key_id if info else reference.rsplit("/", 1)[-1])[:8]
    base = base.rsplit("alias/", 1)[-1]
    return f"{base}-{spec}".lower().replace("_", "-")


class GenerateScreen(WorkbenchScreen):
    HELP = (
        "Generate a data key pair under the chosen KMS key with "
        "GenerateDataKeyPairWithoutPlaintext: KMS returns the public key and the private key "
        "encrypted under the KMS key (never the plaintext). Pick a spec, add an encryption "
        "context if you want one (Decrypt will need exactly the same), optionally grant "
        "tokens, and tick 'check permissions only' for a DryRun. F9 opens the saved "
        "encryption contexts (use, save, delete, or the last pair's). The aws-cli line below "
        "always shows the equivalent command."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+g", "generate", "Generate", id="gen-generate"),
        Binding("ctrl+y", "copy_command", "Copy aws-cli", id="gen-copy-cli", show=False),
        Binding(
            "f9",
            "context_presets",
            "Contexts",
            id="gen-presets",
            tooltip="Saved encryption contexts: use, save, delete",
        ),
        Binding("escape", "back", "Back", id="gen-back"),
    ]

    def __init__(self, key_reference: str, info: KeyInfo | None = None) -> None:
        super().__init__()
        self.key_reference = key_reference
        self.info = info
        self.generating = False

    def compose(self) -> ComposeResult:
        app = self.workbench
        settings = app.settings
        yield BackendHeader("Generate a data key pair")
        with VerticalScroll(id="gen-form"):
            with Vertical(classes="section", id="gen-key-section"):
                yield Label("KMS key (wraps the private key)", classes="section-title")
                tokens, prose = self._key_text()
                yield TokenRows([("", t) for t in tokens], tail=prose, id="gen-key")
            with Vertical(classes="section", id="gen-spec-section"):
                yield Label("Key pair spec", classes="section-title")
                yield SpecPicker(app.region, settings.last_spec, id="gen-spec")
            with Vertical(classes="section", id="gen-context-section"):
                yield Label("Encryption context", classes="section-title")
                yield ContextEditor(id="gen-context")
            with Vertical(classes="section", id="gen-options-section"):
                yield Label("Options", classes="section-title")
                yield Input(
                    placeholder="grant tokens (optional), separated by commas or spaces",
                    id="gen-grant-tokens",
                )
                yield Static("", id="gen-grant-error", classes="field-error", markup=False)
                yield Checkbox("Check permissions only (DryRun)", id="gen-dry-run")
                yield Static("", id="gen-dry-result", markup=False)
            with Vertical(classes="section", id="gen-preview-section"):
                yield Label("Equivalent AWS CLI command", classes="section-title")
                yield Static("", id="gen-preview", markup=False)
            with Horizontal(classes="button-row"):
                yield Button("Back", id="gen-back-button")
                yield Button("Copy aws-cli", id="gen-copy-button")
                yield Button("Generate", id="gen-generate-button", variant="primary")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self.update_preview()
        self.query_one("#gen-spec").query_one("Select").focus()

    def _key_text(self) -> tuple[list[str], str]:
        """The key (its reference and ARN, tokens laid out to read back at any width) and
        whether it can wrap a pair: the table's note for a described key; for a key typed by
        hand that is not in this account, that it cannot be checked."""
        info = self.info
        if info is None:
            from kmsworkbench.tui.screens.keys import other_account

            account = other_account(self.key_reference, self.workbench.account)
            if account:
                return [self.key_reference], (
                    f"A key of account {account}, not this one: its "
                    "state and type cannot be checked before the call (DescribeKey needs the "
                    "key policy to allow it). KMS answers when you generate."
                )
            return [self.key_reference], "(not in the listed keys; KMS checks it when you generate)"
        tokens = [self.key_reference]
        if info.arn and info.arn != self.key_reference:
            tokens.append(info.arn)
        lines: list[str] = []
        if info.description:
            lines.append(info.description)
        if info.eligible is None:
            lines.append("(not described yet)")
        elif info.eligible is False:
            lines.append(
                f"✗ cannot wrap a data key pair: {info.ineligible_reason}. KMS will refuse "
                "the call (you can still send it, to see the error)."
            )
        return tokens, "\n".join(lines)

    # -- the request -----------------------------------------------------------------------

    @property
    def spec(self) -> str:
        return self.query_one(SpecPicker).value

    @property
    def dry_run(self) -> bool:
        return self.query_one("#gen-dry-run", Checkbox).value

    @property
    def grant_tokens(self) -> list[str]:
        return parse_grant_tokens(self.query_one("#gen-grant-tokens", Input).value)

    def request_params(self) -> dict[str, Any]:
        """The request as the API takes it (what the preview and the call use)."""
        params: dict[str, Any] = {"KeyId": self.key_reference, "KeyPairSpec": self.spec}
        context = self.query_one(ContextEditor).context
        if context:
            params["EncryptionContext"] = context
        tokens = self.grant_tokens
        if tokens:
            params["GrantTokens"] = tokens
        if self.dry_run:
            params["DryRun"] = True
        return params

    def command_text(self) -> str:
        app = self.workbench
        return aws_cli_command(OPERATION, self.request_params(), app.backend, app.region)

    def aws_cli_for_copy(self) -> str:
        return self.command_text()

    def update_preview(self) -> None:
        editor = self.query_one(ContextEditor)
        text = self.command_text()
        if not editor.valid:
            text += "\n(the encryption context has problems; fix them before generating)"
        if self.workbench.backend.kind == "sandbox":
            text += "\n(in the sandbox: run `kmsworkbench serve` and "
            text += '`eval "$(kmsworkbench sandbox env)"` first)'
        self.query_one("#gen-preview", Static).update(text)

    @on(SpecPicker.Changed)
    @on(ContextEditor.Changed)
    @on(Checkbox.Changed)
    def _inputs_changed(self) -> None:
        self.update_preview()

    @on(Input.Changed, "#gen-grant-tokens")
    def _tokens_changed(self) -> None:
        tokens = self.grant_tokens
        problem = None
        if len(tokens) > MAX_GRANT_TOKENS:
            problem = f"At most {MAX_GRANT_TOKENS} grant tokens ({len(tokens)} given)."
        elif any(len(t) > 8192 for t in tokens):
            problem = "A grant token is at most 8192 characters."
        error = self.query_one("#gen-grant-error", Static)
        error.update(problem or "")
        error.set_class(bool(problem), "-visible")
        self.update_preview()

    # -- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            (
                "kms: saved encryption contexts",
                "Use, save or delete a named encryption context (F9)",
                "context_presets",
            )
        ]

    def action_context_presets(self) -> None:
        self.query_one(ContextEditor).action_presets()

    def action_copy_command(self) -> None:
        self.workbench.copy_with_notice(self.command_text(), "aws-cli command")

    @on(Button.Pressed, "#gen-back-button")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Button.Pressed, "#gen-copy-button")
    def _copy_pressed(self) -> None:
        self.action_copy_command()

    @on(Button.Pressed, "#gen-generate-button")
    def _generate_pressed(self) -> None:
        self.action_generate()

    def action_generate(self) -> None:
        editor = self.query_one(ContextEditor)
        if not editor.validate():
            bad = editor.rows[editor.problems[0].row]
            bad.query_one(".ctx-key", Input).focus()
            self.notify(editor.problems[0].message, title="Encryption context", severity="error")
            return
        if self.query_one("#gen-grant-error", Static).has_class("-visible"):
            self.query_one("#gen-grant-tokens", Input).focus()
            self.notify("Fix the grant tokens first.", severity="error")
            return
        if self.generating:
            return
        self.generating = True
        self.query_one("#gen-generate-button", Button).disabled = True
        self.query_one("#gen-generate-button", Button).label = "Generating…"
        app = self.workbench
        app.update_settings(
            dataclasses.replace(app.settings, last_key=self.key_reference, last_spec=self.spec)
        )
        self._generate_worker(
            self.key_reference,
            self.spec,
            editor.context,
            self.grant_tokens,
            self.dry_run,
            pair_base_name(self.key_reference, self.info, self.spec),
        )

    @work(thread=True, exit_on_error=False, group="generate", description=OPERATION)
    def _generate_worker(
        self,
        key_reference: str,
        spec: str,
        context: dict[str, str],
        grant_tokens: list[str],
        dry_run: bool,
        base_name: str,
    ) -> None:
        app = self.workbench
        try:
            result = app.session.generate_pair(
                key_reference,
                spec,
                encryption_context=context or None,
                grant_tokens=grant_tokens or None,
                dry_run=dry_run,
            )
        except KmsError as error:
            # KMS answers a DryRun that would succeed with this "error"; any other error of
            # a DryRun is the real reason the call would fail, and goes to the error modal.
            if dry_run and error.code == "DryRunOperationException":
                self.post_message(DryRunPassed(error.message))
                return
            raise
        record = PairRecord(
            name=base_name,
            key_arn=result.key_arn,
            key_pair_spec=result.key_pair_spec,
            encryption_context=dict(context),
            public_key=result.public_key,
            private_key_ciphertext=result.private_key_ciphertext,
            backend=app.backend.label(app.region),
            key_material_id=result.key_material_id,
        )
        record = app.library().add(record, unique=True)
        self.post_message(Generated(result, record))

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        if event.worker.group == "generate" and event.state in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.generating = False
            button = self.query_one("#gen-generate-button", Button)
            button.disabled = False
            button.label = "Generate"

    @on(DryRunPassed)
    def _dry_run_passed(self, message: DryRunPassed) -> None:
        text = (
            f"✓ DryRun: this request would have succeeded ({self.key_reference}, {self.spec}). "
            "You have the permission and the key can do it; nothing was generated or saved. "
            "Untick 'Check permissions only' to generate."
        )
        result = self.query_one("#gen-dry-result", Static)
        result.update(text)
        result.add_class("-visible")
        self.notify("This request would have succeeded.", title="DryRun passed")

    @on(Generated)
    def _generated(self, message: Generated) -> None:
        from kmsworkbench.tui.screens.result import ResultScreen

        self.app.push_screen(ResultScreen(message.record))
