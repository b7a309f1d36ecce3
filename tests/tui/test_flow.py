"""The real app, driven with Pilot, on an in-process sandbox in a temporary folder: from the
key list to a saved pair, and the same road with KMS errors on it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Checkbox, Input, Select, Static

from kmsworkbench import config
from kmsworkbench.pairs import PairLibrary
from kmsworkbench.tui.app import WorkbenchApp
from kmsworkbench.tui.screens.activity import ActivityScreen
from kmsworkbench.tui.screens.export import ExportModal
from kmsworkbench.tui.screens.generate import GenerateScreen
from kmsworkbench.tui.screens.keys import KeyChooserScreen
from kmsworkbench.tui.screens.modals import ErrorModal, HelpScreen, KeyReferenceModal
from kmsworkbench.tui.screens.result import ResultScreen
from kmsworkbench.tui.widgets.context_editor import ContextEditor
from kmsworkbench.tui.widgets.key_table import KeyTable

from .conftest import record_notices, settle

DEMO = "alias/workbench-demo"
AppFactory = Callable[..., WorkbenchApp]


def key_screen(app: WorkbenchApp) -> KeyChooserScreen:
    screen = app.screen
    assert isinstance(screen, KeyChooserScreen), screen
    return screen


def text_of(app: WorkbenchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_generate_for_demo(app: WorkbenchApp, pilot: object) -> GenerateScreen:
    screen = key_screen(app)
    info = screen.index.find(DEMO)
    assert info is not None
    table = screen.query_one(KeyTable)
    table.focus()
    assert table.move_to(info.key_id)
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, GenerateScreen)
    return app.screen


async def test_keys_listed_and_ineligible_explained(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        screen = key_screen(app)
        keys = screen.index.all()
        assert len(keys) >= 5
        count = text_of(app, "#key-count")
        assert f"{len(keys)} keys" in count and "aliases" in count
        demo = screen.index.find(DEMO)
        assert demo is not None and demo.eligible is True
        ineligible = [k for k in keys if k.eligible is False]
        assert len(ineligible) >= 4
        table = screen.query_one(KeyTable)
        reasons = {str(table.get_cell(k.key_id, "wraps")) for k in ineligible}
        assert {"✗ signing key", "✗ asymmetric key", "✗ disabled", "✗ HMAC key"} <= reasons
        # The detail pane explains in full, and an ineligible key cannot be chosen.
        hmac = next(k for k in ineligible if (k.key_spec or "").startswith("HMAC"))
        table.focus()
        table.move_to(hmac.key_id)
        await pilot.pause()
        detail = text_of(app, "#key-detail")
        assert "cannot wrap a data key pair" in detail and "HMAC" in detail
        assert "KeyUsage: GENERATE_VERIFY_MAC" in detail
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, KeyChooserScreen)
        # Hiding ineligible keys leaves only the ones that can wrap.
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert all(k.eligible is not False for k in table.shown)
        assert app.settings.hide_ineligible is True
        assert config.load().hide_ineligible is True


async def test_filter_as_you_type(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = key_screen(app)
        total = len(screen.index)
        await pilot.press("slash")
        assert app.focused is screen.query_one("#key-filter", Input)
        await pilot.press(*"workbench")
        await pilot.pause()
        table = screen.query_one(KeyTable)
        assert [k.aliases for k in table.shown][0] == [DEMO]
        assert len(table.shown) < total
        assert "shown" in text_of(app, "#key-count")
        # Escape clears the filter and goes back to the table.
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one("#key-filter", Input).value == ""
        assert len(table.shown) == total
        assert app.focused is table


async def test_copy_key_id_and_arn(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = key_screen(app)
        demo = screen.index.find(DEMO)
        assert demo is not None
        table = screen.query_one(KeyTable)
        table.focus()
        table.move_to(demo.key_id)
        await pilot.press("y")
        assert app.clipboard == demo.key_id
        await pilot.press("Y")
        assert app.clipboard == demo.arn


async def test_manual_key_reference_is_validated(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        calls_before = len(app.activity)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, KeyReferenceModal)
        await pilot.press(*"not-a-key", "enter")
        await pilot.pause()
        assert isinstance(app.screen, KeyReferenceModal)
        error = app.screen.query_one("#keyref-error", Static)
        assert error.has_class("-visible")
        assert "Not a key reference" in str(error.render())
        assert len(app.activity) == calls_before  # nothing was sent to KMS
        field = app.screen.query_one("#keyref-input", Input)
        field.value = "arn:aws:kms:us-east-1:111122223333:alias/elsewhere"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)
        assert app.screen.key_reference == "arn:aws:kms:us-east-1:111122223333:alias/elsewhere"


async def test_generate_saves_pair_and_shows_result(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        # Spec chosen.
        screen.query_one("#spec-select", Select).value = "ECC_NIST_P384"
        await pilot.pause()
        assert screen.spec == "ECC_NIST_P384"
        assert "P-384" in text_of(app, "#spec-description")
        assert "--key-pair-spec ECC_NIST_P384" in text_of(app, "#gen-preview")
        # A context row typed in, a second one added.
        editor = screen.query_one(ContextEditor)
        editor.rows[0].query_one(".ctx-key", Input).focus()
        await pilot.press(*"app", "tab", *"wb")
        await pilot.press("f6")
        await pilot.pause()
        assert len(editor.rows) == 2
        # A value without a key is rejected at its row, and Generate refuses.
        await pilot.press("tab", *"orphan")
        await pilot.pause()
        assert not editor.valid
        assert editor.rows[1].has_class("-invalid")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)
        assert not any(w.group == "generate" for w in app.workers)
        # Bad shorthand is rejected under the paste line, with a pointer.
        paste = screen.query_one("#ctx-paste", Input)
        paste.focus()
        await pilot.press(*"env=dev,=x", "enter")
        await pilot.pause()
        assert editor.paste_problem is not None and "key" in editor.paste_problem
        # Good shorthand replaces the rows.
        paste.value = "app=wb,env=dev"
        await pilot.press("enter")
        await pilot.pause()
        assert editor.valid and editor.context == {"app": "wb", "env": "dev"}
        assert "--encryption-context app=wb,env=dev" in text_of(app, "#gen-preview")
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, ResultScreen)
        record = app.screen.record
        summary = text_of(app, "#result-summary")
        assert record.key_arn in summary and "ECC_NIST_P384" in summary
        assert "BEGIN PUBLIC KEY" in text_of(app, "#result-pem")
        saved = PairLibrary(sandbox_dir).list()
        assert [r.name for r in saved] == [record.name]
        assert saved[0].encryption_context == {"app": "wb", "env": "dev"}
        assert saved[0].key_pair_spec == "ECC_NIST_P384"
        assert app.settings.last_key == DEMO and app.settings.last_spec == "ECC_NIST_P384"
        # Rename, copy the PEM, export the public key as JWK.
        name_input = app.screen.query_one("#result-name", Input)
        name_input.value = "teaching-pair"
        name_input.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert PairLibrary(sandbox_dir).get("teaching-pair").key_arn == record.key_arn
        await pilot.press("ctrl+y")
        assert app.clipboard.startswith("-----BEGIN PUBLIC KEY-----")
        # Ctrl+S asks the format and the file: JWK, into the exports folder by default.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ExportModal)
        app.screen.query_one("#export-format", Select).value = "JWK"
        await pilot.pause()
        target = sandbox_dir / "exports" / "teaching-pair.pub.jwk.json"
        assert app.screen.query_one("#export-path", Input).value == str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ResultScreen)
        assert '"kty": "EC"' in target.read_text()
        assert target.stat().st_mode & 0o777 == 0o600


async def test_disabled_key_shows_error_and_app_goes_on(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        screen = key_screen(app)
        demo = screen.index.find(DEMO)
        assert demo is not None
        table = screen.query_one(KeyTable)
        table.focus()
        table.move_to(demo.key_id)
        await pilot.press("e")  # disable it (sandbox only)
        await settle(app, pilot)
        demo = screen.index.find(DEMO)
        assert demo is not None and demo.key_state == "Disabled" and demo.eligible is False
        # Named directly, the disabled key goes to KMS, which refuses.
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*DEMO, "enter")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorModal)
        details = app.screen.details
        assert details.code == "DisabledException"
        assert details.request_id
        assert details.explanation and details.remedy
        await pilot.press("c")
        assert "DisabledException" in app.clipboard
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GenerateScreen)
        assert not app.screen.generating
        # The app goes on: back to the keys, enable it again, and it can be chosen.
        await pilot.press("escape")
        await pilot.pause()
        table.focus()
        table.move_to(demo.key_id)
        await pilot.press("e")
        await settle(app, pilot)
        assert screen.index.find(DEMO).eligible is True  # type: ignore[union-attr]


async def tick_dry_run(app: WorkbenchApp, pilot: object) -> None:
    """Tab to the DryRun box and tick it with the space bar, as a person does."""
    box = app.screen.query_one("#gen-dry-run", Checkbox)
    for _ in range(20):
        if app.screen.focused is box:
            break
        await pilot.press("tab")  # type: ignore[attr-defined]
    assert app.screen.focused is box
    await pilot.press("space")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert box.value is True


async def test_dry_run_that_would_succeed_is_a_success(
    make_app: AppFactory, sandbox_dir: Path
) -> None:
    """Before, a DryRun that would succeed was an error dialog (DryRunOperationException)."""
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        notices = record_notices(app)
        await tick_dry_run(app, pilot)
        assert "--dry-run" in text_of(app, "#gen-preview")
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert app.screen is screen, app.screen
        assert "this request would have succeeded" in text_of(app, "#gen-dry-result")
        assert screen.query_one("#gen-dry-result").display
        assert any("would have succeeded" in n for n in notices)
        assert PairLibrary(sandbox_dir).list() == []


async def test_dry_run_that_fails_shows_the_reason(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        screen = await open_generate_for_demo(app, pilot)
        # The key is disabled behind the form's back (as another user of the KMS would).
        app.session.disable_key(screen.info.key_id)  # type: ignore[union-attr]
        await tick_dry_run(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        modal = app.screen
        assert isinstance(modal, ErrorModal), modal
        assert modal.details.code == "DisabledException"
        assert modal.query_one("#error-dialog").has_class("-error")


async def test_activity_log_and_copy_aws_cli(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert any(e.operation == "ListKeys" for e in app.activity)
        app.action_copy_aws_cli()
        assert app.clipboard.startswith("aws kms ")
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ActivityScreen)
        assert app.screen.query_one("#activity-table").row_count == len(app.activity)
        assert "aws kms" in text_of(app, "#activity-command")
        await pilot.press("escape")
        await pilot.pause()
        # On the generate screen the palette command copies the preview.
        await open_generate_for_demo(app, pilot)
        app.action_copy_aws_cli()
        assert app.clipboard.startswith("aws kms generate-data-key-pair-without-plaintext")


async def test_help_and_palette_commands(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = text_of(app, "#help-keys")
        assert "Copy ID" in keys and "Refresh" in keys and "Backend" in keys
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, KeyChooserScreen)
        from kmsworkbench.tui.commands import WorkbenchCommands

        provider = WorkbenchCommands(app.screen)
        titles = [title for title, _, _ in provider._commands()]
        for wanted in (
            "kms: refresh keys",
            "backend: switch profile",
            "export: copy aws-cli command",
            "theme: textual-light",
        ):
            assert wanted in titles


async def test_theme_switch_is_remembered(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.action_set_theme("textual-light")
        await pilot.pause()
        assert config.load().theme == "textual-light"
    again = make_app(settings=config.load())
    async with again.run_test(size=(80, 24)) as pilot:
        assert again.theme == "textual-light"


async def test_create_key_in_sandbox(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press(*"alias/lesson-one", "enter")
        await settle(app, pilot)
        screen = key_screen(app)
        created = screen.index.find("alias/lesson-one")
        assert created is not None and created.eligible is True
        assert screen.query_one(KeyTable).highlighted is created


async def test_switch_backend_rebuilds_session_and_reloads(
    make_app: AppFactory, tmp_path: Path
) -> None:
    from kmsworkbench.service import Backend

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        first = app.session
        other = tmp_path / "other-sandbox"
        app.switch_backend(Backend(kind="sandbox", data_dir=other))
        await settle(app, pilot)
        assert app.session is not first
        assert str(other) in app.backend_label
        assert len(key_screen(app).index) >= 5
        assert config.load().backend.data_dir == str(other)
