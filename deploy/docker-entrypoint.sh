#!/bin/sh
# Container entry point: optionally apply the migrations, then run the command (gunicorn by
# default). Set MIGRATE_ON_START=1 for a single container; with several app containers, run
# `flask db upgrade` once as its own step of the deploy instead.
set -eu
if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    flask db upgrade
fi
exec "$@"
