"""Helpers for the control-plane tests: HTTP calls to the API and runs of the CLI."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request

import harness


class Reply:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.json = json.loads(text) if text else None
        except json.JSONDecodeError:
            self.json = None

    def __repr__(self):
        return f"HTTP {self.status}: {self.text[:600]}"


def call(server, method, path, token=None, body=None, timeout=10):
    """One request to the server's HTTP port; any status is a Reply."""
    url = f"http://{harness.HOST}:{server.http_port}{path}"
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    request = urllib.request.Request(url, method=method, data=data)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return Reply(r.status, r.headers, r.read().decode())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read().decode())


def cli(server_url, *args, token=None, env=None, timeout=15):
    """Runs `relaycast <args> --server URL`; (exit status, stdout, stderr)."""
    argv = [harness.relaycast_bin(), *args]
    if server_url:
        argv += ["--server", server_url]
    if token:
        argv += ["--token", token]
    full_env = dict(os.environ)
    full_env.pop("RELAYCAST_SERVER", None)
    full_env.pop("RELAYCAST_TOKEN", None)
    full_env.update(env or {})
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env)
    return done.returncode, done.stdout, done.stderr


def wait_until(what, check, timeout=10, interval=0.2):
    """Polls `check()` until it returns something true; fails with `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"{what}: not within {timeout} s (last: {last!r})")


def stream_of(server, key, token=None):
    r = call(server, "GET", f"/api/v1/streams/{key}", token=token)
    return r.json if r.status == 200 else None
