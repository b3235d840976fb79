//! A standalone loopback PyPI JSON index, for benchmarks and manual runs.
//!
//! ```text
//! cargo run --example fake_index -- [--port N] [--latency-ms N] [--fixtures DIR]
//!     [--no-version-endpoint] [--relative-urls] [--synthetic] [--history N]
//!     [--threads N] [--gzip]
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` as its first line of stdout, then
//! serves until killed. It is the tests' server (`tests/support/server.rs`): with
//! `--synthetic`, any `synth-<n>==1.0.0` exists, and its files are served at
//! `/files/<filename>` with the sha256 the documents publish; `--history N` gives
//! each N older releases (large project pages, files not served).

// The tests use all of the server; this example only starts it, so the request
// counters and misbehaviours it never switches on are dead code here.
#[allow(dead_code)]
#[path = "../tests/support/server.rs"]
mod server;
#[path = "../tests/support/serving.rs"]
mod serving;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use server::{Config, TestIndex};

const USAGE: &str = "usage: fake_index [--port N] [--latency-ms N] [--fixtures DIR] \
    [--no-version-endpoint] [--relative-urls] [--synthetic] [--history N] [--threads N] \
    [--gzip]";

fn main() -> ExitCode {
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("fake_index: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let index = TestIndex::start(config);
    let mut stdout = std::io::stdout().lock();
    // Whoever started us waits for this line: flush it now, not at exit.
    writeln!(stdout, "listening on {}", index.url()).expect("write to stdout");
    stdout.flush().expect("flush stdout");
    loop {
        std::thread::park();
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Config, String> {
    let mut config = Config::new().worker_threads(4);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        config = match arg.as_str() {
            "--port" => config.port(number(&arg, &value()?)?),
            "--latency-ms" => config.latency(Duration::from_millis(number(&arg, &value()?)?)),
            "--fixtures" => config.fixtures(value()?),
            "--threads" => config.worker_threads(number(&arg, &value()?)?),
            "--no-version-endpoint" => config.without_version_endpoint(),
            "--relative-urls" => config.relative_urls(),
            "--synthetic" => config.synthetic(),
            "--gzip" => config.compress_documents(),
            "--history" => config.synthetic_history(number(&arg, &value()?)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {arg}")),
        };
    }
    Ok(config)
}

fn number<T: std::str::FromStr>(arg: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{arg} expects a number, got {value:?}"))
}
