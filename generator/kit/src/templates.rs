//! Template filling: a kit's SVG templates rendered by Tera with its texts, the brand
//! colours and functions that place drawings (logos, the event mark, the partner, the
//! lockups), then their text boxes fitted with the brand fonts.

use std::collections::BTreeMap;
use std::sync::Arc;

use marque_assets::svg::{Drawing, Fonts};
use marque_assets::text::Direction;
use marque_project::{Diagnostic, Diagnostics, Kit, Project};
use rayon::prelude::*;
use serde_json::json;
use tera::{Context, Kwargs, State, Tera};

use crate::fit;
use crate::formats::{FORMATS, Format};
use crate::locale::{Facts, facts, localized, text};
use crate::lockup::{Lockup, Lockups};
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
    min: MinWidths,
) -> Result<Tera, Diagnostics> {
    let mut tera = drawing_tera(logos);
    register_event_mark(&mut tera, mark.clone());
    register_partner_logo(&mut tera, partner.cloned());
    register_lockup(&mut tera, lockups, min);
    let mut d = Diagnostics::new();
    for (name, f) in &kit.templates {
        let src = String::from_utf8_lossy(&f.bytes);
        if let Err(e) = tera.add_raw_template(name, &src) {
            d.push(tera_diag(&e, &f.rel, kit, ""));
        }
    }
    if d.has_errors() { Err(d) } else { Ok(tera) }
}

/// Where a drawing fitted in the box `x, y, w, h` is drawn: `x y w h`, as the
/// `data-box` marker of the group that holds it (checked against the safe area).
fn drawn_box(d: &Drawing, x: f64, y: f64, w: f64, h: f64) -> String {
    let s = (w / d.width.max(1e-6)).min(h / d.height.max(1e-6));
    let (dw, dh) = (d.width * s, d.height * s);
    format!(
        "{:.2} {:.2} {:.2} {:.2}",
        x + (w - dw) / 2.0,
        y + (h - dh) / 2.0,
        dw,
        dh
    )
}

/// `event_mark(x, y, width, height, color)`: the mark, the placeholder in `color`.
fn register_event_mark(tera: &mut Tera, mark: Mark) {
    tera.register_function(
        "event_mark",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let (x, y, w, h) = place(&kwargs)?;
            let color = kwargs.get::<&str>("color")?.unwrap_or("#FFFFFF");
            let d = mark.in_color(color);
            Ok(tera::Value::safe_string(&format!(
                r#"<g data-box="{}" data-what="the event mark">{}</g>"#,
                drawn_box(&d, x, y, w, h),
                d.fit("ev-", x, y, w, h)
            )))
        },
    );
}

/// `partner_logo(x, y, width, height, dark=false)`: the partner's logo (its light
/// version on a `dark` background, when given), nothing without one.
fn register_partner_logo(tera: &mut Tera, partner: Option<Partner>) {
    tera.register_function(
        "partner_logo",
        move |kwargs: Kwargs, _: &State| -> tera::TeraResult<tera::Value> {
            let (x, y, w, h) = place(&kwargs)?;
            let dark = kwargs.get::<bool>("dark")?.unwrap_or(false);
            let logo = partner.as_ref().and_then(|p| {
                if dark {
                    p.logo_light.as_ref().or(p.logo.as_ref())
                } else {
                    p.logo.as_ref().or(p.logo_light.as_ref())
                }
            });
            Ok(tera::Value::safe_string(
                &logo
                    .map(|d| {
                        format!(
                            r#"<g data-box="{}" data-what="the partner's logo">{}</g>"#,
                            drawn_box(d, x, y, w, h),
                            d.fit("pt-", x, y, w, h)
                        )
                    })
                    .unwrap_or_default(),
            ))
        },
    );
}

/// The brand's smallest widths for its horizontal logo: (print mm, screen px).
pub(crate) type MinWidths = (Option<f64>, Option<f64>);

/// `lockup(x, y, width, height, color, partner=true)`: the primary lockup for
/// `color="primary"`, else the white one; with a partner, in a row or stacked,
/// whichever draws the brand's logo at its minimum size at least (else the larger,
/// marked for the check that names the size reached); `partner=false` leaves the
/// partner out, for a template that shows it elsewhere.
fn register_lockup(tera: &mut Tera, lockups: &Lockups, min: MinWidths) {
    let drawing = |l: &Lockup| {
        (
            Drawing::new(Arc::new(l.svg.as_bytes().to_vec())),
            l.logo_width / l.width.max(1e-6),
        )
    };
    let rows = [drawing(&lockups.primary), drawing(&lockups.white)];
    let stacks = [
        lockups.primary_stacked.as_ref().map(drawing),
        lockups.white_stacked.as_ref().map(drawing),
    ];
    let alone = [
        lockups.primary_alone.as_ref().map(drawing),
        lockups.white_alone.as_ref().map(drawing),
    ];
    tera.register_function(
        "lockup",
        move |kwargs: Kwargs, state: &State| -> tera::TeraResult<tera::Value> {
            let (x, y, w, h) = place(&kwargs)?;
            let i = if kwargs.get::<&str>("color")? == Some("primary") {
                0
            } else {
                1
            };
            let with_partner = kwargs.get::<bool>("partner")?.unwrap_or(true);
            let min = match state.get::<String>("unit")?.as_deref() {
                Some("mm") => min.0,
                Some("px") => min.1,
                _ => None,
            }
            .unwrap_or(0.0);
            // The logo's width when the lockup is fitted in the box.
            let logo = |(d, share): &(Drawing, f64)| {
                let s = (w / d.width.max(1e-6)).min(h / d.height.max(1e-6));
                d.width * s * share
            };
            let mut choice = &rows[i];
            if let (false, Some(a)) = (with_partner, &alone[i]) {
                choice = a;
            } else if let Some(stack) = &stacks[i]
                && logo(choice) < min
                && logo(stack) > logo(choice)
            {
                choice = stack;
            }
            let (d, _) = choice;
            Ok(tera::Value::safe_string(&format!(
                r#"<g data-box="{}" data-what="the lockup" data-logo-width="{:.2}">{}</g>"#,
                drawn_box(d, x, y, w, h),
                logo(choice),
                d.fit("lk-", x, y, w, h)
            )))
        },
    );
}

/// A length for a message: one decimal, no trailing zero.
fn fmt1(v: f32) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
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
    has_partner_logo: bool,
    partner_name: String,
    brand_name: &'a str,
    min: MinWidths,
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
        let horizontal = project
            .brand
            .rules
            .min_size
            .iter()
            .find(|m| m.layout == marque_project::brand::LogoLayout::Horizontal);
        let min = (
            horizontal.map(|m| m.print_mm),
            horizontal.map(|m| m.screen_px as f64),
        );
        let tera = tera_for(kit, inputs.logos, mark, partner, lockups, min)?;
        Ok(Filling {
            partner_name: partner.map(|p| p.name.clone()).unwrap_or_default(),
            brand_name: &project.brand.name,
            min,
            kit,
            lang,
            dir: project
                .language(lang)
                .map(|l| l.dir.as_str())
                .unwrap_or("ltr"),
            has_partner: partner.is_some(),
            has_partner_logo: partner.is_some_and(|p| p.logo.is_some() || p.logo_light.is_some()),
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
        let direction = if self.dir == "rtl" {
            Direction::Rtl
        } else {
            Direction::Ltr
        };
        let svg =
            fit::fill(&src, &self.texts, self.fonts, direction, f.text_area()).map_err(|e| {
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
        self.check_drawings(f, &svg)?;
        Ok(Filled { svg })
    }

    /// The lockup and the event mark stay in the format's safe area, and the lockup
    /// draws the brand's logo at its minimum size at least.
    fn check_drawings(&self, f: &Format, svg: &str) -> Result<(), Diagnostic> {
        let (kit, lang) = (self.kit, self.lang);
        let tpl = &kit.templates[f.template];
        let source = String::from_utf8_lossy(&tpl.bytes);
        let at_call = |d: Diagnostic, what: &str| {
            let call = if what.contains("lockup") {
                "lockup("
            } else {
                "event_mark("
            };
            match source.lines().position(|l| l.contains(call)) {
                Some(i) => d.at_line(i + 1),
                None => d,
            }
        };
        let doc = roxmltree::Document::parse(svg)
            .map_err(|e| Diagnostic::error(&tpl.rel, format!("kit '{}' ({lang}): {e}", kit.id)))?;
        let unit = f.frame().unit;
        for g in doc.descendants().filter(|n| n.has_tag_name("g")) {
            let (Some(b), Some(what)) = (g.attribute("data-box"), g.attribute("data-what")) else {
                continue;
            };
            let v: Vec<f32> = b.split(' ').filter_map(|x| x.parse().ok()).collect();
            if let (Some((x0, y0, x1, y1, area)), [x, y, w, h]) = (f.text_area(), v.as_slice())
                && (*x < x0 - 0.01 || *y < y0 - 0.01 || x + w > x1 + 0.01 || y + h > y1 + 0.01)
            {
                return Err(at_call(
                    Diagnostic::error(
                        &tpl.rel,
                        format!(
                            "kit '{}', template '{}' ({}), language '{lang}': {what} (drawn at {} {unit} from the left, {} from the top, {} × {}) leaves {area}: move it or make its box smaller",
                            kit.id,
                            f.template,
                            f.name,
                            fmt1(*x),
                            fmt1(*y),
                            fmt1(*w),
                            fmt1(*h)
                        ),
                    ),
                    what,
                ));
            }
            let min = if unit == "mm" { self.min.0 } else { self.min.1 };
            if let (Some(logo), Some(min)) = (
                g.attribute("data-logo-width")
                    .and_then(|v| v.parse::<f64>().ok()),
                min,
            ) && logo < min - 0.05
            {
                let partner = if self.has_partner {
                    format!(", partner '{}'", self.partner_name)
                } else {
                    String::new()
                };
                return Err(at_call(
                    Diagnostic::error(
                        &tpl.rel,
                        format!(
                            "kit '{}', format '{}', language '{lang}'{partner}: the {} logo would be {:.1} {unit} wide in the lockup, under the brand's minimum of {} {unit} (rules.min_size in brand.yaml): give the lockup more room in the template{}",
                            kit.id,
                            f.name,
                            self.brand_name,
                            logo,
                            min,
                            if self.has_partner {
                                ", or give a shorter partner name or the partner's logo"
                            } else {
                                ""
                            }
                        ),
                    ),
                    what,
                ));
            }
        }
        Ok(())
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
            &json!({
                "id": self.kit.id,
                "has_partner": self.has_partner,
                "has_partner_logo": self.has_partner_logo,
            }),
        );
        ctx
    }
}
