//! Calendar arithmetic for the few date formats the vendors use, without a date library.
//!
//! The sandbox only needs civil dates, Unix epoch seconds and RFC 3339 UTC timestamps,
//! which Howard Hinnant's days-from-civil algorithm covers exactly.

use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date that is known to exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CivilDate {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl CivilDate {
    pub fn new(year: i64, month: u32, day: u32) -> Option<CivilDate> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(CivilDate { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<CivilDate> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = parse_digits(&text[0..4])?;
        let month = parse_digits(&text[5..7])?;
        let day = parse_digits(&text[8..10])?;
        CivilDate::new(year as i64, month as u32, day as u32)
    }

    /// Parses an ISO 8601 date or date-time (`1978-05-01`, `1978-05-01T00:00:00.000Z`) and keeps the date.
    pub fn parse_date_or_datetime(text: &str) -> Option<CivilDate> {
        let (date, rest) = if text.len() > 10 {
            (text.get(..10)?, text.get(10..)?)
        } else {
            (text, "")
        };
        let parsed = CivilDate::parse(date)?;
        if rest.is_empty() || is_plausible_time_suffix(rest) {
            Some(parsed)
        } else {
            None
        }
    }

    /// The engine's calendar arithmetic, so the sandbox and the app agree on
    /// every date they exchange.
    pub fn days_since_epoch(self) -> i64 {
        intake_engine::days_from_civil(self.year, self.month, self.day)
    }

    pub fn from_days_since_epoch(days: i64) -> CivilDate {
        let (year, month, day) = intake_engine::civil_from_days(days);
        CivilDate { year, month, day }
    }

    /// Unix seconds at midnight UTC of this date, the way Unite US encodes dates of birth.
    pub fn unix_seconds(self) -> i64 {
        self.days_since_epoch() * 86_400
    }

    pub fn from_unix_seconds(seconds: i64) -> CivilDate {
        CivilDate::from_days_since_epoch(seconds.div_euclid(86_400))
    }
}

impl std::fmt::Display for CivilDate {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day
        )
    }
}

fn parse_digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Accepts `T` or a space followed by something shaped like `HH:MM[:SS[.fff]][Z|±HH:MM]`.
fn is_plausible_time_suffix(rest: &str) -> bool {
    let Some(time) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) else {
        return false;
    };
    let bytes = time.as_bytes();
    bytes.len() >= 5
        && bytes[0].is_ascii_digit()
        && bytes[1].is_ascii_digit()
        && bytes[2] == b':'
        && bytes[3].is_ascii_digit()
        && bytes[4].is_ascii_digit()
        && time
            .bytes()
            .all(|byte| byte.is_ascii_digit() || b":.+-Z".contains(&byte))
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the Unix epoch, now. A clock before 1970 counts as the epoch itself.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

/// `2024-01-01T12:00:00Z` for the given Unix seconds.
pub fn rfc3339(seconds: i64) -> String {
    let date = CivilDate::from_unix_seconds(seconds);
    let second_of_day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        (second_of_day % 3600) / 60,
        second_of_day % 60
    )
}

pub fn rfc3339_now() -> String {
    rfc3339(unix_now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_round_trips_through_civil_dates() {
        let maria = CivilDate::parse("1985-04-12").expect("valid date");
        assert_eq!(maria.unix_seconds(), 482_112_000);
        assert_eq!(CivilDate::from_unix_seconds(482_112_000), maria);
        assert_eq!(CivilDate::from_unix_seconds(482_150_000), maria);
        let before_epoch = CivilDate::parse("1969-12-31").expect("valid date");
        assert_eq!(before_epoch.days_since_epoch(), -1);
        assert_eq!(CivilDate::from_days_since_epoch(-1), before_epoch);
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(CivilDate::parse("2023-02-29").is_none());
        assert!(CivilDate::parse("2024-02-29").is_some());
        assert!(CivilDate::parse("1985-13-01").is_none());
        assert!(CivilDate::parse("85-04-12").is_none());
    }

    #[test]
    fn date_times_keep_their_date() {
        assert_eq!(
            CivilDate::parse_date_or_datetime("1978-05-01T00:00:00.000Z"),
            CivilDate::parse("1978-05-01")
        );
        assert!(CivilDate::parse_date_or_datetime("1978-05-01Tnoon").is_none());
    }

    #[test]
    fn rfc3339_formats_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_704_110_400), "2024-01-01T12:00:00Z");
    }
}
