//! The edit-to-reload probe of `marque bench`: starts a server on a bench project, makes
//! the edits a team makes every day (a page's text, its title, a tag, a new page, the
//! template every page uses) and times each from the saved file to the `reload` event
//! on the live-reload stream, as a browser waits for it. Each edit is undone after it
//! is timed, so the project ends as it began.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::{ServeEvent, ServeOptions, Server};

/// One kind of edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A sentence added at the end of a page's text.
    Body,
    /// A page's title changed.
    Title,
    /// A tag added to a page.
    Tag,
    /// A new page in a section.
    NewPage,
    /// A comment added to the template every page extends.
    Template,
}

impl Edit {
    /// Every kind, in the order the probe makes them.
    pub const ALL: [Edit; 5] = [
        Edit::Body,
        Edit::Title,
        Edit::Tag,
        Edit::NewPage,
        Edit::Template,
    ];

    /// Its name in the bench's report.
    pub fn name(self) -> &'static str {
        match self {
            Edit::Body => "body edit",
            Edit::Title => "title edit",
            Edit::Tag => "tag added",
            Edit::NewPage => "new page",
            Edit::Template => "base template",
        }
    }
}

/// What the probe measured for one kind of edit.
#[derive(Debug, Clone)]
pub struct EditTiming {
    /// The kind of edit.
    pub edit: Edit,
    /// From each save to its `reload` event, in milliseconds.
    pub ms: Vec<f64>,
    /// Outputs rendered by the last rebuild.
    pub rendered: usize,
    /// Outputs whose bytes changed in the last rebuild.
    pub changed: usize,
    /// The phases of the last rebuild (name, milliseconds).
    pub phases: Vec<(&'static str, f64)>,
}

/// The file an edit changes (relative to the project) and its text after the edit
/// (`None`: the file is removed).
struct Change {
    file: PathBuf,
    after: Option<String>,
}

/// The change `edit` number `i` makes in the bench project at `root`, and how to undo
/// it (the file's text before, `None` when it did not exist).
fn change(root: &Path, edit: Edit, i: usize) -> Result<(Change, Option<String>), String> {
    let page = PathBuf::from("narrative/fr/s03/p00003.md");
    let read = |rel: &Path| {
        std::fs::read_to_string(root.join(rel)).map_err(|e| format!("{}: {e}", rel.display()))
    };
    let (file, after) = match edit {
        Edit::Body => {
            let text = read(&page)?;
            (
                page,
                Some(format!("{text}\nEdit number {i} for the probe.\n")),
            )
        }
        Edit::Title => {
            let text = read(&page)?;
            let t = text.replacen("title: \"", &format!("title: \"Edit {i} "), 1);
            (page, Some(t))
        }
        Edit::Tag => {
            let text = read(&page)?;
            let t = text.replacen("tags: [", &format!("tags: [\"probe{i}\", "), 1);
            (page, Some(t))
        }
        Edit::NewPage => {
            let text = read(&page)?;
            let t = text.replacen("title: \"", &format!("title: \"New page {i} "), 1);
            (
                PathBuf::from(format!("narrative/fr/s03/probe-{i}.md")),
                Some(t),
            )
        }
        Edit::Template => {
            let file = PathBuf::from("themes/default/templates/base.html");
            let text = read(&file)?;
            (file, Some(format!("{text}{{# edit {i} #}}\n")))
        }
    };
    let before = std::fs::read_to_string(root.join(&file)).ok();
    Ok((Change { file, after }, before))
}

/// Writes a file's new text (or removes it) and makes sure it reached the disk.
fn apply(root: &Path, file: &Path, text: Option<&str>) -> Result<(), String> {
    let path = root.join(file);
    match text {
        Some(t) => {
            let mut f = std::fs::File::create(&path).map_err(|e| e.to_string())?;
            f.write_all(t.as_bytes()).map_err(|e| e.to_string())?;
            f.sync_all().map_err(|e| e.to_string())
        }
        None => std::fs::remove_file(&path).map_err(|e| e.to_string()),
    }
}

/// Listens to the live-reload stream at `addr` and sends the time of each `reload`
/// event.
fn listen(addr: std::net::SocketAddr, tx: mpsc::Sender<Instant>) -> Result<(), String> {
    let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET {} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n",
        crate::http::EVENTS_PATH
    )
    .map_err(|e| e.to_string())?;
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            if line.trim() == "event: reload" && tx.send(Instant::now()).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Makes each kind of edit `runs` times on the bench project at `root` through a
/// server started here, and returns what each took.
pub fn measure_edits(root: &Path, runs: usize) -> Result<Vec<EditTiming>, String> {
    let (rebuilt_tx, rebuilt) = mpsc::channel::<EditTiming>();
    let rebuilt_tx = std::sync::Mutex::new(rebuilt_tx);
    let on_event = std::sync::Arc::new(move |e: ServeEvent| {
        if let ServeEvent::Rebuilt {
            report, changed, ..
        } = e
            && !changed.is_empty()
            && let Ok(tx) = rebuilt_tx.lock()
        {
            let _ = tx.send(EditTiming {
                edit: Edit::Body,
                ms: Vec::new(),
                rendered: report.rendered,
                changed: report.changed_paths.len(),
                phases: report
                    .phases
                    .iter()
                    .map(|(n, s)| (*n, s * 1000.0))
                    .collect(),
            });
        }
    });
    let opts = ServeOptions {
        root: root.to_path_buf(),
        bind: std::net::IpAddr::from([127, 0, 0, 1]),
        port: 0,
        drafts: false,
    };
    let server = Server::start(&opts, on_event)?;
    let (reload_tx, reloads) = mpsc::channel();
    listen(server.addr, reload_tx)?;
    // The stream is open once the server has answered its head; give it a moment, and
    // let the disk write back what came before (a bench's cold builds write ten
    // thousand files: each save's fsync would wait for them).
    let _ = std::process::Command::new("sync").status();
    std::thread::sleep(Duration::from_millis(1000));
    let wait = Duration::from_secs(60);
    let mut out = Vec::new();
    for edit in Edit::ALL {
        let mut timing = EditTiming {
            edit,
            ms: Vec::new(),
            rendered: 0,
            changed: 0,
            phases: Vec::new(),
        };
        for i in 0..runs {
            let (c, before) = change(root, edit, i)?;
            // Let the watcher settle, drop what came before, then save.
            std::thread::sleep(Duration::from_millis(300));
            while reloads.try_recv().is_ok() {}
            while rebuilt.try_recv().is_ok() {}
            let t0 = Instant::now();
            apply(root, &c.file, c.after.as_deref())?;
            let t1 = reloads
                .recv_timeout(wait)
                .map_err(|_| format!("{}: no reload within {} s", edit.name(), wait.as_secs()))?;
            timing.ms.push(t1.duration_since(t0).as_secs_f64() * 1000.0);
            if let Ok(r) = rebuilt.recv_timeout(wait) {
                (timing.rendered, timing.changed, timing.phases) =
                    (r.rendered, r.changed, r.phases);
            }
            // Undo, and wait until the undo is served too.
            std::thread::sleep(Duration::from_millis(300));
            apply(root, &c.file, before.as_deref())?;
            reloads.recv_timeout(wait).map_err(|_| {
                format!(
                    "{}: undo not rebuilt within {} s",
                    edit.name(),
                    wait.as_secs()
                )
            })?;
        }
        out.push(timing);
    }
    drop(server);
    Ok(out)
}
