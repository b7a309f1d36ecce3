"""Typed results of the KMS calls the workbench makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Origins of keys held outside the standard KMS key store.
_CUSTOM_STORE_ORIGINS = frozenset({"AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"})
_PENDING_DELETION = frozenset({"PendingDeletion", "PendingReplicaDeletion"})


@dataclass
class KeyInfo:
    """A KMS key as listed (ListKeys + ListAliases) and, once described, its metadata."""

    key_id: str
    arn: str
    aliases: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    error: str | None = None

    @property
    def described(self) -> bool:
        return self.metadata is not None

    def _meta(self, name: str) -> Any:
        return self.metadata.get(name) if self.metadata else None

    @property
    def description(self) -> str:
        return str(self._meta("Description") or "")

    @property
    def key_spec(self) -> str | None:
        return self._meta("KeySpec") or self._meta("CustomerMasterKeySpec")

    @property
    def key_usage(self) -> str | None:
        return self._meta("KeyUsage")

    @property
    def key_state(self) -> str | None:
        return self._meta("KeyState")

    @property
    def origin(self) -> str | None:
        return self._meta("Origin")

    @property
    def key_manager(self) -> str | None:
        return self._meta("KeyManager")

    @property
    def deletion_date(self) -> datetime | None:
        value = self._meta("DeletionDate")
        return value if isinstance(value, datetime) else None

    @property
    def display_name(self) -> str:
        """The first alias, or the key ID."""
        return self.aliases[0] if self.aliases else self.key_id

    @property
    def eligible(self) -> bool | None:
        """Whether the key can wrap a data key pair now; None until described (False when
        DescribeKey failed)."""
        if self.metadata is None:
            return False if self.error else None
        return self.ineligible_reason is None

    @property
    def ineligible_reason(self) -> str | None:
        """Why the key cannot wrap a data key pair, in plain words; None if it can (or is
        not described yet)."""
        if self.metadata is None:
            return f"could not be described: {self.error}" if self.error else None
        usage = self.key_usage
        spec = self.key_spec
        if usage == "SIGN_VERIFY":
            return f"a signing key (SIGN_VERIFY, {spec}); only symmetric encryption keys wrap pairs"
        if usage == "GENERATE_VERIFY_MAC" or (spec or "").startswith("HMAC_"):
            return f"an HMAC key ({spec}); only symmetric encryption keys wrap pairs"
        if usage == "KEY_AGREEMENT":
            return (
                f"a key agreement key (KEY_AGREEMENT, {spec}): it derives shared secrets; "
                "only symmetric encryption keys wrap pairs"
            )
        if usage == "ENCAPSULATE_DECAPSULATE":
            return (
                f"a key encapsulation key (ENCAPSULATE_DECAPSULATE, {spec}); only symmetric "
                "encryption keys wrap pairs"
            )
        if spec and spec != "SYMMETRIC_DEFAULT":
            return f"an asymmetric key ({spec}); only symmetric encryption keys wrap pairs"
        if usage not in (None, "ENCRYPT_DECRYPT"):
            return f"key usage is {usage}, not ENCRYPT_DECRYPT"
        if self.origin in _CUSTOM_STORE_ORIGINS or self._meta("CustomKeyStoreId"):
            return "in a custom key store (CloudHSM or external); KMS does not allow it here"
        if self.key_manager == "AWS":
            return (
                "an AWS managed key: its key policy lets only the AWS service that owns it use it"
            )
        state = self.key_state
        if state in _PENDING_DELETION:
            when = self.deletion_date
            suffix = f" (on {when:%Y-%m-%d})" if when else ""
            return f"pending deletion{suffix}"
        if state == "Disabled" or self._meta("Enabled") is False and state in (None, "Enabled"):
            return "disabled"
        if state not in (None, "Enabled"):
            return f"its state is {state}"
        return None


@dataclass
class GenerateResult:
    """GenerateDataKeyPair(WithoutPlaintext)'s answer. ``private_key_plaintext`` is only
    set for GenerateDataKeyPair and never shown in a repr."""

    key_arn: str
    key_pair_spec: str
    public_key: bytes
    private_key_ciphertext: bytes
    key_material_id: str | None
    private_key_plaintext: bytes | None = field(default=None, repr=False)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def cli_output(self) -> dict[str, Any]:
        """The response as ``aws kms generate-data-key-pair-without-plaintext`` prints it
        (blobs base64, the members in the model's order)."""
        import base64

        out: dict[str, Any] = {
            "PrivateKeyCiphertextBlob": base64.b64encode(self.private_key_ciphertext).decode(),
            "PublicKey": base64.b64encode(self.public_key).decode(),
            "KeyId": self.key_arn,
            "KeyPairSpec": self.key_pair_spec,
        }
        if self.key_material_id is not None:
            out["KeyMaterialId"] = self.key_material_id
        return out


@dataclass
class DecryptResult:
    key_arn: str
    plaintext: bytes = field(repr=False)
    encryption_algorithm: str | None = None
    key_material_id: str | None = None

    def wipe(self) -> None:
        """Drop the reference to the plaintext (Python cannot zero immutable bytes)."""
        self.plaintext = b""
