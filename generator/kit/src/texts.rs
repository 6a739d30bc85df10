//! The kit's texts in one language: key messages, the press release, the e-mail
//! signature (HTML and plain text), the `.ics` calendar and the README.

use std::sync::Arc;

use marque_project::{Kit, Project};

use crate::locale::{Facts, esc, facts, localized, text};
use crate::{Inputs, KitFile, Partner};

impl KitFile {
    /// A text file of the kit (no size, no thumbnail).
    pub(crate) fn text(path: impl Into<String>, format: &'static str, text: String) -> Self {
        KitFile {
            path: path.into(),
            bytes: Arc::new(text.into_bytes()),
            format,
            size: String::new(),
            thumb: None,
        }
    }
}

/// A plain HTML page around `body`, in the kit's language and direction.
fn html_page(lang: &str, dir: &str, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{lang}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>body{{font-family:Inter,system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#15212B}}h1{{color:#0B3D5C}}li{{margin:.4rem 0}}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n",
        esc(title)
    )
}

/// What every text of a kit in one language draws on.
struct Wording<'a> {
    p: &'a Project,
    kit: &'a Kit,
    lang: &'a str,
    /// The project's default language.
    d: &'a str,
    dir: &'a str,
    /// The kit's name in `lang`.
    name: String,
    facts: Facts,
}

impl Wording<'_> {
    /// A theme string in the kit's language.
    fn t(&self, key: &str, fallback: &str) -> String {
        text(self.p, self.lang, key, fallback)
    }

    /// An HTML page of the kit in its language and direction.
    fn page(&self, title: &str, body: &str) -> String {
        html_page(self.lang, self.dir, title, body)
    }
}

/// Every text file of the kit in `lang`: key messages, the press release when the kit
/// has one, the e-mail signature and the calendar.
pub(crate) fn text_files(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
) -> Vec<KitFile> {
    let p = inputs.project;
    let d = &p.default_language;
    let w = Wording {
        p,
        kit,
        lang,
        d,
        dir: p.language(lang).map(|l| l.dir.as_str()).unwrap_or("ltr"),
        name: localized(&kit.data.name, lang, d),
        facts: facts(p, kit, lang),
    };
    let mut out = Vec::new();
    out.extend(key_messages(&w));
    out.extend(press_release(&w, partner).into_iter().flatten());
    out.push(email_signature(&w, partner.is_some()));
    out.push(KitFile::text(
        format!("{}.ics", kit.id),
        "ICS",
        ics(inputs, kit, lang),
    ));
    out
}

/// `key-messages.html` and `.txt`: the dates, the places, the numbered messages and
/// the hashtag.
fn key_messages(w: &Wording) -> [KitFile; 2] {
    let Facts {
        dates,
        places,
        messages,
    } = &w.facts;
    let title = format!("{} — {}", w.name, w.t("kit_key_messages", "Key messages"));
    let mut html = format!(
        "<h1>{}</h1>\n<p>{} · {}</p>\n<ol>\n",
        esc(&title),
        esc(&dates.join(" · ")),
        esc(&places.join(" · "))
    );
    let mut txt = format!("{title}\n{}\n{}\n\n", dates.join(" · "), places.join(" · "));
    for (i, m) in messages.iter().enumerate() {
        html.push_str(&format!("<li>{}</li>\n", esc(m)));
        txt.push_str(&format!("{}. {m}\n", i + 1));
    }
    html.push_str("</ol>\n");
    if let Some(h) = &w.kit.data.hashtag {
        html.push_str(&format!("<p><strong>{}</strong></p>\n", esc(h)));
        txt.push_str(&format!("\n{h}\n"));
    }
    [
        KitFile::text("key-messages.html", "HTML", w.page(&title, &html)),
        KitFile::text("key-messages.txt", "TXT", txt),
    ]
}

/// `press-release.html` and `.txt`, when the kit has a press release in `lang` or the
/// default language: title, dateline, body, the partner, the contacts.
fn press_release(w: &Wording, partner: Option<&Partner>) -> Option<[KitFile; 2]> {
    let data = &w.kit.data;
    let r = data
        .press_release
        .get(w.lang)
        .or_else(|| data.press_release.get(w.d))?;
    let mut html = format!(
        "<p>{}</p>\n<h1>{}</h1>\n",
        esc(&w.t("kit_press_release", "Press release")),
        esc(&r.title)
    );
    let mut txt = format!(
        "{}\n\n{}\n\n",
        w.t("kit_press_release", "Press release"),
        r.title
    );
    if let Some(dl) = &r.dateline {
        html.push_str(&format!("<p><em>{}</em></p>\n", esc(dl)));
        txt.push_str(&format!("{dl}\n\n"));
    }
    for para in &r.body {
        html.push_str(&format!("<p>{}</p>\n", esc(para)));
        txt.push_str(&format!("{para}\n\n"));
    }
    if let Some(pt) = partner {
        let line = format!("{} {}", w.t("kit_with", "with"), pt.name);
        html.push_str(&format!("<p>{}</p>\n", esc(&line)));
        txt.push_str(&format!("{line}\n\n"));
    }
    html.push_str(&format!(
        "<h2>{}</h2>\n<ul>\n",
        esc(&w.t("kit_contacts", "Contacts"))
    ));
    txt.push_str(&format!("{}\n", w.t("kit_contacts", "Contacts")));
    for c in &data.contacts {
        let line = contact_line(c, w.lang, w.d);
        html.push_str(&format!("<li>{}</li>\n", esc(&line)));
        txt.push_str(&format!("- {line}\n"));
    }
    html.push_str("</ul>\n");
    Some([
        KitFile::text("press-release.html", "HTML", w.page(&r.title, &html)),
        KitFile::text("press-release.txt", "TXT", txt),
    ])
}

/// `email-signature.html`: a table with the first contact's role, the brand and the
/// e-mail banner next to it. A signature pasted into a mail client keeps no relative
/// path: the banner is the absolute address of the site's copy; a co-branded kit's
/// banner is on no site yet, so its signature says where to put the address.
fn email_signature(w: &Wording, co_branded: bool) -> KitFile {
    let data = &w.kit.data;
    let (lang, d, dir) = (w.lang, w.d, w.dir);
    let contact = data.contacts.first();
    let banner = if co_branded {
        "email-banner.png".to_string()
    } else {
        format!(
            "{}/{}/email-banner.png",
            w.p.config.base(),
            crate::site_folder(&w.kit.id, lang)
        )
    };
    let note = if co_branded {
        "<!-- Put email-banner.png online and write its full address (https://…) in src: a mail client shows no picture from a relative path. -->\n"
    } else {
        ""
    };
    let sig = format!(
        "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" style=\"font-family:Arial,Helvetica,sans-serif;color:#15212B;font-size:14px;line-height:1.4\" dir=\"{dir}\">\n<tr><td style=\"padding-bottom:8px\"><strong style=\"font-size:16px;color:#0B3D5C\">{}</strong><br>{}<br>{}</td></tr>\n<tr><td>{note}<img src=\"{}\" width=\"600\" height=\"200\" alt=\"{}\" style=\"display:block;border:0;max-width:100%;height:auto\"></td></tr>\n<tr><td style=\"padding-top:6px;font-size:12px;color:#4A5661\">{}</td></tr>\n</table>",
        esc(&w.t("kit_badge_name", "First name Last name")),
        esc(&contact
            .map(|c| localized(&c.role, lang, d))
            .unwrap_or_default()),
        esc(&format!(
            "{} · {}",
            w.p.brand.name,
            contact.and_then(|c| c.email.clone()).unwrap_or_default()
        )),
        esc(&banner),
        esc(&format!("{} — {}", w.name, w.facts.dates.join(" · "))),
        esc(&data.hashtag.clone().unwrap_or_default()),
    );
    KitFile::text("email-signature.html", "HTML", w.page(&w.name, &sig))
}

/// A contact as one line: name · role · e-mail · phone.
fn contact_line(c: &marque_project::kits::KitContact, lang: &str, default: &str) -> String {
    let role = localized(&c.role, lang, default);
    [
        Some(c.name.clone()),
        (!role.is_empty()).then_some(role),
        c.email.clone(),
        c.phone.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// The kit's calendar: each period and each dated session as an all-day event.
pub fn ics(inputs: &Inputs, kit: &Kit, lang: &str) -> String {
    use marque_assets::ics::{Event, calendar};
    let p = inputs.project;
    let d = &p.default_language;
    let name = localized(&kit.data.name, lang, d);
    let place = kit
        .data
        .places
        .first()
        .map(|pl| format!("{}, {}", pl.name, pl.city));
    let mut events: Vec<Event> = kit
        .periods
        .iter()
        .map(|(a, b)| (*a, *b, name.clone(), place.clone()))
        .chain(kit.sessions.iter().map(|(day, title, pl)| {
            (
                *day,
                *day,
                format!("{} — {}", name, localized(title, lang, d)),
                pl.clone().or_else(|| place.clone()),
            )
        }))
        .enumerate()
        .map(|(i, (start, end, summary, location))| Event {
            uid: format!("{}-{}-{}@marque", kit.id, lang, i + 1),
            start,
            end,
            summary,
            location,
            url: None,
        })
        .collect();
    events.sort_by_key(|e| (e.start, e.uid.clone()));
    calendar(&name, &events)
}

/// `README.txt`: the kit, its dates, every file (and the manifest), how to print, the
/// placeholder mark when there is one, the rights and the contacts.
pub(crate) fn readme(
    inputs: &Inputs,
    kit: &Kit,
    lang: &str,
    partner: Option<&Partner>,
    files: &[KitFile],
) -> String {
    let p = inputs.project;
    let d = &p.default_language;
    let t = |k: &str, f: &str| text(p, lang, k, f);
    let name = localized(&kit.data.name, lang, d);
    let dates = facts(p, kit, lang).dates;
    let mut s = format!(
        "{name}\n{}\n\n{}\n\n",
        dates.join(" · "),
        t(
            "kit_readme_intro",
            "This kit holds the material for the event, ready to print and to post."
        )
    );
    s.push_str(&format!("{}\n", t("kit_readme_files", "Files")));
    for f in files {
        let size = if f.size.is_empty() {
            String::new()
        } else {
            format!(" — {}", f.size)
        };
        s.push_str(&format!("- {} ({}{size})\n", f.path, f.format));
    }
    s.push_str(&format!("- manifest.json (JSON)\n\n{}\n{}\n\n", t("kit_readme_print", "Printing"), t("kit_readme_print_text", "Posters, badge and roll-up are PDF with 3 mm bleed and crop marks; give them to the printer as they are.")));
    if kit.mark.is_none() {
        s.push_str(&format!("{}\n\n", t("kit_readme_placeholder", "The event mark on this material is a placeholder drawn by One Provence: an organisation that holds the rights to the official mark replaces it by dropping mark.svg into the kit folder.")));
    }
    if let Some(pt) = partner {
        s.push_str(&format!("{}\n", t("kit_readme_partner", "Partner")));
        let has_logo = pt.logo.is_some() || pt.logo_light.is_some();
        let said = if has_logo {
            let mut said = t(
                "kit_readme_partner_logo",
                "The logo of {name} is in the lockups (lockup-primary, lockup-white), beside One Provence and the event mark on the posters, the roll-up, the social images and the e-mail banner, and at the foot of the badge. Its name is in the press release.",
            );
            if pt.logo_light.is_some() {
                said.push(' ');
                said.push_str(&t(
                    "kit_readme_partner_light",
                    "On the dark backgrounds (social images, e-mail banner, lockup-white) its light version is used.",
                ));
            } else if pt.needs_plate {
                said.push(' ');
                said.push_str(&t(
                    "kit_readme_partner_plate",
                    "On the dark backgrounds (social images, e-mail banner, lockup-white) it is on a white plate: it is too dark to be read there, and no light version was given.",
                ));
            }
            said
        } else {
            t(
                "kit_readme_partner_name",
                "The name {name} is set in the lockups (lockup-primary, lockup-white), beside One Provence and the event mark on the posters, the roll-up, the social images and the e-mail banner (on two lines when it is long), at the foot of the badge and in the press release.",
            )
        };
        s.push_str(&format!("{}\n\n", said.replace("{name}", &pt.name)));
    }
    s.push_str(&format!(
        "{}\n{}\n\n",
        t("kit_rights", "Rights"),
        localized(&kit.data.rights, lang, d)
    ));
    s.push_str(&format!("{}\n", t("kit_contacts", "Contacts")));
    for c in &kit.data.contacts {
        let line = contact_line(c, lang, d);
        s.push_str(&format!("- {line}\n"));
    }
    s
}
