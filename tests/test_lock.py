"""uv.lock says what pyproject.toml asks for: a dependency changed in pyproject.toml without `scripts/lock` fails here
(scripts/setup refuses to install from such a lock, too). Offline: a lock that matches is checked from its own text."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_lock_is_up_to_date_with_pyproject():
    uv = ROOT / ".tools" / "uv" / "bin" / "uv"
    assert uv.exists(), "uv is missing: run scripts/setup"
    result = subprocess.run([str(uv), "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"}, timeout=120)
    assert result.returncode == 0, f"uv.lock is out of date with pyproject.toml: run scripts/lock\n{result.stderr}"
