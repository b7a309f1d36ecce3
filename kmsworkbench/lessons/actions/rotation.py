"""Lesson actions about key rotation and the sandbox clock."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from ..shell import Shell
from ..values import LocalError
from .base import Params, action

if TYPE_CHECKING:
    from ..runner import StepContext


def _rotate_shell(sh: Shell, p: Params) -> None:
    sh.kms(["rotate-key-on-demand", "--key-id", sh.arg(p["key"])])
    sh.run('echo "  rotation started"')


@action(
    "rotate-key",
    "RotateKeyOnDemand: new key material for the KMS key, now",
    shell=_rotate_shell,
    required=("key",),
)
def rotate_key(ctx: StepContext, p: Params) -> None:
    key = ctx.param(p, "key")
    before = ctx.call("DescribeKey", KeyId=key)["KeyMetadata"].get("CurrentKeyMaterialId")
    ctx.call("RotateKeyOnDemand", KeyId=key)
    after = ctx.call("DescribeKey", KeyId=key)["KeyMetadata"].get("CurrentKeyMaterialId")
    ctx.note(
        f"CurrentKeyMaterialId was {before} and is now {after}. New ciphertexts use the new "
        "material; every older ciphertext still names (and decrypts with) its own."
    )


def _list_rotations_shell(sh: Shell, p: Params) -> None:
    sh.run(
        f"kms list-key-rotations --key-id {sh.arg(p['key'])} "
        "--query 'Rotations[].[RotationType,RotationDate,KeyMaterialId]' --output text"
    )


@action(
    "list-key-rotations",
    "ListKeyRotations: every rotation of the key, on demand and automatic",
    shell=_list_rotations_shell,
    required=("key",),
    optional=("expect_at_least",),
)
def list_key_rotations(ctx: StepContext, p: Params) -> None:
    rotations = ctx.call("ListKeyRotations", KeyId=ctx.param(p, "key")).get("Rotations", [])
    kinds = [r.get("RotationType") for r in rotations]
    ctx.note(f"{len(rotations)} rotation(s): {', '.join(str(k) for k in kinds) or 'none yet'}.")
    least = int(p.get("expect_at_least") or 0)
    if len(rotations) < least:
        raise LocalError(
            "TooFewRotations",
            f"expected at least {least} rotation(s), found {len(rotations)}",
            "Do the earlier steps first (a rotation, the clock moved past the rotation date).",
        )


def _enable_shell(sh: Shell, p: Params) -> None:
    words = ["enable-key-rotation", "--key-id", sh.arg(p["key"])]
    if p.get("days"):
        words += ["--rotation-period-in-days", sh.arg(p["days"])]
    sh.kms(words)
    sh.run(
        f"kms get-key-rotation-status --key-id {sh.arg(p['key'])} "
        "--query '[KeyRotationEnabled,RotationPeriodInDays,NextRotationDate]' --output text"
    )


@action(
    "enable-key-rotation",
    "EnableKeyRotation: KMS rotates the key by itself every RotationPeriodInDays",
    shell=_enable_shell,
    required=("key",),
    optional=("days",),
)
def enable_key_rotation(ctx: StepContext, p: Params) -> None:
    key = ctx.param(p, "key")
    params: dict[str, object] = {"KeyId": key}
    if p.get("days"):
        params["RotationPeriodInDays"] = int(ctx.param(p, "days"))
    ctx.call("EnableKeyRotation", **params)
    status = ctx.call("GetKeyRotationStatus", KeyId=key)
    ctx.note(
        f"Automatic rotation every {status.get('RotationPeriodInDays')} days; the next one is "
        f"due {status.get('NextRotationDate')}."
    )


def _advance_shell(sh: Shell, p: Params) -> None:
    sh.comment("The sandbox clock lives in the data folder the server was started on.")
    sh.run(
        f"kmsworkbench sandbox clock advance {shlex.quote(str(p['by']))} "
        '${KMSWORKBENCH_DATA_DIR:+--data-dir "$KMSWORKBENCH_DATA_DIR"} >/dev/null'
    )
    sh.run(f"echo {shlex.quote('  the sandbox clock moved ' + str(p['by']) + ' forward')}")


@action(
    "advance-clock",
    "Move the lesson sandbox's clock forward (sandbox only: AWS's clock is AWS's)",
    shell=_advance_shell,
    required=("by",),
)
def advance_clock(ctx: StepContext, p: Params) -> None:
    from kmsworkbench.sandbox import Sandbox
    from kmsworkbench.sandbox.core.clock import parse_duration

    folder = ctx.run.data_dir
    if folder is None:
        raise LocalError("NotASandbox", "this lesson does not run on a sandbox", "")
    try:
        seconds = parse_duration(str(ctx.param(p, "by")))
    except ValueError as exc:
        raise LocalError("BadDuration", str(exc), "") from None
    sandbox = Sandbox.open(folder)
    try:
        sandbox.clock.advance(seconds)
        offset = sandbox.clock.offset()
    finally:
        sandbox.close()
    ctx.local(
        "sandbox clock",
        f"moved {p['by']} forward (now {offset / 86400:.1f} days ahead of real time). "
        "Rotations and deletions that fell due in between have happened.",
        f"kmsworkbench sandbox clock advance {p['by']}",
    )
