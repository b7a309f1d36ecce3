"""Key material at rest: optionally, the sandbox's key material (``key_material.secret``:
symmetric keys, HMAC keys, PKCS#8 private keys) is kept in the store encrypted under a key
derived from a passphrase (``sealing``: scrypt, then AES-256-GCM).

- ``meta.at_rest`` holds the scrypt parameters, the passphrase check value and the name of the
  environment variable to read the passphrase from (or none: asked on the terminal, once per
  process and folder). Without it the store holds plain material, as before.
- Each sealed value is ``PREFIX || nonce || ciphertext``, with the row's Region, key id and
  material id as associated data, so a value moved to another row does not open.
- The store calls :meth:`MaterialSealer.seal` where it writes material and
  :meth:`MaterialSealer.unseal` where it reads it (the only two hooks); a plain value (made
  before it was turned on) reads as it is, and ``enable`` seals every row in one transaction.

This protects the material in a copied or stolen store file; a running sandbox holds the key
in memory, and the sandbox's metadata (key ids, aliases, grants) stays readable.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
import sys
import threading
from pathlib import Path

from kmsworkbench.sandbox import sealing
from kmsworkbench.sandbox.integrity import StoreError, StoreLockedError

META = "at_rest"
PREFIX = b"KMSWB-AT-REST-1:"

_keys: dict[tuple[str, bytes], sealing.SealKey] = {}  # one derivation per process and folder
_keys_lock = threading.Lock()


class MaterialSealer:
    def __init__(self, key: sealing.SealKey) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "MaterialSealer()"

    @staticmethod
    def _aad(region: str, key_id: str, material_id: str) -> bytes:
        return f"{region}\x00{key_id}\x00{material_id}".encode()

    def seal(
        self, region: str, key_id: str, material_id: str, secret: bytes | None
    ) -> bytes | None:
        if secret is None:
            return None
        return PREFIX + self._key.seal(secret, self._aad(region, key_id, material_id))

    def unseal(self, region: str, key_id: str, material_id: str, stored: bytes) -> bytes:
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._key.open(stored[len(PREFIX) :], self._aad(region, key_id, material_id))
        except sealing.SealError as exc:
            raise StoreError(
                Path("key_material"), f"holds material for {key_id} that does not open: {exc}"
            ) from None


def unseal_plain(stored: bytes, key_id: str, path: Path) -> bytes:
    """Reading without a sealer: sealed material means meta.at_rest went missing."""
    if stored.startswith(PREFIX):
        raise StoreError(path, f"holds sealed material for {key_id} but no at-rest settings")
    return stored


def settings(conn: sqlite3.Connection) -> dict[str, object] | None:
    row = conn.execute("SELECT value FROM meta WHERE name = ?", (META,)).fetchone()
    if row is None:
        return None
    try:
        value = json.loads(str(row[0]))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def ask(env: str | None, prompt: str) -> str:
    """The passphrase from environment variable ``env``, else the terminal."""
    if env:
        value = os.environ.get(env, "")
        if value:
            return value
    if not sys.stdin.isatty():
        raise ValueError(
            f"the sandbox's key material is encrypted at rest: set {env or 'the passphrase variable'}"
            " or run on a terminal to be asked for the passphrase"
        )
    return getpass.getpass(prompt)


def sealer_for(conn: sqlite3.Connection, path: Path) -> MaterialSealer | None:
    """The sealer for a store whose material is encrypted at rest (None when it is not);
    the passphrase is asked (or read) once per process. StoreError if it is wrong."""
    found = settings(conn)
    if found is None:
        return None
    try:
        params = sealing.KdfParams.from_json(found.get("kdf"))
    except sealing.SealError as exc:
        raise StoreError(path, f"has damaged at-rest settings ({exc})") from None
    cache = (str(path.resolve()), params.salt)
    with _keys_lock:
        key = _keys.get(cache)
        if key is None:
            env = found.get("env")
            try:
                passphrase = ask(env if isinstance(env, str) else None, f"Passphrase for {path}: ")
                key = sealing.derive(passphrase, params)
                key.verify(found.get("check"))
            except sealing.WrongPassphraseError:
                raise StoreLockedError(
                    path, "cannot be opened: the at-rest passphrase is wrong"
                ) from None
            except (ValueError, sealing.SealError) as exc:
                raise StoreLockedError(path, f"cannot be opened: {exc}") from None
            _keys[cache] = key
    return MaterialSealer(key)


def enable(
    conn: sqlite3.Connection, passphrase: str, env: str | None, *, n: int = sealing.DEFAULT_N
) -> int:
    """Turn on encryption at rest and seal every material row (inside the caller's write
    transaction). Returns the number of rows sealed."""
    if settings(conn) is not None:
        raise ValueError("the key material is already encrypted at rest")
    key = sealing.derive(passphrase, sealing.KdfParams.new(n))
    sealer = MaterialSealer(key)
    rows = conn.execute(
        "SELECT region, key_id, material_id, secret FROM key_material WHERE secret IS NOT NULL"
    ).fetchall()
    for region, key_id, material_id, secret in rows:
        conn.execute(
            "UPDATE key_material SET secret = ? WHERE region = ? AND key_id = ? AND material_id = ?",
            (sealer.seal(region, key_id, material_id, bytes(secret)), region, key_id, material_id),
        )
    value = {"kdf": key.params.to_json(), "check": key.check_value, "env": env}
    conn.execute("INSERT INTO meta (name, value) VALUES (?, ?)", (META, json.dumps(value)))
    return len(rows)


def disable(conn: sqlite3.Connection, sealer: MaterialSealer) -> int:
    """Store every material row plain again and drop the settings (in a write transaction)."""
    rows = conn.execute(
        "SELECT region, key_id, material_id, secret FROM key_material WHERE secret IS NOT NULL"
    ).fetchall()
    for region, key_id, material_id, secret in rows:
        plain = sealer.unseal(region, key_id, material_id, bytes(secret))
        conn.execute(
            "UPDATE key_material SET secret = ? WHERE region = ? AND key_id = ? AND material_id = ?",
            (plain, region, key_id, material_id),
        )
    conn.execute("DELETE FROM meta WHERE name = ?", (META,))
    return len(rows)
