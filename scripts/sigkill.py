#!/usr/bin/env python3
"""Measure what SIGKILL at random points of `hashlock lock` leaves behind.

Runs `lock` on a 3-file tree (a.txt includes b.txt and c.txt) against the loopback
index (`cargo run --example fake_index`) with some latency, SIGKILLs each run at a
uniformly random moment within its usual duration, and counts:

- trees left half-locked (some files locked, some not);
- runs that left temporary files (`.hashlock*`) behind;
- of those, how many temporary files are still there after one more, unkilled
  `lock` run in the same directory (hashlock removes stale ones of its own).

    cargo build --bin hashlock --example fake_index
    scripts/sigkill.py --hashlock target/debug/hashlock \\
        --fake-index target/debug/examples/fake_index --runs 200

Nothing here touches the network beyond 127.0.0.1.
"""

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TREE = {
    "a.txt": "-r b.txt\n-r c.txt\nsix==1.16.0\n",
    "b.txt": "idna==3.6\n",
    "c.txt": "certifi==2024.2.2\n",
}


def start_index(fake_index, latency_ms):
    proc = subprocess.Popen(
        [fake_index, "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    prefix = "listening on "
    if not line.startswith(prefix):
        proc.kill()
        sys.exit(f"fake_index said {line!r}")
    return proc, line[len(prefix):]


def make_tree(root):
    for name, text in TREE.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)


def lock_command(hashlock, url):
    return [hashlock, "lock", "--quiet", "--index-url", url, "a.txt"]


def temp_files(root):
    return sorted(n for n in os.listdir(root) if n.startswith(".hashlock"))


def state(root):
    locked = []
    for name in TREE:
        with open(os.path.join(root, name)) as f:
            locked.append("--hash=sha256:" in f.read())
    if all(locked):
        return "locked"
    if not any(locked):
        return "untouched"
    return "half"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hashlock", required=True)
    parser.add_argument("--fake-index", required=True)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)
    hashlock = os.path.abspath(args.hashlock)
    index, url = start_index(os.path.abspath(args.fake_index), args.latency_ms)
    work = tempfile.mkdtemp(prefix="hashlock-sigkill-")
    try:
        # The usual duration of a whole run, to kill within it.
        durations = []
        for i in range(5):
            root = os.path.join(work, f"timing-{i}")
            os.mkdir(root)
            make_tree(root)
            started = time.monotonic()
            subprocess.run(lock_command(hashlock, url), cwd=root, check=True)
            durations.append(time.monotonic() - started)
        duration = statistics.median(durations)

        counts = {"locked": 0, "untouched": 0, "half": 0}
        with_temps = 0
        temps_left = 0
        temps_after_next_run = 0
        for i in range(args.runs):
            root = os.path.join(work, f"run-{i}")
            os.mkdir(root)
            make_tree(root)
            proc = subprocess.Popen(
                lock_command(hashlock, url),
                cwd=root,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(random.uniform(0, duration * 1.1))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            counts[state(root)] += 1
            left = temp_files(root)
            if left:
                with_temps += 1
                temps_left += len(left)
                # The next run, which should clean up after the killed one. Its
                # own temporary files, if any were left, are not counted: it
                # finishes.
                time.sleep(0.01)
                subprocess.run(
                    lock_command(hashlock, url),
                    cwd=root,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                temps_after_next_run += len(temp_files(root))
        print(f"hashlock: {hashlock}")
        print(
            f"runs: {args.runs}, index latency: {args.latency_ms} ms, "
            f"kill within 0..{duration * 1.1 * 1000:.0f} ms "
            f"(a whole run: {duration * 1000:.0f} ms)"
        )
        print(
            f"trees: {counts['locked']} locked, {counts['untouched']} untouched, "
            f"{counts['half']} half-locked"
        )
        print(
            f"runs that left temporary files: {with_temps} ({temps_left} files); "
            f"still there after the next run: {temps_after_next_run}"
        )
    finally:
        index.kill()
        index.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
