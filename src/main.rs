//! The `hashlock` binary: parse arguments, run the command, map the outcome to an exit
//! code. Everything else lives in the library.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use hashlock::Arguments;
use hashlock::exit::{Failure, Outcome};

fn main() -> ExitCode {
    let arguments = match Arguments::parse(std::env::args_os()) {
        Ok(arguments) => arguments,
        Err(error) => return usage(&error),
    };
    install_report_hook(hashlock::color::enabled(
        arguments.color(),
        |name| std::env::var_os(name),
        std::io::stderr().is_terminal(),
    ));
    // The configuration file gives the flags their defaults.
    let cli = match arguments.configure() {
        Ok(cli) => cli,
        Err(failure) => return fail(&failure),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            let _ = writeln!(
                std::io::stderr(),
                "error: cannot start the async runtime: {err}"
            );
            return Outcome::BadInput.into();
        }
    };
    let result = runtime.block_on(hashlock::commands::run(cli));
    // Everything the run started and needs has ended (its cache writes too); a DNS
    // lookup the system resolver still holds, for a connection no longer needed,
    // must not keep the process alive.
    runtime.shutdown_background();
    match result {
        Ok(outcome) => outcome.into(),
        Err(failure) => fail(&failure),
    }
}

/// Prints the reports of a failure, credentials redacted.
fn fail(failure: &Failure) -> ExitCode {
    // Buffered (stderr is not), and a closed stderr must not turn a failure into a
    // panic.
    let mut stderr = std::io::BufWriter::new(std::io::stderr().lock());
    for report in &failure.reports {
        let _ = writeln!(stderr, "{}", hashlock::redact(&format!("{report:?}")));
    }
    let _ = stderr.flush();
    failure.outcome.into()
}

/// A clap error or `--help`/`--version`: clap's own text, with any credentials of an
/// index URL the user typed redacted (clap quotes an invalid value back).
fn usage(error: &clap::Error) -> ExitCode {
    if error.use_stderr() {
        let text = error.render().to_string();
        let _ = write!(std::io::stderr(), "{}", hashlock::redact(&text));
    } else {
        // `--help` and `--version` go to stdout; a closed pipe is not worth a word.
        let _ = error.print();
    }
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
}

/// Reports read without colour; `colour` (see `hashlock::color`) adds it, and the
/// Unicode drawing that goes with it.
fn install_report_hook(colour: bool) {
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(colour)
                .unicode(colour)
                .terminal_links(false)
                .width(100)
                // Wrap at spaces only, never inside a word: a URL or a path in a
                // message stays whole, so it can be copied.
                .word_separator(textwrap::WordSeparator::AsciiSpace)
                .word_splitter(textwrap::WordSplitter::NoHyphenation)
                .break_words(false)
                .build(),
        )
    }));
}
