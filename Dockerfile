# copro as a service (docs/operations.md, "Docker"):
#   docker build -t copro .
#   docker run -d -p 8080:8080 -v copro-data:/data -e COPRO_TELEGRAM_TOKEN=... copro
# Configure with environment variables (COPRO_TELEGRAM_TOKEN, COPRO_DATABASE_URL, COPRO_HTTP_PORT,
# ...) or a file: -v ./copro.toml:/home/copro/copro.toml:ro. With PostgreSQL: compose.yaml.

# --- build: the dependencies from the lock file, then copro, each in a folder of its own --------
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update && apt-get install -y --no-install-recommends binutils \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir uv==0.13.9 \
    && python -m venv --without-pip /venv
WORKDIR /src
# The versions CI tested; this layer is rebuilt only when the lock file changes.
COPY requirements.lock deploy/slim-venv.sh ./
RUN uv pip install --no-cache --python /venv/bin/python -r requirements.lock \
    && sh slim-venv.sh /venv
# copro itself, apart from its dependencies: a change to the code rebuilds only this.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY flows/ flows/
COPY storage/ storage/
RUN uv pip install --no-cache --python /venv/bin/python --no-deps --target /copro . \
    && rm -rf /copro/bin/__pycache__

# --- run: the slim Python, the dependencies, copro, and a user that is not root -----------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/copro \
    PATH=/copro/bin:/venv/bin:$PATH \
    COPRO_DATA_DIR=/data \
    COPRO_HTTP_HOST=0.0.0.0
RUN useradd --system --create-home --home-dir /home/copro --shell /usr/sbin/nologin copro \
    && mkdir /data && chown copro:copro /data
COPY --from=build /venv /venv
COPY --from=build /copro /copro
USER copro
WORKDIR /home/copro
VOLUME /data
EXPOSE 8080
# Asks /healthz on the port copro is configured with (COPRO_HTTP_PORT, or http.port in the file).
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s \
    CMD ["python", "-m", "bot.app.healthcheck"]
STOPSIGNAL SIGTERM
CMD ["copro", "run"]
