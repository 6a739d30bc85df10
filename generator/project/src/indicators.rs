//! Attractiveness indicators: `narrative/data/*.yaml` declares each indicator (name and
//! unit per language, source, values by year); `narrative/data/<id>.csv` may give its
//! values instead (`year,value` rows, a header first). An indicator without a source, a
//! row that does not parse, a year given twice: errors with file and line.

use std::path::Path;

use serde::Deserialize;

use crate::brand::{Localized, Located};
use crate::diag::{Diagnostic, Diagnostics};
use crate::limits;
use crate::source::Sources;
use crate::yaml;

/// One value of an indicator.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Year.
    pub year: i32,
    /// Value.
    pub value: f64,
}

/// An indicator as written in YAML.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Written {
    id: Located,
    name: Localized,
    #[serde(default)]
    unit: Localized,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    group: Localized,
    #[serde(default)]
    values: Vec<Point>,
}

/// An indicator, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Identifier.
    pub id: String,
    /// Name per language.
    pub name: Localized,
    /// Unit per language.
    pub unit: Localized,
    /// Where the figures come from.
    pub source: String,
    /// Theme (residential, economic, cultural…) per language.
    pub group: Localized,
    /// Values, by year.
    pub values: Vec<Point>,
    /// The file that declares it.
    pub file: String,
}

/// The largest value shown: beyond 10^15 a figure is no longer exact in the numbers
/// marque computes with (and no indicator counts that much).
const MAX_VALUE: f64 = 1e15;

/// Refuses a value that cannot be shown exactly.
fn check_value(v: f64) -> Result<(), String> {
    if v.is_finite() && v.abs() <= MAX_VALUE {
        Ok(())
    } else {
        let shown = if v.is_finite() && v.abs() < 1e16 {
            format!("{v}")
        } else {
            format!("{v:e}")
        };
        Err(format!(
            "the value {shown} is out of range: values are shown exactly between -10^15 and 10^15 (give the figure in a larger unit, e.g. millions)"
        ))
    }
}

/// Reads `narrative/data/`.
pub fn load(src: &Sources, dir: &Path, diags: &mut Diagnostics) -> Vec<Indicator> {
    let names = match src.list(dir) {
        Ok(n) => n,
        Err(e) => {
            diags.push(e.diagnostic(dir));
            return Vec::new();
        }
    };
    let rel = |n: &str| dir.join(n).to_string_lossy().replace('\\', "/");
    let mut out: Vec<Indicator> = Vec::new();
    for n in names
        .iter()
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
    {
        load_declarations(src, &rel(n), &mut out, diags);
    }
    for n in names.iter().filter(|n| n.ends_with(".csv")) {
        let file = rel(n);
        let id = n.trim_end_matches(".csv");
        let Some(ind) = out.iter_mut().find(|o| o.id == id) else {
            diags.push(Diagnostic::error(
                &file,
                format!("no indicator '{id}' is declared in a narrative/data/*.yaml file"),
            ));
            continue;
        };
        match src.read_text(&file, limits::CSV) {
            Ok(text) => read_values(&text, &file, ind, diags),
            Err(e) => diags.push(e.diagnostic(&file)),
        }
    }
    for ind in &mut out {
        ind.values.sort_by_key(|p| p.year);
    }
    out
}

/// The indicators a YAML file of `narrative/data/` declares, checked and added to
/// `out` (an id already there is an error).
fn load_declarations(src: &Sources, file: &str, out: &mut Vec<Indicator>, diags: &mut Diagnostics) {
    let text = match src.read_text(file, limits::YAML) {
        Ok(t) => t,
        Err(e) => {
            diags.push(e.diagnostic(file));
            return;
        }
    };
    diags
        .0
        .extend(yaml::check_control_chars(&text, Path::new(file), 0));
    let list: Vec<Written> = match yaml::parse(&text, Path::new(file), 0) {
        Ok(l) => l,
        Err(d) => {
            diags.push(d);
            return;
        }
    };
    for (i, w) in list.into_iter().enumerate() {
        let at = |d: Diagnostic| {
            if w.id.line > 0 {
                d.at_line(w.id.line)
            } else {
                d
            }
        };
        let source = w.source.clone().unwrap_or_default();
        if source.trim().is_empty() {
            diags.push(at(Diagnostic::error(
                file,
                format!(
                    "[{i}] '{}': an indicator needs its source (source: …)",
                    w.id.value
                ),
            )));
        }
        for pt in &w.values {
            if let Err(e) = check_value(pt.value) {
                diags.push(at(Diagnostic::error(
                    file,
                    format!("[{i}] '{}', year {}: {e}", w.id.value, pt.year),
                )));
            }
        }
        if w.values.len() > limits::CSV_ROWS {
            diags.push(at(Diagnostic::error(
                file,
                format!(
                    "[{i}] '{}' has {} values, over marque's limit of {}",
                    w.id.value,
                    w.values.len(),
                    limits::CSV_ROWS
                ),
            )));
        }
        if out.iter().any(|o| o.id == w.id.value) {
            diags.push(at(Diagnostic::error(
                file,
                format!("[{i}] '{}' is declared twice", w.id.value),
            )));
        }
        out.push(Indicator {
            id: w.id.value.clone(),
            name: w.name,
            unit: w.unit,
            source,
            group: w.group,
            values: w.values,
            file: file.to_string(),
        });
    }
}

/// The values of `<id>.csv` (`file`, its `text`) added to the indicator: a header
/// `year,value`, then one row a year, within the row limit.
fn read_values(text: &str, file: &str, ind: &mut Indicator, diags: &mut Diagnostics) {
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, h)) if h.trim().replace(' ', "").to_lowercase() == "year,value" => {}
        _ => {
            diags.push(
                Diagnostic::error(file, "the first line must be the header 'year,value'")
                    .at_line(1),
            );
            return;
        }
    }
    let mut years: std::collections::HashSet<i32> = ind.values.iter().map(|p| p.year).collect();
    let mut rows = 0usize;
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        rows += 1;
        if rows > limits::CSV_ROWS {
            diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "more than {} rows: marque reads at most {} values per indicator",
                        limits::CSV_ROWS,
                        limits::CSV_ROWS
                    ),
                )
                .at_line(i + 1),
            );
            break;
        }
        match parse_row(line) {
            Some((year, value)) => {
                if let Err(e) = check_value(value) {
                    diags.push(Diagnostic::error(file, format!("year {year}: {e}")).at_line(i + 1));
                }
                if !years.insert(year) {
                    diags.push(
                        Diagnostic::error(file, format!("year {year} is given twice"))
                            .at_line(i + 1),
                    );
                }
                ind.values.push(Point { year, value });
            }
            None => diags.push(
                Diagnostic::error(
                    file,
                    format!(
                        "'{}' is not a row of two numbers: year,value (e.g. 2023,1870000)",
                        line.chars().take(80).collect::<String>()
                    ),
                )
                .at_line(i + 1),
            ),
        }
    }
}

/// A `year,value` row (narrow no-break spaces in the value are thousands separators).
fn parse_row(line: &str) -> Option<(i32, f64)> {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    match cells.as_slice() {
        [y, v] => y.parse::<i32>().ok().zip(
            v.replace('\u{202f}', "")
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite()),
        ),
        _ => None,
    }
}
