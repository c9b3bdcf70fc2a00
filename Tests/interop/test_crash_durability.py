"""Kill -9 during concurrent writes, a few cycles per database (the benchmark suite runs a hundred): every
acknowledged write survives, retries by idempotency key get the stored answer, nothing is half-applied, the ledger
balances and the event log verifies. See Benchmarks/crash/crash_harness.py."""
import os
import subprocess
import sys
import uuid
from urllib.parse import urlparse, urlunparse

import pytest

from conftest import _binary

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Benchmarks", "crash"))
import crash_harness  # noqa: E402


def _fresh_postgres_database():
    admin = os.environ.get("HUES_TEST_DATABASE_URL")
    if not admin:
        return None
    name = "hues_crash_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", admin, "-q", "-c", "CREATE DATABASE " + name], check=True, capture_output=True)
    return urlunparse(urlparse(admin)._replace(path="/" + name))


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_acknowledged_writes_survive_kill_minus_nine(database):
    url = None
    if database == "postgres":
        url = _fresh_postgres_database()
        if url is None:
            pytest.fail("HUES_TEST_DATABASE_URL is not set: run scripts/test --postgres --interop")
    problems = crash_harness.run(_binary(), cycles=3, clients=6, database=url, seed=int.from_bytes(os.urandom(4), "big"))
    assert problems == []
