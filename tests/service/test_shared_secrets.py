"""Shared secrets (DeriveSharedSecret, Encapsulate, Decapsulate) are key material: like a
plaintext private key they never reach the --debug log or the journal."""

from __future__ import annotations

import base64
import io
import logging
from pathlib import Path

from kmsworkbench import keypairs as kp
from kmsworkbench.service._debug import (
    RedactingFilter,
    disable_debug_logging,
    enable_debug_logging,
)
from kmsworkbench.service.backend import Backend
from kmsworkbench.service.session import KmsSession


def test_debug_log_and_journal_never_show_a_shared_secret(tmp_path: Path) -> None:
    stream = io.StringIO()
    disable_debug_logging()
    enable_debug_logging(stream)
    try:
        with KmsSession(Backend(kind="sandbox", data_dir=tmp_path / "d", debug=True)) as s:
            ecdh = s.call("CreateKey", KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
            peer = kp.generate("ECC_NIST_P256")
            derived = s.call(
                "DeriveSharedSecret",
                KeyId=ecdh["KeyMetadata"]["KeyId"],
                KeyAgreementAlgorithm="ECDH",
                PublicKey=peer.public_der,
            )["SharedSecret"]
            kem = s.call("CreateKey", KeySpec="ML_KEM_768", KeyUsage="ENCAPSULATE_DECAPSULATE")
            key_id = kem["KeyMetadata"]["KeyId"]
            sealed = s.call("Encapsulate", KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
            opened = s.call(
                "Decapsulate",
                KeyId=key_id,
                EncapsulationAlgorithm="ML_KEM",
                SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"],
            )["SharedSecret"]
            journal = [(e.operation, e.params, e.aws_cli) for e in s.journal.entries]
    finally:
        disable_debug_logging()
    log = stream.getvalue()
    assert "DeriveSharedSecret" in log and "Encapsulate" in log and "Response body: <" in log
    assert opened == sealed["SharedSecret"]
    for secret in (derived, opened):
        assert base64.b64encode(secret).decode() not in log
        assert repr(secret)[2:40] not in log
        assert all(base64.b64encode(secret).decode() not in str(entry) for entry in journal)
    derive = next(e for e in journal if e[0] == "DeriveSharedSecret")
    assert derive[1]["PublicKey"] == f"<{len(peer.public_der)} bytes>"
    assert "--public-key fileb://public-key.bin" in derive[2]


def test_redacting_filter_masks_shared_secret_members() -> None:
    record = logging.LogRecord(
        "botocore.hooks", logging.DEBUG, __file__, 1,
        "%s", ({"SharedSecret": b"\x01\x02secret", "SharedSecretCiphertextBlob": b"ct"},), None,
    )  # fmt: skip
    RedactingFilter().filter(record)
    shown = record.getMessage()
    assert "secret" not in shown.replace("SharedSecret", "")
    assert "<redacted>" in shown and "'SharedSecretCiphertextBlob': b'ct'" in shown
    record = logging.LogRecord(
        "botocore.hooks", logging.DEBUG, __file__, 1, '{"SharedSecret": "AQID"}', (), None
    )
    RedactingFilter().filter(record)
    assert "AQID" not in record.getMessage() and "<redacted>" in record.getMessage()
