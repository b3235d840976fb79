//! How long a cached answer about a version is used without asking the index again.
//!
//! A file's bytes never change (PyPI refuses a second upload of a file name), so
//! its digest is true forever; what can change for a version is the set of its
//! files (a wheel built later) and whether they are yanked. The policy:
//!
//! - the index's own word first: `Cache-Control: no-store` keeps nothing,
//!   `no-cache` revalidates every run, `max-age=N` is fresh for N seconds (at most
//!   [`LONGEST`]);
//! - without it (most mirrors), the older a release, the less it changes: fresh for
//!   a tenth of its age (the age of its newest file, else of the document's
//!   `Last-Modified`), between [`SHORTEST`] and [`LONGEST`] (RFC 9111's heuristic,
//!   with the release's age in place of the document's);
//! - a stale answer is revalidated with `If-None-Match`/`If-Modified-Since` where the
//!   index sent `ETag`/`Last-Modified` (a 304 makes it fresh again), else fetched
//!   anew;
//! - "no such package or version" is never used online (it may be published the
//!   next minute), only by `--offline`, where it is the answer the index last gave.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::index::{Caching, Release};

/// The shortest heuristic lifetime: a release published minutes ago.
pub(crate) const SHORTEST: Duration = Duration::from_secs(10 * 60);
/// The longest lifetime, whatever the index or the release's age says: yanks
/// happen to old releases too.
pub(crate) const LONGEST: Duration = Duration::from_secs(24 * 60 * 60);

/// Seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// How long the answer in a response may be used without asking again, in seconds
/// from `now`; `None`: it must not be stored.
pub(crate) fn lifetime(caching: &Caching, release: Option<&Release>, now: u64) -> Option<u64> {
    if let Some(control) = &caching.cache_control {
        match max_age(control) {
            Directive::NoStore => return None,
            Directive::MaxAge(seconds) => return Some(seconds.min(LONGEST.as_secs())),
            Directive::None => {}
        }
    }
    let newest_upload = release.and_then(|release| {
        let uploads = release.files.iter();
        uploads
            .filter_map(|file| file.upload_time.as_deref().and_then(epoch_of_iso))
            .max()
    });
    let changed = newest_upload.or_else(|| {
        let date = caching.last_modified.as_deref()?;
        let time = httpdate::parse_http_date(date).ok()?;
        Some(time.duration_since(UNIX_EPOCH).ok()?.as_secs())
    });
    let age = changed.map_or(0, |changed| now.saturating_sub(changed));
    Some((age / 10).clamp(SHORTEST.as_secs(), LONGEST.as_secs()))
}

enum Directive {
    NoStore,
    MaxAge(u64),
    None,
}

/// What a `Cache-Control` value says about a private cache. `no-cache` is a max-age
/// of 0: stored, revalidated before each use.
fn max_age(value: &str) -> Directive {
    let mut max_age = None;
    for directive in value.split(',') {
        let directive = directive.trim().to_ascii_lowercase();
        let (name, argument) = match directive.split_once('=') {
            Some((name, argument)) => (name.trim().to_owned(), Some(argument.trim().to_owned())),
            None => (directive.clone(), None),
        };
        match name.as_str() {
            "no-store" => return Directive::NoStore,
            "no-cache" => max_age = Some(0),
            "max-age" if max_age != Some(0) => {
                let seconds = argument
                    .as_deref()
                    .map(|a| a.trim_matches('"').parse::<u64>());
                // An unreadable max-age means stale (RFC 9111 4.2.1).
                max_age = Some(seconds.and_then(Result::ok).unwrap_or(0));
            }
            _ => {}
        }
    }
    max_age.map_or(Directive::None, Directive::MaxAge)
}

/// Seconds since the epoch of an ISO 8601 UTC time as indexes write upload times
/// (`2023-04-01T12:30:00.123456Z`); `None` if it does not read as one.
fn epoch_of_iso(text: &str) -> Option<u64> {
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = if text.len() >= 19 {
        (number(11..13)?, number(14..16)?, number(17..19)?)
    } else {
        (0, 0, 0)
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || year < 1970 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard
/// Hinnant's algorithm), for dates from 1970 on.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era).saturating_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::DistFile;

    fn release_uploaded(at: &str) -> Release {
        let file = DistFile {
            filename: "demo-1.0.tar.gz".into(),
            url: "https://files.example/demo-1.0.tar.gz".parse().unwrap(),
            sha256: None,
            yanked: None,
            requires_python: None,
            other_hash: None,
            size: None,
            upload_time: Some(at.to_owned()),
            core_metadata: false,
            provenance: None,
        };
        Release {
            name: "demo".into(),
            version: "1.0".into(),
            files: vec![file],
            legacy: Vec::new(),
            ignored: Vec::new(),
            status: None,
        }
    }

    fn control(value: &str) -> Caching {
        Caching {
            cache_control: Some(value.to_owned()),
            ..Caching::default()
        }
    }

    #[test]
    fn upload_times_read_as_epoch_seconds() {
        assert_eq!(epoch_of_iso("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(epoch_of_iso("2000-03-01T00:00:01.5Z"), Some(951_868_801));
        assert_eq!(
            epoch_of_iso("2024-02-29T12:00:00.123456Z"),
            Some(1_709_208_000)
        );
        assert_eq!(epoch_of_iso("2024-02-29"), Some(1_709_164_800));
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "20x4-01-01T00:00:00Z",
        ] {
            assert_eq!(epoch_of_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_index_decides_where_it_says() {
        let now = 2_000_000_000;
        assert_eq!(
            lifetime(&control("max-age=600, public"), None, now),
            Some(600)
        );
        assert_eq!(lifetime(&control("no-cache"), None, now), Some(0));
        assert_eq!(
            lifetime(&control("max-age=600, no-cache"), None, now),
            Some(0)
        );
        assert_eq!(lifetime(&control("private, no-store"), None, now), None);
        assert_eq!(lifetime(&control("max-age=abc"), None, now), Some(0));
        let year = 365 * 86_400;
        assert_eq!(
            lifetime(&control(&format!("max-age={year}")), None, now),
            Some(LONGEST.as_secs()),
            "capped: yanks happen"
        );
    }

    #[test]
    fn older_releases_stay_fresh_longer() {
        let now = epoch_of_iso("2026-01-01T00:00:00Z").unwrap();
        let silent = Caching::default();
        let fresh = |at: &str| lifetime(&silent, Some(&release_uploaded(at)), now).unwrap();
        assert_eq!(fresh("2025-12-31T23:00:00Z"), SHORTEST.as_secs());
        assert_eq!(fresh("2025-12-31T00:00:00Z"), 8640, "a day old: 2.4 hours");
        assert_eq!(fresh("2020-01-01T00:00:00Z"), LONGEST.as_secs());
        assert_eq!(
            lifetime(&silent, None, now),
            Some(SHORTEST.as_secs()),
            "no age known"
        );
        let dated = Caching {
            last_modified: Some("Wed, 31 Dec 2025 00:00:00 GMT".into()),
            ..Caching::default()
        };
        assert_eq!(lifetime(&dated, None, now), Some(8640));
    }
}
