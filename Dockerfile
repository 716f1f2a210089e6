# Production image: PostgreSQL (DATABASE_URL), Claude (ANTHROPIC_API_KEY) and the Meta Cloud API come
# from the environment. Migrations are a release step, run once per release before the new processes
# start: `docker run --rm --env-file prod.env IMAGE yume db upgrade` (docs/operations.md). `yume serve`
# refuses to start on a database behind this code.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    YUME_ENV=production

WORKDIR /app

# Dependencies in their own layer, exactly as pinned in constraints.txt: rebuilt only when the pins
# change, and the same versions on every build of a commit.
COPY constraints.txt ./
RUN pip install --no-deps -r constraints.txt && pip check

# Yume itself (no dependency resolution here: everything it needs is already installed above).
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY nlu ./nlu
COPY scheduler ./scheduler
COPY store ./store
# Only the Meta template definitions the outbox checks every template against; no conversation
# fixtures, test businesses or NLU corpora.
COPY fixtures/templates ./fixtures/templates
RUN pip install --no-deps . && pip check && useradd --create-home --uid 10001 yume

USER yume
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status == 200 else 1)"
CMD ["yume", "serve", "--host", "0.0.0.0", "--port", "8080"]
