"""Lesson actions that call KMS (through the lesson's KmsSession)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from kmsworkbench.service.errors import KmsError

from ..shell import Shell, var
from ..values import Secret, fingerprint
from .base import Params, action

if TYPE_CHECKING:
    from ..runner import StepContext


def _context(ctx: StepContext, params: Params) -> dict[str, str]:
    value = ctx.param(params, "context") or {}
    return {str(k): str(v) for k, v in value.items()}


# --------------------------------------------------------------------------- create-key


def _create_key_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "key")
    alias = p["alias"]
    extra = []
    if p.get("key_spec"):
        extra += ["--key-spec", sh.arg(p["key_spec"])]
    if p.get("key_usage"):
        extra += ["--key-usage", sh.arg(p["key_usage"])]
    desc = sh.arg(p.get("description") or f"lesson key {alias}")
    sh.comment(f"A KMS key behind {alias}; an existing one is reused, so the script can run again.")
    v_id, v_arn = var(f"{save}.id"), var(f"{save}.arn")
    sh.run(
        f"if ! {v_id}=$(kms describe-key --key-id {sh.arg(alias)} "
        "--query KeyMetadata.KeyId --output text 2>/dev/null); then\n"
        f"  {v_id}=$(kms create-key --description {desc} {' '.join(extra)} "
        "--query KeyMetadata.KeyId --output text)\n"
        f'  kms create-alias --alias-name {sh.arg(alias)} --target-key-id "${v_id}"\n'
        "fi"
    )
    sh.run(f'{v_arn}=$(kms describe-key --key-id "${v_id}" --query KeyMetadata.Arn --output text)')
    sh.run(f'{var(f"{save}.alias_arn")}="${{{v_arn}%%:key/*}}:{alias}"')
    sh.run(f'echo "  KMS key ${v_id}"')


@action(
    "create-key",
    "Make a KMS key with an alias (or reuse the key the alias names)",
    shell=_create_key_shell,
    required=("alias",),
    optional=("description", "key_spec", "key_usage"),
    save="key",
    outputs=("id", "arn", "alias_arn"),
)
def create_key(ctx: StepContext, p: Params) -> None:
    alias = str(ctx.param(p, "alias"))
    try:
        meta = ctx.call("DescribeKey", KeyId=alias)["KeyMetadata"]
        ctx.note(f"{alias} already names key {meta['KeyId']}: the lesson reuses it.")
    except KmsError as exc:
        if exc.code != "NotFoundException":
            raise
        params: dict[str, object] = {
            "Description": str(ctx.param(p, "description") or f"lesson key {alias}")
        }
        if p.get("key_spec"):
            params["KeySpec"] = ctx.param(p, "key_spec")
        if p.get("key_usage"):
            params["KeyUsage"] = ctx.param(p, "key_usage")
        meta = ctx.call("CreateKey", **params)["KeyMetadata"]
        ctx.call("CreateAlias", AliasName=alias, TargetKeyId=meta["KeyId"])
        ctx.note(f"Created key {meta['KeyId']} and pointed {alias} at it.")
    alias_arn = meta["Arn"].split(":key/")[0] + ":" + alias
    ctx.save(p, "key", id=meta["KeyId"], arn=meta["Arn"], alias=alias, alias_arn=alias_arn)


# ------------------------------------------------------------------- generate-data-key


def _gdk_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "data_key")
    pt, blob = var(f"{save}.plaintext"), var(f"{save}.blob")
    words = ["generate-data-key", "--key-id", sh.arg(p["key"]), "--key-spec", "AES_256"]
    words += sh.context(p.get("context"))
    sh.comment(
        "The plaintext data key stays in a shell variable; only the encrypted copy is a file."
    )
    sh.kms(words, capture=[pt, blob], query="[Plaintext,CiphertextBlob]")
    sh.b64_to_file(blob, sh.path(f"${save}.blob"))
    sh.run(f'echo "  data key: $(printf %s "${pt}" | b64d | wc -c | tr -d " ") bytes in memory"')


@action(
    "generate-data-key",
    "GenerateDataKey: a plaintext AES-256 data key and the same key encrypted under KMS",
    shell=_gdk_shell,
    required=("key",),
    optional=("context",),
    save="data_key",
    outputs=("plaintext", "blob"),
)
def generate_data_key(ctx: StepContext, p: Params) -> None:
    params: dict[str, object] = {"KeyId": ctx.param(p, "key"), "KeySpec": "AES_256"}
    context = _context(ctx, p)
    if context:
        params["EncryptionContext"] = context
    resp = ctx.call("GenerateDataKey", **params)
    plaintext = Secret(resp["Plaintext"], "plaintext data key")
    ctx.save(p, "data_key", plaintext=plaintext, blob=resp["CiphertextBlob"], context=context)
    ctx.note(
        f"The plaintext data key ({len(plaintext)} bytes, fingerprint "
        f"{fingerprint(plaintext.value)}) is in memory only. The encrypted data key "
        f"({len(resp['CiphertextBlob'])} bytes) is what you store beside the data."
    )


# ------------------------------------------------------------------------------ decrypt


def _decrypt_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "decrypted")
    blob = sh.fileb(p["blob"])
    if p.get("tamper"):
        sh.comment("Flip one bit in the middle of the blob first.")
        sh.run(
            'python3 -c \'import sys; d=bytearray(open(sys.argv[1],"rb").read()); '
            'd[len(d)//2]^=1; open(sys.argv[2],"wb").write(d)\' '
            f'{sh.path(p["blob"])} "$WORK/tampered.bin"'
        )
        blob = '"fileb://$WORK/tampered.bin"'
    words = ["decrypt", "--ciphertext-blob", blob]
    if p.get("key"):
        words += ["--key-id", sh.arg(p["key"])]
    words += sh.context(p.get("context"))
    words += _grant_tokens_words(sh, p.get("grant_tokens") or [])
    sh.kms(words, capture=[var(f"{save}.plaintext")], query="Plaintext")
    sh.run('echo "  decrypted"')


def _grant_tokens_words(sh: Shell, tokens: list[Any]) -> list[str]:
    """``--grant-tokens`` for the AWS CLI in a form it cannot read as an option: a token
    is base64url, so it may begin with ``-``, and ``--grant-tokens -Qc2...`` is then an
    unknown option. One token is joined to the flag with ``=``; several go as a JSON list."""
    if not tokens:
        return []
    if len(tokens) == 1:
        return [f"--grant-tokens={sh.arg(tokens[0])}"]
    return ["--grant-tokens", sh.json(list(tokens))]


@action(
    "decrypt",
    "Decrypt: KMS decrypts a blob (a data key, a private key) with its encryption context",
    shell=_decrypt_shell,
    required=("blob",),
    optional=("context", "key", "label", "tamper", "grant_tokens"),
    save="decrypted",
    outputs=("plaintext",),
)
def decrypt(ctx: StepContext, p: Params) -> None:
    blob = bytes(ctx.param(p, "blob"))
    if p.get("tamper"):
        changed = bytearray(blob)
        changed[len(changed) // 2] ^= 1
        blob = bytes(changed)
        ctx.local("tamper", f"bit 0 of byte {len(blob) // 2} of the {len(blob)}-byte blob flipped")
    params: dict[str, object] = {"CiphertextBlob": blob}
    context = _context(ctx, p)
    if context:
        params["EncryptionContext"] = context
    if p.get("key"):
        params["KeyId"] = ctx.param(p, "key")
    if p.get("grant_tokens"):
        params["GrantTokens"] = [str(t) for t in ctx.param(p, "grant_tokens")]
    resp = ctx.call("Decrypt", **params)
    label = str(p.get("label") or "plaintext")
    secret = Secret(resp["Plaintext"], label)
    ctx.save(p, "decrypted", plaintext=secret, key_id=resp.get("KeyId"))
    ctx.note(
        f"KMS returned the {label} ({len(secret)} bytes, fingerprint "
        f"{fingerprint(secret.value)}), kept in memory only. The response names the key that "
        f"decrypted it: {resp.get('KeyId')}."
    )


# ------------------------------------------------------------------ generate-data-key-pair


def _gdkp_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "pair")
    pub, blob = var(f"{save}.public"), var(f"{save}.blob")
    words = [
        "generate-data-key-pair-without-plaintext",
        "--key-id",
        sh.arg(p["key"]),
        "--key-pair-spec",
        sh.arg(p["spec"]),
    ]
    words += sh.context(p.get("context"))
    sh.kms(words, capture=[pub, blob], query="[PublicKey,PrivateKeyCiphertextBlob]")
    sh.b64_to_file(pub, sh.path(f"${save}.public"))
    sh.b64_to_file(blob, sh.path(f"${save}.blob"))
    sh.run(
        f"{{ openssl pkey -pubin -inform DER -in {sh.path(f'${save}.public')} -noout -text "
        "2>/dev/null || echo \"  (this OpenSSL cannot read $(openssl version | cut -d' ' -f1-2) "
        'this key type)"; } | head -1'
    )


@action(
    "generate-data-key-pair",
    "GenerateDataKeyPairWithoutPlaintext: a public key and an encrypted private key",
    shell=_gdkp_shell,
    required=("key", "spec"),
    optional=("context",),
    save="pair",
    outputs=("public", "blob"),
)
def generate_data_key_pair(ctx: StepContext, p: Params) -> None:
    params: dict[str, object] = {"KeyId": ctx.param(p, "key"), "KeyPairSpec": ctx.param(p, "spec")}
    context = _context(ctx, p)
    if context:
        params["EncryptionContext"] = context
    resp = ctx.call("GenerateDataKeyPairWithoutPlaintext", **params)
    ctx.save(
        p,
        "pair",
        public=resp["PublicKey"],
        blob=resp["PrivateKeyCiphertextBlob"],
        spec=resp["KeyPairSpec"],
        key_id=resp["KeyId"],
        material=resp.get("KeyMaterialId"),
        context=context,
    )
    ctx.note(
        f"The public key ({len(resp['PublicKey'])} bytes of DER SubjectPublicKeyInfo) is plain; "
        f"the private key came back only encrypted ({len(resp['PrivateKeyCiphertextBlob'])} "
        "bytes). Nobody, not even this caller, saw the private key."
        + (f" Key material: {resp['KeyMaterialId']}." if resp.get("KeyMaterialId") else "")
    )


# ------------------------------------------------------------------------ describe-key


def _describe_shell(sh: Shell, p: Params) -> None:
    sh.kms(["describe-key", "--key-id", sh.arg(p["key"])])


@action(
    "describe-key",
    "DescribeKey: what KMS says about a key",
    shell=_describe_shell,
    required=("key",),
)
def describe_key(ctx: StepContext, p: Params) -> None:
    meta = ctx.call("DescribeKey", KeyId=ctx.param(p, "key"))["KeyMetadata"]
    parts = [
        f"{meta['KeyId']}: {meta.get('KeyState')}, {meta.get('KeySpec')} {meta.get('KeyUsage')}"
    ]
    if meta.get("CurrentKeyMaterialId"):
        parts.append(f"current key material {meta['CurrentKeyMaterialId']}")
    ctx.note("; ".join(parts))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
