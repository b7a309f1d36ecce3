"""generate, keys and pairs against the in-process sandbox, including the error paths."""

from __future__ import annotations

import base64
import json
import socket
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kmsworkbench import keypairs
from kmsworkbench.pairs import PairLibrary
from kmsworkbench.service import Backend, KmsSession

AWS_OUTPUT_KEYS = ["PrivateKeyCiphertextBlob", "PublicKey", "KeyId", "KeyPairSpec", "KeyMaterialId"]


def _keys(cli: Callable[..., Any]) -> list[dict[str, Any]]:
    result = cli("keys", "--all")
    assert result.rc == 0, result.err
    return result.json()["Keys"]


def test_keys_lists_eligible_by_default_and_all_with_reasons(cli: Callable[..., Any]) -> None:
    eligible = cli("keys").json()["Keys"]
    assert eligible and all(k["Eligible"] for k in eligible)
    assert any("alias/workbench-demo" in k["Aliases"] for k in eligible)
    everything = _keys(cli)
    assert len(everything) > len(eligible)
    reasons = {k["IneligibleReason"] for k in everything if not k["Eligible"]}
    assert any(r and "AWS managed" in r for r in reasons)
    assert any(r and "asymmetric" in r for r in reasons)
    assert any(r and "HMAC" in r for r in reasons)
    assert any(r and "signing key" in r for r in reasons)
    assert "disabled" in reasons


def test_keys_text_and_table(cli: Callable[..., Any]) -> None:
    text = cli("keys", "--output", "text")
    assert text.rc == 0 and text.out.startswith("KEYS\t")
    assert "ALIASES\talias/workbench-demo" in text.out
    table = cli("keys", "--output", "table")
    assert table.rc == 0 and "Keys" in table.out.splitlines()[1]
    query = cli("keys", "--query", "Keys[0].Eligible", "--output", "text")
    assert query.out.strip() == "True"


def test_generate_output_is_the_aws_cli_shape(cli: Callable[..., Any], home: Path) -> None:
    result = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--encryption-context",
        "app=wb,env=dev",
        "--name",
        "first",
    )
    assert result.rc == 0, result.err
    assert result.out.startswith('{\n    "PrivateKeyCiphertextBlob": ')
    data = json.loads(result.out)
    assert list(data) == AWS_OUTPUT_KEYS
    assert data["KeyPairSpec"] == "ECC_NIST_P256"
    assert data["KeyId"].startswith("arn:aws:kms:us-east-1:")
    public = base64.b64decode(data["PublicKey"], validate=True)
    assert keypairs.load_public_key(public).spec == "ECC_NIST_P256"
    record = PairLibrary(home).get("first")
    assert record.encryption_context == {"app": "wb", "env": "dev"}
    assert record.public_key == public
    assert record.backend.startswith("sandbox · ")
    pair_file = home / "pairs" / "first.json"
    assert stat.S_IMODE(pair_file.stat().st_mode) == 0o600
    # the library never holds a plaintext private key: it decrypts only through KMS
    with KmsSession(Backend.sandbox(home)) as session:
        plain = session.decrypt_private_key(
            record.private_key_ciphertext, record.encryption_context
        )
    assert plain.plaintext not in pair_file.read_bytes()
    assert base64.b64encode(plain.plaintext) not in pair_file.read_bytes()
    assert keypairs.keys_match(plain.plaintext, public)


def test_generate_no_save_default_name_yaml_and_query(cli: Callable[..., Any], home: Path) -> None:
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P384",
        "--no-save",
        "--output",
        "yaml",
    )
    assert r.rc == 0 and "KeyPairSpec: ECC_NIST_P384" in r.out
    assert PairLibrary(home).list() == []
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--output",
        "text",
        "--query",
        "KeyPairSpec",
    )
    assert r.out == "ECC_NIST_P256\n"
    names = [p.name for p in PairLibrary(home).list()]
    assert len(names) == 1 and names[0].startswith("ecc-nist-p256-")


def test_global_options_after_the_command(cli: Callable[..., Any], tmp_path: Path) -> None:
    other = tmp_path / "other-data"
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--data-dir",
        str(other),
        "--name",
        "x",
        "--output",
        "text",
        "--query",
        "KeyPairSpec",
    )
    assert r.rc == 0, r.err
    assert r.out == "ECC_NIST_P256\n"
    assert PairLibrary(other).get("x").key_pair_spec == "ECC_NIST_P256"


def test_cli_input_json_and_skeleton(cli: Callable[..., Any], tmp_path: Path) -> None:
    skel = cli("generate", "--generate-cli-skeleton")
    assert skel.rc == 0 and set(skel.json()) == {
        "EncryptionContext",
        "KeyId",
        "KeyPairSpec",
        "GrantTokens",
        "DryRun",
    }
    out_skel = cli("generate", "--generate-cli-skeleton", "output").json()
    assert list(out_skel) == AWS_OUTPUT_KEYS
    request = tmp_path / "req.json"
    request.write_text(
        json.dumps(
            {
                "KeyId": "alias/workbench-demo",
                "KeyPairSpec": "ECC_NIST_P256",
                "EncryptionContext": {"a": "b c"},
            }
        )
    )
    r = cli("generate", "--cli-input-json", f"file://{request}", "--name", "from-json")
    assert r.rc == 0, r.err
    # the command line wins over the input file
    r = cli(
        "generate",
        "--cli-input-json",
        f"file://{request}",
        "--key-pair-spec",
        "ECC_NIST_P521",
        "--no-save",
    )
    assert r.json()["KeyPairSpec"] == "ECC_NIST_P521"
    r = cli(
        "generate",
        "--cli-input-yaml",
        "KeyId: alias/workbench-demo\nKeyPairSpec: ECC_SECG_P256K1\n",
        "--no-save",
    )
    assert r.rc == 0 and r.json()["KeyPairSpec"] == "ECC_SECG_P256K1"
    bad = cli("generate", "--cli-input-json", '{"Nope": 1}')
    assert bad.rc == 252 and "Unknown parameter" in bad.err


# ------------------------------------------------------------------ error paths


def test_missing_arguments_is_usage(cli: Callable[..., Any]) -> None:
    r = cli("generate", "--key-id", "alias/workbench-demo")
    assert r.rc == 252 and "--key-pair-spec" in r.err


def test_unknown_key(cli: Callable[..., Any]) -> None:
    r = cli(
        "generate",
        "--key-id",
        "11111111-2222-3333-4444-555555555555",
        "--key-pair-spec",
        "ECC_NIST_P256",
    )
    assert r.rc == 254
    assert (
        "An error occurred (NotFoundException) when calling the GenerateDataKeyPairWithoutPlaintext operation:"
        in r.err
    )
    assert "What it means:" in r.err and "What to do:" in r.err


def test_disabled_key(cli: Callable[..., Any]) -> None:
    disabled = next(k for k in _keys(cli) if k["KeyState"] == "Disabled")
    r = cli("generate", "--key-id", disabled["KeyId"], "--key-pair-spec", "ECC_NIST_P256")
    assert r.rc == 254 and "(DisabledException)" in r.err
    assert "disabled" in r.err.lower() and "enable" in r.err.lower()


def test_asymmetric_key_is_invalid_key_usage(cli: Callable[..., Any]) -> None:
    rsa = next(k for k in _keys(cli) if k["KeySpec"] == "RSA_2048")
    r = cli("generate", "--key-id", rsa["KeyArn"], "--key-pair-spec", "ECC_NIST_P256")
    assert r.rc == 254 and "(InvalidKeyUsageException)" in r.err
    assert "symmetric encryption key" in r.err


def test_malformed_context_points_at_the_bad_part(cli: Callable[..., Any]) -> None:
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--encryption-context",
        "app=wb,env",
    )
    assert r.rc == 252
    assert "--encryption-context" in r.err and "expected '='" in r.err
    lines = r.err.splitlines()
    assert lines[-2] == "app=wb,env" and lines[-1] == " " * 10 + "^"


def test_wrong_region_arn(cli: Callable[..., Any]) -> None:
    demo = next(k for k in _keys(cli) if "alias/workbench-demo" in k["Aliases"])
    other = demo["KeyArn"].replace(":us-east-1:", ":eu-west-1:")
    r = cli("generate", "--key-id", other, "--key-pair-spec", "ECC_NIST_P256")
    assert r.rc == 254 and "(NotFoundException)" in r.err
    assert "eu-west-1" in r.err and "--region eu-west-1" in r.err


def test_dry_run_would_have_succeeded(cli: Callable[..., Any], home: Path) -> None:
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--dry-run",
    )
    assert r.rc == 254 and "(DryRunOperationException)" in r.err
    assert "would have succeeded" in r.err
    assert PairLibrary(home).list() == []


def test_invalid_spec_is_validation_exception(cli: Callable[..., Any]) -> None:
    r = cli("generate", "--key-id", "alias/workbench-demo", "--key-pair-spec", "ECC_FOO")
    assert r.rc == 254 and "(ValidationException)" in r.err


def test_duplicate_name_refused_before_kms(
    cli: Callable[..., Any], pair: Callable[..., Any]
) -> None:
    pair("dup")
    r = cli(
        "generate",
        "--key-id",
        "alias/workbench-demo",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--name",
        "dup",
    )
    assert r.rc == 252 and "already" in r.err


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_endpoint_down(cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setattr("time.sleep", lambda _s: None)  # botocore's retry backoff
    url = f"http://127.0.0.1:{_closed_port()}"
    r = cli(
        "--endpoint-url",
        url,
        "generate",
        "--key-id",
        "alias/x",
        "--key-pair-spec",
        "ECC_NIST_P256",
        "--cli-connect-timeout",
        "1",
    )
    assert r.rc == 255
    assert f'Could not connect to the endpoint URL: "{url}/"' in r.err
    assert "unreachable" in r.err and url in r.err.split("What it means:")[1]


def test_no_credentials_for_an_endpoint(cli: Callable[..., Any]) -> None:
    r = cli("--endpoint-url", f"http://127.0.0.1:{_closed_port()}", "keys")
    assert r.rc == 255 and "Unable to locate credentials" in r.err
    assert "sandbox env" in r.err


def test_expired_credentials(cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from kmsworkbench.service import session as session_module
    from tests.service.helpers import answer_with_error

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token")
    original = session_module.KmsSession._boto3_session

    def no_profile_lookup(self: Any) -> Any:
        import botocore.session

        session = botocore.session.Session()
        session.set_config_variable("region", self.backend.region)
        return session

    monkeypatch.setattr(session_module.KmsSession, "_boto3_session", no_profile_lookup)
    original_build = session_module.KmsSession._build_client

    def build(self: Any) -> Any:
        client = original_build(self)
        answer_with_error(
            client, "ExpiredTokenException", "The security token included in the request is expired"
        )
        return client

    monkeypatch.setattr(session_module.KmsSession, "_build_client", build)
    r = cli(
        "--aws",
        "--region",
        "eu-west-1",
        "generate",
        "--key-id",
        "alias/x",
        "--key-pair-spec",
        "ECC_NIST_P256",
    )
    assert original is not None
    assert r.rc == 254 and "(ExpiredTokenException)" in r.err
    assert "expired" in r.err and "aws sso login" in r.err


# ------------------------------------------------------------------ pairs


def test_pairs_list_show_export_import_delete(
    cli: Callable[..., Any], pair: Callable[..., Any], tmp_path: Path, home: Path
) -> None:
    pair("one")
    pair("two", context='{"tenant": "a b"}')
    listed = cli("pairs", "list").json()["Pairs"]
    assert [p["Name"] for p in listed] == ["two", "one"]
    shown = cli("pairs", "show", "two").json()
    assert shown["EncryptionContext"] == {"tenant": "a b"}
    assert shown["PublicKeyFingerprint"].count(":") == 31
    assert "Plaintext" not in json.dumps(shown)

    pem_file = tmp_path / "one.pem"
    assert cli("pairs", "export", "one", "--public-key", "PEM", "--outfile", str(pem_file)).rc == 0
    assert pem_file.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    der_file = tmp_path / "one.der"
    assert cli("pairs", "export", "one", "--public-key", "der", "--outfile", str(der_file)).rc == 0
    assert keypairs.load_public_key(der_file.read_bytes()).pem == pem_file.read_text()
    jwk = cli("pairs", "export", "one", "--public-key", "JWK")
    assert json.loads(jwk.out)["kty"] == "EC"
    b64 = cli("pairs", "export", "one", "--private-key", "base64")
    assert base64.b64decode(b64.out) == PairLibrary(home).get("one").private_key_ciphertext

    bundle_file = tmp_path / "bundle.json"
    assert cli("pairs", "export", "--outfile", str(bundle_file)).rc == 0
    assert cli("pairs", "delete", "one", "two").rc == 0
    assert cli("pairs", "list").json()["Pairs"] == []
    imported = cli("pairs", "import", str(bundle_file))
    assert imported.rc == 0 and sorted(imported.json()["Imported"]) == ["one", "two"]
    again = cli("pairs", "import", f"file://{bundle_file}").json()["Imported"]
    assert sorted(again) == ["one-2", "two-2"]
    assert cli("pairs", "rename", "one-2", "uno").json() == {"Name": "uno"}
    assert cli("pairs", "show", "nope").rc == 252
    assert cli("pairs", "delete", "nope").rc == 252
    assert cli("pairs", "export", "one", "two", "--public-key", "PEM").rc == 252


def test_import_refuses_plaintext_private_keys(
    cli: Callable[..., Any], pair: Callable[..., Any], tmp_path: Path
) -> None:
    pair("p")
    bundle = json.loads(cli("pairs", "export", "p").out)
    bundle["pairs"][0]["private_key_plaintext"] = "AAAA"
    f = tmp_path / "b.json"
    f.write_text(json.dumps(bundle))
    r = cli("pairs", "import", str(f))
    assert r.rc == 252 and "plaintext private key" in r.err
