//! CSS: `themes/<theme>/css/*.css`, in file-name order, after the custom properties
//! generated from `brand/brand.yaml`, minified for the configured browsers.

use lightningcss::stylesheet::{MinifyOptions, ParserOptions, PrinterOptions, StyleSheet};
use lightningcss::targets::{Browsers, Targets};
use marque_project::brand::Brand;
use marque_project::{Diagnostic, Diagnostics, Project};

use crate::short_hash;

/// The bundled stylesheet.
#[derive(Debug, Clone)]
pub struct CssBundle {
    /// The name templates ask for (`css/site.css`).
    pub name: String,
    /// Output path with its content hash (`css/site.1a2b3c4d.css`).
    pub output: String,
    /// Minified CSS.
    pub bytes: Vec<u8>,
}

fn css_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The `:root` block of brand custom properties: `--brand-<id>` per colour,
/// `--color-<role>` per colour role, `--font-<role>` per typeface role.
pub fn brand_properties(brand: &Brand) -> String {
    let mut out = String::from(":root {\n");
    for c in &brand.colors {
        out.push_str(&format!("  --brand-{}: {};\n", c.id, c.hex));
    }
    let mut roles_seen = std::collections::BTreeSet::new();
    for c in &brand.colors {
        if let Some(role) = &c.role
            && marque_project::brand::is_css_ident(role)
            && roles_seen.insert(role.clone())
        {
            out.push_str(&format!("  --color-{role}: var(--brand-{});\n", c.id));
        }
    }
    // Each role's family first, then the brand's other families: the faces of each
    // cover their own script (their `unicode-range`), so an Arabic word in a heading
    // is set in the brand's Arabic face, not in a system one.
    let mut families: Vec<&str> = Vec::new();
    for f in &brand.typography {
        if !families.contains(&f.family.as_str()) {
            families.push(&f.family);
        }
    }
    for f in &brand.typography {
        if marque_project::brand::is_css_ident(&f.role) {
            let fallback = f.fallback.as_deref().unwrap_or("system-ui, sans-serif");
            let mut stack = vec![css_string(&f.family)];
            stack.extend(
                families
                    .iter()
                    .filter(|o| **o != f.family)
                    .map(|o| css_string(o)),
            );
            out.push_str(&format!(
                "  --font-{}: {}, {fallback};\n",
                f.role,
                stack.join(", ")
            ));
        }
    }
    out.push_str("}\n");
    out
}

fn targets(project: &Project) -> Result<Targets, Diagnostic> {
    match Browsers::from_browserslist(project.config.css.browsers.iter()) {
        Ok(b) => Ok(Targets::from(b.unwrap_or_default())),
        Err(e) => Err(Diagnostic::error(
            "marque.yaml",
            format!("css.browsers: {e} (use browserslist queries like '> 0.5%, last 2 versions')"),
        )),
    }
}

/// Bundles and minifies the theme's CSS after `font_faces` (the web fonts'
/// `@font-face` rules) and the brand's properties. `None` when the theme has no CSS.
pub fn bundle_css(project: &Project, font_faces: &str) -> Result<Option<CssBundle>, Diagnostics> {
    let mut diags = Diagnostics::new();
    if project.theme.css.is_empty() {
        return Ok(None);
    }
    let targets = match targets(project) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return Err(diags);
        }
    };
    let mut all = format!("{font_faces}{}", brand_properties(&project.brand));
    for f in project
        .theme
        .css
        .iter()
        .filter(|f| f.name.ends_with(".css"))
    {
        let text = match std::str::from_utf8(&f.bytes) {
            Ok(t) => t,
            Err(_) => {
                diags.push(Diagnostic::error(&f.path, "not UTF-8 text"));
                continue;
            }
        };
        let opts = ParserOptions {
            filename: f.path.to_string_lossy().into_owned(),
            ..ParserOptions::default()
        };
        if let Err(e) = StyleSheet::parse(text, opts) {
            let mut d = Diagnostic::error(&f.path, format!("CSS does not parse: {}", e.kind));
            if let Some(loc) = &e.loc {
                d = d.at(loc.line as usize + 1, loc.column as usize);
            }
            diags.push(d);
            continue;
        }
        all.push_str(text);
        all.push('\n');
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut sheet = match StyleSheet::parse(&all, ParserOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            diags.push(Diagnostic::error(
                &project.theme.dir,
                format!("CSS bundle does not parse: {}", e.kind),
            ));
            return Err(diags);
        }
    };
    if let Err(e) = sheet.minify(MinifyOptions {
        targets,
        ..MinifyOptions::default()
    }) {
        diags.push(Diagnostic::error(
            &project.theme.dir,
            format!("CSS cannot be minified: {}", e.kind),
        ));
        return Err(diags);
    }
    let css = match sheet.to_css(PrinterOptions {
        minify: true,
        targets,
        ..PrinterOptions::default()
    }) {
        Ok(r) => r.code,
        Err(e) => {
            diags.push(Diagnostic::error(
                &project.theme.dir,
                format!("CSS cannot be printed: {}", e.kind),
            ));
            return Err(diags);
        }
    };
    let bytes = css.into_bytes();
    let hash = short_hash(&bytes, 10);
    Ok(Some(CssBundle {
        name: "css/site.css".into(),
        output: format!("css/site.{hash}.css"),
        bytes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use marque_project::brand::{BrandColor, BrandFont};

    #[test]
    fn can_generate_brand_properties() {
        let brand = Brand {
            name: "X".into(),
            colors: vec![BrandColor {
                id: "bleu".into(),
                name: "Bleu".into(),
                role: Some("primary".into()),
                hex: "#0A3D62".into(),
                cmyk: None,
                pantone: None,
                ral: None,
            }],
            typography: vec![BrandFont {
                family: "Inter".into(),
                role: "body".into(),
                weights: vec![400],
                fallback: None,
                licence: None,
                usage: None,
                files: vec![],
            }],
            ..Brand::default()
        };
        let css = brand_properties(&brand);
        assert!(css.contains("--brand-bleu: #0A3D62;"));
        assert!(css.contains("--color-primary: var(--brand-bleu);"));
        assert!(css.contains("--font-body: \"Inter\", system-ui, sans-serif;"));
        // A second family follows the first in every stack, and leads its own.
        let mut two = brand.clone();
        two.typography.push(BrandFont {
            family: "Noto Sans Arabic".into(),
            role: "arabic".into(),
            ..brand.typography[0].clone()
        });
        let css = brand_properties(&two);
        assert!(
            css.contains("--font-body: \"Inter\", \"Noto Sans Arabic\", system-ui, sans-serif;")
        );
        assert!(
            css.contains("--font-arabic: \"Noto Sans Arabic\", \"Inter\", system-ui, sans-serif;")
        );
    }
}
