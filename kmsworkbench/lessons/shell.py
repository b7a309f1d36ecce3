"""A lesson as a shell script of AWS CLI and OpenSSL commands against a served sandbox.

Each saved value ``$name.attr`` is a shell variable ``NAME_ATTR`` (identifiers, base64 of a
secret kept only in a variable) or a file ``$WORK/name.attr.bin`` (blobs); ``$WORK`` is a
temporary folder removed at exit. A "break it" variant runs its failing command under
``expect_failure CODE ...``, which fails the script unless the call fails with that code.
No private key is ever written to a file: it stays in a variable and reaches OpenSSL through
a process substitution.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

from kmsworkbench.service.context import format_context_for_cli

from .model import Lesson

PRELUDE = """#!/usr/bin/env bash
# {title}
#
# Exported by `kmsworkbench lessons export {id}`. Run it against a served sandbox:
#   kmsworkbench serve                       # in another terminal
#   eval "$(kmsworkbench sandbox env)"       # in this one, then: bash {id}.sh
set -euo pipefail
: "${{AWS_ENDPOINT_URL_KMS:?run eval \\"\\$(kmsworkbench sandbox env)\\" first}}"
ENDPOINT=(--endpoint-url "$AWS_ENDPOINT_URL_KMS")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
kms() {{ aws kms "${{ENDPOINT[@]}}" "$@"; }}
as_principal() {{  # NAME COMMAND...: COMMAND with the credentials of the sandbox principal NAME
  local who=$1 endpoint=$AWS_ENDPOINT_URL_KMS
  shift
  (
    eval "$(kmsworkbench sandbox env --as "$who" ${{KMSWORKBENCH_DATA_DIR:+--data-dir "$KMSWORKBENCH_DATA_DIR"}})"
    export AWS_ENDPOINT_URL_KMS=$endpoint
    "$@"
  )
}}
b64d() {{ base64 -d 2>/dev/null || base64 -D; }}
expect_failure() {{  # CODE COMMAND...: the command must fail, with CODE in its message
  local code=$1 out
  shift
  if out=$("$@" 2>&1); then
    echo "  expected $code, but it succeeded" >&2
    exit 1
  fi
  case "$out" in
    *"$code"*) echo "  failed as expected: ${{out##*$'\\n'}}" ;;
    *) echo "  expected $code, got: $out" >&2; exit 1 ;;
  esac
}}
"""


def var(ref: str) -> str:
    """The shell variable for ``$name.attr``."""
    name, _, attr = ref.lstrip("$").partition(".")
    return f"{name}_{attr}".upper() if attr else name.upper()


class Shell:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self._expect: str | None = None
        self._expect_done = False
        self.acting: str | None = None  # the step's ``as``: a sandbox principal

    # ---- words
    def arg(self, value: Any) -> str:
        if isinstance(value, str) and value.startswith("$"):
            return f'"${{{var(value)}:-}}"'
        return shlex.quote(str(value))

    def path(self, ref: str) -> str:
        name, _, attr = ref.lstrip("$").partition(".")
        return f'"$WORK/{name}.{attr or "value"}.bin"'

    def fileb(self, ref: str) -> str:
        name, _, attr = ref.lstrip("$").partition(".")
        return f'"fileb://$WORK/{name}.{attr or "value"}.bin"'

    def json(self, value: Any) -> str:
        """A JSON document as one double-quoted shell word, saved values (``$name.attr``)
        and ``$account`` (the key's account, ``KEY_ACCOUNT``) filled in by the shell."""
        refs: dict[str, str] = {}

        def mark(v: Any) -> Any:
            if isinstance(v, str) and "$account" in v:
                v = v.replace("$account", "@@KEY_ACCOUNT@@")
                refs["@@KEY_ACCOUNT@@"] = "KEY_ACCOUNT"
            if isinstance(v, str) and v.startswith("$"):
                token = f"@@{var(v)}@@"
                refs[token] = var(v)
                return token
            if isinstance(v, dict):
                return {k: mark(x) for k, x in v.items()}
            if isinstance(v, list):
                return [mark(x) for x in v]
            return v

        text = json.dumps(mark(value), indent=1)
        text = re.sub(r'([\\"$`])', r"\\\1", text)
        for token, name in refs.items():
            text = text.replace(token, f"${{{name}}}")
        return f'"{text}"'

    def context(self, ctx: dict[str, Any] | None) -> list[str]:
        if not ctx:
            return []
        plain = {str(k): str(v) for k, v in ctx.items()}
        return ["--encryption-context", shlex.quote(format_context_for_cli(plain))]

    # ---- lines
    def comment(self, text: str) -> None:
        for line in text.strip().splitlines():
            self.lines.append(f"# {line}".rstrip())

    def echo(self, text: str) -> None:
        self.lines.append(f"echo {shlex.quote(text)}")

    def run(self, line: str, checked: bool = False, bare: str | None = None) -> None:
        """A command. A ``checked`` one is where a variant is expected to fail; ``bare`` is
        the simple command to run under ``expect_failure`` when ``line`` wraps it."""
        if self._expect_done:
            return
        if checked and self._expect is not None:
            self.lines.append(f"expect_failure {shlex.quote(self._expect)} {bare or line}")
            self._expect_done = True
            return
        self.lines.append(line)

    def kms(
        self, words: list[str], capture: list[str] | None = None, query: str | None = None
    ) -> None:
        """``aws kms ...``; with ``capture``, read the queried fields into those variables."""
        command = "kms " + " ".join(words)
        if self.acting:
            command = f"as_principal {shlex.quote(self.acting)} {command}"
        if self._expect is not None:
            self.run(command, checked=True)
            return
        if not capture:
            self.run(command + " >/dev/null")
            return
        q = query or ""
        command += f" --query {shlex.quote(q)} --output text"
        if len(capture) == 1:
            self.run(f"{capture[0]}=$({command})")
        else:
            self.run(f'read -r {" ".join(capture)} <<<"$({command})"')

    def b64_to_file(self, variable: str, path: str) -> None:
        self.run(f'printf %s "${variable}" | b64d > {path}')

    # ---- variants
    def expecting(self, code: str | None) -> Shell:
        """A shell for a variant. A KMS error code is matched in the failure's message; a
        local one (a forgotten key, a failed tag check) is any failure of the command."""
        child = Shell()
        if code is not None and not code.endswith("Exception"):
            code = ""
        child._expect = code
        return child


def export_script(lesson: Lesson) -> str:
    from .actions import ACTIONS

    out = [PRELUDE.format(title=lesson.title, id=lesson.id)]
    for number, step in enumerate(lesson.steps, 1):
        out.append(f"\necho {shlex.quote(f'== Step {number}: {step.title}')}")
        if step.action is None:
            continue
        sh = Shell()
        sh.acting = step.action.params.get("as")
        ACTIONS[step.action.name].shell(sh, step.action.params)
        out.extend(sh.lines)
        for variant in step.variants:
            out.append(f"echo {shlex.quote(f'-- break it: {variant.title}')}")
            child = sh.expecting(variant.expect_error)
            child.acting = variant.action.params.get("as")
            ACTIONS[variant.action.name].shell(child, variant.action.params)
            # A subshell: what a variant saves never changes the lesson's own path.
            out.append("(")
            out.extend("  " + line for line in child.lines)
            out.append(")")
    out.append(f"\necho {shlex.quote(f'Lesson done: {lesson.title}')}")
    return "\n".join(out) + "\n"
