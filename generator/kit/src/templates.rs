//! Template filling: a kit's SVG templates rendered by Tera with its texts, the brand
//! colours and functions that place drawings (logos, the event mark, the partner, the
//! lockups), then their text boxes fitted with the brand fonts.

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_assets::svg::{Drawing, Fonts};
use marque_project::{Diagnostic, Diagnostics, Kit, Project};
use rayon::prelude::*;
use serde_json::json;
use tera::{Context, Kwargs, State, Tera};

use crate::fit;
use crate::formats::{FORMATS, Format};
use crate::locale::{Facts, facts, localized, text};
use crate::lockup::Lockups;
use crate::logos::Mark;
use crate::{Inputs, Partner, collect_results};

/// A format's template, filled and fitted.
pub(crate) struct Filled {
    pub(crate) svg: String,
}

/// The texts a template's boxes can hold, for one language.
fn fields(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
) -> BTreeMap<String, String> {
    let p = inputs.project;
    let d = &p.default_language;
    let data = &kit.data;
    let Facts {
        dates,
        places,
        messages,
    } = facts(p, kit, lang);
    let mut f = BTreeMap::new();
    f.insert("title".to_string(), localized(&data.name, lang, d));
    f.insert("tagline".to_string(), localized(&data.tagline, lang, d));
    f.insert("dates".to_string(), dates.join(" · "));
    f.insert("places".to_string(), places.join(" · "));
    f.insert(
        "hashtag".to_string(),
        data.hashtag.clone().unwrap_or_default(),
    );
    f.insert(
        "message".to_string(),
        messages.first().cloned().unwrap_or_default(),
    );
    f.insert(
        "message2".to_string(),
        messages.get(1).cloned().unwrap_or_default(),
    );
    f.insert("rights".to_string(), localized(&data.rights, lang, d));
    f.insert(
        "partner".to_string(),
        partner
            .map(|pt| format!("{} {}", text(p, lang, "kit_with", "with"), pt.name))
            .unwrap_or_default(),
    );
    f.insert("brand".to_string(), p.brand.name.clone());
    f.insert(
        "name".to_string(),
        text(p, lang, "kit_badge_name", "First name Last name"),
    );
    f.insert("role".to_string(), text(p, lang, "kit_badge_role", "Role"));
    f
}

/// The brand colours for templates: by id (`bleu_mediterranee`), by role (`primary`,
/// `accent`…), `white`, and `highlight` (the accent where it is readable as text on the
/// primary colour, else white).
pub fn brand_colors(project: &Project, accent: Option<&str>) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for c in &project.brand.colors {
        m.insert(c.id.replace('-', "_"), c.hex.clone());
        if let Some(r) = &c.role {
            m.insert(r.clone(), c.hex.clone());
        }
    }
    if let Some(a) = accent
        && let Some(c) = project.brand.colors.iter().find(|c| c.id == a)
    {
        m.insert("accent".into(), c.hex.clone());
    }
    for (k, v) in [
        ("primary", "#0B3D5C"),
        ("accent", "#E3A23B"),
        ("text", "#15212B"),
        ("background", "#F7F3EC"),
    ] {
        m.entry(k.to_string()).or_insert_with(|| v.to_string());
    }
    m.insert("white".into(), "#FFFFFF".into());
    // Text in the accent colour on the primary background only where it stays readable
    // (WCAG AA, 4.5:1); white otherwise.
    let (a, p) = (
        marque_project::brand::parse_hex(&m["accent"]),
        marque_project::brand::parse_hex(&m["primary"]),
    );
    let readable =
        matches!((a, p), (Some(a), Some(p)) if marque_assets::tokens::contrast_ratio(a, p) >= 4.5);
    let highlight = if readable {
        m["accent"].clone()
    } else {
        "#FFFFFF".to_string()
    };
    m.insert("highlight".into(), highlight);
    m
}

/// `x`, `y`, `width`, `height` of a drawing function's call.
fn place(kwargs: &Kwargs) -> tera::TeraResult<(f64, f64, f64, f64)> {
    Ok((
        kwargs.get::<f64>("x")?.unwrap_or(0.0),
        kwargs.get::<f64>("y")?.unwrap_or(0.0),
        kwargs.must_get::<f64>("width")?,
        kwargs.must_get::<f64>("height")?,
    ))
}

/// A Tera instance for SVG templates (autoescaped) with `logo(id, x, y, width,
/// height)`, which places a brand logo, fitted and centred, in the box.
pub fn drawing_tera(logos: &BTreeMap<String, Drawing>) -> Tera {
    let mut tera = Tera::default();
    tera.autoescape_on([".svg", ".html"]);
    tera.register_filter("group_by", marque_site::render::stable_group_by);
    let logos = Arc::new(logos.clone());
    tera.register_function(
        "logo",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let id = kwargs.must_get::<&str>("id")?;
            let d = logos.get(id).ok_or_else(|| {
                tera::Error::message(format!(
                    "logo(id='{id}'): no such logo (brand.yaml has {})",
                    logos.keys().cloned().collect::<Vec<_>>().join(", ")
                ))
            })?;
            let (x, y, w, h) = place(&kwargs)?;
            Ok(tera::Value::safe_string(&d.fit(
                &format!("lg{}-", x as i64),
                x,
                y,
                w,
                h,
            )))
        },
    );
    tera
}

/// The Tera instance of one kit: its templates and the functions that place drawings.
fn tera_for(
    kit: &Kit,
    logos: &BTreeMap<String, Drawing>,
    mark: &Mark,
    partner: Option<&Partner>,
    lockups: &Lockups,
) -> Result<Tera, Diagnostics> {
    let mut tera = drawing_tera(logos);
    register_event_mark(&mut tera, mark.clone());
    register_partner_logo(&mut tera, partner.cloned());
    register_lockup(&mut tera, lockups);
    let mut d = Diagnostics::new();
    for (name, f) in &kit.templates {
        let src = String::from_utf8_lossy(&f.bytes);
        if let Err(e) = tera.add_raw_template(name, &src) {
            d.push(tera_diag(&e, &f.rel, kit, ""));
        }
    }
    if d.has_errors() { Err(d) } else { Ok(tera) }
}

/// `event_mark(x, y, width, height, color)`: the mark, the placeholder in `color`.
fn register_event_mark(tera: &mut Tera, mark: Mark) {
    tera.register_function(
        "event_mark",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let (x, y, w, h) = place(&kwargs)?;
            let color = kwargs.get::<&str>("color")?.unwrap_or("#FFFFFF");
            Ok(tera::Value::safe_string(
                &mark.in_color(color).fit("ev-", x, y, w, h),
            ))
        },
    );
}

/// `partner_logo(x, y, width, height)`: the partner's logo, nothing without one.
fn register_partner_logo(tera: &mut Tera, partner: Option<Partner>) {
    tera.register_function(
        "partner_logo",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let (x, y, w, h) = place(&kwargs)?;
            Ok(tera::Value::safe_string(
                &partner
                    .as_ref()
                    .and_then(|p| p.logo.as_ref())
                    .map(|d| d.fit("pt-", x, y, w, h))
                    .unwrap_or_default(),
            ))
        },
    );
}

/// `lockup(x, y, width, height, color)`: the primary lockup for `color="primary"`,
/// else the white one.
fn register_lockup(tera: &mut Tera, lockups: &Lockups) {
    let primary = Drawing::new(Arc::new(lockups.primary.as_bytes().to_vec()));
    let white = Drawing::new(Arc::new(lockups.white.as_bytes().to_vec()));
    tera.register_function(
        "lockup",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let (x, y, w, h) = place(&kwargs)?;
            let d = if kwargs.get::<&str>("color")? == Some("primary") {
                &primary
            } else {
                &white
            };
            Ok(tera::Value::safe_string(&d.fit("lk-", x, y, w, h)))
        },
    );
}

/// A Tera error as a diagnostic on the template `file`, naming the kit and the
/// language (when there is one).
fn tera_diag(e: &tera::Error, file: &str, kit: &Kit, lang: &str) -> Diagnostic {
    let base = marque_site::tera_error(e, std::path::Path::new(""), file);
    let mut msg = base.message.clone();
    // Our message names the kit and the language; the file is the template.
    let shown = if lang.is_empty() {
        format!("kit '{}': {msg}", kit.id)
    } else {
        format!("kit '{}' ({lang}): {msg}", kit.id)
    };
    msg = shown;
    let mut d = Diagnostic::error(file, msg);
    if let Some(l) = base.line {
        d = d.at(l, base.column.unwrap_or(1));
    }
    d
}

/// What every format's template is filled with, for one kit in one language.
pub(crate) struct Filling<'a> {
    kit: &'a Kit,
    lang: &'a str,
    dir: &'a str,
    has_partner: bool,
    fonts: &'a Fonts,
    tera: Tera,
    texts: BTreeMap<String, String>,
    colors: BTreeMap<String, String>,
}

impl<'a> Filling<'a> {
    /// The kit's templates loaded (errors name each template) and its texts and colours.
    pub(crate) fn new(
        inputs: &'a Inputs,
        kit: &'a Kit,
        lang: &'a str,
        partner: Option<&Partner>,
        mark: &Mark,
        lockups: &Lockups,
    ) -> Result<Self, Diagnostics> {
        let project = inputs.project;
        let tera = tera_for(kit, inputs.logos, mark, partner, lockups)?;
        Ok(Filling {
            kit,
            lang,
            dir: project
                .language(lang)
                .map(|l| l.dir.as_str())
                .unwrap_or("ltr"),
            has_partner: partner.is_some(),
            fonts: inputs.fonts,
            tera,
            texts: fields(inputs, kit, lang, partner),
            colors: brand_colors(project, kit.data.accent.as_ref().map(|a| a.value.as_str())),
        })
    }

    /// Every format filled, in the order of `FORMATS`; the errors of all, sorted.
    pub(crate) fn fill_all(&self) -> Result<Vec<Filled>, Diagnostics> {
        let filled: Vec<Result<Filled, Diagnostic>> =
            FORMATS.par_iter().map(|f| self.fill(f)).collect();
        let (ok, mut diags) = collect_results(filled);
        if diags.has_errors() {
            diags.sort();
            return Err(diags);
        }
        Ok(ok)
    }

    /// One format: its template rendered, then its texts fitted.
    fn fill(&self, f: &Format) -> Result<Filled, Diagnostic> {
        let (kit, lang) = (self.kit, self.lang);
        let tpl = &kit.templates[f.template];
        let src = self
            .tera
            .render(f.template, &self.context(f))
            .map_err(|e| tera_diag(&e, &tpl.rel, kit, lang))?;
        let svg = fit::fill(&src, &self.texts, self.fonts, f.text_area()).map_err(|e| {
            let d = Diagnostic::error(
                &tpl.rel,
                format!(
                    "kit '{}', template '{}' ({}), language '{lang}': {}",
                    kit.id, f.template, f.name, e.message
                ),
            );
            // The line of the box in the template as written (the filled text has
            // other line numbers).
            let source = String::from_utf8_lossy(&tpl.bytes);
            let needle = format!("data-fit=\"{}\"", e.field);
            match source.lines().position(|l| l.contains(&needle)) {
                Some(i) if !e.field.is_empty() => d.at_line(i + 1),
                _ => d,
            }
        })?;
        Ok(Filled { svg })
    }

    /// The variables a format's template sees.
    fn context(&self, f: &Format) -> Context {
        let frame = f.frame();
        let mut ctx = Context::new();
        ctx.insert("w", &frame.w);
        ctx.insert("h", &frame.h);
        ctx.insert("unit", frame.unit);
        ctx.insert("bleed", &frame.bleed);
        ctx.insert("safe_top", &frame.safe_top);
        ctx.insert("safe_bottom", &frame.safe_bottom);
        ctx.insert("format", f.name);
        ctx.insert("lang", self.lang);
        ctx.insert("dir", self.dir);
        ctx.insert("color", &self.colors);
        ctx.insert("text", &self.texts);
        ctx.insert(
            "kit",
            &json!({"id": self.kit.id, "has_partner": self.has_partner}),
        );
        ctx
    }
}
