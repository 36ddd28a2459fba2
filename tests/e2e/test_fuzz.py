"""Schemathesis against the live /api/schema/ of a real server, with a superuser's token:
examples, coverage and fuzzing of every operation, positive and negative data, bounded by a
fixed seed and example count and deterministic generation. Every answer must be no server
error, conform to the documented response schema, and have a documented status code.

The same command works against `make run` (see the README's test section)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"


def fuzz_command(url: str, token: str) -> list[str]:
    return [
        *[sys.executable, "-m", "schemathesis.cli", "run", f"{url}/api/schema/"],
        *["--header", f"Authorization: Token {token}", "--checks", CHECKS],
        *["--phases", "examples,coverage,fuzzing", "--mode", "all"],
        *["--max-examples", "15", "--seed", "20261207", "--generation-deterministic"],
        *["--workers", "1", "--suppress-health-check", "all"],
        *["--request-timeout", "30", "--no-color"],
    ]


def test_the_fuzzer_finds_no_server_error_no_schema_violation_and_no_undocumented_status(
    live_server, tmp_path
):
    # given a superuser's token and the server's own schema
    user = User.objects.create_superuser("fuzzer", password="x")
    token = Token.objects.create(user=user).key
    # when
    done = subprocess.run(
        fuzz_command(live_server.url, token),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    # then
    output = done.stdout + done.stderr
    print(output[-1500:])
    assert done.returncode == 0, output[-20000:]
    # every generated case passed all three checks
    assert re.search(r"(\d+) generated, \1 passed", output), output[-5000:]
