//! `marque publish`: checks the flags, builds what changed, then publishes the output
//! folder; prints the plan (dry run), a progress bar (on a terminal) and a summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use marque_engine::{BuildOptions, build};
use marque_publish::{Change, Connection, Event, Options, Plan, Target};

/// The command's flags.
pub struct Request {
    pub root: PathBuf,
    pub to: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub dry_run: bool,
    pub max_deletes: usize,
}

/// A size for people: `512 B`, `34.2 KB`, `51.9 MB` (powers of 1000).
fn size(n: u64) -> String {
    let n = n as f64;
    if n < 1000.0 {
        format!("{n} B")
    } else if n < 1e6 {
        format!("{:.1} KB", n / 1e3)
    } else if n < 1e9 {
        format!("{:.1} MB", n / 1e6)
    } else {
        format!("{:.2} GB", n / 1e9)
    }
}

fn files(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

/// `marque publish`: checks the flags, builds, then publishes and says what it did.
pub fn run(req: &Request) -> ExitCode {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("error: {e}");
        ExitCode::from(1)
    };
    // A mistyped flag or missing credentials fail before anything is built or sent.
    let target = match Target::parse(&req.to) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let connection =
        match Connection::from_env(req.endpoint.as_deref(), req.region.as_deref(), |k| {
            std::env::var(k).ok()
        }) {
            Ok(c) => c,
            Err(e) => return fail(&e),
        };
    let Some(output) = build_first(&req.root) else {
        return ExitCode::from(1);
    };
    // A build started meanwhile waits until the files are sent.
    let _lock = match marque_engine::lock::ProjectLock::acquire(
        &req.root,
        "marque publish",
        &crate::print_wait,
    ) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    println!(
        "{} {} to {target} at {}",
        if req.dry_run {
            "dry run: planning to publish"
        } else {
            "publishing"
        },
        output.display(),
        connection.describe()
    );
    let opts = Options {
        output,
        target,
        connection,
        dry_run: req.dry_run,
        max_deletes: req.max_deletes,
    };
    let started = Instant::now();
    let progress = Progress::new(!req.dry_run);
    let result = marque_publish::publish(&opts, &|e| progress.on(e));
    progress.bar.finish_and_clear();
    match result {
        Ok(r) => say_done(&r, &opts, started),
        Err(e) => {
            eprintln!("error: {e}");
            if e.midway {
                eprintln!(
                    "what was sent is consistent (pages go after what they use): run the same command again to finish"
                );
            }
            ExitCode::from(1)
        }
    }
}

/// Builds the project (only what changed since the last build is made again; an
/// output that is up to date is left as it is); the output folder, or `None` after
/// printing why it does not build.
fn build_first(root: &std::path::Path) -> Option<PathBuf> {
    match build(&BuildOptions {
        on_wait: crate::print_wait,
        ..BuildOptions::new(root)
    }) {
        Ok(r) => {
            crate::print_report(&r, false);
            Some(r.output)
        }
        Err(d) => {
            crate::print_diagnostics(&d);
            eprintln!(
                "publish stopped: the site does not build ({} error(s)); nothing was sent",
                d.errors().count()
            );
            None
        }
    }
}

/// The upload's progress bar (on a terminal only): bytes, files, time left.
struct Progress {
    bar: indicatif::ProgressBar,
    total: AtomicUsize,
    done: AtomicUsize,
}

impl Progress {
    fn new(shown: bool) -> Progress {
        let bar = if shown && std::io::stderr().is_terminal() {
            indicatif::ProgressBar::new(0)
        } else {
            indicatif::ProgressBar::hidden()
        };
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "uploading {bar:30} {decimal_bytes}/{decimal_total_bytes} ({msg}) {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Progress {
            bar,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    fn on(&self, e: Event) {
        match e {
            Event::Planned(plan) => {
                self.total.store(plan.uploads.len(), Ordering::Relaxed);
                self.bar.set_length(plan.upload_bytes());
                self.bar.set_message(format!("0/{}", plan.uploads.len()));
            }
            Event::Uploaded { bytes, .. } => {
                let n = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                self.bar.inc(bytes);
                self.bar
                    .set_message(format!("{n}/{}", self.total.load(Ordering::Relaxed)));
            }
            Event::Deleting(n) => self.bar.println(format!("deleting {}…", files(n))),
        }
    }
}

/// The plan (dry run) or what was done, and the exit code.
fn say_done(r: &marque_publish::Report, opts: &Options, started: Instant) -> ExitCode {
    let plan = &r.plan;
    let target = &opts.target;
    if let Some(why) = &plan.damaged_manifest {
        eprintln!(
            "warning: the manifest {target}/{} was not read ({why}): every file is sent again and nothing is deleted this time",
            marque_publish::MANIFEST
        );
    }
    if opts.dry_run {
        print_plan(plan);
        println!(
            "plan: upload {} ({}), delete {}, unchanged {} ({}){}; nothing was changed",
            files(plan.uploads.len()),
            size(plan.upload_bytes()),
            files(plan.deletes.len()),
            files(plan.unchanged),
            size(plan.unchanged_bytes),
            left_alone(plan)
        );
        // What a real publish would refuse, a dry run says too.
        if let Err(e) = marque_publish::check_deletes(plan, target, opts.max_deletes) {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
        return ExitCode::SUCCESS;
    }
    println!(
        "published {target}: {} uploaded ({}), {} deleted, {} unchanged ({}){} in {:.1} s",
        files(r.uploaded),
        size(r.uploaded_bytes),
        files(r.deleted),
        files(plan.unchanged),
        size(plan.unchanged_bytes),
        left_alone(plan),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}

/// The objects marque did not publish, when there are some.
fn left_alone(plan: &Plan) -> String {
    match plan.left_alone.len() {
        0 => String::new(),
        n => format!(
            "; {} in the folder that marque did not publish left alone",
            files(n)
        ),
    }
}

/// One line per file to upload or delete, in the order of the publish.
fn print_plan(plan: &Plan) {
    for u in &plan.uploads {
        let why = match u.change {
            Change::New => "new",
            Change::Changed => "changed",
            Change::Missing => "missing",
        };
        println!(
            "  upload  {:<8} {}  ({}, {})",
            why,
            u.file.rel,
            size(u.file.size),
            u.file.content_type
        );
    }
    for d in &plan.deletes {
        println!("  delete           {d}");
    }
    for x in plan.left_alone.iter().take(20) {
        println!("  leave            {x}  (not published by marque)");
    }
    if plan.left_alone.len() > 20 {
        println!(
            "  leave            … and {} more",
            plan.left_alone.len() - 20
        );
    }
}
