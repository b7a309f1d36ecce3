"""A small, strict DER reader and writer for the structures this package builds by hand.

``cryptography`` encodes and decodes RSA, NIST/SECG EC, Ed25519 and ML-KEM-768/1024 keys, but
not SM2 keys, SM2 signatures and ciphertexts, or ML-KEM-512 keys. Those are a handful of fixed
shapes (SEQUENCE, INTEGER, OCTET STRING, BIT STRING, OBJECT IDENTIFIER, NULL and context tags),
so a reader of that subset is all we need. It accepts DER only (definite, minimal lengths;
minimal INTEGERs) and names the problem when the input is not that.
"""

from __future__ import annotations

from dataclasses import dataclass

SEQUENCE = 0x30
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06


def context_tag(number: int, constructed: bool = True) -> int:
    """The identifier octet of ``[number]`` (context-specific class)."""
    if not 0 <= number <= 30:
        raise ValueError("context tag numbers above 30 are not supported")
    return 0x80 | (0x20 if constructed else 0) | number


class DerError(ValueError):
    """The bytes are not the DER structure that was expected."""


# --------------------------------------------------------------------------- writing


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def sequence(*parts: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(parts))


def integer(value: int) -> bytes:
    if value < 0:
        raise ValueError("negative INTEGERs are not needed here")
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # leading 0x00 when bit 8 is set
    return tlv(INTEGER, body)


def octet_string(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def bit_string(data: bytes) -> bytes:
    return tlv(BIT_STRING, b"\x00" + data)


def null() -> bytes:
    return tlv(NULL, b"")


def oid(dotted: str) -> bytes:
    arcs = [int(a) for a in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise ValueError(f"not a valid object identifier: {dotted}")
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body.extend(reversed(chunk))
    return tlv(OBJECT_IDENTIFIER, bytes(body))


def explicit(number: int, content: bytes) -> bytes:
    """``[number] EXPLICIT`` around an already encoded element."""
    return tlv(context_tag(number, constructed=True), content)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Element:
    tag: int
    content: bytes

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)


_TAG_NAMES = {
    SEQUENCE: "SEQUENCE",
    INTEGER: "INTEGER",
    BIT_STRING: "BIT STRING",
    OCTET_STRING: "OCTET STRING",
    NULL: "NULL",
    OBJECT_IDENTIFIER: "OBJECT IDENTIFIER",
}


def tag_name(tag: int) -> str:
    if tag in _TAG_NAMES:
        return _TAG_NAMES[tag]
    if tag & 0xC0 == 0x80:
        return f"[{tag & 0x1F}]"
    return f"tag 0x{tag:02x}"


def _read(data: bytes, pos: int, what: str) -> tuple[Element, int]:
    if pos >= len(data):
        raise DerError(f"{what}: the data ends where an element should start")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError(f"{what}: high tag numbers are not used in key structures")
    pos += 1
    if pos >= len(data):
        raise DerError(f"{what}: the data ends inside an element header (truncated?)")
    first = data[pos]
    pos += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DerError(f"{what}: indefinite lengths are BER, not DER")
    else:
        count = first & 0x7F
        if count > 4:
            raise DerError(f"{what}: an element length of {count} bytes is not plausible")
        if pos + count > len(data):
            raise DerError(f"{what}: the data ends inside a length field (truncated?)")
        raw = data[pos : pos + count]
        pos += count
        length = int.from_bytes(raw, "big")
        if raw[0] == 0 or length < 0x80:
            raise DerError(f"{what}: a length is not minimally encoded (not DER)")
    end = pos + length
    if end > len(data):
        raise DerError(
            f"{what}: a {tag_name(tag)} claims {length} bytes but only "
            f"{len(data) - pos} remain (the data is truncated)"
        )
    return Element(tag, bytes(data[pos:end])), end


def parse(data: bytes, what: str = "DER") -> Element:
    """Exactly one element, with nothing after it."""
    element, end = _read(data, 0, what)
    if end != len(data):
        raise DerError(f"{what}: {len(data) - end} unexpected bytes after the structure")
    return element


def children(element: Element, what: str = "DER") -> list[Element]:
    """The elements inside a constructed element."""
    if not element.constructed:
        raise DerError(f"{what}: expected a constructed element, found {tag_name(element.tag)}")
    out: list[Element] = []
    pos = 0
    while pos < len(element.content):
        child, pos = _read(element.content, pos, what)
        out.append(child)
    return out


def expect(element: Element, tag: int, what: str) -> Element:
    if element.tag != tag:
        raise DerError(f"{what}: expected {tag_name(tag)}, found {tag_name(element.tag)}")
    return element


def sequence_of(data: bytes, what: str) -> list[Element]:
    """Parse ``data`` as one SEQUENCE and return its elements."""
    return children(expect(parse(data, what), SEQUENCE, what), what)


def read_integer(element: Element, what: str) -> int:
    expect(element, INTEGER, what)
    body = element.content
    if not body:
        raise DerError(f"{what}: empty INTEGER")
    if len(body) > 1 and (
        (body[0] == 0x00 and body[1] < 0x80) or (body[0] == 0xFF and body[1] >= 0x80)
    ):
        raise DerError(f"{what}: INTEGER is not minimally encoded (not DER)")
    return int.from_bytes(body, "big", signed=True)


def read_octet_string(element: Element, what: str) -> bytes:
    return expect(element, OCTET_STRING, what).content


def read_bit_string(element: Element, what: str) -> bytes:
    body = expect(element, BIT_STRING, what).content
    if not body:
        raise DerError(f"{what}: empty BIT STRING")
    if body[0] != 0:
        raise DerError(f"{what}: a key BIT STRING must have no unused bits")
    return body[1:]


def read_oid(element: Element, what: str) -> str:
    body = expect(element, OBJECT_IDENTIFIER, what).content
    if not body or body[-1] & 0x80:
        raise DerError(f"{what}: malformed OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    start = True
    for byte in body:
        if start and byte == 0x80:
            raise DerError(f"{what}: OBJECT IDENTIFIER arc is not minimally encoded")
        value = (value << 7) | (byte & 0x7F)
        start = not byte & 0x80
        if start:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])
