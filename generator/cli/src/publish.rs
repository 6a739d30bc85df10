//! `marque publish`: checks the flags, builds what changed, then publishes the output
//! folder; prints the plan (dry run), a progress bar (on a terminal) and a summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
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

/// `marque publish`.
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
    // Build first: only what changed since the last build is made again, and an
    // output that is up to date is left as it is.
    let report = match build(&BuildOptions {
        on_wait: crate::print_wait,
        ..BuildOptions::new(&req.root)
    }) {
        Ok(r) => r,
        Err(d) => {
            crate::print_diagnostics(&d);
            eprintln!(
                "publish stopped: the site does not build ({} error(s)); nothing was sent",
                d.errors().count()
            );
            return ExitCode::from(1);
        }
    };
    crate::print_report(&report, false);
    // A build started meanwhile waits until the files are sent.
    let _lock = match marque_engine::lock::ProjectLock::acquire(
        &req.root,
        "marque publish",
        &crate::print_wait,
    ) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let opts = Options {
        output: report.output.clone(),
        target: target.clone(),
        connection: connection.clone(),
        dry_run: req.dry_run,
        max_deletes: req.max_deletes,
    };
    println!(
        "{} {} to {target} at {}",
        if req.dry_run {
            "dry run: planning to publish"
        } else {
            "publishing"
        },
        opts.output.display(),
        connection.describe()
    );
    let bar = if std::io::stderr().is_terminal() && !req.dry_run {
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
    let total_files = std::sync::atomic::AtomicUsize::new(0);
    let done_files = std::sync::atomic::AtomicUsize::new(0);
    let on_event = |e: Event| match e {
        Event::Planned(plan) => {
            total_files.store(plan.uploads.len(), std::sync::atomic::Ordering::Relaxed);
            bar.set_length(plan.upload_bytes());
            bar.set_message(format!("0/{}", plan.uploads.len()));
        }
        Event::Uploaded { bytes, .. } => {
            let n = done_files.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.inc(bytes);
            bar.set_message(format!(
                "{n}/{}",
                total_files.load(std::sync::atomic::Ordering::Relaxed)
            ));
        }
        Event::Deleting(n) => bar.println(format!("deleting {}…", files(n))),
    };
    let started = Instant::now();
    let result = marque_publish::publish(&opts, &on_event);
    bar.finish_and_clear();
    let r = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            if e.midway {
                eprintln!(
                    "what was sent is consistent (pages go after what they use): run the same command again to finish"
                );
            }
            return ExitCode::from(1);
        }
    };
    let plan = &r.plan;
    if let Some(why) = &plan.damaged_manifest {
        eprintln!(
            "warning: the manifest {target}/{} was not read ({why}): every file is sent again and nothing is deleted this time",
            marque_publish::MANIFEST
        );
    }
    if req.dry_run {
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
        if let Err(e) = marque_publish::check_deletes(plan, &target, req.max_deletes) {
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
