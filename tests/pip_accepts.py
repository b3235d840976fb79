#!/usr/bin/env python3
"""A tiny package index on 127.0.0.1 for tests/pip_accepts.rs (Python 3 stdlib only).

Usage: pip_accepts.py WORKDIR

Builds a few small but valid pure-Python wheels (no sdists: pip would have to build
those, which needs the network), writes a static index tree under WORKDIR/index that
answers both PyPI's JSON API (for hashlock) and the PEP 503 Simple API (for pip):

    pypi/<name>/json              project document (`info`, `releases`)
    pypi/<name>/<version>/json    per-version document (`info`, `urls`)
    simple/<name>/index.html      PEP 503 page, links carry `#sha256=` fragments
    files/<filename>              the wheels

`alpha`'s documents give file URLs relative to the document; the other projects give
absolute ones. `beta-pkg` publishes version `2.0`, so a pin `==2.0.0` gets a 404 from
the per-version endpoint and must fall back to the project document.

It writes WORKDIR/manifest.json ({project: {version: {filename: sha256}}}), then serves
the tree, prints `listening on http://127.0.0.1:PORT` and serves until stdin is closed,
logging every request (`"GET /path HTTP/1.1" 200 -`) to WORKDIR/requests.log.
"""

import base64
import hashlib
import http.server
import io
import json
import os
import socketserver
import sys
import threading
import zipfile

# (project name, version, wheel tags, file URL style) for every wheel published.
WHEELS = [
    ("alpha", "1.0.0", ["py3"], "relative"),
    ("alpha", "1.0.0", ["py2", "py3"], "relative"),
    ("beta-pkg", "2.0", ["py3"], "absolute"),
    ("gamma", "0.4.0", ["py3"], "absolute"),
    ("gamma", "0.5.0", ["py3"], "absolute"),
]

# With `deps` as the second argument, this set instead: a flask-like project whose
# dependencies (a chain, and one only on Windows) are on the index too, each wheel's
# METADATA also served as its PEP 658 file `files/<wheel>.metadata`.
DEPS_WHEELS = [
    ("flask", "3.0.3", ["py3"], "absolute",
     ["Werkzeug>=3.0.0", "Jinja2>=3.1.2", 'colorama; sys_platform == "win32"']),
    ("werkzeug", "3.0.3", ["py3"], "absolute", ["MarkupSafe>=2.1.1"]),
    ("werkzeug", "3.0.6", ["py3"], "absolute", ["MarkupSafe>=2.1.1"]),
    ("jinja2", "3.1.4", ["py3"], "absolute", ["MarkupSafe>=2.0"]),
    ("markupsafe", "2.1.5", ["py3"], "absolute", []),
    ("colorama", "0.4.6", ["py3"], "absolute", []),
]

# Fixed timestamp, so that the same wheels (and hashes) come out of every run.
ZIP_DATE = (2020, 2, 2, 0, 0, 0)


def normalize(name):
    """PEP 503 normalized project name."""
    out = []
    for ch in name.lower():
        if ch in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(ch)
    return "".join(out)


def wheel_name(name):
    """The distribution name as wheel filenames and .dist-info dirs spell it."""
    return normalize(name).replace("-", "_")


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def metadata_text(name, version, requires=()):
    return (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        f"Summary: {name}, a test package of hashlock\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requires)
    )


def build_wheel(name, version, pythons, requires=()):
    """Returns (filename, bytes) of a valid pure-Python wheel."""
    dist = wheel_name(name)
    tag = ".".join(pythons) + "-none-any"
    filename = f"{dist}-{version}-{tag}.whl"
    dist_info = f"{dist}-{version}.dist-info"
    files = [
        (f"{dist}.py", f'"""{name} {version}, a test package."""\n__version__ = "{version}"\n'),
        (f"{dist_info}/METADATA", metadata_text(name, version, requires)),
        (
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: hashlock-tests (pip_accepts.py)\n"
            "Root-Is-Purelib: true\n" + "".join(f"Tag: {p}-none-any\n" for p in pythons),
        ),
    ]
    record = io.StringIO()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files:
            data = text.encode("utf-8")
            write_member(archive, path, data)
            record.write(f"{path},{record_hash(data)},{len(data)}\n")
        record.write(f"{dist_info}/RECORD,,\n")
        write_member(archive, f"{dist_info}/RECORD", record.getvalue().encode("utf-8"))
    return filename, buffer.getvalue()


def write_member(archive, path, data):
    info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def write_json(path, document):
    write(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


def build_tree(root, base_url, wheels):
    """Writes the index tree under `root`; returns the manifest."""
    # project -> version -> [(filename, sha256, style)], in publication order
    projects = {}
    for name, version, pythons, style, *requires in wheels:
        requires = requires[0] if requires else []
        filename, data = build_wheel(name, version, pythons, requires)
        write(os.path.join(root, "files", filename), data)
        if requires:
            write(os.path.join(root, "files", filename + ".metadata"), metadata_text(name, version, requires))
        entry = (filename, hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), style)
        projects.setdefault(name, {}).setdefault(version, []).append(entry)

    def file_url(filename, style, depth):
        """The URL of a file as written in a document `depth` dirs below the root."""
        if style == "relative":
            return "../" * depth + "files/" + filename
        return f"{base_url}/files/{filename}"

    def entry_json(entry, depth):
        filename, sha256, md5, style = entry
        return {
            "filename": filename,
            "url": file_url(filename, style, depth),
            "digests": {"sha256": sha256, "md5": md5},
            "packagetype": "bdist_wheel",
            "python_version": "py3",
            "requires_python": None,
            "yanked": False,
            "yanked_reason": None,
        }

    def info(name, version):
        return {"name": name, "version": version, "summary": f"{name}, a test package of hashlock"}

    for name, releases in projects.items():
        key = normalize(name)
        latest = list(releases)[-1]
        # /pypi/<name>/json: the document's dir is /pypi/<name>/, two below the root.
        write_json(
            os.path.join(root, "pypi", key, "json"),
            {
                "info": info(name, latest),
                "releases": {v: [entry_json(e, 2) for e in es] for v, es in releases.items()},
            },
        )
        for version, entries in releases.items():
            # /pypi/<name>/<version>/json: three below the root.
            write_json(
                os.path.join(root, "pypi", key, version, "json"),
                {"info": info(name, version), "urls": [entry_json(e, 3) for e in entries]},
            )
        # /simple/<name>/: two below the root.
        links = "".join(
            f'    <a href="{file_url(filename, style, 2)}#sha256={sha256}">{filename}</a><br/>\n'
            for entries in releases.values()
            for filename, sha256, _md5, style in entries
        )
        write(
            os.path.join(root, "simple", key, "index.html"),
            "<!DOCTYPE html>\n<html>\n  <head>\n"
            '    <meta name="pypi:repository-version" content="1.0">\n'
            f"    <title>Links for {name}</title>\n  </head>\n  <body>\n"
            f"    <h1>Links for {name}</h1>\n{links}  </body>\n</html>\n",
        )

    project_links = "".join(f'    <a href="{normalize(n)}/">{n}</a><br/>\n' for n in projects)
    write(
        os.path.join(root, "simple", "index.html"),
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.0">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
        f"{project_links}  </body>\n</html>\n",
    )
    return {
        name: {v: {e[0]: e[1] for e in es} for v, es in releases.items()}
        for name, releases in projects.items()
    }


def make_handler(root, log_path):
    log_lock = threading.Lock()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=root, **kwargs)

        def guess_type(self, path):
            if os.path.basename(path) == "json":
                return "application/json"
            if path.endswith(".whl"):
                return "application/octet-stream"
            return super().guess_type(path)

        def log_message(self, format, *args):
            # To a file, not stderr: the test shows it when something fails.
            with log_lock, open(log_path, "a", encoding="utf-8") as log:
                log.write("%s\n" % (format % args))

    return Handler


class LoopbackServer(http.server.ThreadingHTTPServer):
    def server_bind(self):
        # HTTPServer.server_bind asks socket.getfqdn() for the server's name: a
        # reverse lookup of 127.0.0.1, which goes to DNS when /etc/hosts does not
        # answer it. Nothing here uses the name.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: pip_accepts.py WORKDIR [deps]")
    wheels = DEPS_WHEELS if sys.argv[2:] == ["deps"] else WHEELS
    work = os.path.abspath(sys.argv[1])
    root = os.path.join(work, "index")
    os.makedirs(root, exist_ok=True)

    # Bind first: absolute URLs in the documents need the port.
    log_path = os.path.join(work, "requests.log")
    server = LoopbackServer(("127.0.0.1", 0), make_handler(root, log_path))
    server.daemon_threads = True
    base_url = "http://127.0.0.1:%d" % server.server_address[1]
    manifest = build_tree(root, base_url, wheels)
    write_json(os.path.join(work, "manifest.json"), manifest)

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print("listening on " + base_url, flush=True)

    # Serve until whoever started us closes our stdin (or dies).
    try:
        while sys.stdin.buffer.read(65536):
            pass
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
