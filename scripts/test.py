#!/usr/bin/env python3
"""`make test`: the pytest suite against real PostgreSQL and Redis.

Where DATABASE_URL / REDIS_URL are unset, embedded servers are started (or reused) on free
ports and stopped again at the end, unless KEEP_SERVICES=1 or another process still uses
them. Arguments go to pytest unchanged; the exit code is pytest's.

    python scripts/test.py -m unit
    python scripts/test.py tests/kernel -k outbox
"""

import sys

import embedded

if __name__ == "__main__":
    sys.exit(embedded.run_with_services([sys.executable, "-m", "pytest", *sys.argv[1:]]))
