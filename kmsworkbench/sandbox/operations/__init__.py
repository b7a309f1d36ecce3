"""The KMS operations, one module per API area, each operation registered by name with
``@operation("Name")`` (kmsworkbench.sandbox.core.registry). To add an area, add a module
here and import it below; nothing else changes.

- ``keys``: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, UpdateKeyDescription,
  ScheduleKeyDeletion, CancelKeyDeletion
- ``aliases``: CreateAlias, UpdateAlias, DeleteAlias, ListAliases
- ``tags``: TagResource, UntagResource, ListResourceTags
- ``encrypt``: Encrypt, Decrypt, ReEncrypt
- ``datakeys``: GenerateDataKey*, GenerateDataKeyPair*, GenerateRandom
- ``asymmetric``: GetPublicKey, Sign, Verify (RSA, ECC, SM2, Ed25519, ML-DSA)
- ``agreement``: DeriveSharedSecret (KEY_AGREEMENT keys)
- ``kem``: Encapsulate, Decapsulate (ML-KEM keys)
- ``mac``: GenerateMac, VerifyMac
- ``grants``: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant
- ``policies``: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies
- ``usage``: GetKeyLastUsage
- ``rotation``: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
  RotateKeyOnDemand, ListKeyRotations
- ``policies``: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies (the key policy enforce evaluates)
- ``imports``: GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial
- ``multiregion``: ReplicateKey, UpdatePrimaryRegion
- ``customkeystores``: Create/Describe/Connect/Disconnect/Update/DeleteCustomKeyStore(s)
"""

from kmsworkbench.sandbox.operations import (  # noqa: F401  (each registers its operations)
    agreement,
    aliases,
    asymmetric,
    customkeystores,
    datakeys,
    encrypt,
    grants,
    imports,
    kem,
    keys,
    mac,
    multiregion,
    policies,
    rotation,
    tags,
    usage,
)
