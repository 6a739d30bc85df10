//! Base maps: `narrative/data/*.geojson`, drawn under the places of a section that names
//! one (`extra.map_base`). A base map is a GeoJSON FeatureCollection of polygons (land,
//! or water when `properties.kind` is `water`) and points with a `properties.name`
//! (towns, written on the map). It must say where its geography comes from in a
//! top-level `attribution`, shown under every map drawn from it.

use crate::source::Sources;
use crate::{Diagnostic, Diagnostics, limits};
use serde_json::Value;
use std::path::Path;

/// A ring of (lon, lat) points.
pub type Ring = Vec<(f64, f64)>;

/// What a polygon of a base map shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Land (the map's background is the sea).
    Land,
    /// Water inside the land (a lake, a lagoon).
    Water,
}

/// A base map read from `narrative/data/<name>.geojson`.
#[derive(Debug, Clone)]
pub struct BaseMap {
    /// Its file name inside `narrative/data/` (`provence.geojson`).
    pub name: String,
    /// Its path from the project root, for messages.
    pub file: String,
    /// Where the geography comes from, shown with the map.
    pub attribution: String,
    /// Polygons (outer rings; holes are drawn as their own water areas).
    pub areas: Vec<(Area, Ring)>,
    /// Named points (lon, lat, name).
    pub labels: Vec<(f64, f64, String)>,
    /// blake3 of the file.
    pub hash: [u8; 32],
}

fn position(v: &Value) -> Option<(f64, f64)> {
    let a = v.as_array()?;
    if a.len() < 2 {
        return None;
    }
    let (lon, lat) = (a[0].as_f64()?, a[1].as_f64()?);
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
}

fn ring(v: &Value) -> Option<Ring> {
    let pts: Option<Ring> = v.as_array()?.iter().map(position).collect();
    pts.filter(|r| r.len() >= 3)
}

/// Reads one base map; problems name the file and the JSON field.
pub fn parse(name: &str, file: &str, bytes: &[u8], diags: &mut Diagnostics) -> Option<BaseMap> {
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            diags.push(
                Diagnostic::error(file, format!("not valid JSON: {e}")).at(e.line(), e.column()),
            );
            return None;
        }
    };
    let err = |diags: &mut Diagnostics, msg: String| diags.push(Diagnostic::error(file, msg));
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        err(
            diags,
            "type: a base map is a GeoJSON FeatureCollection".into(),
        );
        return None;
    }
    let attribution = doc
        .get("attribution")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_string();
    if attribution.is_empty() {
        err(
            diags,
            "attribution: say where the geography comes from (attribution: \"© OpenStreetMap contributors, ODbL\")"
                .into(),
        );
    }
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        err(diags, "features: a list of features is needed".into());
        return None;
    };
    let mut areas = Vec::new();
    let mut labels = Vec::new();
    let before = diags.len();
    for (i, f) in features.iter().enumerate() {
        match feature(i, f) {
            Ok(Shape::Areas(a)) => areas.extend(a),
            Ok(Shape::Label(l)) => labels.push(l),
            Err(msg) => err(diags, msg),
        }
    }
    if diags.len() > before || attribution.is_empty() {
        return None;
    }
    Some(BaseMap {
        name: name.to_string(),
        file: file.to_string(),
        attribution,
        areas,
        labels,
        hash: *blake3::hash(bytes).as_bytes(),
    })
}

/// What one feature of a base map draws.
enum Shape {
    /// Polygons: outlines of their kind, holes as water.
    Areas(Vec<(Area, Ring)>),
    /// A named point (lon, lat, name).
    Label((f64, f64, String)),
}

/// Feature `i` of a base map, or what is wrong with it (naming its JSON field).
fn feature(i: usize, f: &Value) -> Result<Shape, String> {
    let geom = f.get("geometry").unwrap_or(&Value::Null);
    let props = f.get("properties").unwrap_or(&Value::Null);
    let kind = match props.get("kind").and_then(Value::as_str) {
        None | Some("land") => Area::Land,
        Some("water") => Area::Water,
        Some(k) => {
            return Err(format!(
                "features[{i}].properties.kind: '{k}' is neither land nor water"
            ));
        }
    };
    let coords = geom.get("coordinates").unwrap_or(&Value::Null);
    let field = format!("features[{i}].geometry.coordinates");
    let bad = "a longitude from -180 to 180 and a latitude from -90 to 90, as numbers";
    match geom.get("type").and_then(Value::as_str) {
        Some(t @ ("Polygon" | "MultiPolygon")) => polygons(t == "Polygon", coords, kind)
            .map(Shape::Areas)
            .ok_or_else(|| format!("{field}: rings of at least 3 positions, each {bad}")),
        Some("Point") => {
            let Some((lon, lat)) = position(coords) else {
                return Err(format!("{field}: {bad}"));
            };
            match props.get("name").and_then(Value::as_str) {
                Some(n) if !n.trim().is_empty() => {
                    Ok(Shape::Label((lon, lat, n.trim().to_string())))
                }
                _ => Err(format!(
                    "features[{i}].properties.name: a point of a base map is a named place"
                )),
            }
        }
        other => Err(format!(
            "features[{i}].geometry.type: {} (a base map holds Polygon, MultiPolygon and Point)",
            other
                .map(|t| format!("'{t}' is not drawn"))
                .unwrap_or_else(|| "missing".into())
        )),
    }
}

/// The areas of a Polygon (`single`) or MultiPolygon's coordinates: a Polygon is a
/// MultiPolygon of one; each polygon's first ring is its outline (of `kind`), the
/// others its holes (water). `None` when a ring is not a ring.
fn polygons(single: bool, coords: &Value, kind: Area) -> Option<Vec<(Area, Ring)>> {
    let list = if single {
        Some(std::slice::from_ref(coords))
    } else {
        coords.as_array().map(Vec::as_slice)
    };
    let polys: Vec<Vec<Ring>> = list.and_then(|ps| {
        ps.iter()
            .map(|p| {
                p.as_array()
                    .filter(|r| !r.is_empty())?
                    .iter()
                    .map(ring)
                    .collect()
            })
            .collect()
    })?;
    let mut areas = Vec::new();
    for p in polys {
        let mut it = p.into_iter();
        areas.extend(it.next().map(|r| (kind, r)));
        areas.extend(it.map(|r| (Area::Water, r)));
    }
    Some(areas)
}

/// Reads every `*.geojson` of `dir` (`narrative/data/`).
pub fn load(src: &Sources, dir: &Path, diags: &mut Diagnostics) -> Vec<BaseMap> {
    let names = match src.list(dir) {
        Ok(n) => n,
        Err(e) => {
            diags.push(e.diagnostic(dir));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for n in names.into_iter().filter(|n| n.ends_with(".geojson")) {
        let file = dir.join(&n).to_string_lossy().replace('\\', "/");
        match src.read(&file, limits::GEOJSON) {
            Ok(bytes) => {
                // Its place names label the maps drawn in pages.
                src.note_text(&String::from_utf8_lossy(&bytes));
                out.extend(parse(&n, &file, &bytes, diags))
            }
            Err(e) => diags.push(e.diagnostic(&file)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Option<BaseMap>, Vec<String>) {
        let mut d = Diagnostics::new();
        let m = parse(
            "x.geojson",
            "narrative/data/x.geojson",
            text.as_bytes(),
            &mut d,
        );
        (m, d.errors().map(|x| x.to_string()).collect())
    }

    #[test]
    fn reads_land_water_holes_and_towns() {
        let (m, errs) = run(
            r#"{"type":"FeatureCollection","attribution":"Natural Earth","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[5,43],[6,43],[6,44],[5,43]],[[5.2,43.1],[5.3,43.1],[5.3,43.2],[5.2,43.1]]]}},
          {"type":"Feature","properties":{"kind":"water"},"geometry":{"type":"MultiPolygon","coordinates":[[[[5,43],[5.1,43],[5.1,43.1],[5,43]]]]}},
          {"type":"Feature","properties":{"name":"Marseille"},"geometry":{"type":"Point","coordinates":[5.37,43.30]}}]}"#,
        );
        assert!(errs.is_empty(), "{errs:?}");
        let m = m.unwrap();
        let kinds: Vec<Area> = m.areas.iter().map(|a| a.0).collect();
        assert_eq!(kinds, [Area::Land, Area::Water, Area::Water]);
        assert_eq!(m.labels, [(5.37, 43.30, "Marseille".to_string())]);
        assert_eq!(m.attribution, "Natural Earth");
    }

    #[test]
    fn bad_maps_name_file_and_field() {
        let (m, errs) = run("{\"type\":\"FeatureCollection\",\n\"features\": [,]}");
        assert!(m.is_none());
        assert!(
            errs[0].starts_with("narrative/data/x.geojson:2:"),
            "{errs:?}"
        );
        let (_, errs) = run(r#"{"type":"FeatureCollection","features":[]}"#);
        assert!(errs[0].contains("attribution: say where"), "{errs:?}");
        let (_, errs) = run(
            r#"{"type":"FeatureCollection","attribution":"x","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[5,43],[6,95],[6,44],[5,43]]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[5,43]}},
          {"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[5,43],[6,44]]}}]}"#,
        );
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(
            errs[0].contains("features[0].geometry.coordinates: rings"),
            "{errs:?}"
        );
        assert!(errs[1].contains("features[1].properties.name"), "{errs:?}");
        assert!(
            errs[2].contains("features[2].geometry.type: 'LineString' is not drawn"),
            "{errs:?}"
        );
    }
}
