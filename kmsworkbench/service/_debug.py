"""``--debug``: botocore's debug log on stderr, without key material.

botocore's debug log prints every response body (``botocore.parsers``: "Response body:
..."). The body of Decrypt and GenerateDataKeyPair holds a plaintext private key, so bodies
are never shown: the record is replaced by a line giving only its size, and anything that
still looks like a ``Plaintext``, ``PrivateKeyPlaintext`` or ``SharedSecret`` member (the raw
secret of DeriveSharedSecret, Encapsulate and Decapsulate) in any record is masked.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import TextIO

REDACTED_BODY = (
    "Response body: <{size} not shown: kmsworkbench never logs KMS response bodies, "
    "which can hold a plaintext private key>"
)

_REDACTED_PREFIX = REDACTED_BODY.split("{", 1)[0]

_SECRET_MEMBER = r"(?:(?:PrivateKey)?Plaintext|SharedSecret)"
_JSON_PLAINTEXT = re.compile(r'("' + _SECRET_MEMBER + r'"\s*:\s*")[^"]*(")')
_REPR_PLAINTEXT = re.compile(
    r"""(['"]""" + _SECRET_MEMBER + r"""['"]\s*:\s*)b?(['"]).*?(?<!\\)\2"""
)

_lock = threading.Lock()
_handler: logging.Handler | None = None


class RedactingFilter(logging.Filter):
    """Drops response bodies and masks plaintext members in botocore's log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("botocore.parsers") and isinstance(record.msg, str):
            if record.msg.startswith("Response body"):
                # The filter sits on the logger and on our handler, so a record can pass
                # twice: the second pass must keep the size the first one found.
                if record.msg.startswith(_REDACTED_PREFIX) and not record.args:
                    return True
                body = record.args[0] if isinstance(record.args, tuple) and record.args else None
                size = f"{len(body)} bytes" if isinstance(body, bytes | str) else "body"
                record.msg = REDACTED_BODY.format(size=size)
                record.args = ()
                return True
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted: show nothing of it
            record.msg = "<unformattable log record not shown>"
            record.args = ()
            return True
        if "Plaintext" in message or "SharedSecret" in message:
            masked = _JSON_PLAINTEXT.sub(r"\1<redacted>\2", message)
            masked = _REPR_PLAINTEXT.sub(r"\1<redacted>", masked)
            record.msg = masked
            record.args = ()
        return True


_FILTER = RedactingFilter()


def enable_debug_logging(stream: TextIO | None = None) -> logging.Handler:
    """Send botocore's (and kmsworkbench's) debug log to ``stream`` (stderr), redacted.
    Idempotent: a second call returns the handler of the first."""
    global _handler
    with _lock:
        if _handler is not None:
            return _handler
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s - %(threadName)s - %(name)s - %(levelname)s - %(message)s"
            )
        )
        handler.addFilter(_FILTER)
        for name in ("botocore", "boto3", "urllib3", "kmsworkbench"):
            log = logging.getLogger(name)
            log.setLevel(logging.DEBUG)
            log.addHandler(handler)
        # Records logged straight to these loggers are redacted before any handler (ours
        # or one a caller added) sees them.
        for name in ("botocore.parsers", "botocore.endpoint", "botocore.hooks"):
            logging.getLogger(name).addFilter(_FILTER)
        _handler = handler
        return handler


def disable_debug_logging() -> None:
    """Undo :func:`enable_debug_logging` (tests, and the TUI when debug is switched off)."""
    global _handler
    with _lock:
        if _handler is None:
            return
        for name in ("botocore", "boto3", "urllib3", "kmsworkbench"):
            log = logging.getLogger(name)
            log.removeHandler(_handler)
            log.setLevel(logging.NOTSET)
        _handler = None
