"""The tokeniser service: one process holds Kiwi (about 330 MB) so that web workers need not.

`flask --app wsgi ess tokeniser --socket /run/ess/tokeniser.sock` (or `--bind 127.0.0.1:7077`) serves it;
web processes find it through `ESS_TOKENISER_URL` (`unix:///run/ess/tokeniser.sock`, `tcp://127.0.0.1:7077`).

Protocol: newline-delimited JSON (UTF-8) over a stream socket. A client keeps its connection open and sends
one request at a time; every request line gets exactly one answer line, in order.

    {"text": "비밀번호를 잊었어요"}  →  {"units": [["비밀", "번호"], ["잊"]]}
    {"stats": true}                →  {"pid": 123, "texts": 42, "clients": 2}
    anything else                  →  {"error": "…"}   (the connection stays usable)

There is no authentication: listen on a Unix socket, or on TCP only on loopback or a private network.
`units` is what `ess.knowledge.tokens._local_units` returns for the text. Each connection has its own
thread; Kiwi calls are serialised by one lock (a query takes about a millisecond, a long article a few tens).

The client (`units`) keeps one connection per process (a new one after a fork), with short timeouts. When the
service does not answer it returns None, so the caller tokenises in its own process; it logs one warning for
the outage, leaves the service alone for `retry_seconds`, then tries it again.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import socketserver
import threading
import time
from urllib.parse import urlsplit

MAX_LINE = 32 * 1024 * 1024  # an article body is at most the 16 MB a request may carry, JSON-escaped
CONNECT_TIMEOUT = 1.0


class Refused(Exception):
    """The service answered, but with an error for this text (Kiwi failed on it there)."""


def address(url: str) -> tuple[int, str | tuple[str, int]]:
    """(socket family, address) from `unix:///path` or `tcp://host:port`; ValueError names what is wrong."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path and not parts.netloc:
        return socket.AF_UNIX, parts.path
    if parts.scheme == "tcp" and parts.hostname and not parts.path.strip("/"):
        try:
            port = parts.port
        except ValueError:
            port = None
        if port:
            return socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET, (parts.hostname, port)
    raise ValueError(f"{url!r} is not unix:///path/to/socket or tcp://host:port")


# Client ----------------------------------------------------------------------------------------------------
class _Client:
    """One process's connection to the service. Requests from several threads take turns on it."""

    def __init__(self, url: str):
        self.url = url
        self.family, self.address = address(url)
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.sock: socket.socket | None = None
        self.reader = None
        self.down_until = 0.0  # monotonic time before which the service is not asked
        self.failing = False  # warned about an outage that has not ended yet

    def units(self, text: str, retry_seconds: float, logger: logging.Logger) -> list[tuple[str, ...]] | None:
        if time.monotonic() < self.down_until:
            return None
        try:
            line = json.dumps({"text": text}, ensure_ascii=False).encode() + b"\n"
        except UnicodeEncodeError:
            return None  # a lone surrogate cannot travel as UTF-8: this text is tokenised in-process, as before
        with self.lock:
            try:
                units = self._ask(line, len(text))
            except Refused as error:
                # The service is fine; Kiwi failed on this text there. In-process Kiwi gets to try it too.
                logger.warning("tokeniser service at %s refused a text: %s", self.url, error)
                return None
            except (OSError, ValueError, KeyError, TypeError) as error:
                self._close()
                self.down_until = time.monotonic() + retry_seconds
                if not self.failing:
                    self.failing = True
                    logger.warning("tokeniser service at %s does not answer (%s: %s): tokenising in this process; "
                                   "asking the service again in %g s", self.url, type(error).__name__, error,
                                   retry_seconds)
                return None
            if self.failing:
                self.failing = False
                logger.info("tokeniser service at %s answers again", self.url)
            return units

    def _ask(self, line: bytes, length: int) -> list[tuple[str, ...]]:
        # Long texts take Kiwi longer: about 230,000 characters a second here, so this leaves a wide margin.
        timeout = 3.0 + length / 20_000
        if self.sock is not None:
            try:
                return self._exchange(line, timeout)
            except ConnectionError:
                # The service may have restarted since this connection was opened: one fresh try.
                self._close()
        self._connect()
        return self._exchange(line, timeout)

    def _connect(self) -> None:
        sock = socket.socket(self.family, socket.SOCK_STREAM)
        try:
            sock.settimeout(CONNECT_TIMEOUT)
            sock.connect(self.address)
            if self.family != socket.AF_UNIX:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            sock.close()
            raise
        self.sock, self.reader = sock, sock.makefile("rb")

    def _exchange(self, line: bytes, timeout: float) -> list[tuple[str, ...]]:
        self.sock.settimeout(timeout)
        self.sock.sendall(line)
        answer = self.reader.readline(MAX_LINE)
        if not answer.endswith(b"\n"):
            raise ConnectionError("the service closed the connection")
        reply = json.loads(answer)
        if "error" in reply:
            raise Refused(reply["error"])
        return [tuple(unit) for unit in reply["units"]]

    def _close(self) -> None:
        for part in (self.reader, self.sock):
            if part is not None:
                try:
                    part.close()
                except OSError:
                    pass
        self.sock = self.reader = None


_clients: dict[str, _Client] = {}
_clients_lock = threading.Lock()


def units(url: str, text: str, *, retry_seconds: float, logger: logging.Logger) -> list[tuple[str, ...]] | None:
    """The service's units of `text`, or None when it does not answer (the caller tokenises in-process)."""
    client = _clients.get(url)
    if client is None or client.pid != os.getpid():
        # After a fork the parent's socket (and lock) must not be shared: the child opens its own.
        with _clients_lock:
            client = _clients.get(url)
            if client is None or client.pid != os.getpid():
                client = _clients[url] = _Client(url)
    return client.units(text, retry_seconds, logger)


# Service ---------------------------------------------------------------------------------------------------
class _Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        if self.server.address_family != socket.AF_UNIX:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        server: _Service = self.server
        with server.counter_lock:
            server.clients += 1
        try:
            while True:
                line = self.rfile.readline(MAX_LINE)
                if not line:
                    return
                if not line.endswith(b"\n"):
                    self._reply({"error": f"request longer than {MAX_LINE} bytes"})
                    return  # the rest of that line cannot be told from the next request
                self._reply(server.answer(line))
        except OSError:
            return  # the client went away mid-answer
        finally:
            with server.counter_lock:
                server.clients -= 1

    def _reply(self, reply: dict) -> None:
        self.wfile.write(json.dumps(reply, ensure_ascii=False).encode() + b"\n")


class _Service(socketserver.ThreadingMixIn, socketserver.BaseServer):
    daemon_threads = True

    def answer(self, line: bytes) -> dict:
        from ess.knowledge.tokens import _local_units

        try:
            request = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return {"error": "not a JSON line"}
        if not isinstance(request, dict):
            return {"error": 'expected {"text": "…"} or {"stats": true}'}
        if request.get("stats"):
            with self.counter_lock:
                return {"pid": os.getpid(), "texts": self.texts, "clients": self.clients}
        text = request.get("text")
        if not isinstance(text, str):
            return {"error": 'expected {"text": "…"} or {"stats": true}'}
        # kiwipiepy makes no promise about one Kiwi used from several threads at once: one at a time.
        with self.kiwi_lock:
            try:
                found = _local_units(text)
            except Exception as error:  # one text Kiwi cannot take must not end the client's connection
                return {"error": f"{type(error).__name__}: {error}"}
        with self.counter_lock:
            self.texts += 1
        return {"units": found}


class UnixService(_Service, socketserver.UnixStreamServer):
    pass


class TcpService(_Service, socketserver.TCPServer):
    allow_reuse_address = True


class Tcp6Service(TcpService):
    address_family = socket.AF_INET6


def make_service(url: str) -> _Service:
    """A listening service at `url` (not serving yet). A Unix socket left behind by a service that died is
    replaced; one that still answers is not (OSError)."""
    family, where = address(url)
    if family == socket.AF_UNIX:
        if os.path.exists(where):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(where)
            except ConnectionRefusedError:
                os.unlink(where)  # nobody listens: a leftover of a killed service
            except OSError:
                pass  # not a socket we can use: binding below says why
            else:
                raise OSError(f"another process already answers on {where}")
            finally:
                probe.close()
        service = UnixService(where, _Handler)
    else:
        service = (Tcp6Service if family == socket.AF_INET6 else TcpService)(where, _Handler)
    service.counter_lock, service.kiwi_lock = threading.Lock(), threading.Lock()
    service.texts = service.clients = 0
    return service


def serve(url: str, ready=None) -> None:
    """Load Kiwi, listen at `url` and answer until SIGTERM or SIGINT; a Unix socket is removed at the end."""
    import signal

    from ess.knowledge.tokens import _local_units

    # Kiwi loads (and its first call warms up, about half a second) before the service listens: no client
    # times out on the first request, and a broken install fails here.
    _local_units("연차휴가를 신청하려면")
    service = make_service(url)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    if ready:
        ready(service)
    try:
        service.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        service.server_close()
        if service.address_family == socket.AF_UNIX:
            try:
                os.unlink(service.server_address)
            except OSError:
                pass
