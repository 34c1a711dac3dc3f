"""The `careerbot` command line: one entry point, a subcommand per job."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="careerbot: a Telegram career adviser for NHS primary care managers.",
    no_args_is_help=True,
    add_completion=False,
)
knowledge_app = typer.Typer(
    help="Inspect and validate the framework knowledge base.", no_args_is_help=True
)
db_app = typer.Typer(help="Manage the database schema (Alembic migrations).", no_args_is_help=True)
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
