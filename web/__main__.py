"""The candidates' site (Dash). ``python -m web`` runs Flask's server for development only;
production runs ``gunicorn 'web.wsgi:server'`` (see docker-compose.yml)."""
from __future__ import annotations

from web.app import create_app
from web.settings import Settings


def run_web(settings: Settings | None = None) -> None:
    s = settings or Settings()
    create_app(s).run(host=s.host, port=s.port, debug=s.debug)


if __name__ == "__main__":
    run_web()
