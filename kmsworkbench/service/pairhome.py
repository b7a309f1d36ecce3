"""Where a saved pair belongs: by what can decrypt its private key, not by how it was reached.

A pair's private key is a ciphertext blob of one KMS key: its ARN names the partition, the
Region and the account. A Decrypt reaches a KMS in one Region as one account; the same
sandbox served over HTTP (an endpoint URL) is the same KMS as the embedded one, so a pair
made in-process is at home there too. What would go wrong:

- another Region (and not a multi-Region key, ``mrk-``): that Region's KMS cannot decrypt it;
- another partition (aws / aws-cn / ...): likewise;
- another account: the call is cross-account, refused unless the key policy allows it.
"""

from __future__ import annotations


def partition_of(region: str) -> str:
    """The partition of a Region name (the ones AWS KMS is in)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def decrypt_home_problem(key_arn: str, account: str | None, region: str | None) -> str | None:
    """Why a Decrypt of this pair through a backend of ``account`` and ``region`` would
    not simply work, in plain words; None when it is at home (or nothing is known)."""
    parts = key_arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] != "kms":
        return None
    partition, key_region, key_account, resource = parts[1], parts[3], parts[4], parts[5]
    multi_region = resource.startswith("key/mrk-")
    if region:
        if partition_of(region) != partition:
            return (
                f"its KMS key is in the {partition} partition and this backend is in "
                f"{partition_of(region)} ({region}): no KMS here can decrypt it"
            )
        if key_region != region and not multi_region:
            return (
                f"its KMS key is in {key_region} and this backend uses {region}: a Decrypt "
                f"here cannot find the key (switch the Region with F2)"
            )
    if account and key_account != account:
        return (
            f"its KMS key is in account {key_account} and this backend acts in account "
            f"{account}: a cross-account Decrypt, refused unless the key policy allows it"
        )
    return None
