"""`flask crm export-person`, `erase-person`, `apply-retention` and `backup`."""

from __future__ import annotations

import sys

import click
from flask import current_app

from crm.cli import crm_cli
from crm.extensions import db


def _person_or_exit(person_id: int):
    from crm.models import Person

    person = db.session.get(Person, person_id)
    if person is None:
        click.echo(f"Error: there is no person with id {person_id}.", err=True)
        sys.exit(1)
    return person


@crm_cli.command("export-person")
@click.argument("person_id", type=int)
def export_person_command(person_id: int) -> None:
    """Print everything held about a person as JSON (subject access)."""
    from crm.services.subject_access import subject_access

    person = _person_or_exit(person_id)
    export = subject_access(person, None, via="command line")
    db.session.commit()
    click.echo(export.to_json_text())


@crm_cli.command("erase-person")
@click.argument("person_id", type=int)
@click.option("--yes", is_flag=True, help="Confirm: anonymising cannot be undone.")
def erase_person_command(person_id: int, yes: bool) -> None:
    """Anonymise a person, keeping their participations in the statistics. Cannot be undone."""
    from crm.services.erasure import erase_person
    from crm.services.errors import InvalidInput

    person = _person_or_exit(person_id)
    if not yes:
        click.echo(
            f"Error: anonymising person {person_id} cannot be undone. Run again with --yes to confirm.", err=True
        )
        sys.exit(1)
    try:
        erase_person(person, None, detail="anonymised on request (command line)")
    except InvalidInput as error:
        db.session.rollback()
        click.echo(f"Error: {error.message}", err=True)
        sys.exit(1)
    db.session.commit()
    current_app.logger.info("Person %s anonymised from the command line", person_id)
    click.echo(f"Person {person_id} has been anonymised. Their participations still count in the statistics.")


@crm_cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="Only say how many people are past the retention period.")
def apply_retention_command(dry_run: bool) -> None:
    """Anonymise everyone past the retention period (for a scheduled job)."""
    from crm.services.retention import apply_retention

    run = apply_retention(None, dry_run=dry_run, via="flask crm apply-retention")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    message = run.describe()
    current_app.logger.info(message)
    click.echo(message + ("." if not dry_run else ". Nothing was changed (dry run)."))


@crm_cli.command("backup")
@click.argument("path", type=click.Path(path_type=str))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it already exists.")
def backup_command(path: str, overwrite: bool) -> None:
    """Write a consistent copy of the database to PATH (a file, or a folder for a dated file)."""
    from crm.services.backup import BackupError, backup_database

    try:
        backup = backup_database(db.engine, path, overwrite=overwrite)
    except BackupError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    current_app.logger.info("Backup written (%s, %d bytes)", backup.kind, backup.size)
    click.echo(f"Backup written to {backup.path} ({backup.size:,} bytes).")
