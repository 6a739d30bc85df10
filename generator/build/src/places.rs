//! Places on a map: pages with `extra.coordinates: {lat, lon}` are checked (numbers, in
//! range) and each section whose page says `extra.map: true` gets a map of its pages'
//! places, drawn as SVG from the coordinates (no tile server, no third-party request):
//! the `maps` template variable, keyed by the section's path.

use marque_project::{Diagnostic, Diagnostics, Project};
use serde_json::{Map, Value};

fn coords(v: &Value) -> Option<(f64, f64)> {
    Some((v.get("lat")?.as_f64()?, v.get("lon")?.as_f64()?))
}

/// Checks every `extra.coordinates` of the project.
pub fn check(project: &Project) -> Diagnostics {
    let mut d = Diagnostics::new();
    for p in &project.pages {
        let Some(place) = p.front.extra.get("coordinates") else {
            continue;
        };
        let line = p.front.positions.get("extra").map(|x| x.line).unwrap_or(1);
        match coords(place) {
            Some((lat, lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {}
            Some((lat, lon)) => d.push(
                Diagnostic::error(
                    &p.path,
                    format!("extra.coordinates: lat {lat}, lon {lon} is not on Earth (lat -90 to 90, lon -180 to 180)"),
                )
                .at_line(line),
            ),
            None => d.push(
                Diagnostic::error(&p.path, "extra.coordinates: write {lat: 43.29, lon: 5.37} (numbers)")
                    .at_line(line),
            ),
        }
    }
    d
}

fn esc(s: &str) -> String {
    marque_site::xml_escape(s)
}

/// The maps of the sections that ask for one: `<lang>:<section key>` → SVG, the same
/// in every language's value (a section's key is its source path, `lieux/_index.md`).
pub fn maps(project: &Project) -> (Value, [u8; 32]) {
    let mut m = Map::new();
    for sec in project.pages.iter().filter(|p| {
        p.rel.ends_with("_index.md") && p.front.extra.get("map") == Some(&Value::Bool(true))
    }) {
        let dir = sec.rel.trim_end_matches("_index.md");
        let mut pages: Vec<_> = project
            .pages
            .iter()
            .filter(|p| {
                p.lang == sec.lang
                    && p.rel.starts_with(dir)
                    && !p.rel[dir.len()..].contains('/')
                    && !p.rel.ends_with("_index.md")
            })
            .collect();
        pages.sort_by_key(|p| {
            (
                p.front.weight.unwrap_or(i64::MAX),
                p.front.date,
                p.title().to_string(),
            )
        });
        let points: Vec<(f64, f64, String)> = pages
            .iter()
            .filter_map(|p| {
                let (lat, lon) = coords(p.front.extra.get("coordinates")?)?;
                Some((lat, lon, p.title().to_string()))
            })
            .collect();
        if !points.is_empty() {
            m.insert(
                format!("{}:{}", sec.lang, sec.translation_key()),
                Value::String(draw(&points, sec.title())),
            );
        }
    }
    let v = Value::Object(m);
    let hash = *blake3::hash(v.to_string().as_bytes()).as_bytes();
    (v, hash)
}

/// An equirectangular map of `points` (lat, lon, name), scaled to their extent.
fn draw(points: &[(f64, f64, String)], title: &str) -> String {
    let (w, h, pad) = (800.0, 480.0, 60.0);
    let lat0 = points.iter().map(|p| p.0).fold(f64::MAX, f64::min);
    let lat1 = points.iter().map(|p| p.0).fold(f64::MIN, f64::max);
    let lon0 = points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    let lon1 = points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    let k = ((lat0 + lat1) / 2.0).to_radians().cos();
    let span_x = ((lon1 - lon0) * k).max(0.02);
    let span_y = (lat1 - lat0).max(0.02);
    let scale = ((w - 2.0 * pad) / span_x).min((h - 2.0 * pad) / span_y);
    let cx = (lon0 + lon1) / 2.0;
    let cy = (lat0 + lat1) / 2.0;
    let xy = |lat: f64, lon: f64| {
        (
            w / 2.0 + (lon - cx) * k * scale,
            h / 2.0 - (lat - cy) * scale,
        )
    };
    let names: Vec<String> = points.iter().map(|p| p.2.clone()).collect();
    let mut s = format!(
        r#"<svg class="place-map" viewBox="0 0 {w} {h}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><rect width="{w}" height="{h}" rx="14" fill="currentColor" fill-opacity="0.06"/>"#,
        esc(&format!("{title} : {}", names.join(", ")))
    );
    // A graticule every 0.1° gives the scale without any background map.
    let mut lat = (lat0 * 10.0).floor() / 10.0 - 0.1;
    while lat <= lat1 + 0.1 {
        let (_, y) = xy(lat, cx);
        if y > 0.0 && y < h {
            s.push_str(&format!(r#"<line x1="0" y1="{y:.1}" x2="{w}" y2="{y:.1}" stroke="currentColor" stroke-opacity="0.12"/><text x="6" y="{:.1}" font-size="11" fill="currentColor" fill-opacity="0.6">{lat:.1}° N</text>"#, y - 4.0));
        }
        lat += 0.1;
    }
    let mut lon = (lon0 * 10.0).floor() / 10.0 - 0.1;
    while lon <= lon1 + 0.1 {
        let (x, _) = xy(cy, lon);
        if x > 0.0 && x < w {
            s.push_str(&format!(r#"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h}" stroke="currentColor" stroke-opacity="0.12"/><text x="{:.1}" y="{:.1}" font-size="11" fill="currentColor" fill-opacity="0.6">{lon:.1}° E</text>"#, x + 4.0, h - 6.0));
        }
        lon += 0.1;
    }
    for (i, (lat, lon, name)) in points.iter().enumerate() {
        let (x, y) = xy(*lat, *lon);
        // Labels go right of the marker unless they would leave the map.
        let label_w = name.chars().count() as f64 * 8.6;
        let anchor = if x + 20.0 + label_w > w - 8.0 {
            "end"
        } else {
            "start"
        };
        let tx = if anchor == "end" { x - 20.0 } else { x + 20.0 };
        s.push_str(&format!(
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="14" fill="#0B3D5C" stroke="#FFFFFF" stroke-width="3"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="13" font-weight="700" fill="#FFFFFF">{}</text><text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="15" font-weight="600" fill="currentColor">{}</text>"##,
            y + 4.5,
            i + 1,
            y + 5.0,
            esc(name)
        ));
    }
    s.push_str("</svg>");
    s
}
