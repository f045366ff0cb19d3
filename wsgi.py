"""Gunicorn entry point: `gunicorn wsgi:app`."""

from reporting import create_app

app = create_app()
