//! `marque serve`: the last step of the flow for previews. Builds the site into memory
//! through a resident [`Session`], serves it over HTTP on loopback, watches the sources
//! and, after each rebuild (which renders only what changed), tells the open pages to
//! reload through server-sent events. A failed rebuild keeps the last good site and
//! shows the errors in an overlay.

#![forbid(unsafe_code)]

pub mod http;
pub mod probe;
pub mod watch;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use marque_engine::BuildReport;
use marque_engine::session::{SearchJob, Session};
use marque_engine::sink::MemorySite;
use marque_project::Diagnostics;

/// What `marque serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Project folder.
    pub root: PathBuf,
    /// Address to bind (127.0.0.1 unless told otherwise).
    pub bind: IpAddr,
    /// Port (0 picks a free one).
    pub port: u16,
    /// Include drafts.
    pub drafts: bool,
}

/// What happens while serving, for the command to print.
#[derive(Debug)]
pub enum ServeEvent {
    /// The server listens at this address.
    Listening(SocketAddr),
    /// A rebuild succeeded; `latency` runs from the first file event to the reload
    /// message sent to the browsers.
    Rebuilt {
        /// What the rebuild did.
        report: Box<BuildReport>,
        /// Files whose change started it (empty for the first build).
        changed: Vec<PathBuf>,
        /// From the first change seen to the reload sent.
        latency: Duration,
    },
    /// A rebuild failed; the last good site is still served.
    Failed(Diagnostics),
}

/// State shared by the server, the watcher and the rebuilds.
pub struct Shared {
    /// The site in memory.
    pub site: Arc<RwLock<Arc<MemorySite>>>,
    /// The errors of the last failed rebuild, shown as an overlay; `None` when good.
    pub error: RwLock<Option<String>>,
    /// Live-reload messages: `reload` or `error`.
    pub reload: tokio::sync::broadcast::Sender<String>,
}

impl Shared {
    fn new() -> Arc<Shared> {
        let (tx, _) = tokio::sync::broadcast::channel(64);
        Arc::new(Shared {
            site: Arc::new(RwLock::new(Arc::new(MemorySite::new()))),
            error: RwLock::new(None),
            reload: tx,
        })
    }
}

/// Runs one rebuild and publishes its outcome.
fn rebuild(
    session: &mut Session,
    shared: &Shared,
    changed: Vec<PathBuf>,
    since: Instant,
    on_event: &(dyn Fn(ServeEvent) + Send + Sync),
) {
    // A bug of marque's (a panic) fails this rebuild like an error in the sources: the
    // last good site stays served, and the next save is rebuilt from scratch.
    let outcome = marque_engine::guard("rebuilding the site", || session.rebuild_after(&changed))
        .inspect_err(|_| session.reset())
        .and_then(|r| r);
    match outcome {
        Ok(report) => {
            let was_broken = shared
                .error
                .write()
                .map(|mut e| e.take().is_some())
                .unwrap_or(false);
            // Nothing changed (a save without edits): no need to reload the pages.
            if was_broken || !report.changed_paths.is_empty() || !report.removed_paths.is_empty() {
                let _ = shared.reload.send("reload".into());
            }
            on_event(ServeEvent::Rebuilt {
                report: Box::new(report),
                changed,
                latency: since.elapsed(),
            });
        }
        Err(d) => {
            if let Ok(mut e) = shared.error.write() {
                *e = Some(d.to_string());
            }
            let _ = shared.reload.send("error".into());
            on_event(ServeEvent::Failed(d));
        }
    }
}

/// Makes the search index on a thread of its own, at the lowest priority, when the
/// sources have been quiet for a moment: each rebuild hands it the index to make (the
/// latest one wins), a save stops the index being made (the rebuild goes first; the
/// newer index follows), and what it made joins the session's site unless pages
/// changed meanwhile. No rebuild waits for it.
struct Indexer {
    jobs: std::sync::mpsc::Sender<SearchJob>,
    /// Counts the rebuilds begun: a job made before the latest one stops.
    rebuilds: Arc<std::sync::atomic::AtomicU64>,
}

/// How long the sources stay quiet before the index is made.
const QUIET: Duration = Duration::from_millis(300);

impl Indexer {
    fn start(
        session: Arc<Mutex<Session>>,
        on_event: Arc<dyn Fn(ServeEvent) + Send + Sync>,
    ) -> Indexer {
        use std::sync::atomic::Ordering;
        use std::sync::mpsc::RecvTimeoutError;
        let (tx, rx) = std::sync::mpsc::channel::<SearchJob>();
        let rebuilds = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = rebuilds.clone();
        std::thread::spawn(move || {
            lower_priority();
            // Its own threads (at its priority, which they inherit): on the threads
            // rebuilds use, its work would queue before theirs.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .thread_name(|i| format!("marque-search-{i}"))
                .build()
                .ok();
            while let Ok(mut job) = rx.recv() {
                // Only the latest index is worth making, once the saves pause.
                loop {
                    match rx.recv_timeout(QUIET) {
                        Ok(later) => job = later,
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                let begun = counter.load(Ordering::SeqCst);
                let stop = || counter.load(Ordering::SeqCst) != begun;
                let made = match &pool {
                    Some(pool) => pool.install(|| job.run(&stop)),
                    None => job.run(&stop),
                };
                match made {
                    Ok(Some(files)) => {
                        let mut s = match session.lock() {
                            Ok(s) => s,
                            Err(p) => p.into_inner(),
                        };
                        s.apply_search(&job, files);
                    }
                    // Stopped by a save: its rebuild hands over the newer index.
                    Ok(None) => {}
                    Err(d) => on_event(ServeEvent::Failed(d)),
                }
            }
        });
        Indexer { jobs: tx, rebuilds }
    }

    /// A rebuild begins: an index being made stops.
    fn rebuilding(&self) {
        self.rebuilds
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// Hands over the index the session needs now, if any.
    fn queue(&self, session: &Session) {
        if let Some(job) = session.search_job() {
            let _ = self.jobs.send(job);
        }
    }
}

/// Gives the calling thread (and the threads it starts) the lowest scheduling
/// priority, so that rebuilds go first when both want the processor.
fn lower_priority() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
    }
}

/// A running server: dropping it does not stop it; [`Server::wait`] blocks.
pub struct Server {
    /// The address it listens at.
    pub addr: SocketAddr,
    /// The shared state (site, errors, reload channel).
    pub shared: Arc<Shared>,
    runtime: tokio::runtime::Runtime,
    _watcher: watch::Watcher,
}

impl Server {
    /// Builds the site, binds the address, starts the watcher and the HTTP server.
    /// Fails at once with a clear message when the address cannot be bound.
    pub fn start(
        opts: &ServeOptions,
        on_event: Arc<dyn Fn(ServeEvent) + Send + Sync>,
    ) -> Result<Server, String> {
        let root = std::path::absolute(&opts.root).map_err(|e| e.to_string())?;
        if !root.join("marque.yaml").is_file() {
            return Err(format!(
                "no marque.yaml in {}: is this a marque project? (marque new DIR creates one)",
                root.display()
            ));
        }
        let listener = std::net::TcpListener::bind((opts.bind, opts.port)).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "port {} on {} is already in use: stop the other server or choose another port with --port",
                    opts.port, opts.bind
                )
            } else {
                format!("cannot listen on {}:{}: {e}", opts.bind, opts.port)
            }
        })?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let shared = Shared::new();
        let mut session = Session::new(root.clone(), opts.drafts, shared.site.clone());
        rebuild(
            &mut session,
            &shared,
            Vec::new(),
            Instant::now(),
            &*on_event,
        );
        let session = Arc::new(Mutex::new(session));
        let indexer = Indexer::start(session.clone(), on_event.clone());
        if let Ok(s) = session.lock() {
            indexer.queue(&s);
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let app = http::router(shared.clone());
        runtime.spawn(async move {
            if let Ok(l) = tokio::net::TcpListener::from_std(listener) {
                http::serve(l, app).await;
            }
        });
        let events = on_event.clone();
        let shared_w = shared.clone();
        let watcher = watch::Watcher::start(&root, move |changed, since| {
            indexer.rebuilding();
            let mut s = match session.lock() {
                Ok(s) => s,
                Err(p) => p.into_inner(),
            };
            rebuild(&mut s, &shared_w, changed, since, &*events);
            indexer.queue(&s);
        })?;
        on_event(ServeEvent::Listening(addr));
        Ok(Server {
            addr,
            shared,
            runtime,
            _watcher: watcher,
        })
    }

    /// Blocks forever (until the process is stopped).
    pub fn wait(self) {
        self.runtime.block_on(std::future::pending::<()>());
    }
}
