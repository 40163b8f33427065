"""Entry point for gunicorn and `flask --app wsgi`."""
import gc
import sys

from config import ConfigError
from ess import create_app

try:
    app = create_app()
except ConfigError as error:
    # One clear line for the administrator, no traceback.
    print(f"ess: configuration error: {error}", file=sys.stderr)
    sys.exit(2)

# What exists now (modules, the app, its routes and templates) lives as long as the process: keeping it out of
# the collector's view spares every full collection during requests a walk over a few hundred thousand objects.
gc.freeze()
