# Production image: PostgreSQL (DATABASE_URL), Claude (ANTHROPIC_API_KEY) and the Meta Cloud API
# come from the environment; migrations run on start (`yume serve` applies them first).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY nlu ./nlu
COPY scheduler ./scheduler
COPY store ./store
COPY fixtures ./fixtures
RUN pip install . && useradd --create-home --uid 10001 yume

USER yume
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status == 200 else 1)"
CMD ["yume", "serve", "--host", "0.0.0.0", "--port", "8080"]
