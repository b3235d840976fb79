//! Reading a `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
//!
//! Hand-rolled rather than pulling a date crate: servers must send dates as
//! IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), which is all we parse; anything
//! else is ignored and the caller falls back to its own backoff.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a `Retry-After` value asks us to wait, measured from `now`.
/// `None` when the value is neither delay-seconds nor an IMF-fixdate.
pub(crate) fn parse(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = UNIX_EPOCH + Duration::from_secs(imf_fixdate(value)?);
    // A date in the past means "now".
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds since the Unix epoch of an IMF-fixdate.
fn imf_fixdate(value: &str) -> Option<u64> {
    let mut parts = value.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month = month_number(parts.next()?)?;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|p| p.parse::<u64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day) || year < 1970 || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_since_epoch(year, month, day);
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

fn month_number(name: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let index = MONTHS.iter().position(|m| *m == name)?;
    Some(index as u64 + 1)
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's `days_from_civil`,
/// restricted to years >= 1970 so everything stays unsigned).
fn days_since_epoch(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_seconds() {
        assert_eq!(parse(" 7 ", UNIX_EPOCH), Some(Duration::from_secs(7)));
    }

    #[test]
    fn http_date() {
        // 1994-11-06T08:49:37Z is 784111777.
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777 - 30);
        let wait = parse("Sun, 06 Nov 1994 08:49:37 GMT", now);
        assert_eq!(wait, Some(Duration::from_secs(30)));
        assert_eq!(
            imf_fixdate("Thu, 29 Feb 2024 00:00:00 GMT"),
            Some(1_709_164_800)
        );
        assert_eq!(imf_fixdate("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
    }

    #[test]
    fn past_date_means_now() {
        let wait = parse("Sun, 06 Nov 1994 08:49:37 GMT", SystemTime::now());
        assert_eq!(wait, Some(Duration::ZERO));
    }

    #[test]
    fn garbage_is_ignored() {
        for value in [
            "",
            "soon",
            "-3",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
        ] {
            assert_eq!(parse(value, UNIX_EPOCH), None, "{value}");
        }
    }
}
