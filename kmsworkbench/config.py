"""Non-secret settings: which backend to open, the theme, the last key and spec, and named
encryption contexts.

Stored as JSON in ``kmsworkbench.paths.config_dir() / "settings.json"``, written atomically
with mode 0600. Reading never fails: a missing, unreadable or corrupt file (or one with
fields of the wrong type) loads as defaults, field by field where it can, so a damaged
settings file never keeps the app from starting.

Nothing secret goes here: no credentials, no key material, no plaintext. Profile names,
regions and endpoint URLs are settings, not secrets.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kmsworkbench import paths

log = logging.getLogger(__name__)

CONFIG_FILE_NAME = "settings.json"
BACKEND_KINDS = ("sandbox", "endpoint", "aws")
DEFAULT_THEME = "textual-dark"
SCHEMA_VERSION = 1
MAX_CONTEXT_NAME = 64  # a preset name is a label in a list, not a document


def context_name_problem(name: str) -> str | None:
    """None when ``name`` can name a saved encryption context; otherwise why not."""
    if not name.strip():
        return "Give the context a name."
    if name != name.strip():
        return "A name has no spaces at its ends."
    if len(name) > MAX_CONTEXT_NAME:
        return f"A name is at most {MAX_CONTEXT_NAME} characters."
    if any(not ch.isprintable() for ch in name):
        return "A name has only printable characters."
    return None


@dataclass(frozen=True)
class BackendSettings:
    """The backend to open when no backend option is given on the command line."""

    kind: str = "sandbox"
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    data_dir: str | None = None  # a sandbox folder other than the default one


@dataclass(frozen=True)
class Settings:
    backend: BackendSettings = field(default_factory=BackendSettings)
    theme: str = DEFAULT_THEME
    last_key: str | None = None  # key id, ARN or alias last used to generate
    last_spec: str | None = None
    hide_ineligible: bool = False
    contexts: dict[str, dict[str, str]] = field(default_factory=dict)  # named contexts

    def with_backend(self, **changes: Any) -> Settings:
        return replace(self, backend=replace(self.backend, **changes))

    def with_context(self, name: str, context: dict[str, str]) -> Settings:
        contexts = dict(self.contexts)
        contexts[name] = dict(context)
        return replace(self, contexts=contexts)

    def context_names(self) -> list[str]:
        """The saved context names in the order a person looks for them (case-insensitive)."""
        return sorted(self.contexts, key=lambda n: (n.casefold(), n))

    def without_context(self, name: str) -> Settings:
        contexts = {k: v for k, v in self.contexts.items() if k != name}
        return replace(self, contexts=contexts)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = SCHEMA_VERSION
        return data

    @classmethod
    def from_json(cls, data: object) -> Settings:
        """Build settings from decoded JSON, keeping every well-typed field and dropping the
        rest (a wrong type falls back to that field's default)."""
        if not isinstance(data, dict):
            return cls()
        default = cls()
        backend = _backend_from_json(data.get("backend"))
        theme = _str_or(data.get("theme"), default.theme) or default.theme
        contexts: dict[str, dict[str, str]] = {}
        raw_contexts = data.get("contexts")
        if isinstance(raw_contexts, dict):
            for name, ctx in raw_contexts.items():
                if isinstance(name, str) and isinstance(ctx, dict):
                    if all(isinstance(k, str) and isinstance(v, str) for k, v in ctx.items()):
                        contexts[name] = dict(ctx)
        hide = data.get("hide_ineligible")
        return cls(
            backend=backend,
            theme=theme,
            last_key=_str_or(data.get("last_key"), None),
            last_spec=_str_or(data.get("last_spec"), None),
            hide_ineligible=hide if isinstance(hide, bool) else default.hide_ineligible,
            contexts=contexts,
        )


def _str_or(value: object, default: str | None) -> str | None:
    return value if isinstance(value, str) and value else default


def _backend_from_json(data: object) -> BackendSettings:
    if not isinstance(data, dict):
        return BackendSettings()
    kind = data.get("kind")
    if kind not in BACKEND_KINDS:
        kind = "sandbox"
    values = {f.name: _str_or(data.get(f.name), None) for f in fields(BackendSettings)}
    values["kind"] = kind
    return BackendSettings(**values)


def config_path() -> Path:
    return paths.config_dir() / CONFIG_FILE_NAME


def load(path: Path | None = None) -> Settings:
    """The saved settings, or defaults when there are none or they cannot be read."""
    target = path or config_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", target, exc)
        return Settings()
    try:
        data = json.loads(text)
    except ValueError as exc:
        log.warning("settings file %s is not valid JSON (%s); using defaults", target, exc)
        return Settings()
    return Settings.from_json(data)


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically, 0600 in a 0700 folder."""
    target = path or config_path()
    text = json.dumps(settings.to_json(), indent=2, sort_keys=True) + "\n"
    return paths.atomic_write(target, text)


def try_save(settings: Settings, path: Path | None = None) -> str | None:
    """Save, returning None on success or a message a person can read on failure (the UI
    shows it; settings are a convenience and never a reason to stop)."""
    target = path or config_path()
    try:
        save(settings, target)
    except OSError as exc:
        return f"could not save settings to {target}: {exc.strerror or exc}"
    return None
