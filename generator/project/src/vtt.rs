//! WebVTT captions, checked at build: the `WEBVTT` header, every cue timing
//! (`00:01.000 --> 00:04.500`, hours optional), cues in order and not overlapping.
//! Problems name the file's line.

use serde::Serialize;

/// One caption.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cue {
    /// Start, in milliseconds.
    pub start_ms: u64,
    /// End, in milliseconds.
    pub end_ms: u64,
    /// The text (lines joined by a newline, tags kept as written).
    pub text: String,
    /// 1-based line of the timing line.
    pub line: usize,
}

/// A problem with its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub struct VttError {
    /// Line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn timestamp(s: &str) -> Option<u64> {
    let s = s.trim();
    let (hms, ms) = s.split_once('.')?;
    if ms.len() != 3 || !ms.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let num = |p: &str, max: u64| -> Option<u64> {
        if p.len() < 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u64 = p.parse().ok()?;
        (v <= max).then_some(v)
    };
    let (h, m, sec) = match parts.as_slice() {
        [m, s] if m.len() == 2 => (0, num(m, 59)?, num(s, 59)?),
        [h, m, s] if m.len() == 2 && s.len() == 2 => (num(h, u64::MAX)?, num(m, 59)?, num(s, 59)?),
        _ => return None,
    };
    Some(((h * 60 + m) * 60 + sec) * 1000 + ms.parse::<u64>().ok()?)
}

fn fmt_ms(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Parses and checks a WebVTT file.
pub fn parse(text: &str) -> Result<Vec<Cue>, VttError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let first = lines.first().copied().unwrap_or("");
    let ok_header =
        first == "WEBVTT" || first.starts_with("WEBVTT ") || first.starts_with("WEBVTT\t");
    if !ok_header {
        return Err(VttError {
            line: 1,
            message: "a WebVTT file starts with the line 'WEBVTT'".into(),
        });
    }
    let mut cues: Vec<Cue> = Vec::new();
    // Header lines run to the first blank line.
    let mut i = block_end(&lines, 1);
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        // A block: NOTE, STYLE, REGION, or a cue (optional identifier, then timing).
        let head = lines[i];
        if head.starts_with("NOTE") || head == "STYLE" || head == "REGION" {
            i = block_end(&lines, i);
            continue;
        }
        let (cue, next) = read_cue(&lines, i, cues.last())?;
        cues.push(cue);
        i = next;
    }
    Ok(cues)
}

/// The index of the first blank line from `i` on (or the end).
fn block_end(lines: &[&str], mut i: usize) -> usize {
    while i < lines.len() && !lines[i].trim().is_empty() {
        i += 1;
    }
    i
}

/// The cue whose block starts at line index `i`, checked against the one before;
/// and the index of the line after its text.
fn read_cue(lines: &[&str], i: usize, prev: Option<&Cue>) -> Result<(Cue, usize), VttError> {
    let head = lines[i];
    let timing_line = if head.contains("-->") { i } else { i + 1 };
    let Some(timing) = lines.get(timing_line).filter(|l| l.contains("-->")) else {
        return Err(VttError {
            line: i + 1,
            message: format!(
                "'{}' is neither a cue timing nor a cue identifier followed by one",
                head.trim()
            ),
        });
    };
    let line = timing_line + 1;
    let (start, end) = cue_timing(timing, line)?;
    if let Some(prev) = prev {
        check_order(start, line, prev)?;
    }
    let mut i = timing_line + 1;
    let mut body = Vec::new();
    while i < lines.len() && !lines[i].trim().is_empty() {
        if lines[i].contains("-->") {
            return Err(VttError {
                line: i + 1,
                message: "a cue timing inside a cue's text: leave a blank line between cues".into(),
            });
        }
        body.push(lines[i]);
        i += 1;
    }
    if body.is_empty() {
        return Err(VttError {
            line,
            message: "this cue has no text".into(),
        });
    }
    let cue = Cue {
        start_ms: start,
        end_ms: end,
        text: body.join("\n"),
        line,
    };
    Ok((cue, i))
}

/// The start and end of a timing line (file line `line`); the end must come after the
/// start.
fn cue_timing(timing: &str, line: usize) -> Result<(u64, u64), VttError> {
    let (a, rest) = timing.split_once("-->").unwrap_or(("", ""));
    let b = rest.split_whitespace().next().unwrap_or("");
    let bad = |what: &str, v: &str| VttError {
        line,
        message: format!(
            "{what} '{}' is not a timestamp (write 00:01.500 or 00:00:01.500)",
            v.trim()
        ),
    };
    let start = timestamp(a).ok_or_else(|| bad("start", a))?;
    let end = timestamp(b).ok_or_else(|| bad("end", b))?;
    if end <= start {
        return Err(VttError {
            line,
            message: format!(
                "the cue ends ({}) before it starts ({})",
                fmt_ms(end),
                fmt_ms(start)
            ),
        });
    }
    Ok((start, end))
}

/// A cue starting at `start` (file line `line`) comes after the cue `prev` and once it
/// has ended.
fn check_order(start: u64, line: usize, prev: &Cue) -> Result<(), VttError> {
    if start < prev.start_ms {
        return Err(VttError {
            line,
            message: format!(
                "cues are out of order: this one starts at {}, before the cue of line {} ({})",
                fmt_ms(start),
                prev.line,
                fmt_ms(prev.start_ms)
            ),
        });
    }
    if start < prev.end_ms {
        return Err(VttError {
            line,
            message: format!(
                "this cue starts at {}, while the cue of line {} runs until {}",
                fmt_ms(start),
                prev.line,
                fmt_ms(prev.end_ms)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cues() {
        let c = parse("WEBVTT\n\n1\n00:00.000 --> 00:02.500\nBonjour\n\n00:00:02.500 --> 00:00:05.000 line:90%\nDeux\nlignes\n").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!((c[1].start_ms, c[1].end_ms), (2500, 5000));
        assert_eq!(c[1].text, "Deux\nlignes");
        assert_eq!(c[1].line, 7);
    }

    #[test]
    fn rejects_bad_files_with_their_line() {
        let e = parse("WEBVT\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse("WEBVTT\n\n00:00.000 --> 00:0x.000\nA\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("not a timestamp"), "{e:?}");
        let e = parse("WEBVTT\n\n00:03.000 --> 00:04.000\nA\n\n00:01.000 --> 00:02.000\nB\n")
            .unwrap_err();
        assert_eq!(e.line, 6);
        assert!(e.message.contains("out of order"), "{e:?}");
        let e = parse("WEBVTT\n\n00:01.000 --> 00:04.000\nA\n\n00:03.000 --> 00:05.000\nB\n")
            .unwrap_err();
        assert!(e.message.contains("runs until 00:00:04.000"), "{e:?}");
        let e = parse("WEBVTT\n\n00:05.000 --> 00:04.000\nA\n").unwrap_err();
        assert!(e.message.contains("ends"), "{e:?}");
    }
}
