//! Planning every lockable file of the tree, and reporting the lines that cannot be
//! locked (unknown hashes, no digests) or deserve a warning (replaced hashes, yanked
//! versions).

use std::collections::HashMap;

use miette::Report;

use crate::commands::lookup::FilePins;
use crate::commands::warn;
use crate::exit::{self, Failure};
use crate::index::{Pin, Release};
use crate::lock::{self, Plan, Problem, Replaced};
use crate::requirements::LineKind;
use crate::tree::{Role, SourceFile};

/// Plans every lockable file (`None` for constraint files); any line that cannot be
/// locked fails the run before anything is written.
pub fn plan_all(
    files: &[SourceFile],
    pins: &[FilePins],
    releases: &HashMap<Pin, Release>,
    options: lock::Options,
    quiet: bool,
) -> Result<Vec<Option<Plan>>, Failure> {
    let mut plans = Vec::new();
    let mut problems: Vec<(u8, Report)> = Vec::new();
    for (file, file_pins) in files.iter().zip(pins) {
        if file.role == Role::Constraints {
            plans.push(None);
            continue;
        }
        let plan = lock::plan(&file.parsed, file_pins, |pin| releases.get(pin), options);
        problems.extend(
            plan.problems
                .iter()
                .map(|problem| problem_report(file, problem)),
        );
        for replaced in &plan.replaced {
            warn(quiet, replaced_warning(file, replaced));
        }
        if !quiet {
            warn_yanked(file, file_pins, releases);
        }
        plans.push(Some(plan));
    }
    if problems.is_empty() {
        return Ok(plans);
    }
    let code = problems
        .iter()
        .map(|(code, _)| *code)
        .max()
        .unwrap_or(exit::CHECK_FAILED);
    let mut reports: Vec<Report> = problems.into_iter().map(|(_, report)| report).collect();
    reports.push(miette::miette!("nothing was written"));
    Err(Failure::new(code, reports))
}

fn replaced_warning(file: &SourceFile, replaced: &Replaced) -> Report {
    let count = replaced.stale.len();
    let message = format!(
        "replaced {count} hash{} not published for `{}`",
        if count == 1 { "" } else { "es" },
        replaced.pin
    );
    Report::new(
        file.source
            .warning(replaced.span.clone(), message)
            .label("hashes replaced"),
    )
}

/// The report of a line that cannot be locked, with its exit code.
fn problem_report(file: &SourceFile, problem: &Problem) -> (u8, Report) {
    match problem {
        Problem::UnknownHashes {
            span,
            pin,
            version,
            unknown,
        } => {
            let message = format!(
                "{} of this line's hashes {} not published for {} {version}: {}",
                unknown.len(),
                if unknown.len() == 1 { "is" } else { "are" },
                pin.name,
                unknown.join(", ")
            );
            let hint = "a changed or deleted file on the index, or a tampered line: check where these hashes came from; `--force` replaces them";
            let located = file
                .source
                .error(span.clone(), message)
                .label("unknown hashes")
                .hint(hint);
            (exit::CHECK_FAILED, Report::new(located))
        }
        Problem::NoHashes { span, pin } => {
            let message = format!("the index publishes no sha256 for any file of `{pin}`");
            let hint = "use an index that publishes sha256 digests (PyPI does)";
            (
                exit::INDEX_FAILURE,
                Report::new(file.source.error(span.clone(), message).hint(hint)),
            )
        }
    }
}

/// Pinning a yanked version is allowed (pip installs it), but worth a warning.
fn warn_yanked(file: &SourceFile, pins: &FilePins, releases: &HashMap<Pin, Release>) {
    let mut lines: Vec<(&usize, &Pin)> = pins.iter().collect();
    lines.sort_by_key(|(index, _)| **index);
    for (index, pin) in lines {
        let Some(release) = releases.get(pin) else {
            continue;
        };
        let LineKind::Requirement(req) = &file.parsed.lines[*index].kind else {
            continue;
        };
        let Some(message) = release.yanked_message(pin) else {
            continue;
        };
        let located = file
            .source
            .warning(req.span.clone(), message)
            .label("yanked")
            .hint("pick another version unless you need this one");
        eprintln!("{:?}", Report::new(located));
    }
}
