"""Encrypt, Decrypt, ReEncrypt: symmetric keys (the sandbox's ciphertext format, blob.py)
and asymmetric ENCRYPT_DECRYPT keys (RSAES_OAEP_*, SM2PKE)."""

from __future__ import annotations

from kmsworkbench.sandbox import blob as blobfmt
from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core import (
    Params,
    Request,
    Response,
    check_algorithm,
    check_grant_tokens,
    check_usable,
    dry_run,
    keypairs,
    no_recipient,
    operation,
    resolve_key,
    tx,
    usable_key,
)
from kmsworkbench.sandbox.core.specs import OAEP_HASH, SM2PKE_MAX
from kmsworkbench.sandbox.store import KeyRecord


def seal(r: Request, key: KeyRecord, plaintext: bytes, context: dict[str, str] | None) -> bytes:
    """A symmetric ciphertext of ``plaintext`` under the key's current material."""
    assert key.secret is not None and key.material_id is not None
    return blobfmt.seal(
        key.secret,
        region=r.region,
        key_id=key.key_id,
        material_id=key.material_id,
        plaintext=plaintext,
        context=context,
    )


def _max_plaintext(key: KeyRecord, algorithm: str) -> int:
    if algorithm == "SM2PKE":
        return SM2PKE_MAX
    modulus_bytes = int(key.key_spec.split("_")[1]) // 8
    return modulus_bytes - 2 * OAEP_HASH[algorithm] - 2


def check_encryption(
    key: KeyRecord, algorithm: str, plaintext: bytes, context: dict[str, str] | None
) -> None:
    check_algorithm(key, algorithm)
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return
    if context:
        raise E.err("asymmetric_context")
    limit = _max_plaintext(key, algorithm)
    if len(plaintext) > limit:
        raise E.err("plaintext_too_large", algorithm=algorithm, spec=key.key_spec, limit=limit)


def encrypt_with(
    r: Request, key: KeyRecord, algorithm: str, plaintext: bytes, context: dict[str, str] | None
) -> bytes:
    if key.key_spec == "SYMMETRIC_DEFAULT":
        return seal(r, key, plaintext, context)
    assert key.public_der is not None
    return bytes(keypairs().encrypt(key.public_der, algorithm, plaintext))


@operation("Encrypt")
def encrypt(r: Request, p: Params) -> Response:
    def work(write: bool) -> tuple[KeyRecord, str]:
        key = usable_key(r, p, write, "ENCRYPT_DECRYPT")
        algorithm = p.get("EncryptionAlgorithm") or "SYMMETRIC_DEFAULT"
        check_encryption(key, algorithm, p["Plaintext"], p.get("EncryptionContext"))
        dry_run(p)
        return key, algorithm

    key, algorithm = tx(r, work)
    blob = encrypt_with(r, key, algorithm, p["Plaintext"], p.get("EncryptionContext"))
    return {
        "CiphertextBlob": blob,
        "KeyId": r.key_arn(key.key_id),
        "EncryptionAlgorithm": algorithm,
    }


def decrypt_source(
    r: Request,
    write: bool,
    *,
    action: str,
    blob: bytes | None,
    key_ref: str | None,
    algorithm: str | None,
    context: dict[str, str] | None,
    ignore_ciphertext: bool = False,
) -> tuple[KeyRecord, str, bytes | None, str | None]:
    """Find and check the key that decrypts ``blob``; for symmetric blobs also decrypt
    (cheap). Returns (key, algorithm, plaintext or None for asymmetric, material id)."""
    algorithm = algorithm or "SYMMETRIC_DEFAULT"
    named = resolve_key(r, key_ref, write, action=action) if key_ref else None
    if ignore_ciphertext:
        if named is None:
            raise E.err("ignore_ciphertext_needs_key_id")
        check_usable(r, named, "ENCRYPT_DECRYPT")
        return named, algorithm, None, named.material_id
    if blob is None:
        raise E.err("ciphertext_required")
    if algorithm != "SYMMETRIC_DEFAULT":
        if named is None:
            raise E.err("asymmetric_needs_key_id")
        check_usable(r, named, "ENCRYPT_DECRYPT")
        check_algorithm(named, algorithm)
        return named, algorithm, None, None
    try:
        header = blobfmt.parse(blob)
    except blobfmt.BlobError as exc:
        if named is not None and named.key_spec != "SYMMETRIC_DEFAULT":
            raise E.err("algorithm_incompatible", algorithm=algorithm, spec=named.key_spec) from exc
        raise E.err("invalid_ciphertext") from exc
    # A multi-Region key's ciphertext decrypts under the related key of any Region it has
    # been replicated to (same key id, same key material).
    here = header.region == r.region or header.key_id.startswith("mrk-")
    if named is not None and (header.key_id != named.key_id or not here):
        raise E.err("incorrect_key")
    if not here:
        raise E.err("ciphertext_key_inaccessible")
    key = named or resolve_key(r, header.key_id, write, action=action, from_ciphertext=True)
    check_usable(r, key, "ENCRYPT_DECRYPT")
    material = r.store.get_material(r.region, key.key_id, header.material_id)
    if material is None:
        raise E.err("invalid_ciphertext")
    try:
        plaintext = blobfmt.open_blob(material, header, context)
    except blobfmt.BlobError as exc:
        raise E.err("invalid_ciphertext") from exc  # wrong context, tampered blob
    return key, algorithm, plaintext, header.material_id


def asymmetric_decrypt(key: KeyRecord, algorithm: str, blob: bytes) -> bytes:
    kp = keypairs()
    assert key.secret is not None
    try:
        return bytes(kp.decrypt(key.secret, algorithm, blob))
    except ValueError as exc:  # keypairs.DecryptionError and malformed input
        raise E.err("invalid_ciphertext") from exc


@operation("Decrypt")
def decrypt(r: Request, p: Params) -> Response:
    ignore = bool(p.get("DryRun")) and "IGNORE_CIPHERTEXT" in (p.get("DryRunModifiers") or [])
    no_recipient(p)

    def work(write: bool) -> tuple[KeyRecord, str, bytes | None, str | None]:
        check_grant_tokens(r, p.get("GrantTokens"))
        return decrypt_source(
            r,
            write,
            action="Decrypt",
            blob=p.get("CiphertextBlob"),
            key_ref=p.get("KeyId"),
            algorithm=p.get("EncryptionAlgorithm"),
            context=p.get("EncryptionContext"),
            ignore_ciphertext=ignore,
        )

    key, algorithm, plaintext, material_id = tx(r, work)
    if plaintext is None and not ignore:
        plaintext = asymmetric_decrypt(key, algorithm, p["CiphertextBlob"])
    dry_run(p)
    assert plaintext is not None
    out: Response = {
        "KeyId": r.key_arn(key.key_id),
        "Plaintext": plaintext,
        "EncryptionAlgorithm": algorithm,
    }
    if key.key_spec == "SYMMETRIC_DEFAULT":  # "present only for symmetric keys"
        out["KeyMaterialId"] = material_id
    return out


@operation("ReEncrypt")
def re_encrypt(r: Request, p: Params) -> Response:
    ignore = bool(p.get("DryRun")) and "IGNORE_CIPHERTEXT" in (p.get("DryRunModifiers") or [])
    dest_algorithm = p.get("DestinationEncryptionAlgorithm") or "SYMMETRIC_DEFAULT"

    def work(write: bool) -> tuple[KeyRecord, str, bytes | None, str | None, KeyRecord]:
        check_grant_tokens(r, p.get("GrantTokens"))
        source, algorithm, plaintext, material_id = decrypt_source(
            r,
            write,
            action="ReEncryptFrom",
            blob=p.get("CiphertextBlob"),
            key_ref=p.get("SourceKeyId"),
            algorithm=p.get("SourceEncryptionAlgorithm"),
            context=p.get("SourceEncryptionContext"),
            ignore_ciphertext=ignore,
        )
        dest = resolve_key(r, p["DestinationKeyId"], write, action="ReEncryptTo")
        check_usable(r, dest, "ENCRYPT_DECRYPT")
        check_algorithm(dest, dest_algorithm)
        return source, algorithm, plaintext, material_id, dest

    source, algorithm, plaintext, material_id, dest = tx(r, work)
    if plaintext is None and not ignore:
        plaintext = asymmetric_decrypt(source, algorithm, p["CiphertextBlob"])
    dest_context = p.get("DestinationEncryptionContext")
    if plaintext is not None:
        check_encryption(dest, dest_algorithm, plaintext, dest_context)
    dry_run(p)
    assert plaintext is not None
    out: Response = {
        "CiphertextBlob": encrypt_with(r, dest, dest_algorithm, plaintext, dest_context),
        "SourceKeyId": r.key_arn(source.key_id),
        "KeyId": r.key_arn(dest.key_id),
        "SourceEncryptionAlgorithm": algorithm,
        "DestinationEncryptionAlgorithm": dest_algorithm,
    }
    if source.key_spec == "SYMMETRIC_DEFAULT":
        out["SourceKeyMaterialId"] = material_id
    if dest.key_spec == "SYMMETRIC_DEFAULT":
        out["DestinationKeyMaterialId"] = dest.material_id
    return out
