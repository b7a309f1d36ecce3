"""An ASN.1 tree of SubjectPublicKeyInfo and PKCS#8 with every field named.

asn1crypto (a well-kept, pure-Python ASN.1 library with the X.509/PKCS definitions) names the
fields; the offsets and lengths are the ones ``openssl asn1parse -inform DER`` prints, so the
two can be read side by side. In a private key every secret value is masked: a learner sees
the structure (which integers an RSA key holds, where the curve is named) and never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import core, keys

# Inside a private key, the fields that are public (everything else there is masked).
_PUBLIC_FIELDS = {"version", "modulus", "public_exponent", "parameters", "public_key", "algorithm"}
MASK = "•••• secret, not shown"


# Algorithms asn1crypto 1.5 does not name (FIPS 203/204 and GB/T 32918's curve).
OID_NAMES = {
    "2.16.840.1.101.3.4.4.1": "ML-KEM-512",
    "2.16.840.1.101.3.4.4.2": "ML-KEM-768",
    "2.16.840.1.101.3.4.4.3": "ML-KEM-1024",
    "2.16.840.1.101.3.4.3.17": "ML-DSA-44",
    "2.16.840.1.101.3.4.3.18": "ML-DSA-65",
    "2.16.840.1.101.3.4.3.19": "ML-DSA-87",
    "1.2.156.10197.1.301": "SM2 curve (sm2p256v1)",
    "1.2.840.10045.3.1.7": "secp256r1",
    "1.3.132.0.10": "secp256k1",
}


class _AlgorithmIdentifier(core.Sequence):
    _fields = [("algorithm", core.ObjectIdentifier), ("parameters", core.Any, {"optional": True})]


class _SubjectPublicKeyInfo(core.Sequence):
    """The RFC 5280 structure with no algorithm-specific parsing, for algorithms the library
    does not know."""

    _fields = [("algorithm", _AlgorithmIdentifier), ("public_key", core.OctetBitString)]


class _PrivateKeyInfo(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", _AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"implicit": 1, "optional": True}),
    ]


class _ECPrivateKey(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("private_key", core.OctetString),
        ("parameters", core.ObjectIdentifier, {"explicit": 0, "optional": True}),
        ("public_key", core.OctetBitString, {"explicit": 1, "optional": True}),
    ]


@dataclass
class Node:
    name: str
    type: str
    offset: int
    header: int
    length: int
    value: str = ""
    children: list[Node] = field(default_factory=list)
    masked: bool = False


def _type_name(value: core.Asn1Value) -> str:
    name = type(value).__name__
    return {
        "ObjectIdentifier": "OBJECT IDENTIFIER",
        "OctetString": "OCTET STRING",
        "OctetBitString": "BIT STRING",
        "ParsableOctetString": "OCTET STRING",
        "ParsableOctetBitString": "BIT STRING",
        "Integer": "INTEGER",
        "Null": "NULL",
        "Sequence": "SEQUENCE",
    }.get(name, "SEQUENCE" if isinstance(value, core.Sequence | core.SequenceOf) else name)


def _scalar(value: core.Asn1Value) -> str:
    if isinstance(value, core.Any):
        try:
            value = value.parse()
        except ValueError:
            return f"{len(value.contents or b'')} bytes"
        if isinstance(value, core.ObjectIdentifier):
            return _scalar(value)
    if isinstance(value, core.ObjectIdentifier):
        dotted = value.dotted
        named = OID_NAMES.get(dotted) or value.native
        return f"{dotted} ({named})" if named != dotted else dotted
    if isinstance(value, core.Integer):
        n = int(value)
        if isinstance(value.native, str):
            return f"{n} ({value.native})"
        if n.bit_length() > 64:
            return f"{n.bit_length()}-bit integer {hex(n)[:18]}…"
        return str(n)
    if isinstance(value, core.Null):
        return ""
    contents = value.contents or b""
    if isinstance(value, core.BitString | core.OctetBitString | core.ParsableOctetBitString):
        contents = contents[1:]
    if len(contents) > 16:
        return f"{len(contents)} bytes {contents[:8].hex()}…{contents[-4:].hex()}"
    return f"{len(contents)} bytes {contents.hex()}"


def _walk(
    value: core.Asn1Value, name: str, base: int, secret_scope: bool, forced_mask: bool = False
) -> Node:
    length = len(value.contents or b"")
    header = len(value.dump()) - length
    node = Node(name=name, type=_type_name(value), offset=base, header=header, length=length)
    inner_base = base + header
    masked = forced_mask or (secret_scope and name not in _PUBLIC_FIELDS and not _container(value))
    if isinstance(value, core.Sequence) and value._fields:
        pos = inner_base
        for field_name, _spec, *_ in value._fields:
            child = value[field_name]
            if isinstance(child, core.Void):
                continue
            node.children.append(_walk(child, field_name, pos, secret_scope))
            pos += len(child.dump())
        return node
    if isinstance(value, core.SequenceOf):
        pos = inner_base
        for i, child in enumerate(value):
            node.children.append(_walk(child, f"{name}[{i}]", pos, secret_scope))
            pos += len(child.dump())
        return node
    if isinstance(value, core.Choice):
        return _walk(value.chosen, f"{name} ({value.name})", base, secret_scope, forced_mask)
    if masked:
        node.value = f"{MASK} ({length} bytes)"
        node.masked = True
        return node
    node.value = _scalar(value)
    return node


def _container(value: core.Asn1Value) -> bool:
    return isinstance(value, core.Sequence | core.SequenceOf | core.Choice)


def public_key_tree(der: bytes) -> Node:
    """The SubjectPublicKeyInfo as a named tree (the key itself parsed where asn1crypto knows
    the algorithm: RSA's modulus and exponent; an EC point stays a BIT STRING)."""
    info: core.Sequence = keys.PublicKeyInfo.load(der, strict=True)
    try:
        root = _walk(info, "SubjectPublicKeyInfo", 0, False)
    except (KeyError, ValueError):
        info = _SubjectPublicKeyInfo.load(der, strict=True)
        root = _walk(info, "SubjectPublicKeyInfo", 0, False)
    bits = info["public_key"]
    if info["algorithm"]["algorithm"].dotted == "1.2.840.113549.1.1.1":
        parsed = keys.RSAPublicKey.load(bits.contents[1:] if bits.contents else b"")
        sub = _walk(parsed, "RSAPublicKey", 0, False)
        offset = root.children[-1].offset + root.children[-1].header + 1
        _shift(sub, offset)
        root.children[-1].children.append(sub)
    return root


def private_key_tree(der: bytes) -> Node:
    """The PKCS#8 PrivateKeyInfo as a named tree, secret values masked."""
    info: core.Sequence = keys.PrivateKeyInfo.load(der, strict=True)
    try:
        info.native  # noqa: B018  (parses every field: unknown algorithms raise here)
    except (KeyError, ValueError):
        info = _PrivateKeyInfo.load(der, strict=True)
    hl = len(info.dump()) - len(info.contents)
    root = Node("PrivateKeyInfo", "SEQUENCE", 0, hl, len(info.contents))
    pos = hl
    for field_name, _spec, *_ in info._fields:
        child = info[field_name]
        if isinstance(child, core.Void):
            continue
        if field_name == "private_key":
            node = _private_key_node(info, child, pos)
        else:
            node = _walk(child, field_name, pos, False)
        root.children.append(node)
        pos += len(child.dump())
    return root


def _private_key_node(info: keys.PrivateKeyInfo, octets: core.Asn1Value, pos: int) -> Node:
    length = len(octets.contents or b"")
    node = Node("private_key", "OCTET STRING", pos, len(octets.dump()) - length, length)
    algorithm = info["private_key_algorithm"]["algorithm"].dotted
    inner_spec = {
        "1.2.840.113549.1.1.1": keys.RSAPrivateKey,
        "1.2.840.10045.2.1": _ECPrivateKey,
    }.get(algorithm)
    if inner_spec is None:
        node.value = f"{MASK} ({node.length} bytes)"
        node.masked = True
        return node
    inner = inner_spec.load(octets.contents)
    sub = _walk(inner, inner_spec.__name__.lstrip("_"), 0, True)
    _shift(sub, pos + node.header)
    node.children.append(sub)
    return node


def _shift(node: Node, by: int) -> None:
    node.offset += by
    for child in node.children:
        _shift(child, by)


def render_tree(node: Node, indent: int = 0) -> list[str]:
    """Lines like ``openssl asn1parse`` with names: offset, depth, header+length, type, name."""
    value = f": {node.value}" if node.value else ""
    line = (
        f"{node.offset:>5} d={indent} hl={node.header} l={node.length:>4}  "
        f"{'  ' * indent}{node.name} {node.type}{value}"
    )
    lines = [line]
    for child in node.children:
        lines.extend(render_tree(child, indent + 1))
    return lines
