"""Settings for the HTTP benchmarks: kefu's own settings, bench URLs, DEBUG off, quiet logs.

Used by the gunicorn that bench.api_load / bench.create_load start, and by bench.data.
Database selection is unchanged: DATABASE_URL (PostgreSQL) or SQLITE_PATH (SQLite).
"""

from kefu.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False

# Only errors: the harness measures the stack, not the console.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django_tasks": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django_tasks_db": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}

# WhiteNoise warns once per worker when collectstatic has not been run; the API serves no files.
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
