//! Attractiveness indicators: `narrative/data/*.yaml` declares each indicator (name and
//! unit per language, source, values by year); `narrative/data/<id>.csv` may give its
//! values instead (`year,value` rows, a header first). An indicator without a source, a
//! row that does not parse, a year given twice: errors with file and line.

use std::path::Path;

use serde::Deserialize;

use crate::brand::{Localized, Located};
use crate::diag::{Diagnostic, Diagnostics};
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

/// Reads `narrative/data/`.
pub fn load(root: &Path, dir: &Path, diags: &mut Diagnostics) -> Vec<Indicator> {
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect(),
        Err(_) => return Vec::new(),
    };
    names.sort();
    let rel = |n: &str| {
        dir.join(n)
            .strip_prefix(root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| n.to_string())
    };
    let mut out: Vec<Indicator> = Vec::new();
    for n in names
        .iter()
        .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
    {
        let file = rel(n);
        let text = match std::fs::read_to_string(dir.join(n)) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(&file, format!("cannot read: {e}")));
                continue;
            }
        };
        let list: Vec<Written> = match yaml::parse(&text, Path::new(&file), 0) {
            Ok(l) => l,
            Err(d) => {
                diags.push(d);
                continue;
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
                    &file,
                    format!(
                        "[{i}] '{}': an indicator needs its source (source: …)",
                        w.id.value
                    ),
                )));
            }
            if out.iter().any(|o| o.id == w.id.value) {
                diags.push(at(Diagnostic::error(
                    &file,
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
                file: file.clone(),
            });
        }
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
        let text = match std::fs::read_to_string(dir.join(n)) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(&file, format!("cannot read: {e}")));
                continue;
            }
        };
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, h)) if h.trim().replace(' ', "").to_lowercase() == "year,value" => {}
            _ => {
                diags.push(
                    Diagnostic::error(&file, "the first line must be the header 'year,value'")
                        .at_line(1),
                );
                continue;
            }
        }
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let parsed = match cells.as_slice() {
                [y, v] => y.parse::<i32>().ok().zip(
                    v.replace('\u{202f}', "")
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite()),
                ),
                _ => None,
            };
            match parsed {
                Some((year, value)) => {
                    if ind.values.iter().any(|p| p.year == year) {
                        diags.push(
                            Diagnostic::error(&file, format!("year {year} is given twice"))
                                .at_line(i + 1),
                        );
                    }
                    ind.values.push(Point { year, value });
                }
                None => diags.push(
                    Diagnostic::error(
                        &file,
                        format!(
                            "'{line}' is not a row of two numbers: year,value (e.g. 2023,1870000)"
                        ),
                    )
                    .at_line(i + 1),
                ),
            }
        }
    }
    for ind in &mut out {
        ind.values.sort_by_key(|p| p.year);
    }
    out
}
