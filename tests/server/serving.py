"""What the service tests share: a served world, free ports, the serve command in a process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from world import World

#: The installed command, as an operator runs it.
PATROLGATE = Path(sys.executable).with_name("patrolgate")


@dataclass
class Served:
    """The world, served at ``host:port``, and an API token of a proposer."""

    world: World
    host: str
    port: int
    token: str

    @property
    def url(self) -> str:
        """The service's base URL."""
        return f"http://{self.host}:{self.port}"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def child_processes(parent: int) -> dict[int, str]:
    """The processes whose parent is ``parent``, with their command lines (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return {pid: command.decode(errors="replace") for pid, command in found.items()}


class ServeCommand:
    """``patrolgate serve`` in a process of its own, its log read as it comes."""

    def __init__(self, home: Path, workers: int) -> None:
        self.port = free_port()
        command = [str(PATROLGATE), "serve", "--workers", str(workers), "--port", str(self.port)]
        environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PATROLGATE_")},
            "PATROLGATE_HOME": str(home),
        }
        self.process = subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self.workers: set[int] = set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def log(self) -> str:
        """Everything the command printed so far."""
        return "\n".join(self.lines)

    def count(self, words: str) -> int:
        """How many lines of the log contain ``words``."""
        return sum(words in line for line in list(self.lines))

    def watch_workers(self) -> set[int]:
        """Note the worker processes running now (uvicorn spawns them); all seen so far."""
        self.workers |= {
            pid
            for pid, command in child_processes(self.process.pid).items()
            if "multiprocessing.spawn" in command or "spawn_main" in command
        }
        return self.workers

    def healthz(self, timeout: float = 2.0) -> int | None:
        """``/healthz``'s status, or None when nothing answers."""
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.port}/healthz", timeout=timeout
            ) as response:
                return int(response.status)
        except (OSError, urllib.error.URLError):
            return None

    def stop(self) -> int:
        """Ask the command to stop (SIGINT, as Ctrl-C) and wait; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.join(timeout=10)
        return self.process.returncode
