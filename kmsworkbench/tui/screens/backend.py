"""Switch the backend: the sandbox (and its folder), an endpoint URL, or AWS with a profile
from the AWS config; and the region. Profiles and regions are read by botocore in a worker
(botocore is not imported on the way to the first frame)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from kmsworkbench import paths
from kmsworkbench.service import Backend
from kmsworkbench.tui.screens.base import WorkbenchModal, focus_now

KINDS = ("sandbox", "endpoint", "aws")
# Used when botocore's endpoint data cannot be read.
FALLBACK_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "cn-north-1",
    "cn-northwest-1",
)


def read_aws_choices() -> tuple[list[str], list[str]]:
    """(profiles from the AWS config and credentials files, KMS regions of the aws and
    aws-cn partitions)."""
    import botocore.session

    session = botocore.session.Session()
    profiles = sorted(set(session.available_profiles))
    regions: set[str] = set()
    for partition in ("aws", "aws-cn"):
        try:
            regions.update(session.get_available_regions("kms", partition_name=partition))
        except Exception:
            continue
    return profiles, sorted(regions) or list(FALLBACK_REGIONS)


class ChoicesLoaded(Message):
    def __init__(self, profiles: list[str], regions: list[str]) -> None:
        super().__init__()
        self.profiles = profiles
        self.regions = regions


class BackendScreen(WorkbenchModal[Backend]):
    HELP = (
        "Choose which KMS the workbench talks to. The sandbox is a local KMS in a folder (no "
        "AWS account needed). An endpoint is any KMS-compatible URL (a served sandbox, "
        "LocalStack). AWS uses a profile from your AWS config and the usual credential chain; "
        "every call there is real and billed. The choice is remembered."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="backend-cancel"),
    ]

    def __init__(self, current: Backend, focus: str = "", sandbox_dir: Path | None = None) -> None:
        """``sandbox_dir``: the sandbox folder used last, offered when coming back from an
        endpoint or AWS (rather than the default folder)."""
        super().__init__(classes="dialog-screen")
        self.current = current
        self.last_sandbox_dir = sandbox_dir
        self.focus_on = focus
        self.profiles: list[str] = []
        self.regions: list[str] = list(FALLBACK_REGIONS)

    def compose(self) -> ComposeResult:
        current = self.current
        kind = current.kind
        if self.focus_on in ("profile",):
            kind = "aws"
        elif self.focus_on in ("sandbox", "endpoint"):
            kind = self.focus_on
        sandbox_dir = current.data_dir if current.kind == "sandbox" else self.last_sandbox_dir
        with Vertical(classes="dialog", id="backend-dialog"):
            yield Label("Switch backend", classes="dialog-title")
            with VerticalScroll(id="backend-body"):
                with RadioSet(id="backend-kind"):
                    yield RadioButton("Sandbox (local, no account)", value=kind == "sandbox")
                    yield RadioButton("Endpoint URL", value=kind == "endpoint")
                    yield RadioButton("AWS (profile)", value=kind == "aws")
                yield Label("Sandbox folder", classes="backend-sandbox")
                yield Input(
                    str(sandbox_dir or paths.data_dir()),
                    id="backend-folder",
                    classes="backend-sandbox",
                )
                yield Label("Act as (a sandbox principal)", classes="backend-sandbox")
                yield Input(
                    current.acting_as or "",
                    placeholder="root (the account); or NAME, ACCOUNT/NAME",
                    id="backend-as",
                    classes="backend-sandbox",
                )
                yield Label("Endpoint URL", classes="backend-endpoint")
                yield Input(
                    current.endpoint_url or "",
                    placeholder="http://127.0.0.1:4599",
                    id="backend-url",
                    classes="backend-endpoint",
                )
                yield Label("AWS profile", classes="backend-aws")
                yield Select[str](
                    [],
                    prompt="default profile",
                    id="backend-profile",
                    classes="backend-aws",
                )
                yield Label("Region", id="backend-region-label")
                yield Select[str](
                    [(r, r) for r in self.regions],
                    prompt="default region",
                    id="backend-region",
                )
                yield Static(
                    "AWS calls are real: they reach your account, are logged in CloudTrail "
                    "and billed.",
                    classes="backend-aws warning",
                )
                yield Static("", id="backend-error", classes="field-error", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="backend-cancel-button")
                yield Button("Switch", id="backend-ok", variant="primary")

    def on_mount(self) -> None:
        self._show_kind(self.kind)
        self._set_region_value(self.current.region)
        self._load_choices()
        if self.focus_on == "region":
            focus_now(self.query_one("#backend-region", Select))
        elif self.focus_on == "profile":
            focus_now(self.query_one("#backend-profile", Select))
        else:
            focus_now(self.query_one("#backend-kind", RadioSet))

    @work(thread=True, exit_on_error=False, group="backend-choices")
    def _load_choices(self) -> None:
        profiles, regions = read_aws_choices()
        self.post_message(ChoicesLoaded(profiles, regions))

    @on(ChoicesLoaded)
    def _choices_loaded(self, message: ChoicesLoaded) -> None:
        self.profiles = message.profiles
        self.regions = message.regions
        region = self.chosen_region
        if self.current.region and self.current.region not in self.regions:
            self.regions.append(self.current.region)
        self.query_one("#backend-region", Select).set_options([(r, r) for r in self.regions])
        self._set_region_value(region or self.current.region)
        profile_select = self.query_one("#backend-profile", Select)
        profile_select.set_options([(p, p) for p in self.profiles])
        if self.current.profile in self.profiles:
            profile_select.value = self.current.profile

    def _set_region_value(self, region: str | None) -> None:
        select = self.query_one("#backend-region", Select)
        if region and region in self.regions:
            select.value = region

    @property
    def kind(self) -> str:
        radio = self.query_one("#backend-kind", RadioSet)
        index = radio.pressed_index
        return KINDS[index] if 0 <= index < len(KINDS) else "sandbox"

    @property
    def chosen_region(self) -> str | None:
        """The Region picked in the form. (Not ``region``: that is Textual's Widget.region, the
        screen's place on the terminal; shadowing it crashed the app on F2.)"""
        value = self.query_one("#backend-region", Select).value
        return value if isinstance(value, str) else None

    def _show_kind(self, kind: str) -> None:
        for name in KINDS:
            for widget in self.query(f".backend-{name}"):
                widget.display = name == kind

    @on(RadioSet.Changed, "#backend-kind")
    def _kind_changed(self) -> None:
        self._show_kind(self.kind)

    def chosen_backend(self) -> Backend | str:
        """The backend the form describes, or what is wrong with the form."""
        kind = self.kind
        region = self.chosen_region
        if kind == "sandbox":
            folder = self.query_one("#backend-folder", Input).value.strip()
            if not folder:
                return "Give the sandbox folder."
            acting_as = self.query_one("#backend-as", Input).value.strip()
            return self.current.with_changes(
                kind="sandbox",
                data_dir=paths.data_dir(folder),
                endpoint_url=None,
                profile=None,
                region=region,
                acting_as=None if acting_as in ("", "root") else acting_as,
            )
        if kind == "endpoint":
            url = self.query_one("#backend-url", Input).value.strip()
            if not url.startswith(("http://", "https://")):
                return "An endpoint URL starts with http:// or https://."
            return self.current.with_changes(
                kind="endpoint",
                data_dir=None,
                endpoint_url=url,
                profile=None,
                region=region or "us-east-1",
                acting_as=None,
            )
        profile = self.query_one("#backend-profile", Select).value
        return self.current.with_changes(
            kind="aws",
            data_dir=None,
            endpoint_url=None,
            profile=profile if isinstance(profile, str) else None,
            region=region,
            acting_as=None,
        )

    @on(Button.Pressed, "#backend-ok")
    def _ok(self) -> None:
        chosen = self.chosen_backend()
        error = self.query_one("#backend-error", Static)
        if isinstance(chosen, str):
            error.update(chosen)
            error.add_class("-visible")
            return
        self.dismiss(chosen)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        """Enter in the folder or URL field switches, as the Switch button does."""
        self._ok()

    def action_cancel(self) -> None:
        self.notify(f"Still on {self.current.label()}.", title="Backend unchanged")
        self.dismiss(None)

    @on(Button.Pressed, "#backend-cancel-button")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
