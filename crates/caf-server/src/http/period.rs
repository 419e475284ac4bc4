//! Assessment periods: `YYYY/YY`, two consecutive years (a UK financial year, April to March),
//! no later than the next period by the server's clock. A period string is otherwise free
//! text that every default aggregate would sort by, so a "later" one could hijack them.

use crate::store::civil_date;

/// The period that Unix milliseconds `now_ms` fall in (April starts a new one).
pub fn current(now_ms: i64) -> i64 {
    let (year, month, _) = civil_date(now_ms);
    if month >= 4 { year } else { year - 1 }
}

/// Checks a submitted period; an empty one (the assessment names none) is allowed.
pub fn check(period: &str, now_ms: i64) -> Result<(), String> {
    if period.is_empty() {
        return Ok(());
    }
    let shape = || {
        format!(
            "the period `{}` must look like 2026/27 (two consecutive years)",
            period.escape_debug()
        )
    };
    let (start, end) = period.split_once('/').ok_or_else(shape)?;
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start, 4) || !digits(end, 2) {
        return Err(shape());
    }
    let start: i64 = start.parse().map_err(|_| shape())?;
    let end: i64 = end.parse().map_err(|_| shape())?;
    if (start + 1) % 100 != end {
        return Err(shape());
    }
    let next = current(now_ms) + 1;
    if start > next {
        return Err(format!(
            "the period `{period}` is beyond the next period ({next}/{:02})",
            (next + 1) % 100
        ));
    }
    Ok(())
}

/// The latest period in which at least `min` distinct organisations have a current
/// submission: the default of an aggregate, so that one organisation's submission for a new
/// period cannot become what every default aggregate describes.
pub fn default_for<'a>(
    submissions: impl IntoIterator<Item = (&'a str, &'a str)>,
    min: usize,
) -> Option<String> {
    // Hashed, not ordered: this runs over every current submission on each default aggregate.
    let mut organisations: std::collections::BTreeMap<&str, std::collections::HashSet<&str>> =
        Default::default();
    for (org, period) in submissions {
        if !period.is_empty() {
            organisations.entry(period).or_default().insert(org);
        }
    }
    organisations
        .into_iter()
        .rev()
        .find(|(_, orgs)| orgs.len() >= min)
        .map(|(period, _)| period.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-02T00:00:00Z, in the 2026/27 period.
    const NOW: i64 = 1_796_169_600_000;

    #[test]
    fn periods_are_consecutive_years_up_to_the_next() {
        assert_eq!(current(NOW), 2026);
        // 2027-02-01 is still in 2026/27.
        assert_eq!(current(1_801_440_000_000), 2026);
        for good in ["", "2026/27", "2027/28", "1999/00", "2020/21"] {
            assert_eq!(check(good, NOW), Ok(()), "{good}");
        }
        for bad in [
            "2028/29",
            "9999/00",
            "2026/28",
            "2026-27",
            "2026/2027",
            "26/27",
            "２０２６/27",
            "2026/27 ",
            "zzzz",
            "2026/27\n",
            "+202/03",
        ] {
            assert!(check(bad, NOW).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_default_is_the_latest_period_with_enough_organisations() {
        let rows = [
            ("a", "2025/26"),
            ("b", "2025/26"),
            ("c", "2025/26"),
            ("a", "2026/27"),
            ("a", "2026/27"),
            ("b", "2026/27"),
            ("z", "2027/28"),
        ];
        assert_eq!(default_for(rows, 3).as_deref(), Some("2025/26"));
        assert_eq!(default_for(rows, 2).as_deref(), Some("2026/27"));
        assert_eq!(default_for(rows, 1).as_deref(), Some("2027/28"));
        assert_eq!(default_for(rows, 4), None);
    }
}
