"""The KMS operations, one module per API area, each operation registered by name with
``@operation("Name")`` (kmsworkbench.sandbox.core.registry). To add an area, add a module
here and import it below; nothing else changes.

- ``keys``: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey, ScheduleKeyDeletion,
  CancelKeyDeletion
- ``aliases``: CreateAlias, UpdateAlias, DeleteAlias, ListAliases
- ``tags``: TagResource, UntagResource, ListResourceTags
- ``encrypt``: Encrypt, Decrypt, ReEncrypt
- ``datakeys``: GenerateDataKey*, GenerateDataKeyPair*, GenerateRandom
- ``asymmetric``: GetPublicKey, Sign, Verify
- ``mac``: GenerateMac, VerifyMac
- ``grants``: CreateGrant, ListGrants, RetireGrant, RevokeGrant
"""

from kmsworkbench.sandbox.operations import (  # noqa: F401  (each registers its operations)
    aliases,
    asymmetric,
    datakeys,
    encrypt,
    grants,
    keys,
    mac,
    tags,
)
