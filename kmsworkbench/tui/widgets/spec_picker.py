"""The key pair spec picker: the DataKeyPairSpec values the backend's Region offers, each with
its description. SM2 is offered only in the China Regions and the ML-KEM specs only outside
them (``KeyPairSpec.available_in``); a spec left out is explained rather than offered."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Select, Static

from kmsworkbench.keypairs.specs import CHINA_REGIONS, SPECS, KeyPairSpec

DEFAULT_SPEC = "ECC_NIST_P256"


def spec_description(spec: KeyPairSpec) -> str:
    """Size, curve, recommended use, operations and the request quota, in a few lines."""
    lines = [f"{spec.name}: {spec.summary}"]
    detail = f"Size: {spec.size}, about {spec.security_bits}-bit security"
    if spec.curve:
        detail += f"; OpenSSL curve name {spec.curve}"
    lines.append(detail)
    lines.append(f"Recommended for {spec.recommended_use}.")
    ops: list[str] = []
    if spec.signing_algorithms:
        ops.append("signs with " + ", ".join(spec.signing_algorithms))
    if spec.encryption_algorithms:
        ops.append("encrypts with " + ", ".join(spec.encryption_algorithms))
    if spec.key_encapsulation:
        ops.append("encapsulates a shared secret (ML-KEM)")
    if ops:
        lines.append("It " + "; ".join(ops) + ".")
    if spec.quota_per_second is not None:
        rate = spec.quota_per_second
        shown = f"{rate:g} request per second" if rate == 1 else f"{rate:g} requests per second"
        lines.append(
            f"KMS quota: {shown} for this spec, per account and Region"
            + (
                " (RSA pairs are slow to make, so the quota is low)."
                if spec.name.startswith("RSA")
                else "."
            )
        )
    if spec.china_regions_only:
        lines.append("Only in the China Regions (cn-north-1, cn-northwest-1).")
    return "\n".join(lines)


def sm2_note(region: str | None) -> str:
    where = f"this backend's region is {region}" if region else "this backend's region is unknown"
    return (
        "SM2 (the Chinese national curve) is only available in the AWS China Regions "
        f"({', '.join(sorted(CHINA_REGIONS))}); {where}, so it is not offered here."
    )


def mlkem_note(region: str) -> str:
    return (
        "The ML-KEM key pair specs are not available in the AWS China Regions; this "
        f"backend's region is {region}, so they are not offered here."
    )


def offered_specs(region: str | None) -> list[KeyPairSpec]:
    """The specs a backend in ``region`` can generate. An unknown Region (an endpoint that
    names none) is taken as outside China: SM2 is left out, ML-KEM offered."""
    return [
        s
        for s in SPECS.values()
        if (s.available_in(region) if region is not None else not s.china_regions_only)
    ]


class SpecPicker(Vertical):
    """A Select of the specs the backend's region can use, and the chosen one described."""

    class Changed(Message):
        def __init__(self, picker: SpecPicker, spec: str) -> None:
            super().__init__()
            self.picker = picker
            self.spec = spec

        @property
        def control(self) -> SpecPicker:
            return self.picker

    def __init__(
        self, region: str | None, value: str | None = None, *, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.backend_region = region
        self.available = offered_specs(region)
        names = [s.name for s in self.available]
        self._initial = value if value in names else DEFAULT_SPEC

    def compose(self) -> ComposeResult:
        options = [(f"{s.name}  ·  {s.size}", s.name) for s in self.available]
        yield Select(options, value=self._initial, allow_blank=False, id="spec-select")
        yield Static(spec_description(SPECS[self._initial]), id="spec-description", markup=False)
        if not any(s.china_regions_only for s in self.available):
            yield Static(sm2_note(self.backend_region), id="spec-sm2-note", markup=False)
        if self.backend_region is not None and not any(s.key_encapsulation for s in self.available):
            yield Static(mlkem_note(self.backend_region), id="spec-mlkem-note", markup=False)

    @property
    def value(self) -> str:
        selected = self.query_one("#spec-select", Select).value
        return str(selected) if isinstance(selected, str) else self._initial

    @value.setter
    def value(self, spec: str) -> None:
        self.query_one("#spec-select", Select).value = spec

    @on(Select.Changed, "#spec-select")
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, str):
            return
        self.query_one("#spec-description", Static).update(spec_description(SPECS[event.value]))
        self.post_message(self.Changed(self, event.value))
