"""The entry point quiets OpenBLAS's spinning threads before numpy loads, unless the user chose otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = "import jobmarket, os, numpy; print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'))"


def _run(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"} | env_extra
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_entry_point_sets_a_short_blas_thread_timeout() -> None:
    assert _run({}) == "4"


def test_an_explicit_setting_wins() -> None:
    assert _run({"OPENBLAS_THREAD_TIMEOUT": "28"}) == "28"
