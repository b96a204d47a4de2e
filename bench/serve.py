"""Serve coprod for the benchmark: `coprod serve` without the per-request access log.

`python -m bench.serve` reads the same COPROD_* settings and builds the same app as
`coprod serve`; the only difference is `access_log=False`, because formatting and writing a
log line per request costs about as much as answering an empty ASK.
"""

from __future__ import annotations

import uvicorn

from service.app import create_app
from service.settings import get_settings


def main() -> None:
    """Run uvicorn on COPROD_HOST:COPROD_PORT with the app of the current settings."""
    settings = get_settings()
    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
