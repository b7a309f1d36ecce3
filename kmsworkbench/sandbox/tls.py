"""The local certificate authority and server certificate behind ``serve --tls``.

Made with ``cryptography`` (ECDSA P-256) in ``<data folder>/tls/`` (a 0700 folder, every file
0600, written atomically):

- ``ca.pem`` and ``ca-key.pem``: the sandbox's own CA ("kmsworkbench sandbox local CA"), valid
  ten years. ``ca.pem`` is what clients trust: ``AWS_CA_BUNDLE``, ``aws --ca-bundle``,
  ``boto3.client(..., verify=path)``. Its key never leaves the folder.
- ``server.pem`` and ``server-key.pem``: the server certificate, signed by that CA, valid
  397 days, with the subject alternative names 127.0.0.1, ::1, localhost and the ``--host``
  the server binds to.

The files are reused on the next start. They are made again, with a message saying why, only
when something no longer holds: the CA is missing, expired or unreadable (then both are
made, and clients must trust the new ``ca.pem``), or the server certificate is missing,
expired, not signed by this CA, or does not name the host (then only it is made).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kmsworkbench import paths
from kmsworkbench.sandbox.server import TlsFiles

FOLDER = "tls"
CA_DAYS = 3650
SERVER_DAYS = 397
_SLACK = datetime.timedelta(minutes=5)  # clocks a little behind still accept a new cert
BASE_NAMES = ("127.0.0.1", "::1", "localhost")


def tls_folder(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def names_for(host: str | None) -> list[str]:
    names = list(BASE_NAMES)
    if host and host not in ("0.0.0.0", "::") and host not in names:
        names.append(host)
    return names


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (0600) atomically: temporary file, fsync, rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _make_ca(now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "kmsworkbench"),
            x509.NameAttribute(NameOID.COMMON_NAME, "kmsworkbench sandbox local CA"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _SLACK)
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _make_server(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    names: list[str],
    now: datetime.datetime,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _SLACK)
        .not_valid_after(min(now + datetime.timedelta(days=SERVER_DAYS), ca.not_valid_after_utc))
        .add_extension(_san(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _load_pair(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, object] | None:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    return cert, key


def _why_not_ca(
    loaded: tuple[x509.Certificate, object] | None, now: datetime.datetime
) -> str | None:
    if loaded is None:
        return "there was none (or it could not be read)"
    cert, key = loaded
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return "its key does not match it"
    if cert.not_valid_after_utc <= now + datetime.timedelta(days=1):
        return f"it expired on {cert.not_valid_after_utc:%Y-%m-%d}"
    return None


def _why_not_server(
    loaded: tuple[x509.Certificate, object] | None,
    ca: x509.Certificate,
    names: list[str],
    now: datetime.datetime,
) -> str | None:
    if loaded is None:
        return "there was none (or it could not be read)"
    cert, key = loaded
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return "its key does not match it"
    if cert.not_valid_after_utc <= now + datetime.timedelta(days=1):
        return f"it expired on {cert.not_valid_after_utc:%Y-%m-%d}"
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return "it was not signed by the current local CA"
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return "it names no host"
    have = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    have |= set(san.get_values_for_type(x509.DNSName))
    missing = [n for n in names if str(_normal(n)) not in have]
    if missing:
        return f"it does not name {', '.join(missing)}"
    return None


def _normal(name: str) -> object:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return name


def ensure_certificates(
    data_dir: Path,
    host: str | None = None,
    *,
    say: Callable[[str], None] | None = None,
    now: datetime.datetime | None = None,
) -> TlsFiles:
    """The CA and server certificate for ``host`` in ``data_dir``, made or remade as needed
    (see the module text); ``say`` is told what was made and why."""
    now = now or datetime.datetime.now(datetime.UTC)
    folder = tls_folder(data_dir)
    paths.ensure_private_dir(folder)  # 0700, missing parents too, whatever the umask
    ca_path, ca_key_path = folder / "ca.pem", folder / "ca-key.pem"
    cert_path, key_path = folder / "server.pem", folder / "server-key.pem"
    names = names_for(host)
    tell = say or (lambda _text: None)

    had_ca, had_server = ca_path.exists(), cert_path.exists()
    loaded_ca = _load_pair(ca_path, ca_key_path)
    why_ca = _why_not_ca(loaded_ca, now)
    if why_ca is not None:
        ca, ca_key = _make_ca(now)
        _write_private(ca_key_path, _key_pem(ca_key))
        _write_private(ca_path, ca.public_bytes(serialization.Encoding.PEM))
        if had_ca:
            tell(
                f"TLS: made the local certificate authority {ca_path} again ({why_ca}); "
                "clients must trust the new file."
            )
        else:
            tell(f"TLS: made a local certificate authority: {ca_path}")
    else:
        assert loaded_ca is not None
        ca, key_obj = loaded_ca
        assert isinstance(key_obj, ec.EllipticCurvePrivateKey)
        ca_key = key_obj

    why_server = _why_not_server(_load_pair(cert_path, key_path), ca, names, now)
    if why_server is not None:
        cert, key = _make_server(ca, ca_key, names, now)
        _write_private(key_path, _key_pem(key))
        _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        if had_server:
            tell(f"TLS: made the server certificate again ({why_server}), for {', '.join(names)}")
        else:
            tell(f"TLS: made a server certificate for {', '.join(names)}")
    for path in (ca_path, ca_key_path, cert_path, key_path):
        os.chmod(path, 0o600)
    return TlsFiles(certfile=cert_path, keyfile=key_path, ca_bundle=ca_path)
