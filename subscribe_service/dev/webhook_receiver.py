"""A local HTTP server that keeps the webhook requests it receives, in memory.

For the tests and the webhook benchmark (and a developer trying webhooks with
TRUSTSITE_WEBHOOK_ALLOW_HOSTS=127.0.0.1): every POST is recorded with its path,
headers and body and answered 200, or as told for a path (`answer(path, status,
times)`: a 500 twice, then 200; a redirect; a slow answer).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops the SYNs of a sender posting several
    # requests at once (each dropped one waits a second for its retransmission).
    request_queue_size = 128


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it was read (monotonic)


@dataclass
class _Answer:
    status: int
    times: int | None  # None: always
    headers: dict[str, str]
    delay: float
    body: bytes
    reason: str | None = None  # the status line's reason phrase (None: the standard one)


@dataclass
class WebhookReceiver:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Request] = field(default_factory=list)
    answers: dict[str, _Answer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = receiver._take(self.path)
                if answer is not None and answer.delay:
                    time.sleep(answer.delay)
                with receiver.lock:
                    receiver.received.append(Request(self.path, headers, body))
                status = answer.status if answer else 200
                content = answer.body if answer else b"ok"
                try:
                    self.send_response(status, answer.reason if answer else None)
                    for name, value in (answer.headers if answer else {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a test of its deadline)

            def log_message(self, *_args: object) -> None:
                pass  # quiet: the tests read `received`

        self._server = _Server((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def answer(
        self,
        path: str,
        status: int,
        *,
        times: int | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        body: bytes = b"",
        reason: str | None = None,
    ) -> None:
        """Answer POSTs to `path` with `status` (`times` times, or always)."""
        with self.lock:
            self.answers[path] = _Answer(status, times, headers or {}, delay, body, reason)

    def _take(self, path: str) -> _Answer | None:
        with self.lock:
            answer = self.answers.get(path)
            if answer is None:
                return None
            if answer.times is not None:
                answer.times -= 1
                if answer.times <= 0:
                    del self.answers[path]
            return answer

    def to(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.received if r.path == path]


def serve(port: int) -> None:
    """Serve until killed, answering every POST 200 and keeping nothing (the benchmark's
    receiver, in a process of its own)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: object) -> None:
            pass

    server = _Server(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    import sys

    serve(int(sys.argv[1]))
