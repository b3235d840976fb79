//! `hashlock lock`: read the include tree, resolve pins, look them up concurrently,
//! plan every file, and only then write (or check, or diff).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use miette::Report;

use crate::cli::LockArgs;
use crate::diagnostics::Located;
use crate::exit::{self, Failure};
use crate::index::{ClientOptions, Index, IndexError, Pin, PypiJson, Release};
use crate::lock::{self, Plan, Problem};
use crate::report::{self, Progress, Summary, SummaryMode};
use crate::requirements::LineKind;
use crate::resolve::resolve;
use crate::tree::{self, Role, SourceFile};
use crate::write;

/// Pins of one file, by line index.
type FilePins = HashMap<usize, Pin>;

pub async fn run(args: LockArgs) -> Result<u8, Failure> {
    let started = Instant::now();
    if args.output.is_some() && args.files.len() > 1 {
        let report = miette::miette!(
            help = "lock one file at a time with `-o`",
            "`-o` takes one FILE, got {}",
            args.files.len()
        );
        return Err(Failure::new(exit::BAD_INPUT, [report]));
    }
    let files = tree::load(&args.files).map_err(|errors| failure(exit::BAD_INPUT, errors))?;
    let (pins, unpinned) = collect_pins(&files, args.allow_unpinned);
    if !unpinned.is_empty() && !args.allow_unpinned {
        let count = unpinned.len();
        let mut reports: Vec<Report> = unpinned.into_iter().map(Report::new).collect();
        reports.push(miette::miette!(
            help = "pin them, or pass `--allow-unpinned` to lock the rest anyway",
            "{count} requirement{} cannot be locked; nothing was written",
            plural(count)
        ));
        return Err(Failure::new(exit::CHECK_FAILED, reports));
    }
    let any_unpinned = !unpinned.is_empty();
    for warning in unpinned {
        warn(args.quiet, Report::new(warning));
    }
    let releases = look_up_all(&args, &files, &pins).await?;
    let plans = plan_all(&files, &pins, &releases, args.force, args.quiet)?;
    let changed = emit(&args, &files, &plans)?;
    if !args.quiet {
        eprintln!(
            "{}",
            summary(&args, &files, &plans, changed, started.elapsed())
        );
    }
    let failed = any_unpinned || (args.check && changed > 0);
    Ok(if failed { exit::CHECK_FAILED } else { exit::OK })
}

/// Resolves every requirement of every lockable file. Unpinned ones come back as
/// diagnostics (errors, or warnings when they are allowed).
fn collect_pins(files: &[SourceFile], allowed: bool) -> (Vec<FilePins>, Vec<Located>) {
    let mut unpinned = Vec::new();
    let pins = files
        .iter()
        .map(|file| {
            let mut pins = FilePins::new();
            if file.role == Role::Constraints {
                return pins;
            }
            for (index, line) in file.parsed.lines.iter().enumerate() {
                let LineKind::Requirement(req) = &line.kind else {
                    continue;
                };
                match resolve(req) {
                    Ok(pin) => {
                        pins.insert(index, pin);
                    }
                    Err(why) => {
                        let at = if allowed {
                            file.source.warning(req.span.clone(), why.reason)
                        } else {
                            file.source.error(req.span.clone(), why.reason)
                        };
                        unpinned.push(at.label("not locked").hint(why.hint));
                    }
                }
            }
            pins
        })
        .collect();
    (pins, unpinned)
}

/// Looks up every distinct pin once, concurrently. Any failure fails the run.
async fn look_up_all(
    args: &LockArgs,
    files: &[SourceFile],
    pins: &[FilePins],
) -> Result<HashMap<Pin, Release>, Failure> {
    let mut unique: Vec<&Pin> = Vec::new();
    for file_pins in pins {
        let mut ordered: Vec<(&usize, &Pin)> = file_pins.iter().collect();
        ordered.sort_by_key(|(index, _)| **index);
        for (_, pin) in ordered {
            if !unique.contains(&pin) {
                unique.push(pin);
            }
        }
    }
    if unique.is_empty() {
        return Ok(HashMap::new());
    }
    let options = ClientOptions {
        index_url: args.index.base_url(),
        timeout: Duration::from_secs(args.index.timeout),
        retries: args.index.retries,
        ..ClientOptions::default()
    };
    let index = PypiJson::connect(options)
        .await
        .map_err(|err| Failure::new(exit::INDEX_FAILURE, [index_report(&err)]))?;
    let progress = Progress::new(unique.len() as u64, args.quiet);
    let look_up = |pin: &'_ Pin| {
        let (index, progress) = (&index, &progress);
        let pin = pin.clone();
        async move {
            let result = index.release(&pin).await;
            progress.inc(&pin.to_string());
            (pin, result)
        }
    };
    // The first lookup runs alone: it opens the one connection the rest multiplex over
    // (HTTP/2 is only known after the handshake, so a burst would open dozens), and on
    // a mirror without the per-version endpoint it makes the client switch before the
    // burst, instead of every request in flight finding out with its own 404.
    let (first, rest) = unique.split_first().expect("checked non-empty above");
    let mut results = vec![look_up(first).await];
    let burst: Vec<(Pin, Result<Release, IndexError>)> =
        futures::stream::iter(rest.iter().copied())
            .map(look_up)
            .buffer_unordered(usize::from(args.index.concurrency))
            .collect()
            .await;
    results.extend(burst);
    progress.finish();
    let mut releases = HashMap::new();
    let mut errors = Vec::new();
    for (pin, result) in results {
        match result {
            Ok(release) => {
                releases.insert(pin, release);
            }
            Err(err) => errors.push((pin, err)),
        }
    }
    if errors.is_empty() {
        Ok(releases)
    } else {
        Err(lookup_failure(files, pins, errors))
    }
}

/// One report per failed pin, at the first line that asks for it.
fn lookup_failure(
    files: &[SourceFile],
    pins: &[FilePins],
    mut errors: Vec<(Pin, IndexError)>,
) -> Failure {
    errors.sort_by_key(|(pin, _)| pin.to_string());
    let code = if errors.iter().all(|(_, err)| is_input_error(err)) {
        exit::BAD_INPUT
    } else {
        exit::INDEX_FAILURE
    };
    let mut reports: Vec<Report> = errors
        .iter()
        .map(|(pin, err)| match first_line_of(files, pins, pin) {
            Some((file, span)) => Report::new(
                file.source
                    .error(span, err.to_string())
                    .label(failure_label(err))
                    .maybe_hint(index_hint(err)),
            ),
            None => index_report(err),
        })
        .collect();
    reports.push(miette::miette!(
        "{} lookup{} failed; no file was changed",
        errors.len(),
        plural(errors.len())
    ));
    Failure::new(code, reports)
}

fn first_line_of<'a>(
    files: &'a [SourceFile],
    pins: &[FilePins],
    wanted: &Pin,
) -> Option<(&'a SourceFile, crate::requirements::Span)> {
    files.iter().zip(pins).find_map(|(file, file_pins)| {
        let mut matching: Vec<&usize> = file_pins
            .iter()
            .filter(|(_, pin)| *pin == wanted)
            .map(|(index, _)| index)
            .collect();
        matching.sort();
        let line = &file.parsed.lines[**matching.first()?];
        let LineKind::Requirement(req) = &line.kind else {
            return None;
        };
        Some((file, req.span.clone()))
    })
}

fn failure_label(err: &IndexError) -> &'static str {
    match err {
        IndexError::PackageNotFound { .. } => "unknown package",
        IndexError::VersionNotFound { .. } => "unknown version",
        _ => "lookup failed",
    }
}

fn is_input_error(err: &IndexError) -> bool {
    matches!(
        err,
        IndexError::PackageNotFound { .. } | IndexError::VersionNotFound { .. }
    )
}

fn index_hint(err: &IndexError) -> Option<String> {
    match err {
        IndexError::PackageNotFound { .. } => {
            Some("check the name's spelling, or pass `--index-url` for a private index".into())
        }
        IndexError::VersionNotFound { close, .. } if !close.is_empty() => {
            Some(format!("versions that exist: {}", close.join(", ")))
        }
        IndexError::VersionNotFound { .. } => Some("check the version".into()),
        IndexError::Timeout { .. } => Some("retry later, or raise `--timeout`".into()),
        _ => Some("retry later; nothing was written, so the run can simply be repeated".into()),
    }
}

fn index_report(err: &IndexError) -> Report {
    match index_hint(err) {
        Some(hint) => miette::miette!(help = hint, "{err}"),
        None => miette::miette!("{err}"),
    }
}

/// Plans every lockable file; any line that cannot be locked fails the run.
fn plan_all(
    files: &[SourceFile],
    pins: &[FilePins],
    releases: &HashMap<Pin, Release>,
    force: bool,
    quiet: bool,
) -> Result<Vec<Option<Plan>>, Failure> {
    let mut plans = Vec::new();
    let mut problems: Vec<(u8, Report)> = Vec::new();
    for (file, file_pins) in files.iter().zip(pins) {
        if file.role == Role::Constraints {
            plans.push(None);
            continue;
        }
        let plan = lock::plan(&file.parsed, file_pins, |pin| releases.get(pin), force);
        problems.extend(
            plan.problems
                .iter()
                .map(|problem| problem_report(file, problem)),
        );
        for replaced in &plan.replaced {
            let warning = file
                .source
                .warning(
                    replaced.span.clone(),
                    format!(
                        "replaced {} hash{} not published for `{}`",
                        replaced.stale.len(),
                        if replaced.stale.len() == 1 { "" } else { "es" },
                        replaced.pin
                    ),
                )
                .label("hashes replaced");
            warn(quiet, Report::new(warning));
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
            (
                exit::CHECK_FAILED,
                Report::new(
                    file.source
                        .error(span.clone(), message)
                        .label("unknown hashes")
                        .hint(hint),
                ),
            )
        }
        Problem::NoHashes { span, pin } => {
            let message = format!("the index publishes no sha256 for any file of `{pin}`");
            (
                exit::INDEX_FAILURE,
                Report::new(
                    file.source
                        .error(span.clone(), message)
                        .hint("use an index that publishes sha256 digests (PyPI does)"),
                ),
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
        let all_yanked =
            !release.files.is_empty() && release.files.iter().all(|f| f.yanked.is_some());
        let LineKind::Requirement(req) = &file.parsed.lines[*index].kind else {
            continue;
        };
        if all_yanked {
            let reason = release
                .files
                .iter()
                .find_map(|f| f.yanked.clone().filter(|r| !r.is_empty()));
            let message = match reason {
                Some(reason) => format!("`{pin}` is yanked: {reason}"),
                None => format!("`{pin}` is yanked"),
            };
            eprintln!(
                "{:?}",
                Report::new(
                    file.source
                        .warning(req.span.clone(), message)
                        .label("yanked")
                        .hint("pick another version unless you need this one")
                )
            );
        }
    }
}

/// Writes, checks or diffs the planned files. Returns how many files change.
fn emit(args: &LockArgs, files: &[SourceFile], plans: &[Option<Plan>]) -> Result<usize, Failure> {
    let changed: Vec<(&SourceFile, &Plan)> = files
        .iter()
        .zip(plans)
        .filter_map(|(file, plan)| Some((file, plan.as_ref()?)))
        .filter(|(file, plan)| plan.text != *file.source.text)
        .collect();
    if let Some(output) = &args.output {
        let (root, plan) = files
            .iter()
            .zip(plans)
            .find_map(|(f, p)| Some((f, p.as_ref()?)))
            .expect("the root is always lockable");
        for (file, _) in changed
            .iter()
            .filter(|(file, _)| !std::ptr::eq(*file, root))
        {
            report::warn(&format!(
                "`{}` would change too, but `-o` writes only `{}`",
                file.path.display(),
                root.path.display()
            ));
        }
        write_output(output, &plan.text)?;
        return Ok(usize::from(plan.text != *root.source.text));
    }
    if args.diff {
        let diff: String = changed
            .iter()
            .map(|(file, plan)| {
                let name = file.path.display().to_string();
                write::unified_diff(&name, &name, &file.source.text, &plan.text)
            })
            .collect();
        print_stdout(&diff)?;
    } else if args.check {
        for (file, _) in &changed {
            eprintln!("would lock {}", file.path.display());
        }
    } else {
        for (file, plan) in &changed {
            write::write_atomic(&file.path, plan.text.as_bytes())
                .map_err(|err| write_failure(&file.path, &err))?;
        }
    }
    Ok(changed.len())
}

fn write_output(output: &Path, text: &str) -> Result<(), Failure> {
    if output == Path::new("-") {
        return print_stdout(text);
    }
    write::write_atomic(output, text.as_bytes()).map_err(|err| write_failure(output, &err))
}

/// Prints data to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(Failure::new(
            exit::BAD_INPUT,
            [miette::miette!("cannot write to stdout: {err}")],
        )),
        _ => Ok(()),
    }
}

fn write_failure(path: &Path, err: &std::io::Error) -> Failure {
    let report = miette::miette!(
        help = "the file was left as it was; check permissions and free space",
        "cannot write `{}`: {err}",
        path.display()
    );
    Failure::new(exit::BAD_INPUT, [report])
}

fn summary(
    args: &LockArgs,
    files: &[SourceFile],
    plans: &[Option<Plan>],
    changed: usize,
    elapsed: Duration,
) -> Summary {
    let plans = plans.iter().flatten();
    let mode = if args.check {
        SummaryMode::Check
    } else if args.diff {
        SummaryMode::Diff
    } else if args.output.as_deref() == Some(Path::new("-")) {
        SummaryMode::Stdout
    } else {
        SummaryMode::Written
    };
    Summary {
        requirements: plans.clone().map(|p| p.locked).sum(),
        hashes: plans.map(|p| p.hashes).sum(),
        files: files
            .iter()
            .filter(|f| f.role == Role::Requirements)
            .count(),
        files_changed: changed,
        elapsed,
        mode,
    }
}

fn failure(code: u8, errors: Vec<Located>) -> Failure {
    Failure::new(code, errors.into_iter().map(Report::new))
}

/// Prints a warning on stderr unless `--quiet`.
fn warn(quiet: bool, report: Report) {
    if !quiet {
        eprintln!("{report:?}");
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
