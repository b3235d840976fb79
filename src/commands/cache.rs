//! `hashlock cache`: where the cache is, how big, and emptying or trimming it.

use std::time::Duration;

use crate::cache::{self, store};
use crate::cli::{CacheAction, CacheCommandArgs};
use crate::exit::{Failure, Outcome};
use crate::output::print_stdout;
use crate::report;

/// Runs `hashlock cache ACTION`.
pub(super) fn run(args: &CacheCommandArgs) -> Result<Outcome, Failure> {
    let Some(root) = cache::location(args.dir.cache_dir.as_deref()) else {
        return Err(Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                help = "name one with `--cache-dir` or `HASHLOCK_CACHE_DIR`",
                "this system has no cache directory"
            )],
        ));
    };
    let failed = |error: std::io::Error| {
        Failure::new(
            Outcome::BadInput,
            [miette::miette!(
                "cannot change the cache in {}: {error}",
                root.display()
            )],
        )
    };
    match &args.action {
        CacheAction::Dir => print_stdout(&format!("{}\n", root.display()))?,
        CacheAction::Size { bytes } => {
            let usage = store::usage(&root);
            let text = if *bytes {
                format!("{}\n", usage.bytes)
            } else {
                format!(
                    "{} in {}\n",
                    shown_size(usage.bytes),
                    report::counted(usage.entries as usize, "entry", "entries")
                )
            };
            print_stdout(&text)?;
        }
        CacheAction::Clean { packages } => {
            let removed = store::clean(&root, packages).map_err(failed)?;
            report::line(&format!(
                "Removed {} ({}) from {}",
                report::counted(removed.entries as usize, "entry", "entries"),
                shown_size(removed.bytes),
                root.display()
            ));
        }
        CacheAction::Prune {
            older_than,
            max_size,
        } => {
            let age = Duration::from_secs(older_than.saturating_mul(24 * 60 * 60));
            let size = max_size.saturating_mul(1024 * 1024);
            let removed = store::prune(&root, age, size).map_err(failed)?;
            report::line(&format!(
                "Removed {} ({}) from {}",
                report::counted(removed.entries as usize, "entry", "entries"),
                shown_size(removed.bytes),
                root.display()
            ));
        }
    }
    Ok(Outcome::Ok)
}

/// A size for people: bytes under 1 KiB, else KiB, MiB or GiB with one decimal.
fn shown_size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut size = bytes as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(shown_size(0), "0 B");
        assert_eq!(shown_size(1023), "1023 B");
        assert_eq!(shown_size(1536), "1.5 KiB");
        assert_eq!(shown_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(shown_size(3 << 40), "3072.0 GiB");
    }
}
