//! Section calendars: a section whose page says `extra.calendar: true` gets
//! `calendar.ics` with one all-day event per dated page in it (`extra.place`, or
//! `extra.online: true`, gives the location), in each language.

use marque_assets::ics::{Event, calendar};
use marque_project::Project;
use marque_site::{EntryKind, Prepared};
use serde_json::Value;

use crate::OutputFile;

/// The calendar files of the site.
pub fn derive(project: &Project, prepared: &Prepared) -> Vec<OutputFile> {
    let site = &prepared.site;
    let base = project.config.base();
    let host = base
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let mut out = Vec::new();
    for e in site.entries.iter().filter(|e| e.kind == EntryKind::Section) {
        let src = &project.pages[e.source];
        if src.front.extra.get("calendar") != Some(&Value::Bool(true)) {
            continue;
        }
        let lang = &project.languages[e.lang];
        let online = project
            .theme
            .strings
            .get(&lang.code)
            .and_then(|s| s.values.get("online"))
            .and_then(Value::as_str)
            .unwrap_or("Online")
            .to_string();
        let mut events: Vec<Event> = e
            .pages
            .iter()
            .filter_map(|&i| {
                let pe = &site.entries[i];
                let p = &project.pages[pe.source];
                let date = p.front.date?;
                let extra = &p.front.extra;
                let end = extra
                    .get("end")
                    .and_then(Value::as_str)
                    .and_then(|s| marque_project::Date::parse(s).ok())
                    .filter(|d| *d >= date)
                    .unwrap_or(date);
                let location = match (
                    extra.get("place").and_then(Value::as_str),
                    extra.get("online"),
                ) {
                    (Some(place), Some(Value::Bool(true))) => Some(format!("{place} / {online}")),
                    (Some(place), _) => Some(place.to_string()),
                    (None, Some(Value::Bool(true))) => Some(online.clone()),
                    _ => None,
                };
                Some(Event {
                    uid: format!(
                        "{}@{host}",
                        pe.key.trim_end_matches(".md").replace('/', "-")
                    ),
                    start: date,
                    end,
                    summary: p.title().to_string(),
                    location,
                    url: Some(format!("{base}{}", pe.path)),
                })
            })
            .collect();
        events.sort_by_key(|ev| (ev.start, ev.uid.clone()));
        let ics = calendar(src.title(), &events);
        out.push(OutputFile::new(
            format!("{}calendar.ics", e.path.trim_start_matches('/')),
            std::sync::Arc::new(ics.into_bytes()),
        ));
    }
    out
}

/// Section calendars as a feature, made from the prepared site.
pub struct CalendarsFeature;

impl crate::feature::Feature for CalendarsFeature {
    fn name(&self) -> &'static str {
        "calendars"
    }

    fn prepare(
        &self,
        _cx: &crate::feature::Context,
    ) -> Result<crate::feature::Given, marque_project::Diagnostics> {
        Ok(crate::feature::Given::default())
    }

    fn emit(
        &self,
        cx: &crate::feature::Context,
        prepared: &Prepared,
    ) -> Result<Vec<OutputFile>, marque_project::Diagnostics> {
        Ok(derive(cx.project, prepared))
    }
}
