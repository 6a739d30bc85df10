//! `marque publish`: puts a built site (the output folder) online in S3-compatible
//! object storage (AWS S3, Cloudflare R2, MinIO, Scaleway, OVH). It comes after the
//! build in the flow: it reads the output folder and the bucket, and writes only to
//! the bucket.
//!
//! It uploads only what changed. A manifest object in the target folder
//! ([`MANIFEST`]) records what was published (path → content hash, type, cache policy,
//! the store's ETag); it is checked against the bucket's listing, so that an object
//! removed or replaced behind marque's back is put back. The order keeps the site
//! whole for visitors at every moment: new assets first, then the scripts and search
//! entry files that name them, then the pages, then the manifest, then deletions
//! (recorded in the manifest before they are made, so that an interrupted publish is
//! completed by the next one). Only objects marque published are ever deleted, and at
//! most `max_deletes` of them.

pub mod headers;
pub mod target;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt,
    PutMultipartOptions, PutOptions, PutPayload, RetryConfig, WriteMultipart,
};
use serde::{Deserialize, Serialize};

pub use headers::{CachePolicy, cache_policy, content_type};
pub use target::Target;

/// The manifest object's name, in the target folder.
pub const MANIFEST: &str = ".marque-publish.json";
/// The marker marque leaves in every folder it builds: not part of the site.
const MARKER: &str = ".marque-output";
/// The manifest's format.
const MANIFEST_FORMAT: u32 = 1;
/// The largest manifest read (a site of a million files has one of about 250 MB).
const MAX_MANIFEST: u64 = 256 << 20;
/// The most files a site, or objects a target folder, may hold.
const MAX_OBJECTS: usize = 1_000_000;
/// Files larger than this are sent in parts, read from disk a part at a time.
const SINGLE_PUT: u64 = 32 << 20;
/// The size of a part.
const PART: usize = 16 << 20;
/// Requests in flight at once.
const CONCURRENCY: usize = 8;
/// The default limit of deletions in one publish.
pub const DEFAULT_MAX_DELETES: usize = 256;

/// A problem that stops a publish, as one line that says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The line.
    pub message: String,
    /// The bucket may have been changed before it stopped (some files were sent):
    /// the next publish completes it.
    pub midway: bool,
}

/// An error before anything was changed.
fn err(message: impl Into<String>) -> Error {
    Error {
        message: message.into(),
        midway: false,
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// How to reach the storage: endpoint, region and credentials.
#[derive(Clone)]
pub struct Connection {
    /// The S3-compatible endpoint (`https://<account>.r2.cloudflarestorage.com`,
    /// `http://127.0.0.1:9000`); `None` for AWS S3 itself.
    pub endpoint: Option<String>,
    /// The region (`auto` for R2).
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`, for temporary credentials.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Connection")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// The connection the flags and the standard AWS variables give: `--endpoint`,
    /// else `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`; `--region`, else `AWS_REGION`
    /// or `AWS_DEFAULT_REGION`, else `us-east-1`; `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`. `var` reads a variable.
    pub fn from_env(
        endpoint: Option<&str>,
        region: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Connection, Error> {
        let var = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let (endpoint, from) = match endpoint {
            Some(e) => (Some(e.to_string()), "--endpoint"),
            None => match var("AWS_ENDPOINT_URL_S3") {
                Some(e) => (Some(e), "AWS_ENDPOINT_URL_S3"),
                None => (var("AWS_ENDPOINT_URL"), "AWS_ENDPOINT_URL"),
            },
        };
        let endpoint = endpoint.map(|e| check_endpoint(&e, from)).transpose()?;
        let region = match region {
            Some(r) => r.to_string(),
            None => var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_string()),
        };
        if region.is_empty()
            || region.len() > 64
            || !region
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err(format!(
                "--region '{region}' is not a region name (such as eu-west-3, fr-par or auto)"
            )));
        }
        let (Some(access_key_id), Some(secret_access_key)) =
            (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
        else {
            return Err(err(
                "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones) to a key that may list, read, write and delete in the bucket",
            ));
        };
        Ok(Connection {
            endpoint,
            region,
            access_key_id,
            secret_access_key,
            session_token: var("AWS_SESSION_TOKEN"),
        })
    }

    /// Where requests go, for messages.
    pub fn describe(&self) -> String {
        match &self.endpoint {
            Some(e) => e.clone(),
            None => format!("AWS S3 ({})", self.region),
        }
    }
}

/// An endpoint is an `http://` or `https://` address of a host, with nothing after it
/// but an optional `/`.
fn check_endpoint(e: &str, from: &str) -> Result<String, Error> {
    let bad = || {
        err(format!(
            "{from} '{e}' is not an endpoint address: write it https://HOST[:PORT] (for example https://ACCOUNT.r2.cloudflarestorage.com or http://127.0.0.1:9000)"
        ))
    };
    let rest = e
        .strip_prefix("https://")
        .or_else(|| e.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    let host_ok = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !host_ok {
        return Err(bad());
    }
    Ok(e.trim_end_matches('/').to_string())
}

/// One file of the site, as it will be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFile {
    /// Its path in the site (`/`-separated), which is its key under the target folder.
    pub rel: String,
    /// Its size in bytes.
    pub size: u64,
    /// The BLAKE3 hash of its bytes, in hexadecimal.
    pub hash: String,
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Its cache policy.
    pub cache: CachePolicy,
}

/// Every file of the built site in `output` (a folder marque made: it carries
/// `.marque-output`), with its hash and headers, sorted by path. A link, or a name
/// that cannot be a key, is an error.
pub fn scan_site(output: &Path) -> Result<Vec<SiteFile>, Error> {
    use rayon::prelude::*;
    let shown = output.display();
    match std::fs::symlink_metadata(output) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(err(format!("{shown} is not a folder"))),
        Err(e) => return Err(err(format!("cannot read {shown}: {e}"))),
    }
    if !output.join(MARKER).is_file() {
        return Err(err(format!(
            "{shown} is not a site marque built (it has no {MARKER}): run marque build first"
        )));
    }
    let mut found: Vec<(String, PathBuf)> = Vec::new();
    for entry in walkdir::WalkDir::new(output)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = entry.map_err(|e| err(format!("cannot read {shown}: {e}")))?;
        let path = entry.path();
        let rel = path
            .strip_prefix(output)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if rel.is_empty() || entry.file_type().is_dir() {
            continue;
        }
        if entry.path_is_symlink() || !entry.file_type().is_file() {
            return Err(err(format!(
                "{} is a link or a special file: marque publishes only the files it built (run marque build again)",
                path.display()
            )));
        }
        if rel == MARKER {
            continue;
        }
        if rel == MANIFEST {
            return Err(err(format!(
                "{}: the site has a file named {MANIFEST}, the name of publish's own record: rename it",
                path.display()
            )));
        }
        if path.to_str().is_none() || Key::parse(&rel).is_err() {
            return Err(err(format!(
                "{}: its name cannot be an object's name (it is not UTF-8, or holds a control character)",
                path.display()
            )));
        }
        if found.len() == MAX_OBJECTS {
            return Err(err(format!(
                "{shown} holds more than {MAX_OBJECTS} files: marque publishes at most that many"
            )));
        }
        found.push((rel, path.to_path_buf()));
    }
    found
        .into_par_iter()
        .map(|(rel, path)| {
            let mut hasher = blake3::Hasher::new();
            let size = std::fs::File::open(&path)
                .and_then(|mut f| std::io::copy(&mut f, &mut hasher))
                .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
            Ok(SiteFile {
                content_type: content_type(&rel),
                cache: cache_policy(&rel),
                hash: hasher.finalize().to_hex().to_string(),
                size,
                rel,
            })
        })
        .collect()
}

/// What the manifest records of a published file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    hash: String,
    size: u64,
    #[serde(rename = "type")]
    content_type: String,
    cache: String,
    /// The ETag the store gave the object, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
}

/// The manifest object: what marque published in the target folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    marque_publish: u32,
    files: BTreeMap<String, Entry>,
    /// Objects to delete that the last publish may not have deleted (it was stopped).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pending_deletes: Vec<String>,
}

/// An object of the target folder, as the listing gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Listed {
    size: u64,
    etag: Option<String>,
}

/// Why a file is uploaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Not published before.
    New,
    /// Published with other bytes or headers.
    Changed,
    /// Published, but the bucket no longer has it as it was (removed or replaced).
    Missing,
}

/// A file to upload.
#[derive(Clone, Debug)]
pub struct Upload {
    /// The file.
    pub file: SiteFile,
    /// Why.
    pub change: Change,
}

/// What a publish does: uploads in order, deletions, and what it leaves.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Files to upload, in the order they are sent (assets, then the files that name
    /// them, then pages).
    pub uploads: Vec<Upload>,
    /// Objects marque published that the site no longer has.
    pub deletes: Vec<String>,
    /// Files already in the bucket as they are.
    pub unchanged: usize,
    /// Bytes of the unchanged files.
    pub unchanged_bytes: u64,
    /// Objects in the target folder that marque did not publish: never touched.
    pub left_alone: Vec<String>,
    /// Why the manifest in the bucket could not be read (everything is then
    /// uploaded, and nothing deleted but what the site replaces).
    pub damaged_manifest: Option<String>,
}

impl Plan {
    /// Bytes to upload.
    pub fn upload_bytes(&self) -> u64 {
        self.uploads.iter().map(|u| u.file.size).sum()
    }
}

/// The order of uploads: 0 for assets, 1 for the files that name them by a fixed name
/// (scripts, search entry files), 2 for pages, feeds, the sitemap and `robots.txt`.
fn stage(f: &SiteFile) -> u8 {
    let page =
        f.content_type.starts_with("text/html") || f.rel.ends_with(".xml") || f.rel == "robots.txt";
    if page {
        2
    } else if f.cache == CachePolicy::Revalidate {
        1
    } else {
        0
    }
}

/// Compares the site with what the manifest says was published and what the bucket
/// lists.
fn make_plan(
    files: &[SiteFile],
    manifest: Option<&Manifest>,
    listing: &BTreeMap<String, Listed>,
) -> Plan {
    let mut plan = Plan::default();
    for f in files {
        let was = manifest.and_then(|m| m.files.get(&f.rel));
        let listed = listing.get(&f.rel);
        let there = match (was, listed) {
            (Some(w), Some(l)) => {
                l.size == w.size
                    && match (&w.etag, &l.etag) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            }
            _ => false,
        };
        let same = was.is_some_and(|w| {
            w.hash == f.hash
                && w.size == f.size
                && w.content_type == f.content_type
                && w.cache == f.cache.header()
        });
        let change = match (was, same, there) {
            (_, true, true) => {
                plan.unchanged += 1;
                plan.unchanged_bytes += f.size;
                continue;
            }
            (None, _, _) => Change::New,
            (Some(_), true, false) => Change::Missing,
            (Some(_), false, _) => Change::Changed,
        };
        plan.uploads.push(Upload {
            file: f.clone(),
            change,
        });
    }
    plan.uploads
        .sort_by(|a, b| (stage(&a.file), &a.file.rel).cmp(&(stage(&b.file), &b.file.rel)));
    let site: BTreeSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let published: BTreeSet<&str> = manifest
        .map(|m| {
            m.files
                .keys()
                .chain(m.pending_deletes.iter())
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default();
    plan.deletes = published
        .iter()
        .filter(|p| !site.contains(*p) && listing.contains_key(**p))
        .map(|p| p.to_string())
        .collect();
    plan.left_alone = listing
        .keys()
        .filter(|p| !site.contains(p.as_str()) && !published.contains(p.as_str()))
        .cloned()
        .collect();
    plan
}

/// A refusal when the plan deletes more than `max_deletes` objects.
pub fn check_deletes(plan: &Plan, target: &Target, max_deletes: usize) -> Result<(), Error> {
    let n = plan.deletes.len();
    if n > max_deletes {
        return Err(err(format!(
            "publishing would delete {n} files from {target}, more than --max-deletes {max_deletes}: check that --to names the right place (and that the build has all its pages), then allow it with --max-deletes {n}"
        )));
    }
    Ok(())
}

/// What happens during a publish, for a progress bar.
#[derive(Clone, Debug)]
pub enum Event<'a> {
    /// The plan is made; uploads start (none in a dry run).
    Planned(&'a Plan),
    /// A file is uploaded.
    Uploaded {
        /// Its path.
        rel: &'a str,
        /// Its size.
        bytes: u64,
    },
    /// The objects the site no longer has are being deleted.
    Deleting(usize),
}

/// What to publish where.
#[derive(Clone, Debug)]
pub struct Options {
    /// The built site.
    pub output: PathBuf,
    /// The bucket and folder.
    pub target: Target,
    /// How to reach it.
    pub connection: Connection,
    /// Plan only: read the bucket, change nothing.
    pub dry_run: bool,
    /// The most objects one publish may delete.
    pub max_deletes: usize,
}

/// What a publish did.
#[derive(Clone, Debug)]
pub struct Report {
    /// What it planned.
    pub plan: Plan,
    /// Files uploaded.
    pub uploaded: usize,
    /// Their bytes.
    pub uploaded_bytes: u64,
    /// Objects deleted.
    pub deleted: usize,
    /// Whether the manifest was written.
    pub manifest_written: bool,
}

/// Publishes the site in `opts.output` to `opts.target` (or, with `dry_run`, only
/// plans it), telling `on_event` as it goes.
pub fn publish(opts: &Options, on_event: &(dyn Fn(Event) + Sync)) -> Result<Report, Error> {
    let files = scan_site(&opts.output)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| err(format!("cannot start the uploader: {e}")))?;
    runtime.block_on(async {
        let remote = Remote::connect(&opts.target, &opts.connection)?;
        let (manifest, damaged) = remote.read_manifest().await?;
        let listing = remote.list().await?;
        let mut plan = make_plan(&files, manifest.as_ref(), &listing);
        plan.damaged_manifest = damaged;
        let mut report = Report {
            plan,
            uploaded: 0,
            uploaded_bytes: 0,
            deleted: 0,
            manifest_written: false,
        };
        if opts.dry_run {
            return Ok(report);
        }
        check_deletes(&report.plan, &opts.target, opts.max_deletes)?;
        on_event(Event::Planned(&report.plan));
        let midway = |mut e: Error| {
            e.midway = true;
            e
        };
        let plan = &report.plan;

        // The ETag of every file of the site once published.
        let mut etags: BTreeMap<&str, Option<String>> = BTreeMap::new();
        for f in &files {
            let old = manifest.as_ref().and_then(|m| m.files.get(&f.rel));
            let listed = listing.get(&f.rel).and_then(|l| l.etag.clone());
            etags.insert(&f.rel, listed.or_else(|| old.and_then(|o| o.etag.clone())));
        }
        for s in 0..=2u8 {
            let batch: Vec<&Upload> = plan
                .uploads
                .iter()
                .filter(|u| stage(&u.file) == s)
                .collect();
            let sent: Vec<(&str, Option<String>)> = futures::stream::iter(batch)
                .map(|u| async {
                    let etag = remote.put(&opts.output, &u.file).await?;
                    on_event(Event::Uploaded {
                        rel: &u.file.rel,
                        bytes: u.file.size,
                    });
                    Ok::<_, Error>((u.file.rel.as_str(), etag))
                })
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await
                .map_err(midway)?;
            report.uploaded += sent.len();
            for (rel, etag) in sent {
                etags.insert(rel, etag);
            }
        }
        report.uploaded_bytes = plan.upload_bytes();

        let entries: BTreeMap<String, Entry> = files
            .iter()
            .map(|f| {
                (
                    f.rel.clone(),
                    Entry {
                        hash: f.hash.clone(),
                        size: f.size,
                        content_type: f.content_type.to_string(),
                        cache: f.cache.header().to_string(),
                        etag: etags.get(f.rel.as_str()).cloned().flatten(),
                    },
                )
            })
            .collect();
        let mut next = Manifest {
            marque_publish: MANIFEST_FORMAT,
            files: entries,
            pending_deletes: plan.deletes.clone(),
        };
        if manifest.as_ref() != Some(&next) {
            remote.write_manifest(&next).await.map_err(midway)?;
            report.manifest_written = true;
        }
        if !plan.deletes.is_empty() {
            on_event(Event::Deleting(plan.deletes.len()));
            report.deleted = remote.delete(&plan.deletes).await.map_err(midway)?;
            next.pending_deletes.clear();
            remote.write_manifest(&next).await.map_err(midway)?;
        }
        Ok(report)
    })
}

/// The bucket and folder, through object_store.
struct Remote {
    store: AmazonS3,
    target: Target,
    place: String,
}

impl Remote {
    fn connect(target: &Target, c: &Connection) -> Result<Remote, Error> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&target.bucket)
            .with_region(&c.region)
            .with_access_key_id(&c.access_key_id)
            .with_secret_access_key(&c.secret_access_key)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(200),
                    max_backoff: Duration::from_secs(5),
                    base: 2.0,
                },
                max_retries: 3,
                retry_timeout: Duration::from_secs(60),
            })
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(10))
                    .with_timeout(Duration::from_secs(300)),
            );
        if let Some(t) = &c.session_token {
            b = b.with_token(t);
        }
        if let Some(e) = &c.endpoint {
            // S3-compatible stores: path-style addresses (the bucket in the path).
            b = b
                .with_endpoint(e)
                .with_virtual_hosted_style_request(false)
                .with_allow_http(e.starts_with("http://"));
        }
        let store = b
            .build()
            .map_err(|e| err(format!("cannot set up the connection to {target}: {e}")))?;
        Ok(Remote {
            store,
            target: target.clone(),
            place: c.describe(),
        })
    }

    /// The key of a file of the site.
    fn key(&self, rel: &str) -> Result<Key, Error> {
        let full = if self.target.prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{}/{rel}", self.target.prefix)
        };
        Key::parse(&full).map_err(|e| err(format!("'{rel}' cannot be an object's name: {e}")))
    }

    /// An object store error as one line that says what to do.
    fn error(&self, doing: &str, e: object_store::Error) -> Error {
        let mut chain = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            chain.push_str(": ");
            chain.push_str(&s.to_string());
            source = s.source();
        }
        let has = |s: &str| chain.contains(s);
        let bucket = &self.target.bucket;
        let place = &self.place;
        let line = if has("NoSuchBucket") {
            format!(
                "the bucket '{bucket}' does not exist at {place}: create it, or check --to, --endpoint and --region"
            )
        } else if has("InvalidAccessKeyId")
            || has("SignatureDoesNotMatch")
            || has("NotSignedUp")
            || has("InvalidToken")
            || has("ExpiredToken")
            || matches!(e, object_store::Error::Unauthenticated { .. })
        {
            format!(
                "{place} refused the credentials while {doing}: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)"
            )
        } else if has("AccessDenied") || matches!(e, object_store::Error::PermissionDenied { .. }) {
            format!(
                "{place} denied access to {} while {doing}: the key needs permission to list, read, write and delete objects there",
                self.target
            )
        } else if has("onnection refused")
            || has("dns error")
            || has("failed to lookup")
            || has("error sending request")
            || has("tcp connect")
            || has("timed out")
            || has("onnection reset")
        {
            let why = if has("onnection refused") {
                "connection refused"
            } else if has("dns error") || has("failed to lookup") {
                "its name does not resolve"
            } else if has("timed out") {
                "no answer in time"
            } else {
                "the connection failed"
            };
            format!("cannot reach {place} while {doing} ({why}): check --endpoint and the network")
        } else {
            let first = chain.lines().next().unwrap_or_default();
            let short: String = first.chars().take(400).collect();
            format!("{} while {doing}: {short}", self.target)
        };
        err(line)
    }

    /// The manifest, `None` when there is none; a damaged one is `None` with the reason.
    async fn read_manifest(&self) -> Result<(Option<Manifest>, Option<String>), Error> {
        let doing = "reading the manifest";
        let key = self.key(MANIFEST)?;
        let got = match self.store.get(&key).await {
            Ok(g) => g,
            Err(object_store::Error::NotFound { .. }) => return Ok((None, None)),
            Err(e) => return Err(self.error(doing, e)),
        };
        if got.meta.size > MAX_MANIFEST {
            return Ok((
                None,
                Some(format!(
                    "it is {} bytes (at most {MAX_MANIFEST})",
                    got.meta.size
                )),
            ));
        }
        let bytes = got.bytes().await.map_err(|e| self.error(doing, e))?;
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.marque_publish == MANIFEST_FORMAT => Ok((Some(m), None)),
            Ok(m) => Ok((
                None,
                Some(format!(
                    "its format {} is not {MANIFEST_FORMAT}",
                    m.marque_publish
                )),
            )),
            Err(e) => Ok((
                None,
                Some(format!("it is not a manifest marque wrote: {e}")),
            )),
        }
    }

    /// Every object of the target folder but the manifest, by path in the site.
    async fn list(&self) -> Result<BTreeMap<String, Listed>, Error> {
        let doing = "listing the bucket";
        let prefix = if self.target.prefix.is_empty() {
            None
        } else {
            Some(self.key("")?)
        };
        let mut stream = self.store.list(prefix.as_ref());
        let mut out = BTreeMap::new();
        while let Some(meta) = stream.try_next().await.map_err(|e| self.error(doing, e))? {
            let full = meta.location.as_ref();
            let rel = if self.target.prefix.is_empty() {
                Some(full)
            } else {
                full.strip_prefix(self.target.prefix.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            };
            let Some(rel) = rel else { continue };
            if rel == MANIFEST {
                continue;
            }
            if out.len() == MAX_OBJECTS {
                return Err(err(format!(
                    "{} holds more than {MAX_OBJECTS} objects: publish into a folder of its own (s3://{}/FOLDER)",
                    self.target, self.target.bucket
                )));
            }
            out.insert(
                rel.to_string(),
                Listed {
                    size: meta.size,
                    etag: meta.e_tag,
                },
            );
        }
        Ok(out)
    }

    /// Uploads one file with its headers; gives the ETag the store answered.
    async fn put(&self, output: &Path, f: &SiteFile) -> Result<Option<String>, Error> {
        let doing = format!("uploading {}", f.rel);
        let key = self.key(&f.rel)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, f.content_type.into());
        attributes.insert(Attribute::CacheControl, f.cache.header().into());
        let path = output.join(&f.rel);
        let changed = || {
            err(format!(
                "{} changed while it was being published (a build ran meanwhile?): run marque publish again",
                path.display()
            ))
        };
        let unreadable = |e: std::io::Error| err(format!("cannot read {}: {e}", path.display()));
        if f.size <= SINGLE_PUT {
            let bytes = tokio::fs::read(&path).await.map_err(unreadable)?;
            if blake3::hash(&bytes).to_hex().as_str() != f.hash {
                return Err(changed());
            }
            let opts = PutOptions {
                attributes,
                ..Default::default()
            };
            let r = self
                .store
                .put_opts(&key, PutPayload::from(bytes), opts)
                .await
                .map_err(|e| self.error(&doing, e))?;
            return Ok(r.e_tag);
        }
        use tokio::io::AsyncReadExt;
        let opts = PutMultipartOptions {
            attributes,
            ..Default::default()
        };
        let upload = self
            .store
            .put_multipart_opts(&key, opts)
            .await
            .map_err(|e| self.error(&doing, e))?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut file = tokio::fs::File::open(&path).await.map_err(unreadable)?;
        let mut hasher = blake3::Hasher::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match file.read(&mut buf).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = w.abort().await;
                    return Err(unreadable(e));
                }
            };
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            if let Err(e) = w.wait_for_capacity(2).await {
                return Err(self.error(&doing, e));
            }
            w.write(&buf[..n]);
        }
        if hasher.finalize().to_hex().as_str() != f.hash {
            let _ = w.abort().await;
            return Err(changed());
        }
        let r = w.finish().await.map_err(|e| self.error(&doing, e))?;
        Ok(r.e_tag)
    }

    async fn write_manifest(&self, m: &Manifest) -> Result<(), Error> {
        let key = self.key(MANIFEST)?;
        let mut bytes = serde_json::to_vec_pretty(m)
            .map_err(|e| err(format!("cannot write the manifest: {e}")))?;
        bytes.push(b'\n');
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, "application/json".into());
        attributes.insert(Attribute::CacheControl, "no-store".into());
        let opts = PutOptions {
            attributes,
            ..Default::default()
        };
        self.store
            .put_opts(&key, PutPayload::from(bytes), opts)
            .await
            .map_err(|e| self.error("writing the manifest", e))?;
        Ok(())
    }

    /// Deletes the objects at `rels`; gives how many.
    async fn delete(&self, rels: &[String]) -> Result<usize, Error> {
        let keys: Vec<Key> = rels.iter().map(|r| self.key(r)).collect::<Result<_, _>>()?;
        let stream = futures::stream::iter(keys.into_iter().map(Ok)).boxed();
        let deleted: Vec<Key> = self
            .store
            .delete_stream(stream)
            .try_collect()
            .await
            .map_err(|e| self.error("deleting the files the site no longer has", e))?;
        Ok(deleted.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, hash: &str) -> SiteFile {
        SiteFile {
            rel: rel.into(),
            size: 10,
            hash: hash.into(),
            content_type: content_type(rel),
            cache: cache_policy(rel),
        }
    }

    fn entry(f: &SiteFile) -> Entry {
        Entry {
            hash: f.hash.clone(),
            size: f.size,
            content_type: f.content_type.into(),
            cache: f.cache.header().into(),
            etag: Some(format!("\"{}\"", f.hash)),
        }
    }

    fn listed(f: &SiteFile) -> Listed {
        Listed {
            size: f.size,
            etag: Some(format!("\"{}\"", f.hash)),
        }
    }

    #[test]
    fn can_plan_only_what_changed_in_order() {
        let old = [
            file("index.html", "a"),
            file("css/site.0123abcd.css", "b"),
            file("gone/index.html", "c"),
            file("logo.png", "d"),
        ];
        let manifest = Manifest {
            marque_publish: 1,
            files: old.iter().map(|f| (f.rel.clone(), entry(f))).collect(),
            pending_deletes: vec!["older.html".into()],
        };
        let mut listing: BTreeMap<String, Listed> =
            old.iter().map(|f| (f.rel.clone(), listed(f))).collect();
        listing.insert(
            "older.html".into(),
            Listed {
                size: 1,
                etag: None,
            },
        );
        listing.insert(
            "theirs.txt".into(),
            Listed {
                size: 1,
                etag: None,
            },
        );
        // The logo was replaced in the bucket behind marque's back.
        listing.get_mut("logo.png").unwrap().etag = Some("\"other\"".into());
        let now = [
            file("index.html", "a2"),
            file("css/site.4567cdef.css", "e"),
            file("logo.png", "d"),
            file("js/search.js", "f"),
        ];
        let plan = make_plan(&now, Some(&manifest), &listing);
        let order: Vec<(&str, Change)> = plan
            .uploads
            .iter()
            .map(|u| (u.file.rel.as_str(), u.change))
            .collect();
        assert_eq!(
            order,
            [
                ("css/site.4567cdef.css", Change::New),
                ("logo.png", Change::Missing),
                ("js/search.js", Change::New),
                ("index.html", Change::Changed),
            ]
        );
        assert_eq!(
            plan.deletes,
            ["css/site.0123abcd.css", "gone/index.html", "older.html"]
        );
        assert_eq!(plan.left_alone, ["theirs.txt"]);
        assert_eq!(plan.unchanged, 0);
        // Published again as it is: nothing to do.
        let manifest = Manifest {
            marque_publish: 1,
            files: now.iter().map(|f| (f.rel.clone(), entry(f))).collect(),
            pending_deletes: Vec::new(),
        };
        let listing = now.iter().map(|f| (f.rel.clone(), listed(f))).collect();
        let plan = make_plan(&now, Some(&manifest), &listing);
        assert!(plan.uploads.is_empty() && plan.deletes.is_empty());
        assert_eq!(plan.unchanged, 4);
        // A header policy that changed is an upload.
        let mut m2 = manifest.clone();
        m2.files.get_mut("logo.png").unwrap().cache = "no-cache".into();
        let plan = make_plan(&now, Some(&m2), &listing);
        assert_eq!(plan.uploads.len(), 1);
        assert_eq!(plan.uploads[0].change, Change::Changed);
    }

    #[test]
    fn a_link_or_the_manifest_name_in_the_site_is_refused() {
        let d = std::env::temp_dir().join(format!("marque-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("css")).unwrap();
        std::fs::write(d.join(MARKER), "").unwrap();
        std::fs::write(d.join("index.html"), "<p>x</p>").unwrap();
        std::fs::write(d.join("css/site.css"), "p{}").unwrap();
        let files = scan_site(&d).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(names, ["css/site.css", "index.html"]);
        std::os::unix::fs::symlink("/etc/passwd", d.join("css/passwd")).unwrap();
        let e = scan_site(&d).unwrap_err();
        assert!(e.message.contains("css/passwd is a link"), "{e}");
        std::fs::remove_file(d.join("css/passwd")).unwrap();
        std::os::unix::fs::symlink("/etc", d.join("etc")).unwrap();
        let e = scan_site(&d).unwrap_err();
        assert!(e.message.contains("/etc is a link"), "{e}");
        std::fs::remove_file(d.join("etc")).unwrap();
        std::fs::write(d.join(MANIFEST), "{}").unwrap();
        let e = scan_site(&d).unwrap_err();
        assert!(e.message.contains("rename it"), "{e}");
        std::fs::remove_file(d.join(MANIFEST)).unwrap();
        std::fs::remove_file(d.join(MARKER)).unwrap();
        let e = scan_site(&d).unwrap_err();
        assert!(e.message.contains("run marque build first"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn without_a_manifest_nothing_is_deleted() {
        let now = [file("index.html", "a")];
        let listing: BTreeMap<String, Listed> = [
            (
                "index.html".to_string(),
                Listed {
                    size: 10,
                    etag: None,
                },
            ),
            (
                "old.html".to_string(),
                Listed {
                    size: 3,
                    etag: None,
                },
            ),
        ]
        .into();
        let plan = make_plan(&now, None, &listing);
        assert_eq!(plan.uploads.len(), 1);
        assert!(plan.deletes.is_empty());
        assert_eq!(plan.left_alone, ["old.html"]);
    }

    #[test]
    fn can_read_the_connection_from_the_flags_and_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let keys = &[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")];
        let c = Connection::from_env(None, None, env(keys)).unwrap();
        assert_eq!(
            (c.endpoint.as_deref(), c.region.as_str()),
            (None, "us-east-1")
        );
        assert!(!format!("{c:?}").contains("SK"));
        let c =
            Connection::from_env(Some("http://127.0.0.1:9000/"), Some("auto"), env(keys)).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(c.region, "auto");
        let e = Connection::from_env(None, None, env(&[("AWS_ACCESS_KEY_ID", "AK")])).unwrap_err();
        assert!(e.message.contains("AWS_SECRET_ACCESS_KEY"), "{e}");
        for bad in [
            "ftp://x",
            "127.0.0.1:9000",
            "https://",
            "https://a b",
            "https://h/x?y",
        ] {
            let e = Connection::from_env(Some(bad), None, env(keys)).unwrap_err();
            assert!(e.message.contains("not an endpoint address"), "{bad}: {e}");
        }
        let e = Connection::from_env(None, Some("eu west"), env(keys)).unwrap_err();
        assert!(e.message.contains("not a region name"), "{e}");
        let with_env = &[
            ("AWS_ACCESS_KEY_ID", "AK"),
            ("AWS_SECRET_ACCESS_KEY", "SK"),
            ("AWS_ENDPOINT_URL", "https://s3.fr-par.scw.cloud"),
            ("AWS_REGION", "fr-par"),
        ];
        let c = Connection::from_env(None, None, env(with_env)).unwrap();
        assert_eq!(c.endpoint.as_deref(), Some("https://s3.fr-par.scw.cloud"));
        assert_eq!(c.region, "fr-par");
    }
}
