#!/usr/bin/env python3
"""A real pypiserver on 127.0.0.1 for tests/pypiserver.rs.

Usage: pypiserver.py WORKDIR [--auth USER:PASSWORD] [--hash-algo ALGO]

Builds small valid wheels (with pip_accepts.py's builder) into WORKDIR/packages,
writes WORKDIR/manifest.json ({project: {version: {filename: sha256}}}), optionally an
htpasswd file (passlib) protecting downloads and listings, then starts
`pypi-server run` on a free loopback port with `--disable-fallback` (never PyPI),
waits until it answers, prints `listening on http://127.0.0.1:PORT` and serves until
stdin is closed.
"""

import argparse
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pip_accepts import build_wheel, normalize  # noqa: E402

# (project, version, python tags) of every wheel served.
WHEELS = [
    ("alpha", "1.0.0", ["py3"]),
    ("alpha", "1.0.0", ["py2", "py3"]),
    ("beta-pkg", "2.0", ["py3"]),
    ("gamma", "0.4.0", ["py3"]),
    ("gamma", "0.5.0", ["py3"]),
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--auth")
    parser.add_argument("--hash-algo", default="sha256")
    args = parser.parse_args()
    packages = os.path.join(args.workdir, "packages")
    os.makedirs(packages, exist_ok=True)
    manifest = {}
    for name, version, pythons in WHEELS:
        filename, data = build_wheel(name, version, pythons)
        with open(os.path.join(packages, filename), "wb") as out:
            out.write(data)
        digest = hashlib.sha256(data).hexdigest()
        manifest.setdefault(normalize(name), {}).setdefault(version, {})[filename] = digest
    with open(os.path.join(args.workdir, "manifest.json"), "w") as out:
        json.dump(manifest, out)

    port = free_port()
    command = [
        sys.executable, "-m", "pypiserver", "run",
        "-i", "127.0.0.1", "-p", str(port),
        "--disable-fallback", "--hash-algo", args.hash_algo,
    ]
    if args.auth:
        from passlib.apache import HtpasswdFile

        user, password = args.auth.split(":", 1)
        htpasswd = os.path.join(args.workdir, "htpasswd")
        users = HtpasswdFile(htpasswd, new=True)
        users.set_password(user, password)
        users.save()
        command += ["-P", htpasswd, "-a", "download,list,update"]
    else:
        command += ["-P", ".", "-a", "."]
    command.append(packages)
    log = open(os.path.join(args.workdir, "server.log"), "w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/health", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                sys.exit(f"pypiserver did not start: see {args.workdir}/server.log")
            time.sleep(0.1)
    print(f"listening on {url}", flush=True)
    try:
        sys.stdin.read()
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
