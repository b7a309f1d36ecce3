"""Finding the key an operation acts on, and what every key operation checks about it.

:func:`resolve_key` is the ONE way an operation gets a KMS key: by key id, key ARN, alias
name or alias ARN (or the key id inside a ciphertext). It is told the action (the operation
name, or e.g. ``ReEncryptFrom``) and passes every key it finds through :func:`authorize`, the
single place where access control (key policies, grants) and the audit trail hook in.
Operations never decide access themselves.

Order of checks in every key operation (AWS evaluates request validity, then the grant
tokens, then the key, then its state, then its usage; DryRun answers last, so a call that
would fail reports the real error):

    validation (protocol layer) -> grant tokens -> key resolution (NotFound...) ->
    authorization (AWS managed keys) -> key state -> key usage / key spec / algorithm ->
    operation-specific checks (ciphertext, digest length ...) -> DryRun -> the work.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from kmsworkbench.sandbox import errors as E
from kmsworkbench.sandbox.core.context import DAY, Request
from kmsworkbench.sandbox.core.material import NewKey, make_material
from kmsworkbench.sandbox.core.specs import AWS_MANAGED_ALIASES, RESERVED_ALIAS_PREFIX
from kmsworkbench.sandbox.core.tx import NeedsWrite
from kmsworkbench.sandbox.store import KeyRecord

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
MRK_RE = re.compile(r"^mrk-[0-9a-fA-F]{32}$")
ARN_RE = re.compile(r"^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$")

# What the key policy of an AWS managed key lets the account's principals do directly:
# kms:Describe*, kms:Get*, kms:List* (and retiring/revoking grants); everything else only
# through the owning AWS service, which the sandbox does not have.
_AWS_MANAGED_ALLOWED_PREFIXES = ("Describe", "Get", "List")
_AWS_MANAGED_ALLOWED = frozenset({"RetireGrant", "RevokeGrant"})

# Hooks run by authorize() in order: ``hook(r, key, action, ref)`` raises a KmsError to
# refuse (``ref`` is the KeyId as the request gave it, or None). Access control and the
# audit trail (kmsworkbench.sandbox.enforce) register here.
AUTHORIZERS: list[Callable[[Request, KeyRecord, str, str | None], None]] = []

# Hooks that adjust the record an operation sees, in order: ``view(r, key) -> key``. The
# custom key stores register one that shows a key of a disconnected store as Unavailable.
KEY_VIEWS: list[Callable[[Request, KeyRecord], KeyRecord]] = []


def authorize(r: Request, key: KeyRecord, action: str, ref: str | None = None) -> None:
    """May the caller perform ``action`` on ``key``? Raises the KmsError AWS would answer."""
    # Without access control (no hook registered), the AWS managed keys' policy in short;
    # with it, their policy is evaluated like any other (enforce.aws_managed_policy).
    if (
        not AUTHORIZERS
        and key.key_manager == "AWS"
        and not (action.startswith(_AWS_MANAGED_ALLOWED_PREFIXES) or action in _AWS_MANAGED_ALLOWED)
    ):
        raise E.err(
            "aws_managed_denied", principal=r.root_arn, action=action, arn=r.key_arn(key.key_id)
        )
    for hook in AUTHORIZERS:
        hook(r, key, action, ref)


def resolve_key(
    r: Request,
    ref: str,
    write: bool,
    *,
    action: str | None = None,
    allow_alias: bool = True,
    from_ciphertext: bool = False,
) -> KeyRecord:
    """The key ``ref`` names (key id, key ARN, alias name or alias ARN), authorized for
    ``action`` (default: the request's operation). ``from_ciphertext``: ``ref`` is the key
    id a symmetric ciphertext carries, and a key that is not there is "inaccessible"."""
    if from_ciphertext:
        key = r.store.get_key(r.region, ref) if isinstance(ref, str) else None
        if key is None:
            raise E.err("ciphertext_key_inaccessible")
    else:
        key = _find(r, ref, write, allow_alias)
    for view in KEY_VIEWS:
        key = view(r, key)
    authorize(r, key, action or r.operation, None if from_ciphertext else ref)
    r.used.append((key.region, key.key_id))
    return key


def _find(r: Request, ref: str, write: bool, allow_alias: bool) -> KeyRecord:
    if ref.startswith("arn:"):
        match = ARN_RE.match(ref)
        resource = match.group(5) if match else ""
        if (
            match is None
            or match.group(2) != "kms"
            or not (resource.startswith("key/") or resource.startswith("alias/"))
        ):
            # A string that starts like an ARN but is not a KMS key or alias ARN.
            raise E.err("invalid_arn", ref=ref)
        partition, region, account = match.group(1), match.group(3), match.group(4)
        if region != r.region:
            raise E.err("invalid_arn_region", region=region)
        if partition != r.partition:
            raise E.err("invalid_arn_partition", ref=ref, partition=r.partition)
        if resource.startswith("alias/"):
            if not allow_alias:
                raise E.err("invalid_key_id", ref=ref)
            if account != r.account_id:
                raise E.err("alias_not_found", alias_arn=ref)
            return _by_alias(r, resource, write)
        key_id = resource[4:]
        if not (UUID_RE.match(key_id) or MRK_RE.match(key_id)):
            raise E.err("invalid_key_id", ref=key_id)
        if account != r.account_id:
            # Every key lives in the folder's account; other accounts have none. The folder
            # account's keys used from another account by ARN are decided by their key
            # policy and the caller's identity policy (enforce).
            raise E.err("key_not_found", arn=ref)
        return _by_id(r, key_id.lower())
    caller = getattr(r.call, "caller", None)
    foreign = caller is not None and caller.account_id != r.account_id
    own = f"arn:{r.partition}:kms:{r.region}:{caller.account_id if foreign else ''}:"
    if ref.startswith("alias/"):
        if not allow_alias:
            raise E.err("invalid_key_id", ref=ref)
        if foreign:  # an alias name alone never crosses accounts: it is the caller's own
            raise E.err("alias_not_found", alias_arn=own + ref)
        return _by_alias(r, ref, write)
    if not (UUID_RE.match(ref) or MRK_RE.match(ref)):
        raise E.err("invalid_key_id", ref=ref)
    if foreign:  # a bare key id names a key of the caller's own account
        raise E.err("key_not_found", arn=own + "key/" + ref.lower())
    return _by_id(r, ref.lower())


def _by_id(r: Request, key_id: str) -> KeyRecord:
    key = r.store.get_key(r.region, key_id)
    if key is None:
        raise E.err("key_not_found", arn=r.key_arn(key_id))
    return key


def _by_alias(r: Request, name: str, write: bool) -> KeyRecord:
    alias = r.store.get_alias(r.region, name)
    if alias is None:
        raise E.err("alias_not_found", alias_arn=r.alias_arn(name))
    if alias.key_id is None:
        # A predefined AWS alias with no key yet: "KMS associates the alias with an AWS
        # managed key and returns its KeyId and Arn" (DescribeKey docs).
        if not write:
            raise NeedsWrite
        key_id = _insert_aws_managed_key(r, name)
        return _by_id(r, key_id)
    key = r.store.get_key(r.region, alias.key_id)
    if key is None:  # the alias outlived its key (cannot happen: deletion cascades)
        raise E.err("alias_not_found", alias_arn=r.alias_arn(name))
    return key


def _insert_aws_managed_key(r: Request, alias_name: str) -> str:
    service = alias_name[len(RESERVED_ALIAS_PREFIX) :]
    description = AWS_MANAGED_ALIASES.get(
        service, f"Default key that protects my {service} data when no other key is defined"
    )
    key_id = str(uuid.uuid4())
    insert_key(
        r,
        key_id,
        make_material("SYMMETRIC_DEFAULT"),
        usage="ENCRYPT_DECRYPT",
        description=description,
        key_manager="AWS",
    )
    r.store.retarget_alias(r.region, alias_name, key_id, r.now)
    return key_id


def insert_key(
    r: Request,
    key_id: str,
    material: NewKey,
    *,
    usage: str,
    description: str,
    key_manager: str = "CUSTOMER",
    origin: str = "AWS_KMS",
    state: str = "Enabled",
    multi_region: bool = False,
) -> KeyRecord:
    """Store a new key (inside a write transaction) and return its record."""
    record = KeyRecord(
        region=r.region,
        key_id=key_id,
        created=r.now,
        description=description,
        key_usage=usage,
        key_spec=material.key_spec,
        origin=origin,
        key_manager=key_manager,
        state=state,
        deletion_date=None,
        multi_region=multi_region,
        material_id=material.material_id,
        secret=material.secret,
        public_der=material.public_der,
    )
    r.store.insert_key(record)
    if key_manager == "AWS":
        # "KMS always rotates the key material of AWS managed keys every year" (model).
        r.store.set_rotation(r.region, key_id, 365, r.now + 365 * DAY)
    return record
