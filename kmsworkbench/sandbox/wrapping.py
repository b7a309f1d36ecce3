"""Wrapping keys for imported key material, and unwrapping what a caller wrapped with them.

Pure cryptography, no store and no KMS errors: GetParametersForImport makes a wrapping key
pair with :func:`new_wrapping_key`, ImportKeyMaterial opens the caller's EncryptedKeyMaterial
with :func:`unwrap`. :func:`wrap` is the caller's side, the same steps the AWS KMS Developer
Guide performs with the OpenSSL command-line tool ("Importing key material step 3: Encrypt
the key material"); the sandbox's tests check it against that tool in both directions.

The wrapping algorithms (model ``AlgorithmSpec``; Developer Guide "Select a wrapping algorithm"):

- ``RSAES_OAEP_SHA_1`` / ``RSAES_OAEP_SHA_256``: the key material itself is encrypted with
  RSAES-OAEP (MGF1 with the same hash, no label) under the RSA wrapping public key
  (``openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256
  -pkeyopt rsa_mgf1_md:sha256``).
- ``RSA_AES_KEY_WRAP_SHA_1`` / ``RSA_AES_KEY_WRAP_SHA_256``: a fresh 256-bit AES key wraps the
  key material with AES key wrap with padding (RFC 5649, ``openssl enc -id-aes256-wrap-pad
  -iv A65959A6``); the AES key is encrypted with RSAES-OAEP as above; EncryptedKeyMaterial is
  the RSA ciphertext (as long as the modulus) followed by the wrapped key material.
- ``SM2PKE`` (China Regions only): the key material is encrypted with SM2 public key
  encryption under an SM2 wrapping key, in the ASN.1 form OpenSSL writes.
- ``RSAES_PKCS1_V1_5``: in the model's enum, but "As of October 10, 2023, KMS does not
  support" it (model docs); it is not offered here.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap_with_padding,
    aes_key_wrap_with_padding,
)

RSA_WRAPPING_SPECS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
WRAPPING_KEY_SPECS = (*RSA_WRAPPING_SPECS, "SM2")
OAEP_ALGORITHMS = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
RSA_AES_ALGORITHMS = ("RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256")
WRAPPING_ALGORITHMS = (*OAEP_ALGORITHMS, *RSA_AES_ALGORITHMS, "SM2PKE")
AES_KEY_BYTES = 32  # "a 256-bit AES symmetric key" (Developer Guide, RSA_AES_KEY_WRAP_*)


class UnwrapError(ValueError):
    """The EncryptedKeyMaterial cannot be opened with this wrapping key and algorithm."""


def _hash(algorithm: str) -> hashes.HashAlgorithm:
    return hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()


def _oaep(algorithm: str) -> padding.OAEP:
    h = _hash(algorithm)
    return padding.OAEP(mgf=padding.MGF1(algorithm=h), algorithm=h, label=None)


def compatible(algorithm: str, wrapping_key_spec: str) -> bool:
    """SM2PKE goes with an SM2 wrapping key, every other algorithm with an RSA one."""
    return (algorithm == "SM2PKE") == (wrapping_key_spec == "SM2")


def new_wrapping_key(spec: str) -> tuple[bytes, bytes]:
    """A fresh wrapping key pair of ``spec``: (PKCS#8 DER private key, SPKI DER public key)."""
    if spec == "SM2":
        from kmsworkbench import keypairs

        pair = keypairs.generate("SM2")
        return pair.private_der, pair.public_der
    key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_WRAPPING_SPECS[spec])
    private_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_der, public_der


def _rsa_private(private_der: bytes) -> rsa.RSAPrivateKey:
    # The sandbox made this key itself (new_wrapping_key), so the slow RSA consistency check
    # that guards against foreign keys is skipped.
    key = serialization.load_der_private_key(
        private_der, password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise UnwrapError("the wrapping key is not an RSA key")
    return key


def _rsa_public(public_der: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(public_der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise UnwrapError("the wrapping key is not an RSA key")
    return key


def unwrap(algorithm: str, private_der: bytes, encrypted: bytes) -> bytes:
    """The key material inside ``encrypted``, or :class:`UnwrapError`."""
    if algorithm == "SM2PKE":
        from kmsworkbench import keypairs

        try:
            return bytes(keypairs.decrypt(private_der, "SM2PKE", encrypted))
        except ValueError as exc:
            raise UnwrapError("SM2PKE decryption failed") from exc
    if algorithm not in OAEP_ALGORITHMS + RSA_AES_ALGORITHMS:
        raise UnwrapError(f"unknown wrapping algorithm {algorithm}")
    key = _rsa_private(private_der)
    size = key.key_size // 8
    if algorithm in OAEP_ALGORITHMS:
        if len(encrypted) != size:
            raise UnwrapError("the RSA ciphertext does not match the wrapping key's size")
        try:
            return key.decrypt(encrypted, _oaep(algorithm))
        except ValueError as exc:
            raise UnwrapError("RSAES-OAEP decryption failed") from exc
    if len(encrypted) <= size + 8:
        raise UnwrapError("too short for an RSA-wrapped AES key followed by wrapped material")
    try:
        aes_key = key.decrypt(encrypted[:size], _oaep(algorithm))
    except ValueError as exc:
        raise UnwrapError("RSAES-OAEP decryption of the AES key failed") from exc
    if len(aes_key) != AES_KEY_BYTES:
        raise UnwrapError(f"the wrapped AES key is {len(aes_key)} bytes, not {AES_KEY_BYTES}")
    try:
        return aes_key_unwrap_with_padding(aes_key, encrypted[size:])
    except InvalidUnwrap as exc:
        raise UnwrapError("AES key unwrap (RFC 5649) failed") from exc


def wrap(algorithm: str, public_der: bytes, material: bytes) -> bytes:
    """Encrypt ``material`` for import under ``public_der``, as a caller does."""
    if algorithm == "SM2PKE":
        from kmsworkbench import keypairs

        return bytes(keypairs.encrypt(public_der, "SM2PKE", material))
    key = _rsa_public(public_der)
    if algorithm in OAEP_ALGORITHMS:
        return key.encrypt(material, _oaep(algorithm))
    if algorithm not in RSA_AES_ALGORITHMS:
        raise UnwrapError(f"unknown wrapping algorithm {algorithm}")
    aes_key = os.urandom(AES_KEY_BYTES)
    return key.encrypt(aes_key, _oaep(algorithm)) + aes_key_wrap_with_padding(aes_key, material)
