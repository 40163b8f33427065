"""Run the loopback OpenID Connect provider (server.mjs) from Python tests.

    ensure_installed()
    idp = TestIdentityProvider(config, tmp_path)
    idp.start()                      # idp.issuer == "http://127.0.0.1:<port>"
    location = idp.authenticate(authorize_url, "alice", "password")
    idp.stop()

Only the standard library and requests are used.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

IDP_DIR = Path(__file__).resolve().parent
MAX_REDIRECTS = 20


class IdentityProviderError(RuntimeError):
    """The provider did something the browser emulation did not expect."""


class LoginRefused(IdentityProviderError):
    """The login form came back with "Invalid login or password"."""


def ensure_installed() -> None:
    """Run `npm ci` in tests/idp if node_modules is missing (safe with parallel workers)."""
    if (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    import fcntl

    lock_path = Path(tempfile.gettempdir()) / "portal-test-idp-npm-ci.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (IDP_DIR / "node_modules" / "oidc-provider").is_dir():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True,
                stdout=subprocess.DEVNULL,
            )


class _FormParser(HTMLParser):
    """Collects <form> elements: action, method and named <input> values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "inputs": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value") or ""


def _forms(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


class TestIdentityProvider:
    """One oidc-provider process on 127.0.0.1 with a random port."""

    __test__ = False  # not a pytest test class despite the name

    def __init__(self, config: dict, workdir: Path) -> None:
        self.config = json.loads(json.dumps(config))  # private deep copy
        self.workdir = Path(workdir)
        self.config_path = self.workdir / "idp-config.json"
        self.log_path = self.workdir / "idp.log"
        self.issuer: str | None = None
        self._proc: subprocess.Popen | None = None
        self._log = None

    # -- process -------------------------------------------------------------------------

    def start(self, timeout: float = 20.0) -> str:
        node = shutil.which("node")
        if node is None:
            raise IdentityProviderError("node is not on PATH")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._log = open(self.log_path, "ab")
        self._proc = subprocess.Popen(
            [node, "server.mjs", str(self.config_path)],
            cwd=IDP_DIR, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log,
        )
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._proc.stdout], [], [], remaining)[0]:
                self.stop()
                raise IdentityProviderError(f"no ISSUER line within {timeout}s; see {self.log_path}")
            chunk = os.read(self._proc.stdout.fileno(), 1)
            if not chunk:
                self.stop()
                raise IdentityProviderError(f"server.mjs exited early; see {self.log_path}")
            line += chunk
        text = line.decode().strip()
        if not text.startswith("ISSUER "):
            self.stop()
            raise IdentityProviderError(f"unexpected output from server.mjs: {text!r}")
        self.issuer = text.split(" ", 1)[1]
        return self.issuer

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            self._proc.stdout.close()
            self._proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "TestIdentityProvider":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- configuration -------------------------------------------------------------------

    def set_users(self, users: list[dict]) -> None:
        """Replace the user list; the running provider sees it at the next login/lookup."""
        self.config["users"] = json.loads(json.dumps(users))
        self._write_config()

    def _write_config(self) -> None:
        # Write-then-rename so the server never reads a half-written file.
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.config, indent=2))
        os.replace(tmp, self.config_path)

    # -- browser emulation ---------------------------------------------------------------

    def _on_provider(self, url: str) -> bool:
        a, b = urlsplit(url), urlsplit(self.issuer)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def _follow(self, session: requests.Session, response: requests.Response):
        """Follow redirects while they stay on the provider.

        Returns (location_outside_provider, None) or (None, final_provider_response).
        """
        for _ in range(MAX_REDIRECTS):
            if not response.is_redirect:
                return None, response
            location = urljoin(response.url, response.headers["Location"])
            if not self._on_provider(location):
                return location, None
            response = session.get(location, allow_redirects=False)
        raise IdentityProviderError("too many redirects on the provider")

    def authenticate(self, authorize_url: str, login: str, password: str,
                     session: requests.Session | None = None) -> str:
        """Sign in through the login form; return the redirect to the client (not requested).

        With a `session` that already holds a provider sign-in, the form may not be shown
        and the login/password are not used.
        """
        session = session or requests.Session()
        location, page = self._follow(session, session.get(authorize_url, allow_redirects=False))
        if location:
            return location
        forms = _forms(page.text) if page.status_code == 200 else []
        login_forms = [f for f in forms if "login" in f["inputs"] and "password" in f["inputs"]]
        if not login_forms:
            raise IdentityProviderError(
                f"expected the login form, got HTTP {page.status_code} at {page.url}: {page.text[:300]}")
        form = login_forms[0]
        data = {**form["inputs"], "login": login, "password": password}
        response = session.post(urljoin(page.url, form["action"]), data=data, allow_redirects=False)
        location, page = self._follow(session, response)
        if location:
            return location
        if "Invalid login or password" in page.text:
            raise LoginRefused(f"provider refused login {login!r}")
        raise IdentityProviderError(
            f"unexpected page after login, HTTP {page.status_code} at {page.url}: {page.text[:300]}")

    def logout(self, end_session_url: str, session: requests.Session) -> str:
        """Open end_session, confirm the sign-out; return the redirect outside the provider.

        If the provider ends on its own page (no post_logout_redirect_uri), that page's URL is
        returned instead.
        """
        location, page = self._follow(session, session.get(end_session_url, allow_redirects=False))
        if location:
            return location
        forms = [f for f in _forms(page.text) if "xsrf" in f["inputs"]]
        if page.status_code != 200 or not forms:
            raise IdentityProviderError(
                f"expected the logout confirmation, got HTTP {page.status_code} at {page.url}: "
                f"{page.text[:300]}")
        action = urljoin(page.url, forms[0]["action"] or "/session/end/confirm")
        response = session.post(
            action, data={"xsrf": forms[0]["inputs"]["xsrf"], "logout": "yes"}, allow_redirects=False)
        location, page = self._follow(session, response)
        if location:
            return location
        if page.status_code != 200:
            raise IdentityProviderError(
                f"logout failed, HTTP {page.status_code} at {page.url}: {page.text[:300]}")
        return page.url
