"""The `careerbot` command line: one entry point, a subcommand per job."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from bot.settings import Settings


def _typer(help_text: str, add_completion: bool = True) -> typer.Typer:
    """Plain click-style help: typer's rich help prints a type such as `<bool>` after every flag."""
    return typer.Typer(
        help=help_text,
        add_completion=add_completion,
        rich_markup_mode=None,
        no_args_is_help=True,
    )


app = _typer(
    "careerbot: a Telegram career adviser for NHS primary care managers.", add_completion=False
)
knowledge_app = _typer("Inspect and validate the framework knowledge base.")
db_app = _typer("Manage the database schema (Alembic migrations).")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the configured database."""
    from bot.settings import get_settings
    from bot.storage.migrate import upgrade_to_head

    url = get_settings().effective_database_url
    upgrade_to_head(url)
    typer.echo("Database schema is up to date.")


@knowledge_app.command("check")
def knowledge_check() -> None:
    """Validate the knowledge YAML and count its items of each kind."""
    from bot.knowledge import KnowledgeError, load_knowledge
    from bot.settings import get_settings

    directory = get_settings().knowledge_dir
    try:
        kb = load_knowledge(directory)
    except KnowledgeError as exc:
        typer.echo(f"Knowledge base is invalid: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"Knowledge base in {directory} is valid:")
    for kind, count in kb.counts().items():
        typer.echo(f"  {count:4d} {kind}")


@app.command("ask")
def ask(
    query: str | None = typer.Argument(
        None, metavar="QUESTION", help="The question; omit it to read one per line."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (JSON Lines from stdin)."),
) -> None:
    """Answer a question from the frameworks, as the bot would."""
    from bot.lookup.cli import run_ask

    raise typer.Exit(run_ask(query, as_json))


@app.command("console")
def console() -> None:
    """Chat with the bot in this terminal, no Telegram needed.

    One local user; piped input works too, one message per line.
    """
    import asyncio

    from bot.console import run_console
    from bot.settings import get_settings

    asyncio.run(run_console(get_settings()))


NO_TOKEN = (
    "No TELEGRAM_BOT_TOKEN is set. To get one, open @BotFather in Telegram, send /newbot,\n"
    "and put the token it gives you in .env as TELEGRAM_BOT_TOKEN=... (see .env.example)."
)


CONSOLE_INSTEAD = (
    "Without a token, `careerbot console` runs the same chat in this terminal, and reads "
    "piped input too (one message per line)."
)


TOKEN_REJECTED = (
    "Telegram rejected TELEGRAM_BOT_TOKEN: check it in @BotFather (/mybots, API Token), "
    "or whether TELEGRAM_BASE_URL points at the right Bot API server."
)


@app.command("run")
def run() -> None:
    """Run the Telegram bot; with no token, the console chat.

    Telegram is asked first: while it cannot be reached, one line says so and the bot tries
    again, waiting longer each time. With no token and no terminal, it names `careerbot console`.
    """
    import asyncio
    import sys

    from bot.settings import get_settings
    from bot.storage.migrate import SchemaBehindError, ensure_schema

    settings = get_settings()
    if settings.telegram_bot_token is None:
        typer.echo(NO_TOKEN)
        if not sys.stdin.isatty():
            typer.echo(CONSOLE_INSTEAD)
            raise typer.Exit(1)
        typer.echo("Starting the console chat instead.\n")
        from bot.console import run_console

        asyncio.run(run_console(settings))
        return
    try:
        asyncio.run(ensure_schema(settings.effective_database_url))
    except SchemaBehindError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    import logging

    from telegram.error import InvalidToken

    from bot.telegram.app import wait_until_reachable
    from bot.telegram.logging_setup import configure_logging

    token = settings.telegram_bot_token.get_secret_value()
    if settings.log_format == "json":
        from bot.observability import configure_json_logging

        configure_json_logging(settings.log_level, token)
    else:
        configure_logging(settings.log_level, token)
    # Errors end here as redacted log lines: PTB's exceptions can carry the token, and a
    # traceback printed by typer would show it.
    try:
        asyncio.run(wait_until_reachable(settings, lambda line: typer.echo(line, err=True)))
        run_bot(settings)
    except KeyboardInterrupt:  # Ctrl-C while Telegram could not be reached
        raise typer.Exit(130) from None
    except InvalidToken as exc:
        typer.echo(TOKEN_REJECTED, err=True)
        raise typer.Exit(1) from exc
    except Exception as exc:
        logging.getLogger("bot.cli").critical("the bot stopped on an error", exc_info=True)
        raise typer.Exit(1) from exc


def run_bot(settings: Settings) -> None:
    """Run until stopped: a webhook worker when WEBHOOK_URL is set, otherwise long polling."""
    if settings.webhook_url:
        from bot.web.server import serve

        serve(settings)
    else:
        from bot.telegram.app import run_polling

        run_polling(settings)
