//! The theme's own files as features: the stylesheet (the theme's CSS with the brand's
//! custom properties, checked for contrast, bundled and hashed) and the static files
//! copied as they are (their addresses carry a hash of their bytes).

use std::sync::Arc;

use marque_project::Diagnostics;

use crate::OutputFile;
use crate::feature::{Context, Feature, Given, key_of};

/// The stylesheet: the theme's text and background pairs checked against WCAG AA,
/// then its CSS bundled with the brand's properties and the web fonts' `@font-face`
/// rules (one request fewer than a stylesheet of their own).
pub struct StylesheetFeature;

impl Feature for StylesheetFeature {
    fn name(&self) -> &'static str {
        "stylesheet"
    }

    fn key(&self, cx: &Context) -> Option<[u8; 32]> {
        let p = cx.project;
        let faces = cx.shared.font_faces.clone().unwrap_or_default();
        let mut parts: Vec<&[u8]> = vec![&p.config_hash, &p.brand.hash, faces.as_bytes()];
        let contrast = serde_json::to_string(&p.theme.settings.contrast).unwrap_or_default();
        parts.push(contrast.as_bytes());
        for f in &p.theme.css {
            parts.push(f.name.as_bytes());
            parts.push(&f.bytes);
        }
        Some(key_of(&parts))
    }

    fn prepare(&self, cx: &Context) -> Result<Given, Diagnostics> {
        let contrast = marque_assets::tokens::check_contrast(cx.project);
        if contrast.has_errors() {
            return Err(contrast);
        }
        let mut given = Given::default();
        if let Some(c) = marque_assets::css::bundle_css(
            cx.project,
            &cx.shared.font_faces.clone().unwrap_or_default(),
        )? {
            let base = cx.project.config.base_path();
            given
                .assets
                .push((c.name.clone(), format!("{base}/{}", c.output)));
            given
                .files
                .push(OutputFile::new(c.output, Arc::new(c.bytes)));
        }
        Ok(given)
    }
}

/// The theme's static files, published as they are.
pub struct StaticFilesFeature;

impl Feature for StaticFilesFeature {
    fn name(&self) -> &'static str {
        "static files"
    }

    fn key(&self, cx: &Context) -> Option<[u8; 32]> {
        let p = cx.project;
        let mut parts: Vec<&[u8]> = vec![&p.config_hash];
        for f in &p.theme.statics {
            parts.push(f.name.as_bytes());
            parts.push(&f.bytes);
        }
        Some(key_of(&parts))
    }

    fn prepare(&self, cx: &Context) -> Result<Given, Diagnostics> {
        let base = cx.project.config.base_path();
        let mut given = Given::default();
        for f in &cx.project.theme.statics {
            let h = marque_assets::short_hash(&f.bytes, 10);
            given
                .assets
                .push((f.name.clone(), format!("{base}/{}?v={h}", f.name)));
            given
                .files
                .push(OutputFile::new(f.name.clone(), Arc::new(f.bytes.clone())));
        }
        Ok(given)
    }
}
