//! The `marque` command: parses arguments, runs the build, prints diagnostics and
//! figures. The only crate that prints.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

mod publish;

/// mimalloc instead of the system allocator: the build allocates from every thread at
/// once (pages, derived files, the search index), where glibc's malloc spent a fifth
/// of a cold build's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};
use marque_engine::{BuildOptions, BuildReport, build};
use marque_project::Diagnostics;

#[derive(Parser)]
#[command(
    name = "marque",
    version,
    about = "Compiles a brand system, a multilingual narrative and event kits into a static site"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Builds the site into the output folder.
    Build {
        /// Project folder (holds marque.yaml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Output folder (default: <root>/output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Pages missing in a language are errors: in every language, or in those named
        /// (`--strict=en` or `--strict=en,fr`).
        #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "", value_name = "LANGS")]
        strict: Option<String>,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
        /// Print only errors and warnings.
        #[arg(long, short)]
        quiet: bool,
        /// Replace the output folder even if marque did not make it (it is not empty
        /// and has no .marque-output file).
        #[arg(long)]
        force: bool,
    },
    /// Builds the site into memory, serves it, and rebuilds and reloads the browser on
    /// every change.
    Serve {
        /// Project folder (holds marque.yaml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Port to listen on.
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on (loopback unless told otherwise).
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the browser.
        #[arg(long)]
        open: bool,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
    },
    /// Builds the site in memory and reports broken links and anchors, images without
    /// alt text or size, pages without description, skipped heading levels, missing
    /// translations, duplicate titles and files over the size budget.
    Check {
        /// Project folder (holds marque.yaml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Include pages marked draft.
        #[arg(long)]
        drafts: bool,
        /// List every page that lacks a translation (by default, one line per
        /// language says how many).
        #[arg(long)]
        translations: bool,
        /// `text` for people, `json` for machines.
        #[arg(long, default_value = "text")]
        format: CheckFormat,
    },
    /// Creates a new project in DIR that builds at once.
    New {
        /// Folder to create.
        dir: PathBuf,
    },
    /// Builds one event kit, optionally co-branded for a partner, into a folder: one zip
    /// per language and the files themselves.
    Kit {
        /// The kit's folder name under kits/.
        id: String,
        /// Project folder.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Only this language (default: each of the kit's languages).
        #[arg(long)]
        lang: Option<String>,
        /// Partner name shown on the material.
        #[arg(long)]
        partner_name: Option<String>,
        /// Partner logo (SVG or PNG), for light backgrounds.
        #[arg(long)]
        partner_logo: Option<PathBuf>,
        /// A light version of the partner logo, for the dark backgrounds (social
        /// images, banner, white lockup); without it, a logo too dark there is put on a
        /// white plate.
        #[arg(long)]
        partner_logo_light: Option<PathBuf>,
        /// Where to write (default: <root>/output-kits/<id>).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Write into the output folder even if marque did not make it.
        #[arg(long)]
        force: bool,
    },
    /// Builds the site if it is missing or stale, then publishes it to S3-compatible
    /// object storage (AWS S3, Cloudflare R2, MinIO, Scaleway, OVH), uploading only what
    /// changed. Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
    Publish {
        /// Where: s3://BUCKET or s3://BUCKET/FOLDER.
        #[arg(long, value_name = "s3://BUCKET[/PREFIX]")]
        to: String,
        /// The storage's address, for anything but AWS S3 (path-style requests):
        /// https://ACCOUNT.r2.cloudflarestorage.com, https://s3.fr-par.scw.cloud,
        /// http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL, else AWS S3).
        #[arg(long, value_name = "URL")]
        endpoint: Option<String>,
        /// The region (default: AWS_REGION, else us-east-1; `auto` for R2).
        #[arg(long, value_name = "R")]
        region: Option<String>,
        /// Print what would be uploaded and deleted, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The most files one publish may delete from the bucket.
        #[arg(long, value_name = "N", default_value_t = marque_publish::DEFAULT_MAX_DELETES)]
        max_deletes: usize,
        /// Project folder (holds marque.yaml).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Builds a synthetic bilingual project and prints timings and peak memory.
    Bench {
        /// Pages per language.
        #[arg(long, default_value_t = 5000)]
        pages: usize,
        /// Runs of each measurement (the median is printed).
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Where to write the project (default: a temporary folder, removed after).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Time the brand set and the event kits of the project at `--root` instead
        /// (logos, rasters, PDFs, guides, packs, every kit in each of its languages),
        /// cold and from the cache.
        #[arg(long)]
        brand: bool,
        /// Project folder for `--brand`.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

pub(crate) fn print_diagnostics(d: &Diagnostics) {
    for x in &d.0 {
        eprintln!("{x}");
    }
}

pub(crate) fn print_report(r: &BuildReport, quiet: bool) {
    print_diagnostics(&r.warnings);
    if !r.missing.is_empty() && !quiet {
        eprintln!(
            "translations: {} (list them: marque check --translations)",
            marque_engine::check::translation_summary(&r.missing, r.languages)
        );
    }
    if !quiet {
        println!(
            "built {} pages ({} outputs: {} rendered, {} reused, {} written) into {} in {:.2} s",
            r.pages,
            r.outputs,
            r.rendered,
            r.reused,
            r.written,
            r.output.display(),
            r.seconds
        );
        if !r.derived_made.is_empty() || r.derived_reused > 0 {
            let made: Vec<String> = r
                .derived_made
                .iter()
                .map(|(op, n)| format!("{op} {n}"))
                .collect();
            println!(
                "derived files: {} made ({}), {} from the cache",
                r.derived_made.values().sum::<usize>(),
                if made.is_empty() {
                    "none".to_string()
                } else {
                    made.join(", ")
                },
                r.derived_reused
            );
        }
    }
}

/// Says that the command waits for another marque process.
pub(crate) fn print_wait(message: &str) {
    eprintln!("{message}…");
}

/// Peak resident memory of this process in KiB (Linux), for `bench`.
fn peak_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() -> ExitCode {
    set_panic_hook();
    let cli = Cli::parse();
    match cli.command {
        Command::Build {
            root,
            output,
            strict,
            drafts,
            quiet,
            force,
        } => build_site(
            BuildOptions {
                output,
                strict: strict.map(|s| {
                    s.split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(String::from)
                        .collect()
                }),
                drafts,
                force,
                on_wait: print_wait,
                ..BuildOptions::new(root)
            },
            quiet,
        ),
        Command::Serve {
            root,
            port,
            bind,
            open,
            drafts,
        } => serve(root, port, bind, open, drafts),
        Command::Check {
            root,
            drafts,
            translations,
            format,
        } => check(root, drafts, translations, format),
        Command::Kit {
            id,
            root,
            lang,
            partner_name,
            partner_logo,
            partner_logo_light,
            output,
            force,
        } => kit(&marque_engine::kits::KitRequest {
            root: &root,
            id: &id,
            lang: lang.as_deref(),
            partner_name: partner_name.as_deref(),
            partner_logo: partner_logo.as_deref(),
            partner_logo_light: partner_logo_light.as_deref(),
            output: output.as_deref(),
            force,
            on_wait: &print_wait,
        }),
        Command::New { dir } => new_project(&dir),
        Command::Publish {
            to,
            endpoint,
            region,
            dry_run,
            max_deletes,
            root,
        } => publish::run(&publish::Request {
            root,
            to,
            endpoint,
            region,
            dry_run,
            max_deletes,
        }),
        Command::Bench {
            brand: true,
            runs,
            root,
            ..
        } => brand_bench(&root, runs.max(1)),
        Command::Bench {
            pages, runs, dir, ..
        } => bench(pages, runs.max(1), dir),
    }
}

/// A panic is a bug of marque's; the build turns it into an error naming what was
/// being made. Say where it happened in one line, for the report.
fn set_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        match info.location() {
            Some(l) => eprintln!(
                "marque: internal error at {}:{}: {what}",
                l.file(),
                l.line()
            ),
            None => eprintln!("marque: internal error: {what}"),
        }
    }));
}

/// `marque build`: the report (and with `MARQUE_STATS`, the figures of each phase), or
/// every error.
fn build_site(opts: BuildOptions, quiet: bool) -> ExitCode {
    match build(&opts) {
        Ok(r) => {
            print_report(&r, quiet);
            if std::env::var_os("MARQUE_STATS").is_some() {
                let phases: Vec<String> = r
                    .phases
                    .iter()
                    .map(|(n, s)| format!("{n}={s:.3}"))
                    .collect();
                println!(
                    "stats: seconds={:.4} peak_kib={} rendered={} {}",
                    r.seconds,
                    peak_kib().unwrap_or(0),
                    r.rendered,
                    phases.join(" ")
                );
            }
            ExitCode::SUCCESS
        }
        Err(d) => {
            print_diagnostics(&d);
            let n = d.errors().count();
            eprintln!("build failed: {n} error(s); the output folder was left as it was");
            ExitCode::from(1)
        }
    }
}

/// `marque check`: every problem found, as text or JSON; fails on an error.
fn check(root: PathBuf, drafts: bool, translations: bool, format: CheckFormat) -> ExitCode {
    match marque_engine::check::check(root, drafts, translations) {
        Ok(r) => {
            let errors = r.diagnostics.errors().count();
            match format {
                CheckFormat::Json => println!("{}", marque_engine::check::to_json(&r)),
                CheckFormat::Text => {
                    for x in &r.diagnostics.0 {
                        println!("{x}");
                    }
                    println!(
                        "checked {} pages ({} files): {} error(s), {} warning(s)",
                        r.pages,
                        r.files,
                        errors,
                        r.diagnostics.warnings().count()
                    );
                }
            }
            if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(d) => {
            match format {
                CheckFormat::Json => println!(
                    "{}",
                    marque_engine::check::to_json(&marque_engine::check::CheckReport {
                        diagnostics: d,
                        ..Default::default()
                    })
                ),
                CheckFormat::Text => {
                    print_diagnostics(&d);
                    eprintln!("check failed: the site does not build");
                }
            }
            ExitCode::from(1)
        }
    }
}

/// `marque kit`: the folder and the zips written, or every error.
fn kit(req: &marque_engine::kits::KitRequest) -> ExitCode {
    match marque_engine::kits::build_cli(req) {
        Ok(r) => {
            print_diagnostics(&r.warnings);
            println!(
                "kit '{}': {} files into {}",
                req.id,
                r.files,
                r.output.display()
            );
            for z in &r.zips {
                println!("  {}", z.display());
            }
            ExitCode::SUCCESS
        }
        Err(d) => {
            print_diagnostics(&d);
            eprintln!("kit failed: {} error(s)", d.errors().count());
            ExitCode::from(1)
        }
    }
}

/// `marque new DIR`.
fn new_project(dir: &std::path::Path) -> ExitCode {
    match marque_engine::scaffold::new_project(dir) {
        Ok(()) => {
            println!(
                "created {}: build it with `marque build --root {}`",
                dir.display(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `marque bench --brand`: the brand set's and the kits' timings, cold and warm.
fn brand_bench(root: &std::path::Path, runs: usize) -> ExitCode {
    match marque_engine::bench::brand_bench(root, runs) {
        Ok(b) => {
            println!(
                "brand set of {}: {} files, {:.1} MiB",
                root.display(),
                b.files,
                b.bytes as f64 / 1048576.0
            );
            println!(
                "brand cold (empty cache): median {:.3} s over {} runs",
                median(b.cold.clone()),
                b.cold.len(),
            );
            println!(
                "warm (cache on disk): median {:.3} s over {} runs",
                median(b.warm.clone()),
                b.warm.len(),
            );
            println!(
                "event kits: {} files, {:.1} MiB; cold median {:.3} s, warm median {:.3} s",
                b.kit_files,
                b.kit_bytes as f64 / 1048576.0,
                median(b.kits_cold.clone()),
                median(b.kits_warm.clone())
            );
            println!(
                "brand and kits: {} derived files made cold; warm: {} made, {} from the cache",
                b.made, b.warm_made, b.warm_reused
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

fn serve(root: PathBuf, port: u16, bind: std::net::IpAddr, open: bool, drafts: bool) -> ExitCode {
    use marque_serve::{ServeEvent, ServeOptions, Server};
    let on_event = std::sync::Arc::new(move |e: ServeEvent| match e {
        ServeEvent::Listening(addr) => {
            let url = format!("http://{addr}/");
            println!("serving {url} (Ctrl+C to stop)");
            if open {
                let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
            }
        }
        ServeEvent::Rebuilt {
            report,
            changed,
            latency,
        } => {
            print_diagnostics(&report.warnings);
            if changed.is_empty() {
                println!(
                    "built {} pages ({} outputs) in {:.0} ms",
                    report.pages,
                    report.outputs,
                    report.seconds * 1000.0
                );
            } else {
                let names: Vec<String> = changed
                    .iter()
                    .map(|p| {
                        p.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                println!(
                    "{}: rebuilt in {:.0} ms ({} rendered, {} changed, {} removed), reload sent {:.0} ms after the change",
                    names.join(", "),
                    report.seconds * 1000.0,
                    report.rendered,
                    report.changed_paths.len(),
                    report.removed_paths.len(),
                    latency.as_secs_f64() * 1000.0
                );
            }
        }
        ServeEvent::Failed(d) => {
            print_diagnostics(&d);
            eprintln!(
                "build failed: still serving the last good build; fix the error and save again"
            );
        }
    });
    let opts = ServeOptions {
        root,
        bind,
        port,
        drafts,
    };
    match Server::start(&opts, on_event) {
        Ok(server) => {
            server.wait();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

struct Run {
    seconds: f64,
    peak_kib: u64,
    rendered: u64,
    /// Seconds of the build's search index step.
    search: f64,
}

/// Files in `dir` and their bytes.
fn folder_size(dir: &std::path::Path) -> (usize, u64) {
    let mut n = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(e.path()),
                Ok(t) if t.is_file() => {
                    n.0 += 1;
                    n.1 += e.metadata().map(|m| m.len()).unwrap_or(0);
                }
                _ => {}
            }
        }
    }
    n
}

fn run_build(root: &std::path::Path) -> Result<Run, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args(["build", "--quiet", "--root"])
        .arg(root)
        .env("MARQUE_STATS", "1")
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "build failed:\n{}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let line = stdout
        .lines()
        .find(|l| l.starts_with("stats:"))
        .ok_or("no stats line")?;
    let field = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    Ok(Run {
        seconds: field("seconds"),
        peak_kib: field("peak_kib") as u64,
        rendered: field("rendered") as u64,
        search: field("search"),
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The timed builds of `bench`.
struct BuildTimes {
    /// Cold builds and no-change rebuilds with the search pages.
    cold: Vec<Run>,
    warm: Vec<Run>,
    /// The same without them.
    cold_plain: Vec<Run>,
    warm_plain: Vec<Run>,
    /// The search index's files and bytes.
    index: (usize, u64),
}

/// Times, `runs` times, a cold build and a no-change rebuild of the bench project in
/// `dir` with its search pages (the corpus as written), then the same without them:
/// the difference is what the search index costs. The pages are put back after.
fn time_builds(dir: &std::path::Path, runs: usize) -> Result<BuildTimes, String> {
    let mut t = BuildTimes {
        cold: Vec::new(),
        warm: Vec::new(),
        cold_plain: Vec::new(),
        warm_plain: Vec::new(),
        index: (0, 0),
    };
    let mut outcome = Ok(());
    'runs: for _ in 0..runs {
        for with_search in [true, false] {
            if let Err(e) = marque_engine::bench::set_search_pages(dir, with_search) {
                outcome = Err(e.to_string());
                break 'runs;
            }
            let _ = std::fs::remove_dir_all(dir.join("output"));
            let _ = std::fs::remove_dir_all(dir.join(".marque-cache"));
            // Let the disk write back the deletion first, so that it is not timed as
            // part of the build.
            let _ = std::process::Command::new("sync").status();
            let (c, w) = if with_search {
                (&mut t.cold, &mut t.warm)
            } else {
                (&mut t.cold_plain, &mut t.warm_plain)
            };
            for runs in [c, w] {
                match run_build(dir) {
                    Ok(r) => runs.push(r),
                    Err(e) => {
                        outcome = Err(e);
                        break 'runs;
                    }
                }
            }
            if with_search {
                t.index = folder_size(&dir.join("output/pagefind"));
            }
        }
    }
    if let Err(e) = marque_engine::bench::set_search_pages(dir, true) {
        outcome = outcome.and(Err(e.to_string()));
    }
    outcome.map(|()| t)
}

fn bench(pages: usize, runs: usize, dir: Option<PathBuf>) -> ExitCode {
    let (dir, temp) = match dir {
        Some(d) => (d, false),
        None => (
            std::env::temp_dir().join(format!("marque-bench-{}", std::process::id())),
            true,
        ),
    };
    if let Err(e) = marque_engine::bench::clear_dir(&dir) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    let t = Instant::now();
    if let Err(e) = marque_engine::bench::generate_corpus(&dir, pages) {
        eprintln!("error: cannot write the bench project: {e}");
        return ExitCode::from(1);
    }
    println!(
        "generated {} pages per language (fr, en) in {} ({:.2} s)",
        pages,
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    let t = match time_builds(&dir, runs) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let (cold, warm, cold_plain, warm_plain) = (&t.cold, &t.warm, &t.cold_plain, &t.warm_plain);
    let index = t.index;
    let total = folder_size(&dir.join("output")).0;
    let html_pages = 2 * pages + 2 * 11 + 2 * 51 + 2 + 2;
    for (name, rs) in [("cold build", cold), ("no-change rebuild", warm)] {
        let secs = median(rs.iter().map(|r| r.seconds).collect());
        let peak = median(rs.iter().map(|r| r.peak_kib as f64).collect());
        println!(
            "{name:<18} {html_pages} pages  {secs:>6.3} s  {:>8.0} pages/s  peak {:>6.1} MiB  rendered {}  (median of {})",
            html_pages as f64 / secs,
            peak / 1024.0,
            rs[0].rendered,
            rs.len()
        );
    }
    let secs = |rs: &[Run]| median(rs.iter().map(|r| r.seconds).collect());
    println!(
        "search index       cold +{:.3} s ({:.3} s with it, {:.3} s without; its own step {:.3} s, budget +1.5 s), no-change {:+.3} s ({:.3} s with, {:.3} s without; budget +0); {} files, {:.1} MB",
        secs(cold) - secs(cold_plain),
        secs(cold),
        secs(cold_plain),
        median(cold.iter().map(|r| r.search).collect()),
        secs(warm) - secs(warm_plain),
        secs(warm),
        secs(warm_plain),
        index.0,
        index.1 as f64 / 1e6
    );
    println!("output files: {total}");
    match serve_latency(&dir, runs) {
        Ok(line) => println!("{line}"),
        Err(e) => eprintln!("error: serve latency: {e}"),
    }
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
    ExitCode::SUCCESS
}

/// Starts a server on the bench project, makes each kind of edit `runs` times and
/// returns a line per kind: the median time from the save to the `reload` event on the
/// live-reload stream, with the target, what the last rebuild rendered and
/// where its time went.
fn serve_latency(dir: &std::path::Path, runs: usize) -> Result<String, String> {
    use marque_serve::probe::{Edit, measure_edits};
    let target = |e: Edit| match e {
        Edit::Body => "target 30 ms",
        Edit::Title | Edit::Tag => "target 60 ms",
        Edit::NewPage => "target 100 ms",
        Edit::Template => "target: a cold render",
    };
    let mut lines = Vec::new();
    for t in measure_edits(dir, runs)? {
        let (min, max) =
            t.ms.iter()
                .fold((f64::MAX, 0f64), |(a, b), &x| (a.min(x), b.max(x)));
        let phases: Vec<String> = t
            .phases
            .iter()
            .map(|(n, ms)| format!("{n} {ms:.0}"))
            .collect();
        lines.push(format!(
            "serve: {:<13} to reload {:>6.1} ms (median of {}, {:.0}–{:.0}; {}): {} rendered, {} changed; last rebuild: {}",
            t.edit.name(),
            median(t.ms.clone()),
            t.ms.len(),
            min,
            max,
            target(t.edit),
            t.rendered,
            t.changed,
            phases.join(", ")
        ));
    }
    Ok(lines.join("\n"))
}
