#!/usr/bin/env python3
"""Benchmark hashlock cold and warm, against uv, hashin and a parallel-curl floor.

Two modes, each printing medians, min and max, peak RSS, and paired ratios (every
run of the loop runs every tool once, in rotating order, so that they share the
conditions of the moment; a ratio is taken per run, then its median):

    scripts/bench.py loopback     # the fake index (examples/fake_index.rs) on
                                  # 127.0.0.1 with injected latency, synthetic pins
    scripts/bench.py live         # by hand: the real freezes of bench/ against
                                  # PyPI (whatever index this machine reaches)
    scripts/bench.py download     # by hand: `lock --download` of bench/freeze-46.txt
                                  # against parallel curl of the same file URLs

Tools:
- hashlock cold: `lock` of the unhashed file into another, its cache empty;
- hashlock warm: `lock --check` and `verify` of the hashed file, its cache filled
  by an earlier run (what CI with a kept cache, or a pre-commit hook, sees);
- uv (`pip install uv` into target/bench-venv, made on first use): `uv pip compile
  --no-deps --generate-hashes`, cold with `--no-cache`, warm with a filled cache;
- hashin, when installed in that venv (it asks one package at a time: only files of
  at most --hashin-max pins);
- curl: one `curl --parallel --http2 --compressed` of the same Simple API pages,
  the network floor of a cold run.

Download mode: the freeze is locked once (its index answers then cached), and each
run is `lock --download --check --no-log` of the locked file (every file downloaded
and hashed) against `--curls` curl processes, each fetching its share of the same
file URLs over one connection (curl throws the bytes away).

Peak RSS is each process's own (`wait4`). Examples:

    scripts/bench.py loopback --pins 5,50,199,1000 --latency-ms 20 --history 600
    scripts/bench.py live --sizes 5,50,199 --runs 7
    scripts/bench.py live --sizes huge-1000 --runs 3 --hashin-max 0
    scripts/bench.py download --runs 9
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
HASHLOCK = os.path.join(TARGET, "release", "hashlock")
# uv resolves for this interpreter's exact version: `3.11` means 3.11.0 to uv, which
# some pins refuse (soupsieve 4.1.4 needs 3.11.5), and a minor version with no
# interpreter installed sends uv looking for one (seconds, not the lookups).
PYTHON_VERSION = "{}.{}.{}".format(*sys.version_info[:3])
FAKE_INDEX = os.path.join(TARGET, "release", "examples", "fake_index")
VENV = os.path.join(TARGET, "bench-venv")
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

# Runs see no pip setting of this machine (hashlock reads pip's, as pip would).
CLEAN_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_", "HASHLOCK_"))},
    "PIP_CONFIG_FILE": os.devnull,
    "NO_COLOR": "1",
}


def main():
    args = parse_args()
    build(args.mode == "loopback")
    tools = {} if args.mode == "download" else venv_tools(args)
    # Under the user's cache directory, where hashlock's cache lives, not /tmp: ext4
    # makes each new file in a block group where many files were just deleted cost
    # up to 0.5 ms (it skips inodes deleted in the last 60-300 s), and /tmp is where
    # benches, builds and `uv --no-cache` create and delete thousands.
    cache_home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    os.makedirs(cache_home, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hashlock-bench-", dir=cache_home) as work:
        if args.mode == "download":
            bench_download(work, args)
        elif args.mode == "loopback":
            for pins in args.pins:
                with fake_index(args) as url:
                    names = [f"synth-{i}" for i in range(1, pins + 1)]
                    text = "".join(f"{name}==1.0.0\n" for name in names)
                    # uv needs wheel metadata, which the fake index does not serve.
                    others = {k: v for k, v in tools.items() if k != "uv"}
                    bench(f"loopback, {pins} pins, {args.latency_ms} ms per request, "
                          f"{args.history} older releases each"
                          + (", gzip" if args.gzip else ""),
                          work, text, names, url, args, others, simple_root=f"{url}/simple")
        else:
            for size in args.sizes:
                with open(os.path.join(ROOT, bench_file(size))) as f:
                    text = f.read()
                names = [re.split(r"[=<>!~ ;\[]", line, maxsplit=1)[0]
                         for line in text.splitlines() if line.strip() and not line.startswith("#")]
                bench(f"live, {bench_file(size)} ({len(names)} pins)", work, text, names,
                      args.index_url, args, tools, simple_root=simple_root(args.index_url))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    loop = sub.add_parser("loopback", help="the fake index on 127.0.0.1")
    loop.add_argument("--pins", type=sizes, default=[5, 50, 199])
    loop.add_argument("--latency-ms", type=int, default=20)
    loop.add_argument("--history", type=int, default=200,
                      help="older releases per package (larger project pages)")
    loop.add_argument("--gzip", action="store_true",
                      help="documents sent gzip-compressed, as PyPI sends them")
    live = sub.add_parser("live", help="the real freezes of bench/ against PyPI, by hand")
    live.add_argument("--sizes", type=sizes, default=[5, 50, 199],
                      help="bench/freeze-N.txt for each N, or bench/NAME.txt (huge-1000)")
    live.add_argument("--index-url", default="https://pypi.org",
                      help="hashlock's index: a JSON API base (the default, as hashlock's own "
                           "default) or a Simple API root (`.../simple`, what uv and curl read)")
    download = sub.add_parser("download", help="lock --download against parallel curl, by hand")
    download.add_argument("--freeze", default=os.path.join(ROOT, "bench", "freeze-46.txt"))
    download.add_argument("--index-url", default="https://pypi.org")
    download.add_argument("--curls", type=int, default=8, help="curl processes at once")
    download.add_argument("--runs", type=int, default=7)
    for p in (loop, live):
        p.add_argument("--runs", type=int, default=5)
        p.add_argument("--no-uv", action="store_true", help="do not install or run uv")
        p.add_argument("--hashin-max", type=int, default=50,
                       help="run hashin only on files of at most this many pins")
    return parser.parse_args()


def simple_root(index_url):
    """The Simple API root of `index_url`: itself if it is one (`.../simple`), else
    `<index_url>/simple` (a JSON API base such as `https://pypi.org`)."""
    url = index_url.rstrip("/")
    return url if url.endswith("/simple") else url + "/simple"


def sizes(text):
    """`5,50,199`: bench/freeze-5.txt...; a name (`huge-1000`) is bench/<name>.txt."""
    return [int(part) if part.isdigit() else part for part in text.split(",") if part]


def bench_file(size):
    name = f"freeze-{size}" if isinstance(size, int) else size
    return os.path.join("bench", f"{name}.txt")


def build(example):
    targets = ["--bin", "hashlock"] + (["--example", "fake_index"] if example else [])
    subprocess.run(["cargo", "build", "--release", "--quiet", *targets], cwd=ROOT, check=True)


def venv_tools(args):
    """uv and hashin from target/bench-venv, made (and filled) on first use."""
    tools = {}
    if args.no_uv:
        return tools
    if not os.path.exists(os.path.join(VENV, "bin", "uv")):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "uv", "hashin"],
                       check=True, env={**os.environ, "PIP_FIND_LINKS": ""})
    for name in ("uv", "hashin"):
        path = os.path.join(VENV, "bin", name)
        if os.path.exists(path):
            tools[name] = path
    return tools


class fake_index:
    """Runs the fake index for the duration of a `with` block; yields its URL."""

    def __init__(self, args):
        self.args = args

    def __enter__(self):
        self.proc = subprocess.Popen(
            [FAKE_INDEX, "--port", "0", "--synthetic", "--no-version-endpoint",
             "--latency-ms", str(self.args.latency_ms), "--history", str(self.args.history),
             "--fixtures", os.path.join(ROOT, "fixtures", "pypi"),
             *(["--gzip"] if self.args.gzip else [])],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            self.proc.kill()
            sys.exit(f"fake index did not start: {line!r}")
        return line.removeprefix("listening on ")

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def bench(title, work, text, names, index_url, args, tools, simple_root):
    print(f"\n== {title}, {args.runs} paired runs")
    dir = tempfile.mkdtemp(dir=work)
    path = lambda name: os.path.join(dir, name)
    with open(path("freeze.txt"), "w") as f:
        f.write(text)
    # hashlock's own index options: `--index-url` names the JSON API base, as users
    # give it for PyPI; uv and curl read the Simple API root.
    hl = [HASHLOCK]
    index = ["--index-url", index_url]
    warm_cache, cold_cache = path("warm-cache"), path("cold-cache")
    env_warm = {**CLEAN_ENV, "HASHLOCK_CACHE_DIR": warm_cache}
    env_cold = {**CLEAN_ENV, "HASHLOCK_CACHE_DIR": cold_cache}
    # The hashed file, and a warm cache.
    run_checked([*hl, "lock", "-q", *index, "-o", path("hashed.txt"), path("freeze.txt")], env_warm)
    hashes = open(path("hashed.txt")).read().count("--hash=sha256:")
    if hashes < len(names):
        sys.exit(f"only {hashes} hashes for {len(names)} pins: the lock did not work")
    with open(path("curl.cfg"), "w") as f:
        for name in names:
            normalized = re.sub(r"[-_.]+", "-", name).lower()
            f.write(f'url = "{simple_root}/{normalized}/"\noutput = "/dev/null"\n')

    cold_runs = iter(range(1 << 30))

    def hashlock_cold():
        # A new empty cache each run, the old ones removed only after the loop:
        # deleting hundreds of entries right before each run would make the files the
        # run creates cost up to 0.5 ms each (see `main`), which a user's first run
        # never meets.
        env = {**env_cold, "HASHLOCK_CACHE_DIR": os.path.join(cold_cache, str(next(cold_runs)))}
        return [*hl, "lock", "-q", *index, "-o", path("out.txt"), path("freeze.txt")], env

    runs = {
        "hashlock cold": hashlock_cold,
        "hashlock warm lock --check": lambda: (
            [*hl, "lock", "-q", "--check", *index, path("hashed.txt")], env_warm),
        "hashlock warm verify": lambda: ([*hl, "verify", "-q", "--no-deps", *index, path("hashed.txt")], env_warm),
        "curl floor": lambda: (
            ["curl", "-s", "--fail", "--parallel", "--parallel-max", "64", "--http2", "--compressed",
             "-H", f"Accept: {SIMPLE_JSON}", "-K", path("curl.cfg")], CLEAN_ENV),
    }
    if "uv" in tools:
        uv = [tools["uv"], "pip", "compile", "--quiet", "--no-deps", "--generate-hashes",
              "--python-version", PYTHON_VERSION, "--index-url", simple_root, path("freeze.txt"),
              "-o", path("uv.txt")]
        uv_cache = path("uv-cache")
        run_checked([*uv, "--cache-dir", uv_cache], CLEAN_ENV)
        runs["uv cold"] = lambda: ([*uv, "--no-cache"], CLEAN_ENV)
        runs["uv warm"] = lambda: ([*uv, "--cache-dir", uv_cache], CLEAN_ENV)
    if "hashin" in tools and len(names) <= args.hashin_max:
        def hashin():
            open(path("hashin.txt"), "w").close()
            pins = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
            return [tools["hashin"], "--index-url", index_url.rstrip("/") + "/", "-r", path("hashin.txt"),
                    *pins], CLEAN_ENV
        runs["hashin"] = hashin

    # Warm means warm: answers of recent releases may have aged out mid-bench.
    rewarm = lambda: run_checked([*hl, "lock", "-q", "--check", *index, path("hashed.txt")], env_warm)
    report(rotated(runs, args.runs, before_each=rewarm))


def bench_download(work, args):
    dir = tempfile.mkdtemp(dir=work)
    path = lambda name: os.path.join(dir, name)
    env = {**CLEAN_ENV, "HASHLOCK_CACHE_DIR": path("cache")}
    index = ["--index-url", args.index_url]
    run_checked([HASHLOCK, "lock", "-q", *index, "-o", path("hashed.txt"), args.freeze], env)
    # Every file URL, as the lock found them: `export` writes each one (PEP 751).
    run_checked([HASHLOCK, "export", "-q", "--format", "pylock.toml", *index, "-o", path("pylock.toml"),
                 path("hashed.txt")], env)
    with open(path("pylock.toml")) as f:
        urls = sorted(set(re.findall(r'^url = "([^"]+)"', f.read(), re.M)))
    if not urls:
        sys.exit("the export lists no file URL")
    curls = []
    for i in range(args.curls):
        config = path(f"curl-{i}.cfg")
        with open(config, "w") as f:
            for url in urls[i::args.curls]:
                f.write(f'url = "{url}"\noutput = "/dev/null"\n')
        curls.append(["curl", "-sS", "--fail", "-K", config])
    script = path("curls.sh")
    with open(script, "w") as f:
        f.write("".join(" ".join(cmd) + " &\n" for cmd in curls) + "wait\n")
    print(f"\n== download, {os.path.basename(args.freeze)}: {len(urls)} files, {args.runs} paired runs")
    runs = {
        "hashlock lock --download": lambda: (
            [HASHLOCK, "lock", "-q", "--download", "--check", "--no-log", *index, path("hashed.txt")], env),
        f"curl x{args.curls}": lambda: (["sh", script], CLEAN_ENV),
    }
    report(rotated(runs, args.runs), pairs=[tuple(runs)])


def run_checked(cmd, env):
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd[:3])} failed ({done.returncode}):\n{done.stderr[-3000:]}")


def timed(name, cmd, env):
    """(seconds, peak RSS in MiB) of one run of `cmd`, which must succeed.

    The peak is GNU time's (`/usr/bin/time -f %M`) where installed: `wait4`'s
    counts the pages of this Python process that the child had before its `exec`.
    The time is of the whole, `time` included (a millisecond, the same for all)."""
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    with tempfile.NamedTemporaryFile("r") as peak:
        if gnu_time:
            cmd = [gnu_time, "-q", "-f", "%M", "-o", peak.name, *cmd]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            sys.exit(f"{name} failed ({code}):\n{stderr.decode(errors='replace')[-3000:]}")
        kib = int(peak.read().strip() or 0) if gnu_time else usage.ru_maxrss
    return elapsed, kib / 1024


def rotated(runs, count, before_each=None):
    """Every run of `runs` (name -> () -> (cmd, env)) `count` times, in an order
    that rotates each time; the (seconds, peak MiB) of each, by name."""
    results = {name: [] for name in runs}
    order = list(runs)
    for i in range(count):
        if before_each:
            before_each()
        for name in order[i % len(order):] + order[:i % len(order)]:
            cmd, env = runs[name]()
            results[name].append(timed(name, cmd, env))
    return results


# The ratios `report` prints, where both sides ran.
PAIRS = [
    ("hashlock warm lock --check", "uv warm"),
    ("hashlock warm verify", "uv warm"),
    ("hashlock cold", "uv cold"),
    ("hashlock cold", "curl floor"),
    ("hashlock cold", "hashin"),
]


def report(results, pairs=PAIRS):
    width = max(len(name) for name in results)
    print(f"{'':{width}}  median     min     max   peak RSS")
    for name, runs in results.items():
        times = [t for t, _ in runs]
        rss = max(m for _, m in runs)
        print(f"{name:{width}}  {statistics.median(times):6.3f}s {min(times):6.3f}s "
              f"{max(times):6.3f}s  {rss:6.1f} MiB")
    for ours, theirs in pairs:
        if ours in results and theirs in results:
            paired = [a[0] / b[0] for a, b in zip(results[ours], results[theirs])]
            medians = statistics.median(t for t, _ in results[ours]) / statistics.median(
                t for t, _ in results[theirs])
            print(f"{ours} / {theirs}: {statistics.median(paired):.2f}x paired median "
                  f"({medians:.2f}x of medians)")


if __name__ == "__main__":
    main()
