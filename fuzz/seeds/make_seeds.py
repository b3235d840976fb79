#!/usr/bin/env python3
"""Build the seed corpora of the fuzz targets from the repository's fixtures.

Run from the repository root:  python3 fuzz/seeds/make_seeds.py OUT_DIR
It writes OUT_DIR/<target>/<name> for every target; `cargo fuzz cmin` then keeps the
seeds that add coverage to fuzz/corpus/<target>/. Index documents are trimmed (a few
releases, a few files each) so that a seed is a few KB, not the 300 KB of a recorded
project; the PEP 691 Simple API documents are made from the same files.
"""
import glob
import hashlib
import json
import os
import sys

out = sys.argv[1]


def write(target, name, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    with open(os.path.join(out, target, name), "wb") as f:
        f.write(data)


texts = {}
for pattern in ["requirements/**/*.txt", "peep/**/*.txt", "verify/**/*.txt", "lock/**/*.txt"]:
    for path in sorted(glob.glob(os.path.join("fixtures", pattern), recursive=True)):
        name = path[len("fixtures/"):].replace("/", "_")
        with open(path, "rb") as f:
            texts[name] = f.read()

for name, data in texts.items():
    write("requirements", name, data)
    write("peep", name, data)
    # lock_plan: flags byte (peep mode, own hash, force), digest-count byte, file.
    for flags, count in [(0, 2), (1, 1), (2, 3), (0b1100, 2)]:
        write("lock_plan", f"{name}.{flags}.{count}", bytes([flags, count]) + data)
for token in ["HmHDdHehYmRY4297HYKqXJsJT6SAKJIHLknenGDEySY", "0" * 64]:
    write("peep", token[:8], token.encode())

for path in sorted(glob.glob("fixtures/pypi/*.json")):
    project = os.path.basename(path)[: -len(".json")]
    with open(path) as f:
        doc = json.load(f)
    releases = list(doc["releases"].items())[:3]
    releases = [(version, files[:3]) for version, files in releases]
    trimmed = {"info": doc.get("info", {}), "releases": dict(releases)}
    body = json.dumps(trimmed).encode()
    # The first byte picks the URL the document is read at (hashlock::fuzzing::BASES).
    write("index_documents", f"{project}.project", b"\x00" + body)
    version, files = next(((v, f) for v, f in releases if f), releases[0])
    info = dict(doc.get("info", {}), version=version)
    body = json.dumps({"info": info, "urls": files}).encode()
    write("index_documents", f"{project}.version", b"\x00" + body)
    simple_files = []
    for version, entries in releases:
        for entry in entries:
            simple = {
                "filename": entry["filename"],
                "url": entry["url"],
                "hashes": {"sha256": entry.get("digests", {}).get("sha256", "")},
            }
            if entry.get("requires_python"):
                simple["requires-python"] = entry["requires_python"]
            if entry.get("yanked"):
                simple["yanked"] = entry.get("yanked_reason") or True
            simple_files.append(simple)
    name = doc.get("info", {}).get("name", project).lower().replace("_", "-")
    simple = {"meta": {"api-version": "1.1"}, "name": name, "files": simple_files,
              "versions": [version for version, _ in releases]}
    write("index_documents", f"{project}.simple", b"\x01" + json.dumps(simple).encode())
    del simple["versions"]
    simple["meta"]["api-version"] = "1.0"
    write("index_documents", f"{project}.simple-1.0", b"\x01" + json.dumps(simple).encode())

# A relative-URL Simple document of the shape devpi and other mirrors serve.
files = [{"filename": f"zope.interface-{v}.tar.gz", "url": f"../../+f/{v}/zope.interface-{v}.tar.gz#sha256=" + hashlib.sha256(v.encode()).hexdigest(),
          "hashes": {"sha256": hashlib.sha256(v.encode()).hexdigest()}} for v in ["5.0", "5.0.1", "6.0"]]
files.append({"filename": "zope.interface-5.0.win32-py2.7.exe", "url": "/x.exe", "hashes": {}})
write("index_documents", "relative.simple", b"\x02" + json.dumps({"meta": {"api-version": "1.0"}, "name": "zope-interface", "files": files}).encode())
