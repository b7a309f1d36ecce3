"""The command palette's namespaced commands: ``kms:``, ``pairs:``, ``crypto:``, ``backend:``,
``export:``, ``view:``, ``theme:`` and ``help:``. A screen adds its own with a
``palette_commands()`` method returning (title, help, action name) triples. Which commands
appear depends on the screen the palette was opened from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from kmsworkbench.tui.app import WorkbenchApp

Command = tuple[str, str, Callable[[], Any]]


class WorkbenchCommands(Provider):
    """kmsworkbench's own commands."""

    def _commands(self) -> Iterator[Command]:
        app = cast("WorkbenchApp", self.app)
        screen = self.screen
        actions = {name for name in dir(screen) if name.startswith("action_")}

        def screen_action(name: str) -> Callable[[], Any]:
            return partial(screen.run_action, name)

        if "action_refresh_keys" in actions:
            yield (
                "kms: refresh keys",
                "List the keys again (ListKeys, ListAliases, DescribeKey)",
                screen_action("refresh_keys"),
            )
            yield (
                "kms: use key by ID or ARN",
                "Name a key directly, e.g. a key of another account",
                screen_action("key_by_reference"),
            )
            yield (
                "kms: create key",
                "Create a symmetric encryption key with an alias",
                screen_action("create_key"),
            )
            yield (
                "kms: enable or disable key",
                "Toggle the highlighted key between Enabled and Disabled",
                screen_action("toggle_enabled"),
            )
            yield (
                "kms: schedule key deletion",
                "Put the highlighted key in PendingDeletion",
                screen_action("schedule_deletion"),
            )
            yield (
                "kms: cancel key deletion",
                "Bring a key pending deletion back (disabled)",
                screen_action("cancel_deletion"),
            )
            yield (
                "kms: rotate key material now",
                "RotateKeyOnDemand on the highlighted key (asks first on AWS)",
                screen_action("rotate_now"),
            )
            yield (
                "kms: hide or show ineligible keys",
                "Keys that cannot wrap a key pair",
                screen_action("toggle_ineligible"),
            )
            yield (
                "export: copy key ID",
                "Copy the highlighted key's ID",
                screen_action("copy_key_id"),
            )
            yield (
                "export: copy key ARN",
                "Copy the highlighted key's ARN",
                screen_action("copy_key_arn"),
            )
        if "action_generate" in actions:
            yield (
                "kms: generate data key pair",
                "GenerateDataKeyPairWithoutPlaintext with this form",
                screen_action("generate"),
            )
        if "action_copy_pem" in actions:
            yield (
                "export: copy public key PEM",
                "Copy the public key of this pair",
                screen_action("copy_pem"),
            )
            yield (
                "export: save to file",
                "Export the public key (PEM/DER/JWK) or the bundle",
                screen_action("export"),
            )
        palette_commands = getattr(screen, "palette_commands", None)
        if callable(palette_commands):
            for title, help_text, action in palette_commands():
                yield (title, help_text, screen_action(action))
        yield ("pairs: open library", "The saved pairs (F7)", app.action_library)
        yield (
            "export: copy aws-cli command",
            "The equivalent aws kms command of this screen or the last call",
            app.action_copy_aws_cli,
        )
        yield (
            "backend: switch",
            "Sandbox, endpoint URL or AWS profile",
            partial(app.action_switch_backend, ""),
        )
        yield (
            "backend: switch profile",
            "An AWS profile from your AWS config",
            partial(app.action_switch_backend, "profile"),
        )
        yield (
            "backend: switch region",
            "The region of the backend",
            partial(app.action_switch_backend, "region"),
        )
        yield (
            "backend: use sandbox",
            "The local sandbox KMS (no account needed)",
            partial(app.action_switch_backend, "sandbox"),
        )
        yield (
            "backend: use endpoint URL",
            "A served sandbox, LocalStack, ...",
            partial(app.action_switch_backend, "endpoint"),
        )
        yield ("view: activity log", "Every KMS call with its aws-cli command", app.action_activity)
        yield (
            "learn: open lessons",
            "Guided lessons on envelope encryption (F3)",
            app.action_lessons,
        )
        yield ("help: keys of this screen", "What this screen does and its keys", app.action_help)
        for name in sorted(app.available_themes):
            yield (
                f"theme: {name}",
                f"Switch to the {name} theme (remembered)",
                partial(app.action_set_theme, name),
            )

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            if title.startswith("theme: ") and title not in (
                "theme: textual-dark",
                "theme: textual-light",
            ):
                continue
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, text=title, help=help_text)
