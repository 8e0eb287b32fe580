"""`flask crm report …`: the annual participation report for managers' own tools."""

from __future__ import annotations

import csv
import json
import sys

import click

from crm.cli import crm_cli
from crm.extensions import db
from crm.periods import BASES
from crm.queries.participation_report import cached_participation_report, period_from, report_rows
from crm.services.errors import InvalidInput
from crm.services.exports import formula_safe


@crm_cli.group("report")
def report_group() -> None:
    """Reports."""


@report_group.command("participation")
@click.option("--year", required=True, help="The year, e.g. 2024 (a financial year is named by the year it starts in).")
@click.option("--basis", type=click.Choice(BASES), default="calendar", show_default=True)
@click.option("--format", "output", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def participation_command(year: str, basis: str, output: str) -> None:
    """Print the annual participation report (the same JSON as GET /api/v1/reports/participation)."""
    try:
        period = period_from(year, basis)
    except InvalidInput as error:
        raise click.UsageError("; ".join(f"--{name}: {text}" for name, text in error.fields.items())) from None
    report = cached_participation_report(period).payload
    db.session.commit()  # keep the computed report in the shared cache
    if output == "json":
        click.echo(json.dumps(report, indent=2))
        return
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["section", "item", "measure", "value"])
    for row in report_rows(report):
        writer.writerow([formula_safe(value) for value in row])
