"""The caller's side of an import, done with the OpenSSL command-line tool the way the AWS
KMS Developer Guide does it ("Importing key material step 3: Encrypt the key material"):
``openssl pkeyutl -encrypt`` with OAEP for RSAES_OAEP_*, the same plus ``openssl enc
-id-aes256-wrap-pad`` for RSA_AES_KEY_WRAP_*, and ``openssl pkeyutl -encrypt`` with an SM2 key
for SM2PKE."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command-line tool")


def openssl(folder: Path, *args: str) -> bytes:
    assert OPENSSL is not None
    result = subprocess.run(
        [OPENSSL, *args], cwd=folder, capture_output=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {result.stderr.decode(errors='replace')}")
    return result.stdout


def _oaep_options(algorithm: str) -> list[str]:
    md = "sha1" if algorithm.endswith("SHA_1") else "sha256"
    return [
        "-pkeyopt", "rsa_padding_mode:oaep",
        "-pkeyopt", f"rsa_oaep_md:{md}",
        "-pkeyopt", f"rsa_mgf1_md:{md}",
    ]  # fmt: skip


def openssl_wrap(folder: Path, algorithm: str, public_der: bytes, material: bytes) -> bytes:
    """EncryptedKeyMaterial for ``material`` under the wrapping key ``public_der``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "WrappingPublicKey.bin").write_bytes(public_der)
    (folder / "PlaintextKeyMaterial.bin").write_bytes(material)
    pub = ["-inkey", "WrappingPublicKey.bin", "-keyform", "DER", "-pubin"]
    if algorithm == "SM2PKE":
        openssl(folder, "pkeyutl", "-encrypt", "-in", "PlaintextKeyMaterial.bin",
                "-out", "EncryptedKeyMaterial.bin", *pub)  # fmt: skip
    elif algorithm.startswith("RSAES_OAEP"):
        openssl(folder, "pkeyutl", "-encrypt", "-in", "PlaintextKeyMaterial.bin",
                "-out", "EncryptedKeyMaterial.bin", *pub, *_oaep_options(algorithm))  # fmt: skip
    else:
        openssl(folder, "rand", "-out", "aes-key.bin", "32")
        aes_hex = (folder / "aes-key.bin").read_bytes().hex()
        openssl(folder, "enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6",
                "-in", "PlaintextKeyMaterial.bin", "-out", "key-material-wrapped.bin")  # fmt: skip
        openssl(folder, "pkeyutl", "-encrypt", "-in", "aes-key.bin",
                "-out", "aes-key-wrapped.bin", *pub, *_oaep_options(algorithm))  # fmt: skip
        (folder / "EncryptedKeyMaterial.bin").write_bytes(
            (folder / "aes-key-wrapped.bin").read_bytes()
            + (folder / "key-material-wrapped.bin").read_bytes()
        )
    return (folder / "EncryptedKeyMaterial.bin").read_bytes()
