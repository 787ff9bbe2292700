"""The application as gunicorn serves it (`marketplace.wsgi:app`, see deploy/gunicorn.conf.py)."""

from marketplace.app import create_app, ready_to_serve

app = ready_to_serve(create_app())
