//! iCalendar (RFC 5545) files of all-day events: lines folded at 75 octets, CRLF line
//! ends, text escaped, a fixed DTSTAMP so the same events give the same bytes.

use marque_project::Date;

/// An all-day event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Unique and stable identifier.
    pub uid: String,
    /// First day.
    pub start: Date,
    /// Last day (included).
    pub end: Date,
    /// Title.
    pub summary: String,
    /// Place, if any.
    pub location: Option<String>,
    /// Page with the details, if any.
    pub url: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in line.chars() {
        let l = c.len_utf8();
        if n + l > 75 {
            out.push_str("\r\n ");
            n = 1;
        }
        out.push(c);
        n += l;
    }
    out.push_str("\r\n");
    out
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year, d.month, d.day)
}

/// The day after `d`.
pub fn next_day(d: Date) -> Date {
    let dim = |y: i32, m: u8| match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    };
    let (mut y, mut m, mut day) = (d.year, d.month, d.day + 1);
    if day > dim(y, m) {
        day = 1;
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    Date {
        year: y,
        month: m,
        day,
        time: None,
        offset_minutes: None,
    }
}

/// A calendar named `name` holding `events`.
pub fn calendar(name: &str, events: &[Event]) -> String {
    let stamp = events
        .iter()
        .map(|e| e.start)
        .min()
        .map(|d| format!("{}T000000Z", ymd(d)))
        .unwrap_or_else(|| "19700101T000000Z".into());
    let mut s = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//marque//calendar//EN",
        "CALSCALE:GREGORIAN",
    ] {
        s.push_str(&fold(l));
    }
    s.push_str(&fold(&format!("X-WR-CALNAME:{}", escape(name))));
    for e in events {
        s.push_str(&fold("BEGIN:VEVENT"));
        s.push_str(&fold(&format!("UID:{}", e.uid)));
        s.push_str(&fold(&format!("DTSTAMP:{stamp}")));
        s.push_str(&fold(&format!("DTSTART;VALUE=DATE:{}", ymd(e.start))));
        s.push_str(&fold(&format!("DTEND;VALUE=DATE:{}", ymd(next_day(e.end)))));
        s.push_str(&fold(&format!("SUMMARY:{}", escape(&e.summary))));
        if let Some(l) = &e.location {
            s.push_str(&fold(&format!("LOCATION:{}", escape(l))));
        }
        if let Some(u) = &e.url {
            s.push_str(&fold(&format!("URL:{u}")));
        }
        s.push_str(&fold("END:VEVENT"));
    }
    s.push_str(&fold("END:VCALENDAR"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_folded_all_day_events() {
        let d = Date::parse("2024-02-29").unwrap();
        let c = calendar(
            "Académie",
            &[Event {
                uid: "a@x".into(),
                start: d,
                end: d,
                summary:
                    "Une session, au long titre qui dépasse largement les soixante-quinze octets"
                        .into(),
                location: Some("Marseille; Aix".into()),
                url: None,
            }],
        );
        assert!(c.contains("DTSTART;VALUE=DATE:20240229\r\nDTEND;VALUE=DATE:20240301\r\n"));
        assert!(c.contains("LOCATION:Marseille\\; Aix"));
        assert!(c.lines().all(|l| l.len() <= 75));
        assert!(c.contains("\r\n "), "folded");
    }
}
