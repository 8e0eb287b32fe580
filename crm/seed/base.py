"""What every part of the seeding shares: the random generator, the dates, and bulk writing."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, func, insert, select, text

CHUNK = 5000
YEARS_BACK = 5
DAYS_AHEAD = 60


class SeedError(Exception):
    """The database cannot be seeded; the message says why."""


class Weighted:
    """Draw from (value, weight) pairs quickly, many times."""

    def __init__(self, pairs: Iterable[tuple[object, float]]):
        self.values, self.cumulative, total = [], [], 0.0
        for value, weight in pairs:
            total += weight
            self.values.append(value)
            self.cumulative.append(total)
        self.total = total

    def __call__(self, rng: random.Random):
        return self.values[bisect_right(self.cumulative, rng.random() * self.total)]


class Writer:
    """Bulk inserts through one connection, with the random generator and the calendar.

    Rows get their ids here (max id + 1 onwards), so children can point at parents without
    reading anything back; on PostgreSQL the sequences are then moved past them."""

    def __init__(self, connection: Connection, random_seed: int, today: date, years_back: int = YEARS_BACK):
        self.connection = connection
        self.rng = random.Random(random_seed)
        self.random_seed = random_seed
        self.today = today
        self.now = datetime.combine(today, time(18), tzinfo=UTC)
        self.first_day = today - timedelta(days=round(365.25 * years_back))
        self.last_day = today + timedelta(days=DAYS_AHEAD)
        self.counts: dict[str, int] = {}

    def write(self, table, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            self.connection.execute(insert(table), rows[start : start + CHUNK])
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)

    def flush(self, buffers: dict) -> None:
        """Write buffered rows, parents before children (the dict's order), and empty the buffers."""
        for model, rows in buffers.items():
            if rows:
                self.write(getattr(model, "__table__", model), rows)
                rows.clear()

    def next_id(self, model) -> int:
        return (self.connection.scalar(select(func.max(model.id))) or 0) + 1

    def ensure(self, model, rows: list[dict], key: Callable) -> dict:
        """Insert the rows whose key is not there yet (an administrator may have added some);
        map every key to its id."""

        def known() -> dict:
            return {key(row): row["id"] for row in self.connection.execute(select(model.__table__)).mappings()}

        missing = [row for row in rows if key(row) not in (existing := known())]
        if not missing:
            return existing
        self.write(model.__table__, missing)
        return known()

    def after_explicit_ids(self, *models) -> None:
        """PostgreSQL's sequences do not see ids given explicitly: move them past the new rows."""
        if self.connection.dialect.name != "postgresql":
            return
        for model in models:
            table = model.__tablename__
            self.connection.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            )


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)
