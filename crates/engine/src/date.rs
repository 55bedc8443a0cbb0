//! Calendar dates as Unite US sends them: Unix epoch seconds at UTC midnight.
//! Written here rather than pulled from a date crate because the engine needs
//! only these two conversions, and every byte ships to phones.

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Howard Hinnant's algorithm: shift the year to start in March so the
    // leap day is the last day of the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date (year, month, day) that falls `days` after 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses a `YYYY-MM-DD` date and returns epoch seconds at UTC midnight, or
/// `None` when the text is not a real calendar date between years 1 and 9999.
pub fn iso_date_to_epoch_seconds(text: &str) -> Option<i64> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let year = i64::from(digits(0..4)?);
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400)
}

/// Formats epoch seconds as the `YYYY-MM-DD` date they fall on in UTC, or
/// `None` outside years 1 to 9999.
pub fn epoch_seconds_to_iso_date(seconds: i64) -> Option<String> {
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    if !(1..=9999).contains(&year) {
        return None;
    }
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

/// The answer a date asked as day, month and year gives (GOV.UK's date
/// input), from its parts in [`date_parts`]'s order: `YYYY-MM-DD`, with a
/// one-digit day or month given its leading zero. Whatever else was typed
/// is joined the same way rather than corrected, so it is kept and reported
/// as not a real date; a hyphen typed in a part becomes a dash, which keeps
/// the parts apart. `None` when all three are empty.
pub fn date_from_parts([day, month, year]: [&str; 3]) -> Option<String> {
    let part = |part: &str| {
        let part = part.trim().replace('-', "‐");
        if part.len() == 1 && part.bytes().all(|byte| byte.is_ascii_digit()) {
            format!("0{part}")
        } else {
            part
        }
    };
    if [day, month, year].iter().all(|part| part.trim().is_empty()) {
        return None;
    }
    Some(format!("{}-{}-{}", part(year), part(month), part(day)))
}

/// `date` (as [`date_from_parts`] joins it) with the part at `position`
/// (0 the day, 1 the month, 2 the year) now `typed`.
pub fn date_with_part(date: &str, position: usize, typed: &str) -> Option<String> {
    let mut parts = date_parts(date);
    if let Some(part) = parts.get_mut(position) {
        *part = typed;
    }
    date_from_parts(parts)
}

/// The day, month and year of a date answer, as [`date_from_parts`] joins
/// them; missing parts are empty.
pub fn date_parts(text: &str) -> [&str; 3] {
    let mut parts = text.splitn(3, '-');
    let year = parts.next().unwrap_or_default();
    let month = parts.next().unwrap_or_default();
    let day = parts.next().unwrap_or_default();
    [day, month, year]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_typed_in_three_parts_is_kept_as_typed() {
        for ((day, month, year), answer) in [
            (("12", "4", "1985"), Some("1985-04-12")),
            ((" 1 ", "12", "1985"), Some("1985-12-01")),
            (("", "", ""), None),
            (("12", "", ""), Some("--12")),
            (("12", "April", "85"), Some("85-April-12")),
            (("12", "4-", "1985"), Some("1985-4‐-12")),
        ] {
            let joined = date_from_parts([day, month, year]);
            assert_eq!(joined.as_deref(), answer, "{day}/{month}/{year}");
            if let Some(joined) = joined {
                let read = date_parts(&joined);
                assert_eq!(date_from_parts(read), Some(joined.clone()));
                assert_eq!(read[2], year.trim(), "{joined}");
            }
        }
        assert_eq!(iso_date_to_epoch_seconds("1985-04-12"), Some(482_112_000));
        for mistyped in [
            "--12",
            "85-April-12",
            "1985-13-12",
            "1985-02-30",
            "1985-4‐-12",
        ] {
            assert_eq!(iso_date_to_epoch_seconds(mistyped), None, "{mistyped}");
        }
        assert_eq!(
            date_with_part("1985-04-12", 1, "5").as_deref(),
            Some("1985-05-12")
        );
        assert_eq!(date_with_part("", 2, "1985").as_deref(), Some("1985--"));
        assert_eq!(date_with_part("1985--", 2, ""), None);
        assert_eq!(date_parts(""), ["", "", ""]);
        assert_eq!(date_parts("1985-04-12"), ["12", "04", "1985"]);
    }

    #[test]
    fn known_dates_convert_both_ways() {
        for (iso, seconds) in [
            ("1970-01-01", 0),
            ("1970-01-11", 864_000),
            ("2000-02-29", 951_782_400),
            ("1969-12-31", -86_400),
            ("2024-12-31", 1_735_603_200),
        ] {
            assert_eq!(iso_date_to_epoch_seconds(iso), Some(seconds), "{iso}");
            assert_eq!(epoch_seconds_to_iso_date(seconds).as_deref(), Some(iso));
        }
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024/01/01",
            "",
            "0000-01-01",
            "2024-1-01",
            "２０２４-01-01",
        ] {
            assert_eq!(iso_date_to_epoch_seconds(text), None, "{text}");
        }
    }

    #[test]
    fn every_day_for_a_millennium_round_trips() {
        let start = iso_date_to_epoch_seconds("1600-01-01").unwrap() / 86_400;
        let end = iso_date_to_epoch_seconds("2600-01-01").unwrap() / 86_400;
        for day in start..end {
            let iso = epoch_seconds_to_iso_date(day * 86_400).unwrap();
            assert_eq!(iso_date_to_epoch_seconds(&iso), Some(day * 86_400));
        }
    }
}
