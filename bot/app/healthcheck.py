"""``python -m bot.app.healthcheck``: exits 0 if the copro on this machine, at the configured
port, says it is healthy; 1 otherwise, with why. Docker's HEALTHCHECK runs it."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from bot.core.config import ConfigError, load_config

SECONDS = 4.0  # /healthz itself answers within 2


def healthz_url() -> str:
    """``/healthz`` of the copro configured here (``http.host``, ``http.port``, or the env)."""
    http = load_config().http
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(http.host, http.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{http.port}/healthz"


def main() -> int:
    try:
        url = healthz_url()
    except ConfigError as exc:
        print(f"copro's configuration cannot be read: {exc}", file=sys.stderr)
        return 1
    try:
        with urllib.request.urlopen(url, timeout=SECONDS) as answer:
            return 0 if answer.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(f"copro at {url} is not healthy: HTTP {exc.code} {exc.read()[:200]!r}", file=sys.stderr)
    except OSError as exc:
        print(f"copro at {url} does not answer: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
