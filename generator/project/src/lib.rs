//! The model of a marque project and its loading: the first step of the flow
//! (`sources on disk ──load──▶ Project`). Everything here is read-only once loaded, and
//! loading validates every source, collecting *all* problems with file, line and column.

#![forbid(unsafe_code)]

pub mod brand;
pub mod charset;
pub mod config;
pub mod date;
pub mod diag;
pub mod front_matter;
pub mod geo;
pub mod indicators;
pub mod kits;
pub mod limits;
pub mod load;
pub mod mime;
pub mod photos;
pub mod source;
pub mod theme;
pub mod vtt;
pub mod yaml;

pub use brand::{Brand, BrandColor, BrandFile, BrandFont, LogoColor, LogoLayout};
pub use charset::CharSet;
pub use config::{Config, Direction, Language, MissingTranslation};
pub use date::Date;
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use front_matter::FrontMatter;
pub use kits::Kit;
pub use load::{
    BundleFile, LoadOptions, Project, SourcePage, load_project, load_project_with_errors,
    reload_project, reload_project_with_errors,
};
pub use source::{ReadError, Sources};
pub use theme::Theme;
