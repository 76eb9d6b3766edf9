"""``python -m stream_processors`` (or ``jobmarket worker``): run one enrichment worker."""

from __future__ import annotations

from faust import Worker

from core.kafka import ensure_topics
from core.logging import configure_logging
from schemas.topics import TOPICS
from stream_processors.app import changelog_topics, create_app
from stream_processors.settings import Settings


def run_worker(settings: Settings | None = None) -> None:
    s = settings or Settings()
    configure_logging(s.log_level, s.log_json)
    ensure_topics(s.bootstrap_servers, [*TOPICS.values(), *changelog_topics(s.app_id)])
    app = create_app(s)
    Worker(app, loglevel=s.log_level.lower(), quiet=True, redirect_stdouts=False).execute_from_commandline()


if __name__ == "__main__":
    run_worker()
