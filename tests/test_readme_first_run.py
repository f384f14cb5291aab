"""The README's production path, run as written: from an empty PostgreSQL database to a municipality
with a first administrator, the procedure deployed, gunicorn and the scheduler running, and a first
procedure started over HTTP.

The blocks marked `<!-- first-run: … -->` in README.md are run by bash in the order they appear. The
test changes only what must be its own: the database URL (a new database on the test server), the port
(a free one), the instance folder, and it uses this checkout's virtualenv instead of `pip install .`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, REPO, _postgres_available

BLOCK = re.compile(r"<!-- first-run: ([a-z ]+) -->\n```sh\n(.*?)\n```", re.DOTALL)
STEPS = ["configure", "provision", "serve", "first procedure"]
PASSWORD = "eerste-beheerder-wachtwoord"


def readme_blocks() -> dict[str, str]:
    blocks = dict(BLOCK.findall((REPO / "README.md").read_text()))
    assert list(blocks) == STEPS, "README.md must keep its four first-run blocks, in this order"
    return blocks


@pytest.fixture
def fresh_database() -> Iterator[str]:
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)
    name = f"wams_readme_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_readme_takes_an_empty_postgresql_database_to_a_first_procedure(fresh_database, tmp_path):
    blocks = readme_blocks()
    configure = blocks["configure"].splitlines()
    install = [line for line in configure if "pip install" in line]
    assert len(install) == 1  # replaced by this checkout's virtualenv, already on PATH
    port = _free_port()
    script = "\n".join(
        [
            "set -euo pipefail",
            # Whatever the blocks start in the background stops with the script.
            "trap 'kill $(jobs -p) 2>/dev/null || true; wait || true' EXIT",
            *[line for line in configure if line not in install],
            f"export WAMS_DATABASE_URL='{fresh_database}' WAMS_PORT={port}",
            blocks["provision"],
            blocks["serve"],
            # A person waits until the service answers before going on; so does the test.
            f"for i in $(seq 150); do curl -fsS http://127.0.0.1:{port}/healthz >/dev/null 2>&1 && break;"
            " sleep 0.2; done",
            blocks["first procedure"],
        ]
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAMS_")}
    env |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "WAMS_NEW_USER_PASSWORD": PASSWORD,
        "WAMS_INSTANCE_PATH": str(tmp_path),
    }
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, f"stdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in err, err
    assert "tenant zuidstad (Gemeente Zuidstad, production) created" in out
    assert "user beheerder.zuidstad (admin) created in zuidstad" in out
    assert "zuidstad: wams_procedure v1 (new version)" in out
    assert '"username": "meldpunt.zuidstad"' in out or '"username":"meldpunt.zuidstad"' in out

    database = create_engine(fresh_database)
    try:
        with database.connect() as connection:
            procedures = connection.execute(text("SELECT tenant_id, reference FROM procedures")).all()
            admin_hash = connection.execute(
                text("SELECT password_hash FROM users WHERE username = 'beheerder.zuidstad'")
            ).scalar_one()
    finally:
        database.dispose()
    assert [(tenant, bool(reference)) for tenant, reference in procedures] == [("zuidstad", True)]
    assert procedures[0][1] in out  # the answer names the procedure's reference
    from engine.accounts.passwords import verify_password

    assert verify_password(PASSWORD, admin_hash)
