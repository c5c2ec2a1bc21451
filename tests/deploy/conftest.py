"""Shared helpers of the deployment tests: the repository, the helper scripts in deploy/, a local HTTP receiver."""

from __future__ import annotations

import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_script(relative: str) -> ModuleType:
    """Import a helper script from deploy/ (not a package) by its path."""
    path = REPO / relative
    name = "msdw_deploy_" + path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Receiver:
    """What a local webhook received: one JSON body per POST."""

    url: str
    bodies: list[dict] = field(default_factory=list)
    status: int = 200

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[dict]:
        event = threading.Event()
        for _ in range(int(timeout * 20)):
            if len(self.bodies) >= count:
                break
            event.wait(0.05)
        return self.bodies


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            receiver.bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/msdw"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
