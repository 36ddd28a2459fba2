#!/usr/bin/env python3
"""Run one command with DATABASE_URL and REDIS_URL exported, starting embedded PostgreSQL
and Redis for the ones that are unset (see scripts/embedded.py), and stopping them again
afterwards unless KEEP_SERVICES=1 or someone else still uses them.

    python scripts/withservices.py python manage.py makemigrations --check --dry-run
    python scripts/withservices.py make lint check-deploy test
"""

import sys

import embedded

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    sys.exit(embedded.run_with_services(sys.argv[1:]))
