//! Every derived feature has one shape, the way mdBook gives its preprocessors and
//! renderers one trait each: a [`Feature`] checks the project and gives, before the site
//! is prepared, named template globals, files and asset addresses ([`Given`]); it may
//! then set up the prepared site ([`Feature::configure`]) and make files from it
//! ([`Feature::emit`]). [`crate::plan`] runs the list of features; a `marque serve`
//! session keeps each one's [`Given`] while the hash of its inputs ([`Feature::key`])
//! stays the same ([`FeatureCache`]). Adding a feature means one module and one line
//! in the list.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use marque_assets::cache::DerivedCache;
use marque_project::{Diagnostics, Project};
use marque_site::{Global, Prepared};

use crate::OutputFile;
use crate::brand::BrandSet;

/// What features read: the project, the cache of derived files, and what earlier
/// features leave for later ones.
pub struct Context<'a> {
    /// The project.
    pub project: &'a Project,
    /// Rasters, PDFs and archives made before.
    pub derived: &'a DerivedCache,
    /// What earlier features left.
    pub shared: Shared,
}

/// What a feature leaves for the ones after it in the list.
#[derive(Default, Clone)]
pub struct Shared {
    /// The brand set (fonts, logo drawings, downloads), from the brand feature.
    pub brand: Option<Arc<BrandSet>>,
    /// Media files left out of the site (photos past their rights), from the photos
    /// feature.
    pub left_out: Option<Arc<BTreeSet<String>>>,
    /// The `@font-face` rules of the web fonts, from the web fonts feature, for the
    /// stylesheet.
    pub font_faces: Option<Arc<String>>,
}

impl Shared {
    /// Takes what `other` sets.
    pub fn merge(&mut self, other: &Shared) {
        if other.brand.is_some() {
            self.brand = other.brand.clone();
        }
        if other.left_out.is_some() {
            self.left_out = other.left_out.clone();
        }
        if other.font_faces.is_some() {
            self.font_faces = other.font_faces.clone();
        }
    }
}

impl Context<'_> {
    /// Media files left out of the site (none before the photos feature has run).
    pub fn left_out(&self) -> Arc<BTreeSet<String>> {
        self.shared.left_out.clone().unwrap_or_default()
    }
}

/// What a feature gives before the site is prepared.
#[derive(Default, Clone)]
pub struct Given {
    /// Template globals, each with the hash of its values.
    pub globals: Vec<Global>,
    /// Files written as they are.
    pub files: Vec<OutputFile>,
    /// Addresses that templates find with `asset()`: name → URL.
    pub assets: Vec<(String, String)>,
    /// Warnings.
    pub warnings: Diagnostics,
    /// What it leaves for the features after it.
    pub shared: Shared,
}

impl Given {
    /// Files published where templates can name them (`asset("downloads/…")`), and
    /// one template global.
    pub fn published(project: &Project, files: Vec<OutputFile>, global: Global) -> Given {
        let base = project.config.base_path();
        Given {
            assets: files
                .iter()
                .map(|f| (f.path.clone(), format!("{base}/{}", f.path)))
                .collect(),
            files,
            globals: vec![global],
            ..Default::default()
        }
    }
}

/// A derived feature of the site.
pub trait Feature: Sync {
    /// Its name (one word, unique in the list).
    fn name(&self) -> &'static str;

    /// The hash of everything [`Feature::prepare`] reads: a session reuses what it
    /// gave while the hash stays the same. `None` (the default): made every time.
    fn key(&self, _cx: &Context) -> Option<[u8; 32]> {
        None
    }

    /// Checks the project and makes what templates read and the files that do not
    /// depend on the prepared site.
    fn prepare(&self, cx: &Context) -> Result<Given, Diagnostics>;

    /// Sets up the prepared site before anything is rendered; may make files doing so
    /// (the sizes of the pictures it places). Gives the files it made and the errors it
    /// found: the files it could make are kept, so that the build goes on to report the
    /// problems of its later steps too.
    fn configure(&self, _cx: &Context, _prepared: &mut Prepared) -> (Vec<OutputFile>, Diagnostics) {
        (Vec::new(), Diagnostics::new())
    }

    /// Makes the files that come from the prepared site (its titles, addresses).
    fn emit(&self, _cx: &Context, _prepared: &Prepared) -> Result<Vec<OutputFile>, Diagnostics> {
        Ok(Vec::new())
    }
}

/// What each feature gave at the last rebuild of a session, by name, with its key.
#[derive(Default)]
pub struct FeatureCache {
    last: Mutex<HashMap<&'static str, ([u8; 32], Given)>>,
    /// It belongs to a session: what a build makes for the next is kept.
    resident: bool,
}

impl FeatureCache {
    /// The cache of a `marque serve` session, whose builds lend to the next ones.
    pub fn resident() -> FeatureCache {
        FeatureCache {
            resident: true,
            ..FeatureCache::default()
        }
    }

    /// Whether it belongs to a session.
    pub fn is_resident(&self) -> bool {
        self.resident
    }

    /// What `feature` gives now: from the cache while its key is the same, else made
    /// (and kept when it has a key).
    pub fn give(&self, feature: &dyn Feature, cx: &Context) -> Result<Given, Diagnostics> {
        let key = feature.key(cx);
        if let Some(k) = key
            && let Ok(last) = self.last.lock()
            && let Some((lk, given)) = last.get(feature.name())
            && *lk == k
        {
            return Ok(given.clone());
        }
        let what = format!("making the {} of the site", feature.name());
        let given = crate::guard(&what, || feature.prepare(cx))??;
        if let (Some(k), Ok(mut last)) = (key, self.last.lock()) {
            last.insert(feature.name(), (k, given.clone()));
        }
        Ok(given)
    }
}

/// A hash of several parts, each length-prefixed.
pub fn key_of(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p);
    }
    *h.finalize().as_bytes()
}

/// The hash of what the brand set and the kits are made from: the configuration, the
/// brand, the kits and the interface strings (guides and kits are written in them).
pub fn sets_key(project: &Project) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(&project.config_hash);
    h.update(&project.brand.hash);
    for k in &project.kits {
        h.update(&k.hash);
    }
    for (lang, strings) in &project.theme.strings {
        h.update(lang.as_bytes());
        h.update(
            serde_json::to_string(&strings.values)
                .unwrap_or_default()
                .as_bytes(),
        );
    }
    *h.finalize().as_bytes()
}
