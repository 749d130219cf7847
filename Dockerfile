# copro as a service: docker build -t copro . && docker run -p 8080:8080 -v copro-data:/data copro
# Configure with environment variables (COPRO_TELEGRAM_TOKEN, COPRO_DATABASE_URL, ...) or
# a file: -v ./copro.toml:/home/copro/copro.toml:ro (or set COPRO_CONFIG).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY flows/ flows/
COPY storage/ storage/
RUN pip install --no-cache-dir .

RUN useradd --create-home --home-dir /home/copro --shell /usr/sbin/nologin copro \
    && mkdir /data \
    && chown copro:copro /data

USER copro
WORKDIR /home/copro
# Listen on every interface inside the container; the database and media go in /data.
ENV COPRO_DATA_DIR=/data \
    COPRO_HTTP_HOST=0.0.0.0
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
CMD ["copro", "run"]
