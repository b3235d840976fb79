//! Everything the user sees on stderr besides errors: the progress bar while the
//! index is queried, the one-line summary at the end, and `warning:` / `note:` lines.
//!
//! Nothing here adds colour, so the output reads the same with `NO_COLOR`, in logs and
//! in CI; stdout stays reserved for diffs and `--stdout` output.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::redact;

const TEMPLATE: &str = "{spinner} [{bar:30}] {pos}/{len} {msg}";

/// Redraw often enough for the spinner to show life while a slow request is pending.
const TICK: Duration = Duration::from_millis(100);

/// A progress bar on stderr, one step per requirement looked up.
///
/// Cloning is cheap and every clone drives the same bar, so concurrent lookups can
/// each hold one.
#[derive(Clone, Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` steps; hidden when `quiet` or when stderr is not a terminal,
    /// where redraws would only fill logs with control codes.
    pub(crate) fn new(total: u64, quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        // The template is a constant, so failing to parse it is a bug caught by tests.
        if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
            bar.set_style(style.progress_chars("=> "));
        }
        if visible {
            // A steady tick runs a thread; pointless for a bar nobody sees.
            bar.enable_steady_tick(TICK);
        }
        Progress { bar }
    }

    /// Advance by one step, showing `message` (e.g. the package just looked up).
    pub(crate) fn inc(&self, message: &str) {
        self.bar.set_message(message.to_owned());
        self.bar.inc(1);
    }

    /// Remove the bar, leaving the terminal as it was for the summary line.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// What the run did with its result, which decides the wording of the [`Summary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SummaryMode {
    /// Files were rewritten in place.
    Written,
    /// `--check`: nothing written, report whether anything would change.
    Check,
    /// `--diff`: the changes were printed, nothing written.
    Diff,
    /// The result went to stdout; the files were not touched.
    Stdout,
}

/// The one line printed at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Summary {
    /// What was done to the files when they were written: `Locked`, `Migrated`.
    pub verb: &'static str,
    pub requirements: usize,
    pub hashes: usize,
    pub files: usize,
    pub files_changed: usize,
    pub elapsed: Duration,
    pub mode: SummaryMode,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.mode {
            SummaryMode::Written | SummaryMode::Stdout => self.verb,
            SummaryMode::Check | SummaryMode::Diff => "Checked",
        };
        let requirements = counted(self.requirements, "requirement", "requirements");
        let hashes = counted(self.hashes, "hash", "hashes");
        let files = counted(self.files, "file", "files");
        let elapsed = seconds(self.elapsed);
        let would_change = || {
            if self.files_changed == 0 {
                "all up to date".to_owned()
            } else {
                format!(
                    "{} would change",
                    counted(self.files_changed, "file", "files")
                )
            }
        };
        write!(f, "{verb} {requirements} with {hashes} in {files}")?;
        match self.mode {
            SummaryMode::Written => write!(
                f,
                " ({} changed) in {elapsed}",
                thousands(self.files_changed)
            ),
            SummaryMode::Check => write!(f, " in {elapsed}: {}", would_change()),
            SummaryMode::Diff if self.files_changed == 0 => {
                write!(f, " in {elapsed}: {} (nothing written)", would_change())
            }
            SummaryMode::Diff => write!(
                f,
                " in {elapsed}: {} (diff printed, nothing written)",
                would_change()
            ),
            SummaryMode::Stdout => write!(f, " in {elapsed} (printed to stdout, files untouched)"),
        }
    }
}

/// `1 file`, `2 files`, `1,834 hashes`.
pub(crate) fn counted(n: usize, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// Group digits by thousands with commas, so large counts stay readable.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `0.84s` below a minute, `2m05s` above, where hundredths no longer matter.
fn seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs < 59.995 {
        format!("{secs:.2}s")
    } else {
        let whole = elapsed.as_secs() + u64::from(elapsed.subsec_millis() >= 500);
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

/// Print `warning: {message}` on stderr. Whether to stay quiet is the caller's call.
pub(crate) fn warn(message: &str) {
    line(&format!("warning: {message}"));
}

/// Print one line on stderr. Unlike `eprintln!`, a closed or full stderr (`2>&-`,
/// `2>/dev/full`) does not panic the run: there is nowhere left to say anything.
/// Credentials in any URL of it are redacted (see [`crate::redact`]).
pub(crate) fn line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", redact::text(text));
}

/// Print a report (an error, a warning, a finding) on stderr, as [`line`] does.
pub(crate) fn report(report: &miette::Report) {
    // Formatted first, then written at once (stderr is unbuffered).
    line(&format!("{report:?}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(
        mode: SummaryMode,
        requirements: usize,
        hashes: usize,
        files: usize,
        changed: usize,
    ) -> String {
        Summary {
            verb: "Locked",
            requirements,
            hashes,
            files,
            files_changed: changed,
            elapsed: Duration::from_millis(840),
            mode,
        }
        .to_string()
    }

    #[test]
    fn written() {
        assert_eq!(
            summary(SummaryMode::Written, 152, 1834, 2, 1),
            "Locked 152 requirements with 1,834 hashes in 2 files (1 changed) in 0.84s"
        );
    }

    #[test]
    fn written_singular() {
        assert_eq!(
            summary(SummaryMode::Written, 1, 1, 1, 0),
            "Locked 1 requirement with 1 hash in 1 file (0 changed) in 0.84s"
        );
    }

    #[test]
    fn check_would_change() {
        assert_eq!(
            summary(SummaryMode::Check, 152, 1834, 2, 1),
            "Checked 152 requirements with 1,834 hashes in 2 files in 0.84s: 1 file would change"
        );
        assert_eq!(
            summary(SummaryMode::Check, 152, 1834, 3, 2),
            "Checked 152 requirements with 1,834 hashes in 3 files in 0.84s: 2 files would change"
        );
    }

    #[test]
    fn check_up_to_date() {
        assert_eq!(
            summary(SummaryMode::Check, 2, 4, 1, 0),
            "Checked 2 requirements with 4 hashes in 1 file in 0.84s: all up to date"
        );
    }

    #[test]
    fn diff() {
        assert_eq!(
            summary(SummaryMode::Diff, 152, 1834, 2, 1),
            "Checked 152 requirements with 1,834 hashes in 2 files in 0.84s: 1 file would change (diff printed, nothing written)"
        );
        assert_eq!(
            summary(SummaryMode::Diff, 0, 0, 1, 0),
            "Checked 0 requirements with 0 hashes in 1 file in 0.84s: all up to date (nothing written)"
        );
    }

    #[test]
    fn stdout() {
        assert_eq!(
            summary(SummaryMode::Stdout, 3, 12, 1, 1),
            "Locked 3 requirements with 12 hashes in 1 file in 0.84s (printed to stdout, files untouched)"
        );
    }

    #[test]
    fn no_control_codes() {
        for mode in [
            SummaryMode::Written,
            SummaryMode::Check,
            SummaryMode::Diff,
            SummaryMode::Stdout,
        ] {
            let text = summary(mode, 1, 2, 3, 1);
            assert!(!text.contains('\n'), "{text}");
            assert!(!text.chars().any(char::is_control), "{text}");
        }
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(123_456), "123,456");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn elapsed_format() {
        assert_eq!(seconds(Duration::ZERO), "0.00s");
        assert_eq!(seconds(Duration::from_millis(12_345)), "12.35s");
        assert_eq!(seconds(Duration::from_millis(59_999)), "1m00s");
        assert_eq!(seconds(Duration::from_secs(125)), "2m05s");
    }

    #[test]
    fn template_parses() {
        assert!(ProgressStyle::with_template(TEMPLATE).is_ok());
    }

    #[test]
    fn quiet_progress_is_hidden_and_shareable() {
        let progress = Progress::new(3, true);
        assert!(progress.bar.is_hidden());
        let clone = progress.clone();
        std::thread::scope(|scope| {
            scope.spawn(|| clone.inc("requests"));
            scope.spawn(|| progress.inc("idna"));
        });
        progress.inc("certifi");
        assert_eq!(progress.bar.position(), 3);
        progress.finish();
    }

    #[test]
    fn progress_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Progress>();
    }
}
