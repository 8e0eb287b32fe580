# The CRM under gunicorn, as a non-root user. Build: docker build -t coproduction-crm .
# Run (PostgreSQL): docker run --env-file crm.env -p 8000:8000 coproduction-crm
# Migrate first (and on each upgrade): docker run --rm --env-file crm.env coproduction-crm flask db upgrade
# See README.md, "Running in production".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FLASK_APP=app.py \
    CRM_ENV=production \
    GUNICORN_BIND=0.0.0.0:8000

WORKDIR /app
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin crm

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml changes.
COPY pyproject.toml README.md LICENSE ./
RUN mkdir crm && touch crm/__init__.py \
    && pip install . \
    && pip uninstall --yes coproduction-crm \
    && rm -rf crm build *.egg-info

# The app itself, run from /app so the migrations and gunicorn.conf.py sit beside it.
COPY app.py gunicorn.conf.py ./
COPY crm ./crm
COPY migrations ./migrations
COPY deploy/docker-entrypoint.sh /usr/local/bin/crm-entrypoint
RUN pip install --no-deps -e . \
    && mkdir -p instance \
    && chown -R crm:crm instance \
    && chmod 0755 /usr/local/bin/crm-entrypoint

USER crm
# A SQLite database (DATABASE_URL unset) lives here: mount a volume to keep it.
VOLUME ["/app/instance"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"

ENTRYPOINT ["crm-entrypoint"]
CMD ["gunicorn", "app:create_app()"]
