"""``python -m api`` (or ``jobmarket api``)."""

from __future__ import annotations

import uvicorn

from api.main import create_app
from api.settings import Settings
from core.logging import configure_logging


def run_api(settings: Settings | None = None) -> None:
    s = settings or Settings()
    configure_logging(s.log_level, s.log_json)
    uvicorn.run(create_app(s), host=s.host, port=s.port, log_level=s.log_level.lower())


if __name__ == "__main__":
    run_api()
