//! `verify --cross-check`: a second index as a witness. Every sha256 the run's index
//! serves for a file must be the one a second index (PyPI by default) publishes for
//! the same file name: a private mirror that serves another file under a public
//! name is poisoned. A file the second index does not have is only worth a warning
//! (a private package, or a private build).

use super::online::{Releases, Target};
use crate::diagnostics::{Code, Located};

/// The findings of comparing each target's release on the run's index with the same
/// pin on the second index (`witness`, shown as `second`).
pub(crate) fn check(
    targets: &[Target<'_>],
    releases: &Releases,
    witness: &Releases,
    second: &str,
) -> Vec<Located> {
    let mut findings = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for target in targets {
        if !seen.insert(target.pin) {
            continue;
        }
        let Some(Ok(ours)) = releases.get(target.pin) else {
            continue;
        };
        let theirs = match witness.get(target.pin) {
            Some(Ok(theirs)) => Some(theirs),
            _ => None,
        };
        for file in &ours.files {
            let Some(digest) = file.sha256 else { continue };
            let other = theirs.and_then(|t| t.files.iter().find(|f| f.filename == file.filename));
            let at = |message: String| {
                target
                    .source
                    .error(target.req.span.clone(), message)
                    .package(target.pin.name.to_string())
            };
            match other.and_then(|other| other.sha256) {
                Some(published) if published != digest => findings.push(
                    at(format!(
                        "`{}` hashes to {digest} on this index but to {published} on {second}: the index serves another file under this name",
                        file.filename
                    ))
                    .code(Code::CrossCheckMismatch)
                    .hint("a poisoned mirror looks like this: do not install from it; tell whoever runs it"),
                ),
                Some(_) => {}
                None => {
                    let mut warning = at(format!(
                        "{second} has no `{}`, so it cannot vouch for its hash",
                        file.filename
                    ))
                    .code(Code::CrossCheckMissing)
                    .hint("expected for a private package or a private build; for a public one, ask why the mirror has a file the index does not");
                    warning.severity = crate::diagnostics::Severity::Warning;
                    findings.push(warning);
                }
            }
        }
    }
    findings
}
