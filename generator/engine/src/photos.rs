//! The photo library: every photo of `narrative/media/photos.yaml` still within its
//! rights, in several widths (480, 960, 1920, never wider than the original) as JPEG and
//! WebP, cached like the brand's files, and the `photos` template variable (srcset,
//! size, alt text, caption, credit, licence). A photo past its rights is left out of the
//! site (its original too) with a warning.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use marque_assets::cache::{DerivedCache, key};
use marque_project::brand::localized;
use marque_project::photos::Photo;
use marque_project::{Date, Diagnostic, Diagnostics, Project};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::OutputFile;

/// Widths made of every photo.
pub const WIDTHS: [u32; 3] = [480, 960, 1920];

/// Today, from `MARQUE_TODAY` (`YYYY-MM-DD`, for tests) or the clock.
pub fn today() -> Date {
    if let Ok(s) = std::env::var("MARQUE_TODAY")
        && let Ok(d) = Date::parse(&s)
    {
        return d;
    }
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    date_of_days(days)
}

/// The civil date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
pub fn date_of_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + if month <= 2 { 1 } else { 0 }) as i32;
    Date {
        year,
        month,
        day,
        time: None,
        offset_minutes: None,
    }
}

/// Days from `a` to `b`.
pub fn days_between(a: Date, b: Date) -> i64 {
    let n = |d: Date| {
        let (y, m) = if d.month <= 2 {
            (d.year as i64 - 1, d.month as i64 + 9)
        } else {
            (d.year as i64, d.month as i64 - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * m + 2) / 5 + d.day as i64 - 1;
        era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy
    };
    n(b) - n(a)
}

/// The photos that may be shown today.
pub struct PhotoSet {
    /// Resized files.
    pub files: Vec<OutputFile>,
    /// Media files left out (photos past their rights).
    pub left_out: BTreeSet<String>,
    /// The `photos` variable per language.
    pub context: Vec<Value>,
    /// Its hash.
    pub hash: [u8; 32],
    /// Warnings.
    pub warnings: Diagnostics,
}

/// The resized pictures of one photo, made on demand: the original is decoded once,
/// each width is resized once and serves both formats. A width is resized from the
/// next larger one (1920 → 960 → 480), which halves the work; it is always made that
/// way, so its bytes do not depend on what the cache already had.
struct Resizer<'a> {
    bytes: &'a [u8],
    /// The widths made, smallest first.
    widths: Vec<u32>,
    original: std::cell::OnceCell<Result<image::DynamicImage, String>>,
    sized: std::cell::RefCell<BTreeMap<u32, Arc<image::RgbImage>>>,
}

impl<'a> Resizer<'a> {
    fn new(bytes: &'a [u8], widths: &[u32]) -> Self {
        Resizer {
            bytes,
            widths: widths.to_vec(),
            original: std::cell::OnceCell::new(),
            sized: Default::default(),
        }
    }

    fn rgb(&self, width: u32) -> Result<Arc<image::RgbImage>, String> {
        if let Some(r) = self.sized.borrow().get(&width) {
            return Ok(r.clone());
        }
        let filter = image::imageops::FilterType::Lanczos3;
        let rgb = match self.widths.iter().find(|w| **w > width) {
            Some(larger) => {
                let src = self.rgb(*larger)?;
                let h = ((src.height() as f64) * width as f64 / src.width() as f64)
                    .round()
                    .max(1.0) as u32;
                Arc::new(image::imageops::resize(&*src, width, h, filter))
            }
            None => {
                let img = self
                    .original
                    .get_or_init(|| marque_assets::raster::decode(self.bytes))
                    .as_ref()
                    .map_err(Clone::clone)?;
                let w = width.min(img.width());
                let h = ((img.height() as f64) * w as f64 / img.width() as f64)
                    .round()
                    .max(1.0) as u32;
                Arc::new(img.resize_exact(w, h, filter).to_rgb8())
            }
        };
        self.sized.borrow_mut().insert(width, rgb.clone());
        Ok(rgb)
    }

    fn encode(&self, width: u32, webp: bool) -> Result<Vec<u8>, String> {
        let rgb = self.rgb(width)?;
        let mut out = Vec::new();
        if webp {
            // Lossy WebP (libwebp at quality 80, single-threaded, so the same bytes
            // every time): about a third of the JPEG of the same width. `image` only
            // writes lossless WebP, which came out three times heavier than the JPEG.
            let encoded = ::webp::Encoder::from_rgb(&rgb, rgb.width(), rgb.height()).encode(80.0);
            out.extend_from_slice(&encoded);
        } else {
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82)
                .encode_image(&*rgb)
                .map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
}

/// Pages that show a photo of the library (`extra.photo`, on people and places) must
/// name one of `photos.yaml`; one whose rights have ended is not shown, with a warning
/// naming the page.
pub fn check_references(project: &Project, left_out: &BTreeSet<String>) -> Diagnostics {
    let mut d = Diagnostics::new();
    let known: Vec<&str> = project.photos.iter().map(|p| p.file.as_str()).collect();
    for page in &project.pages {
        let Some(v) = page.front.extra.get("photo") else {
            continue;
        };
        let line = page.front.extra_line("photo");
        match v.as_str() {
            Some(f) if left_out.contains(f) => d.push(
                Diagnostic::warning(
                    &page.path,
                    format!("extra.photo: the rights of '{f}' have ended: the page shows no photo"),
                )
                .at_line(line),
            ),
            Some(f) if known.contains(&f) => {}
            other => d.push(
                Diagnostic::error(
                    &page.path,
                    crate::not_among(
                        "extra.photo",
                        other,
                        |f| format!("'{f}' is not in the photo library"),
                        "the file name of a photo of the library",
                        "photos of narrative/media/photos.yaml",
                        &known,
                    ),
                )
                .at_line(line),
            ),
        }
    }
    d
}

/// What became of one photo of the library.
enum Outcome<'p> {
    /// Past its rights: left out, with this warning.
    LeftOut(Diagnostic),
    /// Not among the media files (the project's load reports it).
    Missing,
    /// Cannot be read or resized.
    Failed(Diagnostic),
    /// Resized, with its files.
    Kept(Kept<'p>, Vec<OutputFile>),
}

/// One file of a photo: width, extension (`jpg`, `webp`) and address.
pub(crate) type Variant = (u32, &'static str, String);

/// A photo within its rights, resized.
struct Kept<'p> {
    photo: &'p Photo,
    variants: Vec<Variant>,
    /// The widths made, smallest first.
    widths: Vec<u32>,
    /// The height at the largest width.
    height: u32,
    /// The original's width, height and size in bytes.
    original: (u32, u32, usize),
}

/// Resizes the photos and describes them for templates.
pub fn derive(project: &Project, cache: &DerivedCache) -> Result<PhotoSet, Diagnostics> {
    let today = today();
    let base = project.config.base_path();
    let mut warnings = Diagnostics::new();
    let mut left_out = BTreeSet::new();
    let mut files = Vec::new();
    let mut kept = Vec::new();
    let mut diags = Diagnostics::new();
    // Each photo on its own thread; results are gathered in the library's order.
    let outcomes: Vec<Outcome> = project
        .photos
        .par_iter()
        .map(|p| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                photo_outcome(project, cache, p, today, &base)
            }))
            .unwrap_or_else(|e| {
                Outcome::Failed(crate::panic_diagnostic(
                    format!("narrative/media/{}", p.file),
                    "making this photo's sizes",
                    &*e,
                ))
            })
        })
        .collect();
    for (o, p) in outcomes.into_iter().zip(&project.photos) {
        match o {
            Outcome::LeftOut(w) => {
                warnings.push(w);
                left_out.insert(p.file.clone());
            }
            Outcome::Missing => {}
            Outcome::Failed(d) => diags.push(d),
            Outcome::Kept(k, fs) => {
                files.extend(fs);
                kept.push(k);
            }
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut hasher = blake3::Hasher::new();
    let context: Vec<Value> = project
        .languages
        .iter()
        .map(|l| {
            let list: Vec<Value> = kept
                .iter()
                .map(|k| photo_view(k, &l.code, &project.default_language, &base))
                .collect();
            let v = Value::Array(list);
            hasher.update(v.to_string().as_bytes());
            v
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(PhotoSet {
        files,
        left_out,
        context,
        hash: *hasher.finalize().as_bytes(),
        warnings,
    })
}

/// One photo: left out when its rights ended before `today`, else resized in each of
/// its widths (those of `WIDTHS` it reaches, and its own below the largest).
fn photo_outcome<'p>(
    project: &Project,
    cache: &DerivedCache,
    p: &'p Photo,
    today: Date,
    base: &str,
) -> Outcome<'p> {
    if let Some(end) = p.expires
        && end < today
    {
        return Outcome::LeftOut(
            Diagnostic::warning(
                "narrative/media/photos.yaml",
                format!(
                    "'{}': its rights ended on {end}: left out of the site and of every zip",
                    p.file
                ),
            )
            .at_line(p.line.max(1)),
        );
    }
    let Some(m) = project.media.iter().find(|m| m.name == p.file) else {
        return Outcome::Missing;
    };
    // The size from the file's header, without decoding the picture; a cut file or a
    // decompression bomb is refused here.
    let (ow, oh) = match marque_assets::raster::inspect(&m.bytes) {
        Ok(i) => (i.width, i.height),
        Err(e) => {
            return Outcome::Failed(Diagnostic::error(format!("narrative/media/{}", p.file), e));
        }
    };
    let widths = widths_for(ow);
    let (variants, files) = match resize_all(cache, p, &m.bytes, &widths, base) {
        Ok(r) => r,
        Err(d) => return Outcome::Failed(d),
    };
    let h = |w: u32| ((oh as f64) * w as f64 / ow as f64).round() as u32;
    let height = h(*widths.last().unwrap_or(&ow));
    Outcome::Kept(
        Kept {
            photo: p,
            variants,
            widths,
            height,
            original: (ow, oh, m.bytes.len()),
        },
        files,
    )
}

/// A photo's file in each width, as JPEG and WebP (cached), and each one's width,
/// extension and address.
fn resize_all(
    cache: &DerivedCache,
    p: &Photo,
    bytes: &[u8],
    widths: &[u32],
    base: &str,
) -> Result<(Vec<Variant>, Vec<OutputFile>), Diagnostic> {
    let stem = p.file.rsplit_once('.').map(|(s, _)| s).unwrap_or(&p.file);
    let name = format!("narrative/media/{}", p.file);
    sized_files(
        cache,
        &name,
        bytes,
        widths,
        &format!("media/photos/{stem}-"),
        "",
        base,
    )
}

/// The widths a picture `width` pixels wide is served in: those of [`WIDTHS`] it
/// reaches, and its own below the largest (never wider than the original).
pub(crate) fn widths_for(width: u32) -> Vec<u32> {
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w <= width).collect();
    if widths.last() != Some(&width) && width < WIDTHS[2] {
        widths.push(width);
    }
    widths
}

/// A picture (`name` in messages) in each width, as JPEG and WebP, from the cache of
/// derived files: `{prefix}{width}{suffix}.{ext}`, with each one's width, extension and
/// address.
pub(crate) fn sized_files(
    cache: &DerivedCache,
    name: &str,
    bytes: &[u8],
    widths: &[u32],
    prefix: &str,
    suffix: &str,
    base: &str,
) -> Result<(Vec<Variant>, Vec<OutputFile>), Diagnostic> {
    let resizer = Resizer::new(bytes, widths);
    let mut variants = Vec::new();
    let mut files = Vec::new();
    for w in widths {
        for (ext, webp) in [("jpg", false), ("webp", true)] {
            let settings = format!("w={w} {ext} jpeg-q82 webp-lossy-q80 chained");
            let made = cache
                .get_or_make(
                    "photo",
                    &key("photo", &[bytes, settings.as_bytes()]),
                    || resizer.encode(*w, webp),
                )
                .map_err(|e| Diagnostic::error(name, format!("cannot resize: {e}")))?;
            let path = format!("{prefix}{w}{suffix}.{ext}");
            variants.push((*w, ext, format!("{base}/{path}")));
            files.push(OutputFile::new(path, made));
        }
    }
    Ok((variants, files))
}

/// A photo as templates of language `lang` see it: srcsets, alt text, caption,
/// credit, licence, sizes and the original.
fn photo_view(k: &Kept, lang: &str, d: &str, base: &str) -> Value {
    let Kept {
        photo: p,
        variants,
        widths,
        height,
        original: (ow, oh, bytes),
    } = k;
    let set = |ext: &str| {
        variants
            .iter()
            .filter(|v| v.1 == ext)
            .map(|v| format!("{} {}w", v.2, v.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let largest = *widths.last().unwrap_or(&0);
    let middle = widths
        .iter()
        .copied()
        .find(|w| *w >= 960)
        .unwrap_or(largest);
    json!({
        "file": p.file,
        "alt": localized(&p.alt, lang, d),
        "caption": localized(&p.caption, lang, d),
        "credit": p.credit, "licence": localized(&p.licence, lang, d),
        "expires": p.expires.map(|e| e.to_string()),
        "srcset_jpeg": set("jpg"), "srcset_webp": set("webp"),
        "src": format!("{base}/media/photos/{}-{middle}.jpg", p.file.rsplit_once('.').map(|(s, _)| s).unwrap_or(&p.file)),
        "width": largest, "height": height,
        "original": format!("{base}/media/{}", p.file),
        "original_format": if p.file.to_ascii_lowercase().ends_with(".png") { "PNG" } else { "JPEG" },
        "original_width": ow, "original_height": oh,
        "original_kb": format!("{:.0}", *bytes as f64 / 1024.0),
    })
}

/// The photo library as a feature: each photo in its widths and formats, the `photos`
/// variable, the photos left out (past their rights) for the features after it, and
/// the check of the pages that name a photo.
pub struct PhotosFeature;

impl crate::feature::Feature for PhotosFeature {
    fn name(&self) -> &'static str {
        "photos"
    }

    fn key(&self, cx: &crate::feature::Context) -> Option<[u8; 32]> {
        let p = cx.project;
        let fronts = p.fronts_hash();
        // Photos leave the site the day their rights end.
        let day = today().ymd();
        Some(crate::feature::key_of(&[
            &p.config_hash,
            &p.data_hash,
            &fronts,
            day.as_bytes(),
        ]))
    }

    fn prepare(&self, cx: &crate::feature::Context) -> Result<crate::feature::Given, Diagnostics> {
        let set = derive(cx.project, cx.derived)?;
        let references = check_references(cx.project, &set.left_out);
        if references.has_errors() {
            return Err(references);
        }
        let mut warnings = set.warnings;
        warnings.extend(references);
        Ok(crate::feature::Given {
            globals: vec![marque_site::Global {
                name: "photos",
                values: set.context,
                hash: set.hash,
            }],
            files: set.files,
            warnings,
            shared: crate::feature::Shared {
                left_out: Some(std::sync::Arc::new(set.left_out)),
                ..Default::default()
            },
            ..Default::default()
        })
    }
}
