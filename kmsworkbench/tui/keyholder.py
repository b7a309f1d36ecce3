"""Holders for secrets the workbench screen keeps in memory: the plaintext private key of a
pair (PKCS#8 DER, as KMS Decrypt returned it) and an ML-KEM shared secret.

Neither is ever shown, logged, pickled or copied: ``repr`` and ``str`` say only what is held
and how big it is, pickling and ``copy`` refuse. ``forget`` overwrites the holder's own buffer
with zeros and drops it. Python cannot promise more than that: the bytes object botocore
parsed from the response and the short-lived copies handed to ``keypairs`` are freed by the
garbage collector, not wiped.
"""

from __future__ import annotations

import threading
from typing import NoReturn


class NoPrivateKeyError(RuntimeError):
    """An operation needed the private key, but none is held."""


class SecretBox:
    """A secret of a few bytes with a hidden repr; ``wipe`` zeroes and drops it."""

    __slots__ = ("_buffer", "_lock", "label")

    def __init__(self, label: str) -> None:
        self.label = label
        self._buffer: bytearray | None = None
        self._lock = threading.Lock()

    @property
    def held(self) -> bool:
        return self._buffer is not None

    @property
    def size(self) -> int:
        buffer = self._buffer
        return len(buffer) if buffer is not None else 0

    def put(self, data: bytes) -> None:
        """Keep a copy of ``data`` (anything held before is wiped)."""
        with self._lock:
            self._wipe_locked()
            self._buffer = bytearray(data)

    def take(self, other: SecretBox) -> None:
        """Move what ``other`` holds into this box; ``other`` is left empty."""
        with other._lock:
            buffer, other._buffer = other._buffer, None
        with self._lock:
            self._wipe_locked()
            self._buffer = buffer

    def value(self) -> bytes:
        """A copy of the secret, for the one call that needs it."""
        with self._lock:
            if self._buffer is None:
                raise NoPrivateKeyError(f"no {self.label} is held")
            return bytes(self._buffer)

    def wipe(self) -> bool:
        """Zero and drop the secret; True when one was held."""
        with self._lock:
            return self._wipe_locked()

    def _wipe_locked(self) -> bool:
        buffer = self._buffer
        if buffer is None:
            return False
        for index in range(len(buffer)):
            buffer[index] = 0
        self._buffer = None
        return True

    def __repr__(self) -> str:
        if self._buffer is None:
            return f"<{type(self).__name__} {self.label}: empty>"
        return f"<{type(self).__name__} {self.label}: {self.size} bytes, hidden>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError(f"a {type(self).__name__} cannot be pickled")

    def __copy__(self) -> NoReturn:
        raise TypeError(f"a {type(self).__name__} cannot be copied")

    def __deepcopy__(self, memo: object) -> NoReturn:
        raise TypeError(f"a {type(self).__name__} cannot be copied")


class PrivateKeyHolder(SecretBox):
    """The plaintext private key of one pair, while the user works with it.

    ``spec`` and ``pair_name`` say whose key it is (for the indicator); ``matches`` is what
    ``keypairs.keys_match`` said against the pair's stored public key."""

    __slots__ = ("matches", "pair_name", "spec")

    def __init__(self) -> None:
        super().__init__("private key")
        self.spec: str | None = None
        self.pair_name: str | None = None
        self.matches: bool | None = None

    def hold(self, der: bytes, *, spec: str, pair_name: str, matches: bool | None) -> None:
        self.put(der)
        self.spec = spec
        self.pair_name = pair_name
        self.matches = matches

    def take(self, other: SecretBox) -> None:
        super().take(other)
        if isinstance(other, PrivateKeyHolder):
            self.spec, self.pair_name, self.matches = other.spec, other.pair_name, other.matches
            other.spec = other.pair_name = other.matches = None

    def der(self) -> bytes:
        """A copy of the PKCS#8 DER; ``NoPrivateKeyError`` when nothing is held."""
        return self.value()

    def forget(self) -> bool:
        """Drop the key (zeroing the holder's buffer); True when one was held."""
        self.spec = self.pair_name = self.matches = None
        return self.wipe()

    def __repr__(self) -> str:
        if not self.held:
            return "<PrivateKeyHolder: empty>"
        return f"<PrivateKeyHolder: {self.spec} private key of {self.pair_name}, hidden>"

    __str__ = __repr__
