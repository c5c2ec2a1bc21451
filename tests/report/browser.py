"""Headless Chromium driven over the DevTools protocol: load a page, collect its console errors and requests,
evaluate JavaScript in it and take a full-page screenshot."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")


class BrowserError(Exception):
    """Chromium is missing, would not start, or the page did not do what was asked in time."""


@dataclass
class PageLog:
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    events: dict[str, asyncio.Event] = field(default_factory=dict)

    def event(self, name: str) -> asyncio.Event:
        return self.events.setdefault(name, asyncio.Event())


def chromium_path() -> Path:
    found = CHROMIUM if CHROMIUM.is_file() else None
    if found is None and (which := shutil.which("chromium")):
        found = Path(which)
    if found is None:
        raise BrowserError(
            f"headless Chromium is not installed at {CHROMIUM}: install Debian's package "
            "(`apt-get update && apt-get install -y chromium`), as .ci/run does"
        )
    return found


class Page:
    """One browser tab, attached over a flat DevTools session."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._session = ""
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict]] = {}
        self.log = PageLog()

    async def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        message_id = next(self._ids)
        message: dict = {"id": message_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self._session
        future: asyncio.Future[dict] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        await self._socket.send(json.dumps(message))
        return await future

    def dispatch(self, message: dict) -> None:
        if "id" in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(BrowserError(f"DevTools error: {message['error']}"))
                else:
                    future.set_result(message.get("result", {}))
            return
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.log.console_errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text")
            self.log.console_errors.append(f"uncaught exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.log.console_errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        elif method == "Network.requestWillBeSent":
            self.log.requests.append(params.get("request", {}).get("url", ""))
        if method:
            self.log.event(method).set()

    async def attach(self) -> None:
        """Open a blank tab and attach to it; later commands go to that tab."""
        target = await self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = await self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False
        )
        self._session = attached["sessionId"]

    async def evaluate(self, expression: str) -> object:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"evaluating {expression!r} failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def open(self, url: str, timeout: float) -> None:
        for domain in ("Runtime", "Log", "Network", "Page"):
            await self.send(f"{domain}.enable")
        loaded = self.log.event("Page.loadEventFired")
        loaded.clear()
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(loaded.wait(), timeout)

    async def wait_for(self, expression: str, accept: set[object], timeout: float) -> object:
        """Evaluate ``expression`` until its value is one of ``accept``; return that value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value in accept:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise BrowserError(
                    f"{expression} was {value!r} after {timeout} s, not one of {sorted(map(str, accept))}"
                )
            await asyncio.sleep(0.1)

    async def screenshot(self, path: Path, width: int = 1100) -> Path:
        height = await self.evaluate("Math.ceil(document.documentElement.scrollHeight)")
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": int(height or 800), "deviceScaleFactor": 1, "mobile": False},
        )
        shot = await self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


async def _listening_url(process: asyncio.subprocess.Process, timeout: float) -> str:
    assert process.stderr is not None
    seen: list[str] = []

    async def read() -> str:
        while line := await process.stderr.readline():
            text = line.decode(errors="replace")
            seen.append(text)
            if match := _LISTENING.search(text):
                return match.group(1)
        raise BrowserError("Chromium exited before opening DevTools:\n" + "".join(seen[-20:]))

    try:
        return await asyncio.wait_for(read(), timeout)
    except TimeoutError as exc:
        raise BrowserError(f"Chromium did not open DevTools in {timeout} s:\n" + "".join(seen[-20:])) from exc


async def _drain(stream: asyncio.StreamReader | None) -> None:
    while stream is not None and await stream.readline():
        pass


@contextlib.asynccontextmanager
async def browser_page(start_timeout: float = 30, flags: Sequence[str] = ()) -> AsyncIterator[Page]:
    """A fresh headless Chromium with one blank tab, started with ``flags`` too; the browser is killed on leaving."""
    profile = Path(tempfile.mkdtemp(prefix="msdw-chromium-"))
    process = await asyncio.create_subprocess_exec(
        os.fspath(chromium_path()),
        *CHROMIUM_FLAGS,
        *flags,
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    reader: asyncio.Task | None = None
    drain: asyncio.Task | None = None
    try:
        url = await _listening_url(process, start_timeout)
        drain = asyncio.create_task(_drain(process.stderr))
        async with connect(url, max_size=None) as socket:
            page = Page(socket)

            async def receive() -> None:
                async for raw in socket:
                    page.dispatch(json.loads(raw))

            reader = asyncio.create_task(receive())
            await page.attach()
            yield page
    finally:
        for task in (reader, drain):
            if task is not None:
                task.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()
        shutil.rmtree(profile, ignore_errors=True)
