//! Places on a map: pages with `extra.coordinates: {lat, lon}` are checked (numbers, in
//! range) and each section whose page says `extra.map: true` gets a map of its pages'
//! places, drawn as SVG from the coordinates (no tile server, no third-party request).
//! A section may name a base map of `narrative/data/` (`extra.map_base:
//! provence.geojson`): its land, water and towns are drawn under the places, and each
//! place page then gets its own locator map. The `maps` template variable holds them,
//! keyed by `<lang>:<translation key>`, each as `{svg, attribution}`.

use marque_assets::svg::Fonts;
use marque_project::geo::{Area, BaseMap};
use marque_project::{Diagnostic, Diagnostics, Project, SourcePage};
use serde_json::{Map, Value};

fn coords(v: &Value) -> Option<(f64, f64)> {
    Some((v.get("lat")?.as_f64()?, v.get("lon")?.as_f64()?))
}

/// Checks every `extra.coordinates` and `extra.map_base` of the project.
pub fn check(project: &Project) -> Diagnostics {
    let mut d = Diagnostics::new();
    for p in &project.pages {
        if let Some(base) = p.front.extra.get("map_base") {
            let line = p.front.extra_line("map_base");
            let known: Vec<&str> = project.base_maps.iter().map(|m| m.name.as_str()).collect();
            match base.as_str() {
                Some(name) if known.contains(&name) => {}
                other => d.push(
                    Diagnostic::error(
                        &p.path,
                        crate::not_among(
                            "extra.map_base",
                            other,
                            |n| format!("no base map '{n}'"),
                            "the name of a .geojson file",
                            "base maps in narrative/data/",
                            &known,
                        ),
                    )
                    .at_line(line),
                ),
            }
        }
        let Some(place) = p.front.extra.get("coordinates") else {
            continue;
        };
        let line = p.front.extra_line("coordinates");
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

fn children<'a>(project: &'a Project, sec: &SourcePage) -> Vec<&'a SourcePage> {
    let dir = sec.rel.trim_end_matches("_index.md");
    let mut pages: Vec<&SourcePage> = project
        .pages
        .iter()
        .map(|p| p.as_ref())
        .filter(|p| {
            p.lang == sec.lang
                && p.rel.starts_with(dir)
                && !p.rel[dir.len()..].contains('/')
                && !p.rel.ends_with("_index.md")
        })
        .collect();
    // The order of the section's list (the site's `sort_by`), so that the numbers on
    // the map are those of the list.
    let sort_by = sec.front.sort_by.unwrap_or_default();
    pages.sort_by(|a, b| marque_site::model::page_order(a, b, sort_by).then(a.rel.cmp(&b.rel)));
    pages
}

/// The maps of the sections that ask for one, and of their places when the section
/// has a base map: `<lang>:<translation key>` → `{svg, attribution}`, the same in
/// every language's value.
pub fn maps(project: &Project, fonts: Option<&Fonts>) -> (Value, [u8; 32]) {
    // Labels are measured with the brand's text face (the page's font); without brand
    // fonts, by an average advance.
    let family = project
        .brand
        .typography
        .iter()
        .find(|t| t.role == "body" && !t.files.is_empty())
        .or_else(|| {
            project
                .brand
                .typography
                .iter()
                .find(|t| !t.files.is_empty())
        })
        .map(|t| t.family.clone())
        .unwrap_or_default();
    let measure = |text: &str, size: f64, weight: u16| -> f64 {
        match fonts {
            Some(f) if !family.is_empty() => f.measure(text, &family, weight) as f64 * size,
            _ => text.chars().count() as f64 * size * 0.57,
        }
    };
    let mut m = Map::new();
    for sec in project.pages.iter().filter(|p| {
        p.rel.ends_with("_index.md") && p.front.extra.get("map") == Some(&Value::Bool(true))
    }) {
        let base = sec
            .front
            .extra
            .get("map_base")
            .and_then(Value::as_str)
            .and_then(|n| project.base_maps.iter().find(|b| b.name == n));
        let pages = children(project, sec);
        let points: Vec<(f64, f64, String)> = pages
            .iter()
            .filter_map(|p| {
                let (lat, lon) = coords(p.front.extra.get("coordinates")?)?;
                Some((lat, lon, p.title().to_string()))
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        let entry = |svg: String| {
            let mut o = Map::new();
            o.insert("svg".into(), Value::String(svg));
            o.insert(
                "attribution".into(),
                base.map(|b| Value::String(b.attribution.clone()))
                    .unwrap_or(Value::Null),
            );
            Value::Object(o)
        };
        m.insert(
            format!("{}:{}", sec.lang, sec.translation_key()),
            entry(draw(&points, sec.title(), base, true, &measure)),
        );
        if base.is_some() {
            for p in &pages {
                let Some((lat, lon)) = p.front.extra.get("coordinates").and_then(coords) else {
                    continue;
                };
                let one = [(lat, lon, p.title().to_string())];
                m.insert(
                    format!("{}:{}", p.lang, p.translation_key()),
                    entry(draw(&one, p.title(), base, false, &measure)),
                );
            }
        }
    }
    let v = Value::Object(m);
    let hash = *blake3::hash(v.to_string().as_bytes()).as_bytes();
    (v, hash)
}

/// Marker positions moved apart until no two are closer than `2 × radius`, each pair
/// pushed apart along the line between them (points on the same spot along a fixed
/// direction per index): the markers of two places a kilometre apart stay readable.
fn spread(points: &[(f64, f64)], radius: f64) -> Vec<(f64, f64)> {
    let mut p = points.to_vec();
    let min = 2.0 * radius;
    for _ in 0..60 {
        let mut moved = false;
        for i in 0..p.len() {
            for j in i + 1..p.len() {
                let (dx, dy) = (p[j].0 - p[i].0, p[j].1 - p[i].1);
                let d = dx.hypot(dy);
                if d >= min - 0.01 {
                    continue;
                }
                let (ux, uy) = if d < 0.01 {
                    let a = (i + j) as f64 * 2.399;
                    (a.cos(), a.sin())
                } else {
                    (dx / d, dy / d)
                };
                let push = (min - d) / 2.0;
                p[i] = (p[i].0 - ux * push, p[i].1 - uy * push);
                p[j] = (p[j].0 + ux * push, p[j].1 + uy * push);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    p
}

/// The lines of a graticule between `from` and `to` degrees: every 0.1°, or every 0.5,
/// 1, 5, 10 or 30° when that would draw more than a dozen lines; each with its step
/// (to write it with the right precision).
fn graticule(from: f64, to: f64) -> Vec<(f64, f64)> {
    if !(from.is_finite() && to.is_finite()) || to < from {
        return Vec::new();
    }
    let step = [0.1, 0.5, 1.0, 5.0, 10.0, 30.0]
        .into_iter()
        .find(|s| (to - from) / s <= 12.0)
        .unwrap_or(60.0);
    let (first, last) = ((from / step).ceil() as i64, (to / step).floor() as i64);
    (first..=last.min(first + 24))
        .map(|n| (step, n as f64 * step))
        .collect()
}

/// `43.3° N`, `5° W`, `0°`: a graticule line's label.
fn degrees(deg: f64, step: f64, positive: &str, negative: &str) -> String {
    if deg.abs() < 1e-9 {
        // The equator and the prime meridian are on neither side.
        return "0°".into();
    }
    let side = if deg < 0.0 { negative } else { positive };
    let digits = if step < 1.0 { 1 } else { 0 };
    format!("{:.*}° {side}", digits, deg.abs())
}

/// A label's box: x0, y0, x1, y1.
type Box4 = (f64, f64, f64, f64);

fn overlaps(a: Box4, b: Box4) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// How coordinates map onto the drawing: an equirectangular projection centred on the
/// points, `w × h` px.
struct Frame {
    w: f64,
    h: f64,
    /// The centre, latitude and longitude.
    cy: f64,
    cx: f64,
    /// How much a degree of longitude shrinks at that latitude.
    k: f64,
    /// Pixels per degree of latitude.
    scale: f64,
}

impl Frame {
    /// The frame of `points`, scaled to their extent but never to less than a quarter
    /// of a degree with a base map.
    fn new(points: &[(f64, f64, String)], base: Option<&BaseMap>) -> Self {
        let (w, h) = (800.0, 480.0);
        let lat0 = points.iter().map(|p| p.0).fold(f64::MAX, f64::min);
        let lat1 = points.iter().map(|p| p.0).fold(f64::MIN, f64::max);
        let lon0 = points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        let lon1 = points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let (cy, cx) = ((lat0 + lat1) / 2.0, (lon0 + lon1) / 2.0);
        // Near a pole a degree of longitude shrinks to nothing; the map keeps the scale
        // of 84° there, so that it stays a map of bounded size.
        let k = cy.to_radians().cos().max(0.1);
        // Degrees of latitude shown: the points' extent with a margin, at least 0.25°
        // with a base map (0.02° without), widened to the map's proportions.
        let min_span = if base.is_some() { 0.25 } else { 0.02 };
        let span_y = ((lat1 - lat0) * 1.3)
            .max((lon1 - lon0) * k * 1.3 * h / w)
            .max(min_span);
        let scale = (h - 60.0) / span_y;
        Frame {
            w,
            h,
            cy,
            cx,
            k,
            scale,
        }
    }

    /// The point of the drawing at `lat, lon`.
    fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            self.w / 2.0 + (lon - self.cx) * self.k * self.scale,
            self.h / 2.0 - (lat - self.cy) * self.scale,
        )
    }

    /// True when a label's box stays 4 px inside the drawing.
    fn holds(&self, b: Box4) -> bool {
        b.0 >= 4.0 && b.2 <= self.w - 4.0 && b.1 >= 4.0 && b.3 <= self.h - 4.0
    }
}

/// An equirectangular map of `points` (lat, lon, name), scaled to their extent but
/// never to less than a quarter of a degree, so that a single place keeps its
/// surroundings. Markers are numbered when `numbered` (the list below the map follows
/// the same order).
fn draw(
    points: &[(f64, f64, String)],
    title: &str,
    base: Option<&BaseMap>,
    numbered: bool,
    measure: &dyn Fn(&str, f64, u16) -> f64,
) -> String {
    let f = Frame::new(points, base);
    let (w, h) = (f.w, f.h);
    let names: Vec<&str> = points.iter().map(|p| p.2.as_str()).collect();
    let mut s = format!(
        r#"<svg class="place-map" viewBox="0 0 {w} {h}" role="img" aria-label="{}" direction="ltr" xmlns="http://www.w3.org/2000/svg">"#,
        esc(&if numbered {
            format!("{title} — {}", names.join(", "))
        } else {
            title.to_string()
        })
    );
    match base {
        Some(b) => s.push_str(&base_areas(&f, b)),
        None => s.push_str(&format!(
            r#"<rect width="{w}" height="{h}" fill="currentColor" fill-opacity="0.06"/>"#
        )),
    }
    // Label boxes drawn so far: the graticule's, then the places' (they win the
    // space), then the towns of the base map where room is left.
    let mut taken: Vec<Box4> = Vec::new();
    s.push_str(&graticule_lines(&f, &mut taken));
    let marks = place_marks(&f, points, numbered, measure, &mut taken);
    if let Some(b) = base {
        s.push_str(&town_labels(&f, b, measure, &mut taken));
    }
    s.push_str(&marks);
    s.push_str("</svg>");
    s
}

/// The sea, then land, then the water inside it (areas wholly outside are left out).
fn base_areas(f: &Frame, b: &BaseMap) -> String {
    let (w, h) = (f.w, f.h);
    let mut s = format!(r##"<rect width="{w}" height="{h}" fill="#D3E4EE"/>"##);
    for (area, fill) in [(Area::Land, "#EFE9DC"), (Area::Water, "#D3E4EE")] {
        let mut d = String::new();
        for (_, ring) in b.areas.iter().filter(|a| a.0 == area) {
            let pts: Vec<(f64, f64)> = ring.iter().map(|&(lon, lat)| f.xy(lat, lon)).collect();
            let (x0, x1) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
            let (y0, y1) = pts
                .iter()
                .fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1)));
            if x1 < 0.0 || x0 > w || y1 < 0.0 || y0 > h {
                continue;
            }
            for (i, (x, y)) in pts.iter().enumerate() {
                d.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" }));
            }
            d.push('Z');
        }
        if !d.is_empty() {
            s.push_str(&format!(
                r##"<path d="{d}" fill="{fill}" stroke="#9FB4C2" stroke-width="0.8" stroke-linejoin="round"/>"##
            ));
        }
    }
    s
}

/// A graticule every 0.1° (or wider on a map of a larger area: never more than a
/// dozen lines) gives the scale; its labels keep their room in `taken`.
fn graticule_lines(f: &Frame, taken: &mut Vec<Box4>) -> String {
    let (w, h, cx, cy, k, scale) = (f.w, f.h, f.cx, f.cy, f.k, f.scale);
    let mut s = String::new();
    let (top, bottom) = (cy + (h / 2.0) / scale, cy - (h / 2.0) / scale);
    let (left, right) = (cx - (w / 2.0) / (k * scale), cx + (w / 2.0) / (k * scale));
    for (step, deg) in graticule(bottom.max(-90.0), top.min(90.0)) {
        let (_, y) = f.xy(deg, cx);
        if y > 12.0 && y < h - 12.0 {
            taken.push((4.0, y - 16.0, 52.0, y));
            s.push_str(&format!(r#"<line x1="0" y1="{y:.1}" x2="{w}" y2="{y:.1}" stroke="currentColor" stroke-opacity="0.12"/><text class="map-grid" x="6" y="{:.1}" font-size="11" fill="currentColor" fill-opacity="0.7">{}</text>"#, y - 4.0, degrees(deg, step, "N", "S")));
        }
    }
    for (step, deg) in graticule(left.max(-180.0), right.min(180.0)) {
        let (x, _) = f.xy(cy, deg);
        if x > 12.0 && x < w - 40.0 {
            taken.push((x, h - 18.0, x + 44.0, h));
            s.push_str(&format!(r#"<line x1="{x:.1}" y1="0" x2="{x:.1}" y2="{h}" stroke="currentColor" stroke-opacity="0.12"/><text class="map-grid" x="{:.1}" y="{:.1}" font-size="11" fill="currentColor" fill-opacity="0.7">{}</text>"#, x + 4.0, h - 6.0, degrees(deg, step, "E", "W")));
        }
    }
    s
}

/// The places' markers (spread apart, numbered when `numbered`) and their labels,
/// each where it overlaps nothing in `taken` if it can.
fn place_marks(
    f: &Frame,
    points: &[(f64, f64, String)],
    numbered: bool,
    measure: &dyn Fn(&str, f64, u16) -> f64,
    taken: &mut Vec<Box4>,
) -> String {
    let mut marks = String::new();
    let r = if numbered { 14.0 } else { 11.0 };
    let at: Vec<(f64, f64)> = points.iter().map(|p| f.xy(p.0, p.1)).collect();
    let spots = spread(&at, r + 2.0);
    for (x, y) in &spots {
        taken.push((x - r, y - r, x + r, y + r));
    }
    for (i, (_, _, name)) in points.iter().enumerate() {
        let (x, y) = spots[i];
        // A marker moved off its place keeps a thin line to the exact spot.
        let (px, py) = at[i];
        if (x - px).hypot(y - py) > 1.0 {
            marks.push_str(&format!(
                r##"<line x1="{px:.1}" y1="{py:.1}" x2="{x:.1}" y2="{y:.1}" stroke="#0B3D5C" stroke-width="1.5"/><circle cx="{px:.1}" cy="{py:.1}" r="3" fill="#0B3D5C"/>"##
            ));
        }
        let (tx, ty, anchor) = label_spot(f, (x, y), r, measure(name, 15.0, 600), taken);
        // The pin is drawn around its own origin, so that a stylesheet can scale it
        // in place (larger on phones).
        marks.push_str(&format!(
            r##"<g transform="translate({x:.1} {y:.1})"><g class="map-pin"><circle r="{r}" fill="#0B3D5C" stroke="#FFFFFF" stroke-width="3"/>"##
        ));
        if numbered {
            marks.push_str(&format!(
                r##"<text dy="0.35em" text-anchor="middle" font-size="13" font-weight="700" fill="#FFFFFF">{}</text>"##,
                i + 1
            ));
        }
        marks.push_str("</g></g>");
        marks.push_str(&format!(
            r##"<text class="map-label" x="{tx:.1}" y="{ty:.1}" text-anchor="{anchor}" font-size="15" font-weight="600" fill="#15212B" stroke="#FFFFFF" stroke-width="4" stroke-opacity="0.8" paint-order="stroke">{}</text>"##,
            esc(name)
        ));
    }
    marks
}

/// Where the label of the marker at `(x, y)` (radius `r`) goes: the first of six
/// spots around it where it fits and overlaps nothing but its own marker, else right
/// of it (left when that overflows). Its box is added to `taken`.
fn label_spot(
    f: &Frame,
    (x, y): (f64, f64),
    r: f64,
    label_w: f64,
    taken: &mut Vec<Box4>,
) -> (f64, f64, &'static str) {
    let candidates = [
        (x + r + 6.0, y + 5.0, "start"),
        (x - r - 6.0, y + 5.0, "end"),
        (x + r + 6.0, y - 15.0, "start"),
        (x + r + 6.0, y + 25.0, "start"),
        (x - r - 6.0, y - 15.0, "end"),
        (x - r - 6.0, y + 25.0, "end"),
    ];
    let boxed = |(tx, ty, anchor): (f64, f64, &str)| -> Box4 {
        let x0 = if anchor == "end" { tx - label_w } else { tx };
        (x0, ty - 14.0, x0 + label_w, ty + 4.0)
    };
    let own = (x - r, y - r, x + r, y + r);
    let fits = |b: Box4| f.holds(b) && !taken.iter().any(|t| *t != own && overlaps(*t, b));
    let spot = candidates
        .iter()
        .copied()
        .find(|c| fits(boxed(*c)))
        .unwrap_or(
            candidates[if x + r + 6.0 + label_w > f.w - 4.0 {
                1
            } else {
                0
            }],
        );
    taken.push(boxed(spot));
    spot
}

/// The towns of the base map: each name right of its dot, else left of it; a town
/// with no room for its name is left out.
fn town_labels(
    f: &Frame,
    b: &BaseMap,
    measure: &dyn Fn(&str, f64, u16) -> f64,
    taken: &mut Vec<Box4>,
) -> String {
    let mut s = String::new();
    for (lon, lat, name) in &b.labels {
        let (x, y) = f.xy(*lat, *lon);
        let label_w = measure(name, 12.0, 400);
        let right = (x - 3.0, y - 12.0, x + 8.0 + label_w, y + 4.0);
        let left = (x - 8.0 - label_w, y - 12.0, x + 3.0, y + 4.0);
        let Some((bx, anchor, tx)) = [(right, "start", x + 6.0), (left, "end", x - 6.0)]
            .into_iter()
            .find(|(bx, _, _)| f.holds(*bx) && !taken.iter().any(|t| overlaps(*t, *bx)))
        else {
            continue;
        };
        taken.push(bx);
        s.push_str(&format!(
            r##"<g class="map-town"><circle cx="{x:.1}" cy="{y:.1}" r="2.5" fill="#4F5B66"/><text x="{tx:.1}" y="{:.1}" text-anchor="{anchor}" font-size="12" fill="#3D4852">{}</text></g>"##,
            y + 4.0,
            esc(name)
        ));
    }
    s
}

/// Places as a feature: the checks of coordinates and base maps, and the `maps`
/// variable (labels measured with the brand's text face when there is a brand set).
pub struct PlacesFeature;

impl crate::feature::Feature for PlacesFeature {
    fn name(&self) -> &'static str {
        "maps"
    }

    fn key(&self, cx: &crate::feature::Context) -> Option<[u8; 32]> {
        let p = cx.project;
        let fronts = p.fronts_hash();
        Some(crate::feature::key_of(&[
            &p.config_hash,
            &p.data_hash,
            &p.brand.hash,
            &fronts,
        ]))
    }

    fn prepare(&self, cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        let problems = check(cx.project);
        if problems.has_errors() {
            return Err(problems);
        }
        let fonts = cx.shared.brand.as_ref().and_then(|b| b.fonts.as_ref());
        let (value, hash) = maps(cx.project, fonts);
        Ok(crate::feature::Given {
            globals: vec![marque_site::Global {
                name: "maps",
                values: vec![value; cx.project.languages.len()],
                hash,
            }],
            warnings: problems,
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::spread;

    #[test]
    fn markers_too_close_are_moved_apart_and_others_stay() {
        let out = spread(
            &[
                (100.0, 100.0),
                (110.0, 100.0),
                (300.0, 300.0),
                (300.0, 300.0),
            ],
            15.0,
        );
        let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
        assert!(d(out[0], out[1]) >= 29.9, "{out:?}");
        assert!(d(out[2], out[3]) >= 29.9, "same spot: {out:?}");
        // Pushed along the line between them, each by half.
        assert!(
            (out[0].1 - 100.0).abs() < 1e-9
                && (out[0].0 - 90.0).abs() < 1e-9
                && (out[1].0 - 120.0).abs() < 1e-9
        );
        let alone = spread(&[(10.0, 10.0), (200.0, 10.0)], 15.0);
        assert_eq!(alone, [(10.0, 10.0), (200.0, 10.0)]);
    }
}
