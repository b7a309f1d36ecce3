"""Passphrase-based encryption for sandbox backups (and key material at rest).

A passphrase is stretched with scrypt (RFC 7914, from ``cryptography``) into 64 bytes: an
AES-256-GCM key and a separate check key. The check value (HMAC-SHA-256 of a fixed label
under the check key) is stored beside the ciphertext so a wrong passphrase is told apart
from a damaged file; it gives an attacker nothing the GCM tag would not (both need the same
scrypt work per guess).

Parameters: N = 2**17, r = 8, p = 1 (128 MiB, about a second), OWASP's recommendation for
scrypt. Files record their own parameters; reading accepts only a bounded range, so a
crafted file cannot make us allocate gigabytes.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

DEFAULT_N = 2**17
MIN_N, MAX_N = 2**14, 2**20
MAX_R, MAX_P = 16, 4
SALT_BYTES = 16
NONCE_BYTES = 12
_CHECK_LABEL = b"kmsworkbench passphrase check v1"


class SealError(ValueError):
    """Sealed data cannot be opened: ``str()`` says why (wrong passphrase, damaged, ...)."""


class WrongPassphraseError(SealError):
    pass


@dataclass(frozen=True, slots=True)
class KdfParams:
    salt: bytes
    n: int = DEFAULT_N
    r: int = 8
    p: int = 1

    @classmethod
    def new(cls, n: int = DEFAULT_N) -> KdfParams:
        return cls(salt=os.urandom(SALT_BYTES), n=n)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": "scrypt",
            "n": self.n,
            "r": self.r,
            "p": self.p,
            "salt": base64.b64encode(self.salt).decode("ascii"),
        }

    @classmethod
    def from_json(cls, data: object) -> KdfParams:
        if not isinstance(data, dict) or data.get("name") != "scrypt":
            raise SealError("its key derivation is not scrypt (unknown or damaged header)")
        n, r, p = data.get("n"), data.get("r"), data.get("p")
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (n, r, p))
        if not ints or not (MIN_N <= n <= MAX_N and n & (n - 1) == 0):  # type: ignore[operator]
            raise SealError(f"its scrypt parameters are out of range (n={n!r})")
        if not (1 <= r <= MAX_R and 1 <= p <= MAX_P):  # type: ignore[operator]
            raise SealError(f"its scrypt parameters are out of range (r={r!r}, p={p!r})")
        try:
            salt = base64.b64decode(str(data.get("salt")), validate=True)
        except ValueError:
            raise SealError("its salt is not base64 (damaged header)") from None
        if len(salt) < SALT_BYTES:
            raise SealError("its salt is too short (damaged header)")
        return cls(salt=salt, n=int(n), r=int(r), p=int(p))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class SealKey:
    """The keys derived from one passphrase. No repr of the key bytes."""

    params: KdfParams
    _enc: bytes
    _check: bytes

    def __repr__(self) -> str:
        return f"SealKey(scrypt n={self.params.n})"

    @property
    def check_value(self) -> str:
        mac = hmac.new(self._check, _CHECK_LABEL, sha256).digest()
        return base64.b64encode(mac).decode("ascii")

    def verify(self, check_value: object) -> None:
        if not isinstance(check_value, str) or not hmac.compare_digest(
            self.check_value, check_value
        ):
            raise WrongPassphraseError("the passphrase is wrong")

    def seal(self, plaintext: bytes, aad: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self._enc).encrypt(nonce, plaintext, aad)

    def open(self, sealed: bytes, aad: bytes = b"") -> bytes:
        if len(sealed) < NONCE_BYTES + 16:
            raise SealError("it is truncated (too short to hold its ciphertext)")
        try:
            return AESGCM(self._enc).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
        except InvalidTag:
            raise SealError(
                "it is damaged: its contents fail authentication (changed or truncated)"
            ) from None


def derive(passphrase: str, params: KdfParams) -> SealKey:
    if not passphrase:
        raise SealError("the passphrase is empty")
    raw = Scrypt(salt=params.salt, length=64, n=params.n, r=params.r, p=params.p).derive(
        passphrase.encode("utf-8")
    )
    return SealKey(params, raw[:32], raw[32:])
