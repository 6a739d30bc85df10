//! Calendar dates from front matter (`2024-05-08`, `2024-05-08T10:30:00`, with an
//! optional `Z` or `+02:00` offset), formatted without any clock or locale database.

use std::fmt;

/// A date with an optional time of day and UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2024.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
    /// Hour, minute, second when given.
    pub time: Option<(u8, u8, u8)>,
    /// Offset from UTC in minutes when given.
    pub offset_minutes: Option<i16>,
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn num<T: std::str::FromStr>(s: &str, len: usize) -> Option<T> {
    if s.len() == len && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

impl Date {
    /// Parses `YYYY-MM-DD` with an optional `THH:MM[:SS]` and `Z`/`±HH:MM`.
    pub fn parse(s: &str) -> Result<Date, String> {
        let s = s.trim();
        let bad = || {
            format!("'{s}' is not a date (expected YYYY-MM-DD, optionally followed by THH:MM:SS)")
        };
        let (d, t) = match s.find(['T', ' ']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        let mut parts = d.split('-');
        let year: i32 = parts.next().and_then(|p| num(p, 4)).ok_or_else(bad)?;
        let month: u8 = parts.next().and_then(|p| num(p, 2)).ok_or_else(bad)?;
        let day: u8 = parts.next().and_then(|p| num(p, 2)).ok_or_else(bad)?;
        if parts.next().is_some() {
            return Err(bad());
        }
        if !(1..=12).contains(&month) {
            return Err(format!("'{s}' is not a date: month {month} does not exist"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(format!(
                "'{s}' is not a date: {year}-{month:02} has no day {day}"
            ));
        }
        let mut date = Date {
            year,
            month,
            day,
            time: None,
            offset_minutes: None,
        };
        if let Some(t) = t {
            let (clock, offset) = if let Some(c) = t.strip_suffix('Z') {
                (c, Some(0i16))
            } else if let Some(i) = t.rfind(['+', '-']) {
                let o = &t[i + 1..];
                let (h, m) = o.split_once(':').ok_or_else(bad)?;
                let h: i16 = num(h, 2).ok_or_else(bad)?;
                let m: i16 = num(m, 2).ok_or_else(bad)?;
                let sign = if t.as_bytes()[i] == b'-' { -1 } else { 1 };
                (&t[..i], Some(sign * (h * 60 + m)))
            } else {
                (t, None)
            };
            let mut c = clock.split(':');
            let h: u8 = c.next().and_then(|p| num(p, 2)).ok_or_else(bad)?;
            let m: u8 = c.next().and_then(|p| num(p, 2)).ok_or_else(bad)?;
            let sec: u8 = match c.next() {
                Some(p) => num(p, 2).ok_or_else(bad)?,
                None => 0,
            };
            if c.next().is_some() || h > 23 || m > 59 || sec > 60 {
                return Err(bad());
            }
            date.time = Some((h, m, sec));
            date.offset_minutes = offset;
        }
        Ok(date)
    }

    /// RFC 3339, as Atom and sitemaps want: `2024-05-08T00:00:00Z`.
    pub fn rfc3339(&self) -> String {
        let (h, m, s) = self.time.unwrap_or((0, 0, 0));
        let off = match self.offset_minutes {
            None | Some(0) => "Z".to_string(),
            Some(o) => {
                let sign = if o < 0 { '-' } else { '+' };
                format!("{sign}{:02}:{:02}", o.abs() / 60, o.abs() % 60)
            }
        };
        format!(
            "{:04}-{:02}-{:02}T{h:02}:{m:02}:{s:02}{off}",
            self.year, self.month, self.day
        )
    }

    /// `2024-05-08`.
    pub fn ymd(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    pub fn weekday(&self) -> u8 {
        // Sakamoto's method, shifted so that Monday is 0.
        const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
        let mut y = self.year;
        if self.month < 3 {
            y -= 1;
        }
        let dow = (y + y / 4 - y / 100 + y / 400 + T[self.month as usize - 1] + self.day as i32)
            .rem_euclid(7); // 0 = Sunday
        ((dow + 6) % 7) as u8
    }

    /// Formats with a strftime-like pattern: `%Y %m %-m %d %-d %B %b %A %a %H %M %e %%`.
    /// Month and day names come from `names` (the page language's).
    pub fn format(&self, pattern: &str, names: &DateNames) -> String {
        let mut out = String::with_capacity(pattern.len() + 8);
        let mut chars = pattern.chars().peekable();
        let (h, mi, _) = self.time.unwrap_or((0, 0, 0));
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut pad = true;
            if chars.peek() == Some(&'-') {
                pad = false;
                chars.next();
            }
            let two = |n: u8| {
                if pad {
                    format!("{n:02}")
                } else {
                    n.to_string()
                }
            };
            match chars.next() {
                Some('Y') => out.push_str(&self.year.to_string()),
                Some('m') => out.push_str(&two(self.month)),
                Some('d') => out.push_str(&two(self.day)),
                Some('e') => out.push_str(&self.day.to_string()),
                Some('B') => out.push_str(names.month(self.month)),
                Some('b') => out.push_str(names.month_short(self.month)),
                Some('A') => out.push_str(names.weekday(self.weekday())),
                Some('a') => out.push_str(names.weekday_short(self.weekday())),
                Some('H') => out.push_str(&two(h)),
                Some('M') => out.push_str(&two(mi)),
                Some('%') => out.push('%'),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        out
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.ymd())
    }
}

/// Month and weekday names of one language (from the theme's i18n file).
#[derive(Debug, Clone, Default)]
pub struct DateNames {
    /// January … December.
    pub months: Vec<String>,
    /// Monday … Sunday.
    pub weekdays: Vec<String>,
}

impl DateNames {
    fn month(&self, m: u8) -> &str {
        self.months
            .get(m as usize - 1)
            .map(String::as_str)
            .unwrap_or(ENGLISH_MONTHS[m as usize - 1])
    }
    fn month_short(&self, m: u8) -> &str {
        let full = self.month(m);
        match full.char_indices().nth(3) {
            Some((i, _)) => &full[..i],
            None => full,
        }
    }
    fn weekday(&self, d: u8) -> &str {
        self.weekdays
            .get(d as usize)
            .map(String::as_str)
            .unwrap_or(ENGLISH_DAYS[d as usize])
    }
    fn weekday_short(&self, d: u8) -> &str {
        let full = self.weekday(d);
        match full.char_indices().nth(3) {
            Some((i, _)) => &full[..i],
            None => full,
        }
    }
}

const ENGLISH_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ENGLISH_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn can_parse_and_format() {
        let d = Date::parse("2024-05-08").unwrap();
        assert_eq!(d.rfc3339(), "2024-05-08T00:00:00Z");
        assert_eq!(d.weekday(), 2); // a Wednesday
        let fr = DateNames {
            months: "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
                .split(' ')
                .map(String::from)
                .collect(),
            weekdays: vec![],
        };
        assert_eq!(d.format("%-d %B %Y", &fr), "8 mai 2024");
        assert_eq!(d.format("%B %-d, %Y", &DateNames::default()), "May 8, 2024");
    }

    #[test]
    fn can_parse_times_and_offsets() {
        let d = Date::parse("2024-01-25T09:30:00+01:00").unwrap();
        assert_eq!(d.rfc3339(), "2024-01-25T09:30:00+01:00");
    }

    #[test]
    fn rejects_non_dates() {
        assert!(Date::parse("2024-02-30").unwrap_err().contains("no day 30"));
        assert!(Date::parse("hier").is_err());
        assert!(Date::parse("2024-13-01").is_err());
        assert!(Date::parse("2024-1-1").is_err());
        assert!(Date::parse("2024-01-01T25:00").is_err());
        assert!(Date::parse("").is_err());
    }
}
