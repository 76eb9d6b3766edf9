"""WSGI entry point for a production server: ``gunicorn 'web.wsgi:server'``."""

from __future__ import annotations

from web.app import create_app

server = create_app().server
