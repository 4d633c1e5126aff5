"""Open a page in headless Chromium and report what a reader would see go wrong.

A test helper, standard library only: it starts Chromium with ``--remote-debugging-pipe`` and
speaks the Chrome DevTools Protocol (CDP) over the two pipes that flag opens (the browser reads
NUL-terminated JSON commands on its fd 3 and writes replies and events on its fd 4; this is the
transport Puppeteer and Playwright use). No port, no websocket, no driver, no Python package.

The page under test is loaded unchanged. The helper enables the ``Runtime`` and ``Log`` domains
*before* navigating, so it sees every uncaught exception, every ``console.error`` and every
browser-side error (a resource that failed to load, a Content-Security-Policy violation, a
broken image), then waits for the ``load`` event and asks the page for each ``<img>``'s decoded
size, awaiting ``img.decode()`` so that "loaded" means "decoded".
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["find_chromium", "PageCheck", "check_page", "CHROMIUM_MISSING"]

CHROMIUM_MISSING = "Chromium not found; install it with apt-get install chromium"

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium or Chrome binary: ``$LATENTLEARN_CHROMIUM`` if set, else one on PATH."""
    env = os.environ.get("LATENTLEARN_CHROMIUM")
    if env:
        return env if shutil.which(env) else None
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageCheck:
    """What the browser saw while loading one page."""

    url: str
    title: str = ""
    ready_state: str = ""
    images: list = field(default_factory=list)   # [{"src": str (shortened), "w": int, "h": int,
    #                                                "complete": bool, "error": str|None}]
    errors: list = field(default_factory=list)   # one readable line per console/log error
    n_tables: int = 0
    probe: object = None                         # what the ``probe`` callable returned

    @property
    def broken_images(self) -> list:
        return [img for img in self.images
                if img["error"] or not img["complete"] or img["w"] <= 0 or img["h"] <= 0]


class _Pipe:
    """The CDP connection: commands out on one pipe, replies and events in on the other."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float):
        self._w, self._r = write_fd, read_fd
        self._buf = b""
        self._next_id = 0
        self.deadline = deadline
        self.events: list[dict] = []

    def _read_message(self) -> dict:
        while b"\0" not in self._buf:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise ConnectionError("Chromium closed the DevTools pipe (did it crash?)")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data):]
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"CDP {method} failed: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str | None = None) -> dict:
        """Return the first event ``method`` (already received or still to come)."""
        for ev in self.events:
            if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                return ev
        while True:
            ev = self._read_message()
            self.events.append(ev)
            if ev.get("method") == method and (session is None or ev.get("sessionId") == session):
                return ev


def _error_lines(events: list[dict]) -> list[str]:
    lines = []
    for ev in events:
        method, p = ev.get("method"), ev.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            desc = d.get("exception", {}).get("description") or d.get("text", "")
            lines.append(f"uncaught exception: {desc}")
        elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", "")))
                            for a in p.get("args", []))
            lines.append(f"console.{p['type']}: {args}")
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            lines.append(f"{e.get('source')}: {e.get('text')} {e.get('url', '')}".strip())
    return lines


_IMAGES_JS = """
(async () => {
  const imgs = Array.from(document.images);
  const out = [];
  for (const img of imgs) {
    let error = null;
    try { await img.decode(); } catch (e) { error = String(e); }
    out.push({src: img.getAttribute('src').slice(0, 40), w: img.naturalWidth,
              h: img.naturalHeight, complete: img.complete, error: error});
  }
  return JSON.stringify({title: document.title, readyState: document.readyState,
                         nTables: document.querySelectorAll('table').length, images: out});
})()
"""


def check_page(path, *, chromium: str | None = None, timeout: float = 90.0,
               viewport: tuple | None = None, probe=None) -> PageCheck:
    """Load the local file ``path`` in headless Chromium and return what happened.

    ``viewport=(width, height)`` sets the window's CSS size before the page loads. ``probe``,
    if given, is called after the load as ``probe(send)`` with ``send(method, params=None)``
    sending one CDP command to the page (e.g. ``Runtime.evaluate``, ``Input.dispatchMouseEvent``)
    and returning its result; what it returns is kept as ``PageCheck.probe``.

    Raises ``TimeoutError`` if the browser does not start, load and answer within ``timeout``
    seconds (generous: a cold start in a container takes a few seconds).
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError(CHROMIUM_MISSING)
    url = Path(path).resolve().as_uri()
    deadline = time.monotonic() + timeout
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()

    def _wire_fds():
        # In the child, before exec: the browser expects its pipe ends as fds 3 and 4. Move them
        # out of the way first, as either may itself be fd 3 or 4.
        read_end = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        write_end = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.dup2(read_end, 3)
        os.dup2(write_end, 4)

    with tempfile.TemporaryDirectory(prefix="latentlearn-chromium-",
                                     ignore_cleanup_errors=True) as profile:
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
               "--disable-component-update", "--disable-extensions", "--disable-sync",
               "--disable-default-apps", "--mute-audio", "--remote-debugging-pipe",
               f"--user-data-dir={profile}", "about:blank"]
        log_path = Path(profile) / "chromium-stderr.log"
        try:
            with open(log_path, "wb") as log:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                        preexec_fn=_wire_fds, pass_fds=(3, 4),
                                        start_new_session=True)
        except BaseException:
            for fd in (to_browser_r, to_browser_w, from_browser_r, from_browser_w):
                os.close(fd)
            raise
        os.close(to_browser_r)
        os.close(from_browser_w)
        try:
            cdp = _Pipe(to_browser_w, from_browser_r, deadline)
            target = cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = cdp.send("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                cdp.send(f"{domain}.enable", session=session)
            if viewport is not None:
                cdp.send("Emulation.setDeviceMetricsOverride",
                         {"width": int(viewport[0]), "height": int(viewport[1]),
                          "deviceScaleFactor": 1, "mobile": False}, session=session)
            cdp.events.clear()  # anything about about:blank is not the page under test
            nav = cdp.send("Page.navigate", {"url": url}, session=session)
            if nav.get("errorText"):
                raise RuntimeError(f"Chromium could not open {url}: {nav['errorText']}")
            cdp.wait_for("Page.loadEventFired", session=session)
            res = cdp.send("Runtime.evaluate", {"expression": _IMAGES_JS, "awaitPromise": True,
                                                "returnByValue": True}, session=session)
            if "exceptionDetails" in res:
                raise RuntimeError(f"page check script failed: {res['exceptionDetails']}")
            info = json.loads(res["result"]["value"])
            probed = None
            if probe is not None:
                probed = probe(lambda method, params=None: cdp.send(method, params,
                                                                    session=session))
            page_events = [ev for ev in cdp.events if ev.get("sessionId") == session]
            check = PageCheck(url=url, title=info["title"], ready_state=info["readyState"],
                              images=info["images"], errors=_error_lines(page_events),
                              n_tables=info["nTables"], probe=probed)
            try:
                cdp.send("Browser.close")
            except (ConnectionError, TimeoutError, RuntimeError):
                pass
            return check
        except (ConnectionError, TimeoutError) as exc:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise type(exc)(f"{exc}; {chromium} said:\n{tail}") from exc
        finally:
            os.close(to_browser_w)
            os.close(from_browser_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the browser and its helpers, ours only
                proc.wait(timeout=10)
