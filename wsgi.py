"""Entry point for gunicorn and `flask --app wsgi`."""
import sys

from config import ConfigError
from ess import create_app

try:
    app = create_app()
except ConfigError as error:
    # One clear line for the administrator, no traceback.
    print(f"ess: configuration error: {error}", file=sys.stderr)
    sys.exit(2)
