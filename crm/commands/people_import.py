"""`flask crm import-people FILE [--dry-run] [--skip-invalid]`: the people import for scripts.

Columns are matched by their headings, as the web import guesses them. Any row with a problem
stops the import (exit status 1, nothing written) unless --skip-invalid is given; each problem
is printed with its row number as the spreadsheet shows it (the header is row 1) and its column.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import IntegrityError

from crm.cli import crm_cli
from crm.extensions import db
from crm.importers.common import ImportFormatError
from crm.importers.people_columns import FIELD_BY_KEY
from crm.importers.people_table import read_grids
from crm.services.errors import InvalidInput
from crm.services.people_import import likely_sheet, preview_people_import, table_and_mapping
from crm.services.people_import_apply import apply_people_import, one_import_at_a_time


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@crm_cli.command("import-people")
@click.argument("file", type=click.Path(dir_okay=False, path_type=str))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and leave out the rows with problems.")
@click.option(
    "--sheet",
    default=None,
    help="The sheet of an Excel workbook to read (default: the first with a header row of people).",
)
def import_people_command(file: str, dry_run: bool, skip_invalid: bool, sheet: str | None) -> None:
    """Add and update people from a CSV or XLSX FILE."""
    try:
        with open(file, "rb") as handle:
            data = handle.read()
    except OSError as error:
        _fail(f"cannot read {file}: {error.strerror or error}.")
    try:
        grids = read_grids(data, file)
        if sheet is not None and sheet not in grids:
            _fail(f"the workbook has no sheet called {sheet!r} with anything in it: {', '.join(grids)}.")
        table, mapping = table_and_mapping(grids[sheet if sheet is not None else likely_sheet(grids)])
        one_import_at_a_time()
        preview = preview_people_import(table, mapping, file)
    except (ImportFormatError, InvalidInput) as error:
        _fail(str(error.message if isinstance(error, InvalidInput) else error))
    used = ", ".join(
        f"{h!r} as {FIELD_BY_KEY[f].label.lower()}" for h, f in zip(table.header, mapping, strict=False) if f
    )
    click.echo(f"Columns: {used}.")
    if preview.ignored_columns:
        click.echo(f"Not imported: {', '.join(repr(c) for c in preview.ignored_columns)}.")
    for row in preview.invalid:
        for problem in row.problems:
            click.echo(f"Row {row.number}, column {problem.column!r}: {problem.message}", err=True)
    for row in preview.flagged:
        click.echo(f"Row {row.number}: check for a duplicate: {'; '.join(row.warnings)}")
    for row in preview.updates_by_name_only:
        click.echo(f"Row {row.number}: found by name only, check this is them: {row.person_name} (id {row.person_id})")
    click.echo(
        f"{len(preview.rows)} rows: {len(preview.new)} new, {len(preview.updates)} to update, "
        f"{len(preview.unchanged)} unchanged, {len(preview.invalid)} invalid."
    )
    if preview.invalid and not skip_invalid:
        click.echo(
            "Error: nothing was imported because some rows have problems. Correct them, or use --skip-invalid "
            "to import the other rows.",
            err=True,
        )
        sys.exit(1)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    try:
        result = apply_people_import(preview, None, skip_invalid=skip_invalid)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _fail(
            "someone added or changed one of these people while the file was imported. "
            "Nothing was written: run it again."
        )
    click.echo(
        f"Imported: {result.created} new, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.skipped} invalid rows skipped."
    )
