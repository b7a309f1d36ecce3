"""The operation registry: every registered name is a KMS operation, and one name has one
handler."""

from __future__ import annotations

import pytest

from kmsworkbench.sandbox.core import operation, operations
from kmsworkbench.sandbox.validation import operation_names


def test_registered_operations_are_kms_operations() -> None:
    registered = set(operations())
    assert registered <= set(operation_names())
    assert {"Decrypt", "CreateKey", "GenerateDataKeyPair", "RevokeGrant"} <= registered


def test_a_second_handler_for_a_name_is_refused() -> None:
    with pytest.raises(RuntimeError, match="two handlers"):
        operation("Decrypt")(lambda r, p: {})
