"""``kmsworkbench generate``: GenerateDataKeyPairWithoutPlaintext, flag for flag with
``aws kms generate-data-key-pair-without-plaintext``, and the same JSON output.

The pair is kept in the library (``--name NAME``, or a name made from the spec and time)
unless ``--no-save``. ``--count N --out-dir DIR`` generates N pairs concurrently within the
spec's KMS quota, writes each to DIR with a ``manifest.json`` kept as it goes, slows down on
throttling, and resumes with ``--resume``; ``--save`` also keeps it in the library as one
batch entry (``commands/batch.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from kmsworkbench.cli import UsageError
from kmsworkbench.commands._blobs import read_text_param
from kmsworkbench.commands._library import open_library
from kmsworkbench.commands._output import emit, guarded, note
from kmsworkbench.commands._register import encryption_context_param

if TYPE_CHECKING:
    from kmsworkbench.pairs import PairRecord
    from kmsworkbench.service.models import GenerateResult

INPUT_SKELETON: dict[str, Any] = {
    "EncryptionContext": {"KeyName": ""},
    "KeyId": "",
    "KeyPairSpec": "RSA_2048",
    "GrantTokens": [""],
    "DryRun": True,
}
OUTPUT_SKELETON: dict[str, Any] = {
    "PrivateKeyCiphertextBlob": "blob",
    "PublicKey": "blob",
    "KeyId": "KeyIdType",
    "KeyPairSpec": "RSA_2048",
    "KeyMaterialId": "BackingKeyIdType",
}
_INPUT_MEMBERS = {
    "KeyId": "key_id",
    "KeyPairSpec": "key_pair_spec",
    "EncryptionContext": "encryption_context",
    "GrantTokens": "grant_tokens",
    "DryRun": "dry_run",
}
TITLE = "GenerateDataKeyPairWithoutPlaintext"


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "generate",
        parents=parents,
        help="generate a data key pair (GenerateDataKeyPairWithoutPlaintext)",
        description="Generate a data key pair under a symmetric KMS key, as "
        "aws kms generate-data-key-pair-without-plaintext does, and keep it in the library.",
    )
    p.add_argument(
        "--key-id", help="the symmetric KMS key: key ID, key ARN, alias name or alias ARN"
    )
    p.add_argument("--key-pair-spec", help="RSA_2048, ECC_NIST_P256, ... (see keypairs)")
    p.add_argument(
        "--encryption-context",
        help="k1=v1,k2=v2 or a JSON object (or file://FILE); not secret: CloudTrail logs it",
    )
    p.add_argument("--grant-tokens", nargs="+", metavar="TOKEN", help="grant tokens")
    dry = p.add_mutually_exclusive_group()
    dry.add_argument("--dry-run", dest="dry_run", action="store_true", default=None)
    dry.add_argument("--no-dry-run", dest="dry_run", action="store_false")
    save = p.add_mutually_exclusive_group()
    save.add_argument("--name", help="the name to keep the pair under in the library")
    save.add_argument("--no-save", action="store_true", help="do not keep the pair in the library")
    p.add_argument("--count", type=int, help="generate this many pairs (needs --out-dir)")
    p.add_argument("--out-dir", help="folder for the pairs of --count and manifest.json")
    p.add_argument(
        "--save",
        action="store_true",
        help="with --count: also keep the batch in the library, as one batch entry",
    )
    p.add_argument(
        "--rate",
        type=float,
        metavar="PER_SECOND",
        help="with --count: pairs a second at most (default: the spec's KMS quota, 25 for "
        "ECC_NIST_P256; the sandbox has none and is not paced); for a raised quota",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="with --out-dir: make the pairs a stopped batch is missing (reads its manifest)",
    )
    p.add_argument("--cli-input-json", help="the request as JSON (or file://FILE)")
    p.add_argument("--cli-input-yaml", help="the request as YAML (or file://FILE)")
    p.add_argument(
        "--generate-cli-skeleton",
        nargs="?",
        const="input",
        choices=("input", "output"),
        help="print a request (input) or response (output) template and exit",
    )
    p.set_defaults(func=run)


def _apply_cli_input(args: argparse.Namespace) -> None:
    """Fill options not given on the command line from --cli-input-json/yaml (the command
    line wins, as in the AWS CLI)."""
    source = args.cli_input_json or args.cli_input_yaml
    if not source:
        return
    option = "--cli-input-json" if args.cli_input_json else "--cli-input-yaml"
    text = read_text_param(option, source)
    try:
        if args.cli_input_json:
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except (ValueError, Exception) as exc:
        if isinstance(exc, UsageError):
            raise
        raise UsageError(f"Error parsing parameter '{option}': {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"Error parsing parameter '{option}': expected an object")
    unknown = sorted(set(data) - set(_INPUT_MEMBERS))
    if unknown:
        raise UsageError(
            f"Parameter validation failed:\nUnknown parameter in input: {unknown[0]!r}, must be "
            f"one of: {', '.join(_INPUT_MEMBERS)}"
        )
    for member, attr in _INPUT_MEMBERS.items():
        if member in data and getattr(args, attr) is None:
            value = data[member]
            if member == "EncryptionContext":
                if not isinstance(value, dict):
                    raise UsageError("EncryptionContext in the input must be an object")
                value = json.dumps(value)
            setattr(args, attr, value)


def _context(args: argparse.Namespace) -> dict[str, str]:
    if args.encryption_context is None:
        return {}
    return encryption_context_param(args.encryption_context)


def _default_name(spec: str) -> str:
    return f"{spec.lower().replace('_', '-')}-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def _pair_record(
    name: str, result: GenerateResult, context: dict[str, str], label: str
) -> PairRecord:
    """The library record of a generated pair: the public key and the encrypted private key,
    with what decrypting it again needs (key ARN, encryption context, backend)."""
    from kmsworkbench.pairs import PairRecord

    return PairRecord(
        name=name,
        key_arn=result.key_arn,
        key_pair_spec=result.key_pair_spec,
        encryption_context=context,
        public_key=result.public_key,
        private_key_ciphertext=result.private_key_ciphertext,
        backend=label,
        key_material_id=result.key_material_id,
    )


@guarded
def run(args: argparse.Namespace) -> int:
    if args.generate_cli_skeleton:
        skeleton = INPUT_SKELETON if args.generate_cli_skeleton == "input" else OUTPUT_SKELETON
        sys.stdout.write(json.dumps(skeleton, indent=4) + "\n")
        return 0
    _apply_cli_input(args)
    missing = [
        f
        for f, a in (("--key-id", "key_id"), ("--key-pair-spec", "key_pair_spec"))
        if not getattr(args, a) and not args.resume  # a resumed batch has its own
    ]
    if missing:
        raise UsageError(
            f"kmsworkbench generate: error: the following arguments are required: {', '.join(missing)}"
        )
    context = _context(args)
    if args.rate is not None:
        if args.count is None and not args.resume:
            raise UsageError("--rate goes with --count N --out-dir DIR (a batch)")
        if not args.rate > 0 or args.rate == float("inf"):
            raise UsageError(
                f"--rate must be a number of pairs a second above 0, not {args.rate:g}"
            )
    if args.count is not None:
        if args.count < 1:
            raise UsageError("--count must be at least 1")
        if not args.out_dir:
            raise UsageError("--count needs --out-dir DIR (where the pairs and manifest.json go)")
        if args.dry_run:
            raise UsageError("--dry-run generates nothing; use it without --count")
        from kmsworkbench.commands.batch import run_batch

        return run_batch(args, context)
    if args.out_dir and args.resume:
        from kmsworkbench.commands.batch import run_batch

        return run_batch(args, context)  # the batch's manifest has --count and the rest
    if args.out_dir:
        raise UsageError("--out-dir goes with --count N (or --resume)")
    if args.save or args.resume:
        raise UsageError("--save and --resume go with --count N --out-dir DIR (a batch)")

    from kmsworkbench.service import Backend, KmsSession

    save = not args.no_save and not args.dry_run
    library = open_library(args) if save else None
    if library is not None and args.name:
        from kmsworkbench.pairs import validate_name

        problem = validate_name(args.name)
        if problem:
            raise UsageError(problem)
        if library.exists(args.name):
            raise UsageError(
                f"A pair named {args.name!r} is already in the library; pick another --name."
            )
    backend = Backend.from_args(args)
    with KmsSession(backend) as session:
        result = session.generate_pair(
            args.key_id,
            args.key_pair_spec,
            encryption_context=context,
            grant_tokens=args.grant_tokens,
            dry_run=bool(args.dry_run),
        )
        label = session.label()
    if library is not None:
        record = library.add(
            _pair_record(args.name or _default_name(result.key_pair_spec), result, context, label),
            unique=not args.name,
        )
        if sys.stderr.isatty():
            note(f"Kept in the library as {record.name!r} (kmsworkbench pairs show {record.name}).")
    emit(result.cli_output(), args, TITLE)
    return 0


class _Progress:
    """A rich progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total: int, spec: str, rate: float) -> None:
        self.total = total
        self._lock = threading.Lock()
        self._progress: Any = None
        self._task: Any = None
        self._spec = spec
        self._label = f"{spec} pairs (≤ {rate:g}/s)"
        self._enabled = sys.stderr.isatty()

    def __enter__(self) -> _Progress:
        if self._enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self._label, total=self.total)
        return self

    def advance(self) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.advance(self._task)

    def unpaced(self) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.update(
                    self._task, description=f"{self._spec} pairs (sandbox: no quota)"
                )

    def throttled(self, new_rate: float) -> None:
        if self._progress is not None:
            with self._lock:
                self._progress.update(
                    self._task, description=f"throttled: slowing to {new_rate:g}/s"
                )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)
