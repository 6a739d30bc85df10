//! Pages: the narrative's Markdown, the Tera templates, URLs, translations, feeds and
//! the sitemap. In the flow, this crate turns a loaded `Project` into the page jobs of
//! the plan and renders each of them to bytes.

#![forbid(unsafe_code)]

pub mod links;
pub mod markdown;
pub mod model;
pub mod render;

pub use model::{Entry, EntryKind, SEARCH_TEMPLATE, Site, slugify};
pub use render::{
    CardEntry, Carry, Global, MarkdownCache, PageJob, PageKind, Prepared, Read, recording,
    tera_error, xml_escape,
};
