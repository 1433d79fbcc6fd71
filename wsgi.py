"""Entry point for gunicorn (`wsgi:app`) and `flask --app wsgi`."""

from dotenv import load_dotenv

from callcenter import create_app

load_dotenv()
app = create_app()
