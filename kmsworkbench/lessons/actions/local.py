"""Lesson actions that do cryptography locally, with no KMS call: what a data key or a data
key pair is for once KMS has made it."""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmsworkbench import keypairs

from ..shell import Shell, var
from ..values import LocalError, Secret, fingerprint, short_blob
from .base import Params, action

if TYPE_CHECKING:
    from ..runner import StepContext

_NO_GCM = (
    "openssl enc cannot do AES-GCM (it refuses AEAD ciphers), so the script uses python3 "
    "with the cryptography package for this one step."
)

_GCM_ENCRYPT_PY = (
    "python3 -c 'import os,sys,binascii; from cryptography.hazmat.primitives.ciphers.aead "
    "import AESGCM; k=binascii.a2b_base64(sys.argv[1]); n=os.urandom(12); "
    "sys.stdout.buffer.write(n+AESGCM(k).encrypt(n,sys.argv[2].encode(),None))'"
)
_GCM_DECRYPT_PY = (
    "python3 -c 'import sys,binascii; from cryptography.hazmat.primitives.ciphers.aead "
    'import AESGCM; k=binascii.a2b_base64(sys.argv[1]); d=open(sys.argv[2],"rb").read(); '
    "sys.stdout.write(AESGCM(k).decrypt(d[:12],d[12:],None).decode())'"
)


def _secret(ctx: StepContext, p: Params, name: str) -> bytes:
    value = ctx.param(p, name)
    if isinstance(value, Secret):
        return value.value
    raise LocalError("BadLesson", f"{name} must name a secret an earlier step saved")


# ------------------------------------------------------------------ AES-GCM with a data key


def _encrypt_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "sealed")
    sh.comment(_NO_GCM)
    sh.run(
        f"{_GCM_ENCRYPT_PY} {sh.arg(p['data_key'])} {shlex.quote(str(p['message']))} "
        f"> {sh.path(f'${save}.ciphertext')}"
    )
    sh.run(f'echo "  encrypted: $(wc -c < {sh.path(f"${save}.ciphertext")}) bytes"')


@action(
    "encrypt-locally",
    "AES-256-GCM with a plaintext data key, locally: no KMS call",
    shell=_encrypt_shell,
    required=("data_key", "message"),
    save="sealed",
    outputs=("ciphertext",),
)
def encrypt_locally(ctx: StepContext, p: Params) -> None:
    key = _secret(ctx, p, "data_key")
    message = str(ctx.param(p, "message")).encode()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, message, None)
    ctx.save(p, "sealed", ciphertext=sealed)
    ctx.local(
        "AES-256-GCM encrypt (local)",
        f"{len(message)} bytes of message became {short_blob(sealed)}: 12 bytes of nonce, the "
        f"ciphertext and a 16-byte tag. ({_NO_GCM})",
    )


def _decrypt_local_shell(sh: Shell, p: Params) -> None:
    sh.comment(_NO_GCM)
    command = f"{_GCM_DECRYPT_PY} {sh.arg(p['data_key'])} {sh.path(p['ciphertext'])}"
    sh.run(f'echo "  message: $({command})"', checked=True, bare=command)


@action(
    "decrypt-locally",
    "AES-256-GCM decrypt with a data key that KMS decrypted: no KMS call",
    shell=_decrypt_local_shell,
    required=("data_key", "ciphertext"),
)
def decrypt_locally(ctx: StepContext, p: Params) -> None:
    key = _secret(ctx, p, "data_key")
    sealed = bytes(ctx.param(p, "ciphertext"))
    try:
        message = AESGCM(key).decrypt(sealed[:12], sealed[12:], None)
    except InvalidTag:
        raise LocalError(
            "InvalidTag",
            "AES-GCM refused the data: the tag does not match",
            "Either the data was changed or this is not the key it was encrypted with. "
            "AES-GCM authenticates as well as encrypts: nothing is decrypted.",
        ) from None
    ctx.local("AES-256-GCM decrypt (local)", f"the message is back: {message.decode()!r}")


def _forget_shell(sh: Shell, p: Params) -> None:
    sh.run(f"unset {var(p['secret'])}")


@action(
    "forget",
    "Wipe a plaintext key from memory: from now on only KMS can give it back",
    shell=_forget_shell,
    required=("secret",),
)
def forget(ctx: StepContext, p: Params) -> None:
    value = ctx.param(p, "secret")
    if isinstance(value, Secret):
        size = len(value)
        value.wipe()
        ctx.local("forget", f"{size} bytes of plaintext key overwritten with zeros and dropped.")


# ---------------------------------------------------------------------------- tampering


def _tamper_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "tampered")
    src, dst = sh.path(p["blob"]), sh.path(f"${save}.blob")
    sh.comment("Flip one bit in the middle of the blob.")
    sh.run(
        'python3 -c \'import sys; d=bytearray(open(sys.argv[1],"rb").read()); '
        'd[len(d)//2]^=1; open(sys.argv[2],"wb").write(d)\' ' + f"{src} {dst}"
    )


@action(
    "tamper",
    "Flip one bit of a blob, to see what KMS or AES-GCM does with a changed ciphertext",
    shell=_tamper_shell,
    required=("blob",),
    save="tampered",
    outputs=("blob",),
)
def tamper(ctx: StepContext, p: Params) -> None:
    data = bytearray(bytes(ctx.param(p, "blob")))
    data[len(data) // 2] ^= 1
    ctx.save(p, "tampered", blob=bytes(data))
    ctx.local("tamper", f"bit 0 of byte {len(data) // 2} of {len(data)} flipped")


# ------------------------------------------------------------------- public-key operations


def _files_for_message(sh: Shell, save: str, message: str) -> str:
    path = sh.path(f"${save}.message")
    sh.run(f"printf %s {shlex.quote(message)} > {path}")
    return path


def _verify_shell(sh: Shell, p: Params) -> None:
    msg = _files_for_message(sh, "verify", str(p["message"]))
    sh.run(
        f"openssl dgst -sha256 -verify {sh.path(p['public'])} -keyform DER "
        f"-signature {sh.path(p['signature'])} {msg}",
        checked=True,
    )


@action(
    "verify-locally",
    "Verify a signature with the public key alone: no KMS call, no private key",
    shell=_verify_shell,
    required=("public", "signature", "message"),
    optional=("algorithm",),
)
def verify_locally(ctx: StepContext, p: Params) -> None:
    algorithm = str(ctx.param(p, "algorithm") or "ECDSA_SHA_256")
    message = str(ctx.param(p, "message")).encode()
    public = bytes(ctx.param(p, "public"))
    ok = keypairs.verify(public, algorithm, message, bytes(ctx.param(p, "signature")))
    command = (
        "openssl dgst -sha256 -verify public.der -keyform DER -signature signature.bin message.txt"
    )
    if not ok:
        ctx.local("verify (local)", "the signature does NOT match", command)
        raise LocalError(
            "SignatureInvalid",
            "the signature does not verify",
            "The message, the signature or the key is not the one that was signed. A public "
            "key can tell, without KMS and without the private key.",
        )
    ctx.local("verify (local)", f"{algorithm}: the signature is valid", command)


def _sign_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "signature")
    msg = _files_for_message(sh, save, str(p["message"]))
    sh.comment("The private key goes to openssl through a pipe, never a file.")
    sh.run(
        f"openssl dgst -sha256 -sign <(printf %s {sh.arg(p['private'])} | b64d) -keyform DER "
        f"-out {sh.path(f'${save}.value')} {msg}",
        checked=True,
    )
    sh.run(f'echo "  signature: $(wc -c < {sh.path(f"${save}.value")}) bytes"')


@action(
    "sign-locally",
    "Sign with a private key that KMS decrypted, in memory: no KMS call",
    shell=_sign_shell,
    required=("private", "message"),
    optional=("algorithm",),
    save="signature",
    outputs=("value",),
)
def sign_locally(ctx: StepContext, p: Params) -> None:
    algorithm = str(ctx.param(p, "algorithm") or "ECDSA_SHA_256")
    message = str(ctx.param(p, "message")).encode()
    signature = keypairs.sign(_secret(ctx, p, "private"), algorithm, message)
    ctx.save(p, "signature", value=signature)
    ctx.local(
        "sign (local)",
        f"{algorithm}: {short_blob(signature)}",
        "openssl dgst -sha256 -sign <(private key from Decrypt) -keyform DER message.txt",
    )


def _encrypt_pub_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "encrypted")
    msg = _files_for_message(sh, save, str(p["message"]))
    sh.run(
        f"openssl pkeyutl -encrypt -pubin -keyform DER -inkey {sh.path(p['public'])} "
        "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 "
        f"-in {msg} -out {sh.path(f'${save}.ciphertext')}"
    )


@action(
    "encrypt-with-public-key",
    "RSAES_OAEP_SHA_256 with the public key alone: anyone can encrypt, no KMS call",
    shell=_encrypt_pub_shell,
    required=("public", "message"),
    save="encrypted",
    outputs=("ciphertext",),
)
def encrypt_with_public_key(ctx: StepContext, p: Params) -> None:
    message = str(ctx.param(p, "message")).encode()
    ciphertext = keypairs.encrypt(bytes(ctx.param(p, "public")), "RSAES_OAEP_SHA_256", message)
    ctx.save(p, "encrypted", ciphertext=ciphertext)
    ctx.local(
        "encrypt (local)",
        f"RSAES_OAEP_SHA_256: {short_blob(ciphertext)}",
        "openssl pkeyutl -encrypt -pubin -keyform DER -inkey public.der -pkeyopt "
        "rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256",
    )


def _decrypt_priv_shell(sh: Shell, p: Params) -> None:
    command = (
        f"openssl pkeyutl -decrypt -keyform DER -inkey <(printf %s {sh.arg(p['private'])} | b64d) "
        "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 "
        f"-in {sh.path(p['ciphertext'])}"
    )
    sh.run(f'echo "  message: $({command})"', checked=True, bare=command)


@action(
    "decrypt-with-private-key",
    "RSAES_OAEP_SHA_256 decrypt with the private key KMS decrypted, in memory",
    shell=_decrypt_priv_shell,
    required=("private", "ciphertext"),
)
def decrypt_with_private_key(ctx: StepContext, p: Params) -> None:
    message = keypairs.decrypt(
        _secret(ctx, p, "private"), "RSAES_OAEP_SHA_256", bytes(ctx.param(p, "ciphertext"))
    )
    ctx.local("decrypt (local)", f"the message is back: {message.decode()!r}")


# --------------------------------------------------------------------------------- ML-KEM

_KEM_ENCAP_PY = (
    "python3 -c 'import sys,base64; from cryptography.hazmat.primitives.serialization import "
    'load_der_public_key as L; k=L(open(sys.argv[1],"rb").read()); s,c=k.encapsulate(); '
    'open(sys.argv[2],"wb").write(c); print(base64.b64encode(s).decode())\''
)
_KEM_DECAP_PY = (
    "python3 -c 'import sys,base64; from cryptography.hazmat.primitives.serialization "
    "import load_der_private_key as L; k=L(base64.b64decode(sys.argv[1]),None); "
    'print(base64.b64encode(k.decapsulate(open(sys.argv[2],"rb").read())).decode())\''
)
_NO_KEM = "OpenSSL 3.0 has no ML-KEM (3.5 has); python3's cryptography package does it."


def _encapsulate_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "kem")
    sh.comment(_NO_KEM)
    sh.run(
        f"{var(f'{save}.secret')}=$({_KEM_ENCAP_PY} {sh.path(p['public'])} "
        f"{sh.path(f'${save}.ciphertext')})"
    )
    sh.run(f'echo "  ciphertext: $(wc -c < {sh.path(f"${save}.ciphertext")}) bytes"')


@action(
    "encapsulate",
    "ML-KEM encapsulate with the public key: a shared secret and its ciphertext, no KMS call",
    shell=_encapsulate_shell,
    required=("public",),
    save="kem",
    outputs=("ciphertext", "secret"),
)
def encapsulate(ctx: StepContext, p: Params) -> None:
    ciphertext, secret = keypairs.encapsulate(bytes(ctx.param(p, "public")))
    ctx.save(p, "kem", ciphertext=ciphertext, secret=Secret(secret, "shared secret"))
    ctx.local(
        "ML-KEM encapsulate (local)",
        f"a 32-byte shared secret (fingerprint {fingerprint(secret)}) and its ciphertext "
        f"{short_blob(ciphertext)}. Only the private key can recover the secret from it. "
        f"({_NO_KEM})",
    )


def _decapsulate_shell(sh: Shell, p: Params) -> None:
    save = str(p.get("save") or "opened")
    sh.comment(_NO_KEM)
    command = f"{_KEM_DECAP_PY} {sh.arg(p['private'])} {sh.path(p['ciphertext'])}"
    sh.run(f"{var(f'{save}.secret')}=$({command})", checked=True, bare=command)


@action(
    "decapsulate",
    "ML-KEM decapsulate with the private key KMS decrypted: the same shared secret",
    shell=_decapsulate_shell,
    required=("private", "ciphertext"),
    optional=("expect_same_as",),
    save="opened",
    outputs=("secret",),
)
def decapsulate(ctx: StepContext, p: Params) -> None:
    secret = keypairs.decapsulate(_secret(ctx, p, "private"), bytes(ctx.param(p, "ciphertext")))
    detail = f"shared secret fingerprint {fingerprint(secret)}"
    other = ctx.param(p, "expect_same_as")
    if isinstance(other, Secret):
        same = other.value == secret
        detail += "; the same secret the sender has" if same else "; NOT the sender's secret"
    ctx.save(p, "opened", secret=Secret(secret, "shared secret"))
    ctx.local("ML-KEM decapsulate (local)", detail)
