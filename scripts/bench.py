#!/usr/bin/env python3
"""Benchmark `hashlock lock` against a loopback index with injected latency.

Generates a requirements file of N pins (`synth-1==1.0.0` ...), starts the fake index
(`examples/fake_index.rs`) on 127.0.0.1 with a fixed delay before every answer, and
times whole runs of the release binary on a fresh copy of the file. When `hashin` is
on PATH it is timed on the same pins against the same server. Prints the median,
min and max of each tool and the ratio.

    scripts/bench.py                 # 500 pins, 50 ms per request, 7 runs
    scripts/bench.py --pins 200 --latency-ms 20 --runs 3 --concurrency 32
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    args = parse_args()
    build()
    with tempfile.TemporaryDirectory(prefix="hashlock-bench-") as work, fake_index(args) as url:
        pins = [f"synth-{i}==1.0.0" for i in range(1, args.pins + 1)]
        source = os.path.join(work, "requirements.in")
        with open(source, "w") as f:
            f.write("\n".join(pins) + "\n")
        target = os.path.join(work, "requirements.txt")
        hashlock = os.path.join(ROOT, "target", "release", "hashlock")
        cmd = [hashlock, "lock", "-q", "--index-url", url, target]
        if args.concurrency:
            cmd[2:2] = ["--concurrency", str(args.concurrency)]
        ours = timed_runs("hashlock", cmd, source, target, args.runs)
        check_locked(target, args.pins)
        report("hashlock", ours)
        if shutil.which("hashin"):
            cmd = ["hashin", "--index-url", f"{url}/", "-r", target, *pins]
            theirs = timed_runs("hashin", cmd, None, target, min(args.runs, 3))
            report("hashin", theirs)
            print(f"hashin / hashlock median: {statistics.median(theirs) / statistics.median(ours):.1f}x")
        else:
            print("hashin: not installed (pip install hashin), not compared")
        print("uv: not compared (uv pip compile needs the Simple API and wheel metadata, "
              "which the fake index does not serve)")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pins", type=int, default=500)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--concurrency", type=int, default=0, help="0: hashlock's default")
    return parser.parse_args()


def build():
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "hashlock", "--example", "fake_index"],
        cwd=ROOT, check=True)


class fake_index:
    """Runs the fake index for the duration of a `with` block; yields its URL."""

    def __init__(self, args):
        self.args = args

    def __enter__(self):
        server = os.path.join(ROOT, "target", "release", "examples", "fake_index")
        self.proc = subprocess.Popen(
            [server, "--port", "0", "--synthetic", "--latency-ms", str(self.args.latency_ms),
             "--fixtures", os.path.join(ROOT, "fixtures", "pypi")],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            sys.exit(f"fake index did not start: {line!r}")
        return line.removeprefix("listening on ")

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def timed_runs(name, cmd, source, target, runs):
    times = []
    for _ in range(runs):
        if source:
            shutil.copyfile(source, target)
        else:
            open(target, "w").close()
        start = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(f"{name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return times


def check_locked(path, pins):
    with open(path) as f:
        text = f.read()
    hashes = text.count("--hash=sha256:")
    if hashes < pins:
        sys.exit(f"only {hashes} hashes for {pins} pins: the run did not lock the file")


def report(name, times):
    print(f"{name}: median {statistics.median(times):.3f}s  min {min(times):.3f}s  "
          f"max {max(times):.3f}s  ({len(times)} runs)")


if __name__ == "__main__":
    main()
