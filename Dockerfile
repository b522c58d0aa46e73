# syntax=docker/dockerfile:1
# Two stages: wheels are built with a compiler in the first, and only the installed virtualenv is copied into
# a slim runtime that runs as an unprivileged user.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/npsloop
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/npsloop/bin/pip install .

FROM python:3.11-slim AS runtime
ENV PATH=/opt/npsloop/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NPSLOOP_DATA_DIR=/var/lib/npsloop \
    NPSLOOP_LOG_FORMAT=json
RUN groupadd --system --gid 10001 npsloop \
    && useradd --system --uid 10001 --gid npsloop --home-dir /var/lib/npsloop --shell /usr/sbin/nologin npsloop \
    && mkdir -p /var/lib/npsloop && chown npsloop:npsloop /var/lib/npsloop
COPY --from=build /opt/npsloop /opt/npsloop
USER 10001:10001
WORKDIR /var/lib/npsloop
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
# The same image runs every process: `npsloop worker`, `npsloop beat`, `npsloop db upgrade`.
CMD ["npsloop", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
