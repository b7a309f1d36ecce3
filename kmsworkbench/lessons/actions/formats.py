"""Lesson actions that show what is inside a key or a blob (nothing secret is shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kmsworkbench.anatomy import private_key_tree, public_key_tree, render_tree
from kmsworkbench.anatomy.blobview import AWS_SAYS, WHY_NO_MESSAGE, describe
from kmsworkbench.anatomy.formats import public_formats

from ..shell import Shell
from ..values import Secret
from .base import Params, action

if TYPE_CHECKING:
    from ..runner import StepContext


def _show_public_shell(sh: Shell, p: Params) -> None:
    der = sh.path(p["public"])
    sh.run(f"openssl asn1parse -inform DER -in {der}")
    sh.run(f"openssl pkey -pubin -inform DER -in {der}")


@action(
    "show-public-key",
    "The public key as an ASN.1 tree with every field named, and in PEM, JWK, OpenSSH, raw",
    shell=_show_public_shell,
    required=("public",),
)
def show_public_key(ctx: StepContext, p: Params) -> None:
    der = bytes(ctx.param(p, "public"))
    ctx.local(
        "ASN.1 (SubjectPublicKeyInfo)",
        "\n".join(render_tree(public_key_tree(der))),
        "openssl asn1parse -inform DER -in public.der",
    )
    for fmt in public_formats(der):
        ctx.local(fmt.name, f"{fmt.note}\n{fmt.text}", fmt.openssl)


def _show_private_shell(sh: Shell, p: Params) -> None:
    sh.comment("The structure of the private key, through a pipe (openssl prints its values:")
    sh.comment("in a real system you would not; the app masks them).")
    sh.run(f"printf %s {sh.arg(p['private'])} | b64d | openssl asn1parse -inform DER | cut -c1-48")


@action(
    "show-private-key",
    "The decrypted private key's PKCS#8 structure, with every secret value masked",
    shell=_show_private_shell,
    required=("private",),
)
def show_private_key(ctx: StepContext, p: Params) -> None:
    value = ctx.param(p, "private")
    der = value.value if isinstance(value, Secret) else bytes(value)
    ctx.local(
        "ASN.1 (PKCS#8 PrivateKeyInfo, secrets masked)",
        "\n".join(render_tree(private_key_tree(der))),
        "openssl asn1parse -inform DER -in <(private key)   # prints the secrets: the app does not",
    )


def _show_blob_shell(sh: Shell, p: Params) -> None:
    sh.run(f"od -A d -t x1 {sh.path(p['blob'])} | head -8")


@action(
    "show-blob",
    "A ciphertext blob, labelled field by field (the sandbox's format), and why AWS's is opaque",
    shell=_show_blob_shell,
    required=("blob",),
)
def show_blob(ctx: StepContext, p: Params) -> None:
    fields, verdict = describe(bytes(ctx.param(p, "blob")))
    lines = [
        f"{f.offset:>4} {f.size:>4}  {f.name:<16} {f.hex}\n{'':>27}{f.meaning}" for f in fields
    ]
    ctx.local("ciphertext blob: " + verdict, "\n".join(lines) or verdict)
    ctx.note(AWS_SAYS)
    ctx.note(WHY_NO_MESSAGE)
