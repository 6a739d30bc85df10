//! The `indicators` template variable: each indicator of `narrative/data/` in each
//! language, with its values formatted for that language and a bar chart drawn as SVG
//! at build time (the page shows the same values as a table).

use marque_project::Project;
use marque_project::brand::localized;
use serde_json::{Value, json};

/// `1 870 000` in French, `1,870,000` in English (other languages: the English way);
/// decimals kept to what the value needs.
pub fn format_number(v: f64, lang: &str) -> String {
    let (group, decimal) = if lang == "fr" {
        ('\u{202f}', ',')
    } else {
        (',', '.')
    };
    let neg = v < 0.0;
    let v = v.abs();
    let int = v.trunc() as u64;
    let frac = ((v - v.trunc()) * 100.0).round() as u64;
    let digits = int.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    if frac > 0 {
        out.push(decimal);
        let f = format!("{frac:02}");
        out.push_str(f.trim_end_matches('0'));
    }
    if neg { format!("-{out}") } else { out }
}

fn esc(s: &str) -> String {
    marque_site::xml_escape(s)
}

/// A bar chart of `points` (year, value, label), `title_id` naming its caption.
fn chart(points: &[(i32, f64, String)], title_id: &str, color: &str) -> String {
    let (w, h) = (640.0, 280.0);
    let (left, right, top, bottom) = (16.0, 16.0, 36.0, 40.0);
    let max = points.iter().map(|p| p.1).fold(0.0_f64, f64::max).max(1e-9);
    let n = points.len().max(1) as f64;
    let slot = (w - left - right) / n;
    let bar = (slot * 0.6).min(90.0);
    let mut s = format!(
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{title_id}" xmlns="http://www.w3.org/2000/svg"><line x1="{left}" y1="{base}" x2="{x2}" y2="{base}" stroke="currentColor" stroke-width="1"/>"#,
        base = h - bottom,
        x2 = w - right
    );
    for (i, (year, value, label)) in points.iter().enumerate() {
        let bh = (h - top - bottom) * (value.max(0.0) / max);
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let y = h - bottom - bh;
        s.push_str(&format!(
            r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{bh:.1}" fill="{color}"/><text x="{cx:.1}" y="{ty:.1}" text-anchor="middle" font-size="14" font-weight="700" fill="currentColor">{}</text><text x="{cx:.1}" y="{yy:.1}" text-anchor="middle" font-size="14" fill="currentColor">{year}</text>"#,
            esc(label),
            cx = x + bar / 2.0,
            ty = y - 8.0,
            yy = h - bottom + 22.0
        ));
    }
    s.push_str("</svg>");
    s
}

/// The `indicators` variable in each language, and its hash.
pub fn context(project: &Project) -> (Vec<Value>, [u8; 32]) {
    let d = &project.default_language;
    let color = project
        .brand
        .colors
        .iter()
        .find(|c| c.role.as_deref() == Some("primary"))
        .map(|c| c.hex.clone())
        .unwrap_or_else(|| "#0B3D5C".into());
    let mut hasher = blake3::Hasher::new();
    let values: Vec<Value> = project
        .languages
        .iter()
        .map(|l| {
            let code = l.code.as_str();
            let list: Vec<Value> = project
                .indicators
                .iter()
                .map(|ind| {
                    let points: Vec<(i32, f64, String)> = ind
                        .values
                        .iter()
                        .map(|p| (p.year, p.value, format_number(p.value, code)))
                        .collect();
                    let title_id = format!("indicator-{}", ind.id);
                    json!({
                        "id": ind.id,
                        "anchor": title_id,
                        "name": localized(&ind.name, code, d),
                        "unit": localized(&ind.unit, code, d),
                        "group": localized(&ind.group, code, d),
                        "source": ind.source,
                        "values": points.iter().map(|(y, v, s)| json!({"year": y, "value": v, "text": s})).collect::<Vec<_>>(),
                        "latest": points.last().map(|p| json!({"year": p.0, "text": p.2})),
                        "chart": chart(&points, &title_id, &color),
                    })
                })
                .collect();
            let v = Value::Array(list);
            hasher.update(v.to_string().as_bytes());
            v
        })
        .collect();
    (values, *hasher.finalize().as_bytes())
}

/// The indicators as a feature: the `indicators` variable (charts and tables).
pub struct IndicatorsFeature;

impl crate::feature::Feature for IndicatorsFeature {
    fn name(&self) -> &'static str {
        "indicators"
    }

    fn key(&self, cx: &crate::feature::Context) -> Option<[u8; 32]> {
        let p = cx.project;
        Some(crate::feature::key_of(&[&p.config_hash, &p.data_hash]))
    }

    fn prepare(
        &self,
        cx: &crate::feature::Context,
    ) -> Result<crate::feature::Given, marque_project::Diagnostics> {
        let (values, hash) = context(cx.project);
        Ok(crate::feature::Given {
            globals: vec![marque_site::Global {
                name: "indicators",
                values,
                hash,
            }],
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_per_language() {
        assert_eq!(format_number(1_870_000.0, "fr"), "1\u{202f}870\u{202f}000");
        assert_eq!(format_number(1_870_000.0, "en"), "1,870,000");
        assert_eq!(format_number(12.5, "fr"), "12,5");
        assert_eq!(format_number(999.0, "en"), "999");
    }
}
