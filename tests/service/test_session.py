"""KmsSession against the in-process sandbox: listing, describing, generating, decrypting,
key management, the journal and the debug log."""

from __future__ import annotations

import base64
import io
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kmsworkbench import keypairs
from kmsworkbench.service import Backend, Journal, KeyInfo, KmsError, KmsSession
from kmsworkbench.service._debug import disable_debug_logging, enable_debug_logging


@pytest.fixture
def session(tmp_path: Path) -> KmsSession:
    s = KmsSession(Backend(kind="sandbox", data_dir=tmp_path / "data"))
    yield s
    s.close()


def test_iter_keys_streams_with_aliases(session: KmsSession) -> None:
    batches = list(session.iter_keys())
    keys = [k for b in batches for k in b]
    assert keys and all(k.metadata is None and k.eligible is None for k in keys)
    demo = [k for k in keys if "alias/workbench-demo" in k.aliases]
    assert len(demo) == 1
    ops = [e.operation for e in session.journal.entries]
    assert "ListKeys" in ops and "ListAliases" in ops


def test_iter_keys_passes_a_page_on_before_list_aliases_answers(session: KmsSession) -> None:
    """With aliases_later, the first ListKeys page comes out while ListAliases is still
    waiting (here: held until the page is out); its keys then get their aliases, passed
    to aliases_later, and the iteration ends only once ListAliases is done."""
    page_out = threading.Event()
    held = session._alias_map

    def late_aliases() -> dict[str, list[str]]:
        assert page_out.wait(10), "ListAliases was waited for before the page came out"
        return held()

    session._alias_map = late_aliases  # type: ignore[method-assign]
    later: list[list[KeyInfo]] = []
    batches = []
    for batch in session.iter_keys(aliases_later=later.append):
        if not batches:
            assert all(k.aliases == [] for k in batch) and not later
        batches.append(batch)
        page_out.set()
    keys = [k for b in batches for k in b]
    demo = [k for k in keys if "alias/workbench-demo" in k.aliases]
    assert len(demo) == 1
    assert [k for b in later for k in b if k is demo[0]] == demo  # the listed object itself
    assert all(k.aliases for b in later for k in b)


def test_iter_keys_keeps_described_keys_aliases_until_list_aliases_answers(
    session: KmsSession,
) -> None:
    described = session.list_keys_described()
    demo = next(k for k in described if "alias/workbench-demo" in k.aliases)
    gate = threading.Event()
    held = session._alias_map

    def late_aliases() -> dict[str, list[str]]:
        gate.wait(10)
        return held()

    session._alias_map = late_aliases  # type: ignore[method-assign]
    for batch in session.iter_keys(aliases_later=lambda _keys: None):
        cached = [k for k in batch if k.key_id == demo.key_id]
        if cached:
            # The described key from the session's cache: its aliases are not wiped while
            # ListAliases has not answered.
            assert cached[0] is demo and demo.aliases == ["alias/workbench-demo"]
        gate.set()
    assert demo.aliases == ["alias/workbench-demo"]


def test_describe_keys_concurrently_and_cached(session: KmsSession) -> None:
    keys = session.list_keys()
    seen: list[KeyInfo] = []
    threads: set[str] = set()
    lock = threading.Lock()

    def on_result(info: KeyInfo) -> None:
        with lock:
            seen.append(info)
            threads.add(threading.current_thread().name)

    session.describe_keys([k.key_id for k in keys], on_result, max_workers=4)
    assert len(seen) == len(keys) and all(i.described for i in seen)
    assert all(name.startswith("kms-describe") for name in threads)
    calls = sum(e.operation == "DescribeKey" for e in session.journal.entries)
    session.describe_keys([k.key_id for k in keys], lambda _i: None)
    assert sum(e.operation == "DescribeKey" for e in session.journal.entries) == calls
    described = session.list_keys_described()
    eligible = [k for k in described if k.eligible]
    assert [k.aliases for k in eligible] == [["alias/workbench-demo"]]
    assert all(k.ineligible_reason for k in described if not k.eligible)


def test_describe_errors_are_kept_on_the_key(session: KmsSession) -> None:
    got: list[KeyInfo] = []
    session.describe_keys(["11111111-2222-3333-4444-555555555555"], got.append)
    assert got[0].error and got[0].error.startswith("NotFoundException")
    assert got[0].eligible is False and "could not be described" in (got[0].ineligible_reason or "")


def test_generate_and_decrypt(session: KmsSession) -> None:
    result = session.generate_pair("alias/workbench-demo", "ECC_NIST_P256", {"app": "wb"})
    assert result.private_key_plaintext is None
    assert "Plaintext" not in repr(result)
    plain = session.decrypt_private_key(
        result.private_key_ciphertext, {"app": "wb"}, key_id=result.key_arn
    )
    assert keypairs.keys_match(plain.plaintext, result.public_key)
    assert plain.key_arn == result.key_arn and "plaintext" not in repr(plain).replace(
        "plaintext=", ""
    )
    with pytest.raises(KmsError) as info:
        session.decrypt_private_key(result.private_key_ciphertext, {"app": "WB"})
    assert info.value.code == "InvalidCiphertextException" and info.value.exit_code == 254
    assert "case-sensitively" in info.value.explanation
    with_plain = session.generate_pair("alias/workbench-demo", "ECC_NIST_P256", with_plaintext=True)
    assert with_plain.private_key_plaintext and "PrivateKeyPlaintext" not in with_plain.raw
    assert repr(with_plain).count("private_key_plaintext") == 0
    entry = session.journal.entries[-1]
    assert entry.operation == "GenerateDataKeyPair" and entry.ok and entry.request_id
    assert "Plaintext" not in str(entry.params)


def test_dry_run_and_incorrect_key(session: KmsSession) -> None:
    with pytest.raises(KmsError) as info:
        session.generate_pair("alias/workbench-demo", "ECC_NIST_P256", dry_run=True)
    assert info.value.code == "DryRunOperationException"
    assert "would have succeeded" in info.value.explanation
    other = session.create_key("second", alias="second")
    result = session.generate_pair("alias/workbench-demo", "ECC_NIST_P256")
    with pytest.raises(KmsError) as info:
        session.decrypt_private_key(result.private_key_ciphertext, key_id=other.arn)
    assert info.value.code == "IncorrectKeyException"


def test_key_management(session: KmsSession) -> None:
    info = session.create_key("mine", alias="alias/mine")
    assert info.eligible and info.aliases == ["alias/mine"]
    session.disable_key(info.key_id)
    assert session.describe_key(info.key_id).ineligible_reason == "disabled"
    session.enable_key(info.key_id)
    assert session.describe_key(info.key_id).eligible
    when = session.schedule_key_deletion(info.key_id, 7)
    assert when is not None
    assert "pending deletion" in (session.describe_key(info.key_id).ineligible_reason or "")
    with pytest.raises(KmsError) as err:
        session.generate_pair(info.key_id, "ECC_NIST_P256")
    assert err.value.code in ("KMSInvalidStateException", "DisabledException")
    session.cancel_key_deletion(info.key_id)
    session.create_alias("alias/mine-too", info.key_id)
    assert session.caller_account() == info.arn.split(":")[4]


def test_journal_subscribers_and_cli_strings(tmp_path: Path) -> None:
    journal = Journal()
    seen: list[str] = []
    journal.subscribe(lambda e: seen.append(e.operation))
    with KmsSession(Backend(kind="sandbox", data_dir=tmp_path / "d"), journal) as s:
        r = s.generate_pair("alias/workbench-demo", "ECC_NIST_P256", {"k": "v w"})
        with pytest.raises(KmsError):
            s.decrypt_private_key(r.private_key_ciphertext, {"k": "x"})
    assert seen == ["GenerateDataKeyPairWithoutPlaintext", "Decrypt"]
    gen, dec = journal.entries
    assert shlex.split(gen.aws_cli) == [
        "aws",
        "kms",
        "generate-data-key-pair-without-plaintext",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--encryption-context",
        '{"k":"v w"}',
        "--region",
        "us-east-1",
    ]
    assert not dec.ok and dec.error_code == "InvalidCiphertextException" and dec.latency_ms >= 0
    assert dec.params["CiphertextBlob"] == f"<{len(r.private_key_ciphertext)} bytes>"
    assert (
        "fileb://private-key-ciphertext.bin" in dec.aws_cli
        and "--encryption-context k=x" in dec.aws_cli
    )


def test_debug_log_never_shows_a_private_key(tmp_path: Path) -> None:
    stream = io.StringIO()
    disable_debug_logging()
    enable_debug_logging(stream)
    try:
        with KmsSession(Backend(kind="sandbox", data_dir=tmp_path / "d", debug=True)) as s:
            r = s.generate_pair("alias/workbench-demo", "ECC_NIST_P256", with_plaintext=True)
            plain = s.decrypt_private_key(r.private_key_ciphertext)
    finally:
        disable_debug_logging()
    log = stream.getvalue()
    assert "GenerateDataKeyPair" in log and "Response body: <" in log
    assert r.private_key_plaintext is not None
    for secret in (r.private_key_plaintext, plain.plaintext):
        assert base64.b64encode(secret).decode() not in log
        assert repr(secret)[2:40] not in log


def test_import_stays_light() -> None:
    code = (
        "import sys, kmsworkbench.service\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto at import'\n"
        "import kmsworkbench.sandbox, kmsworkbench.pairs\n"
        "assert 'textual' not in sys.modules, 'textual below the TUI'\n"
        "assert 'boto3' not in sys.modules, 'boto3 at import of the sandbox'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_endpoint_uses_env_credentials_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:4599")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    b = Backend.from_args(argparse.Namespace())
    assert (b.kind, b.endpoint_url, b.region) == ("endpoint", "http://127.0.0.1:4599", "eu-west-1")
    assert b.label() == "endpoint http://127.0.0.1:4599 · eu-west-1"
    monkeypatch.setenv("AWS_PROFILE", "dev")
    b = Backend.from_args(argparse.Namespace(aws=True, region="us-west-2"))
    assert (b.kind, b.profile, b.region) == ("aws", "dev", "us-west-2")
    assert b.label() == "aws · profile dev · us-west-2"
    monkeypatch.delenv("AWS_ENDPOINT_URL_KMS")
    b = Backend.from_args(argparse.Namespace(data_dir="/x"))
    assert b.kind == "sandbox" and b.label().startswith("sandbox · /x")
    assert b.with_changes(region="cn-north-1").region == "cn-north-1"


def test_caller_account_comes_from_a_listing_under_way_without_a_call(
    session: KmsSession,
) -> None:
    started, gate = threading.Event(), threading.Event()
    paginate = session._paginate

    def held(operation: str, **params: object):  # type: ignore[no-untyped-def]
        started.set()
        assert gate.wait(10)
        yield from paginate(operation, **params)

    session._paginate = held  # type: ignore[method-assign]
    listing = threading.Thread(target=session.list_keys)
    listing.start()
    assert started.wait(10)
    found: list[str | None] = []
    asking = threading.Thread(target=lambda: found.append(session.caller_account()))
    asking.start()
    gate.set()
    listing.join(10)
    asking.join(10)
    keys = session.list_keys()
    assert found == [keys[0].arn.split(":")[4]]
    assert not [e for e in session.journal.entries if e.params.get("Limit") == 1]
