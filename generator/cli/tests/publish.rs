//! `marque publish` against a real S3 server: s3s-fs, started in process on
//! 127.0.0.1 with an access key, its objects kept as files in a temporary folder.
//! Every request it answers is logged (method and key, in order), so the tests see
//! what marque sent, in which order, and nothing else.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const KEY: &str = "MARQUETESTKEY";
const SECRET: &str = "marque-test-secret-0123456789";
const BUCKET: &str = "site";

/// A running S3 server.
struct S3 {
    port: u16,
    dir: tempfile::TempDir,
    /// (method, path) of each request, in the order they came.
    log: Arc<Mutex<Vec<(String, String)>>>,
    /// PUTs answered before the server starts failing them (500).
    puts_left: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

impl S3 {
    fn start() -> S3 {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(BUCKET)).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let fs = s3s_fs::FileSystem::new(dir.path()).unwrap();
        let mut b = s3s::service::S3ServiceBuilder::new(fs);
        b.set_auth(s3s::auth::SimpleAuth::from_single(KEY, SECRET));
        let service = b.build();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let log: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let puts_left = Arc::new(AtomicUsize::new(usize::MAX));
        let (log2, left2) = (log.clone(), puts_left.clone());
        runtime.spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    continue;
                };
                let (service, log, left) = (service.clone(), log2.clone(), left2.clone());
                let handler = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let method = req.method().to_string();
                        let path = req.uri().path().to_string();
                        let query = req.uri().query().unwrap_or_default().to_string();
                        // A multipart part or bulk delete is logged as its operation.
                        let path = if query.contains("delete") {
                            format!("{path}?delete")
                        } else {
                            path
                        };
                        log.lock().unwrap().push((method.clone(), path));
                        let fail = method == "PUT"
                            && left
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                                    (n > 0).then(|| n.saturating_sub(1))
                                })
                                .is_err();
                        let service = service.clone();
                        async move {
                            if fail {
                                let body = "<?xml version=\"1.0\"?><Error><Code>InternalError</Code><Message>stopped by the test</Message></Error>";
                                return Ok(hyper::Response::builder()
                                    .status(500)
                                    .body(s3s::Body::from(body.to_string()))
                                    .unwrap());
                            }
                            hyper::service::Service::call(&service, req).await
                        }
                    },
                );
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(socket);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, handler)
                        .await;
                });
            }
        });
        S3 {
            port,
            dir,
            log,
            puts_left,
            _runtime: runtime,
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The objects under `prefix` of the bucket, by key below it, with their bytes.
    fn objects(&self, prefix: &str) -> BTreeMap<String, Vec<u8>> {
        let dir = self.dir.path().join(BUCKET).join(prefix);
        if !dir.exists() {
            return BTreeMap::new();
        }
        tree(&dir)
    }

    /// Takes the log of requests so far.
    fn take_log(&self) -> Vec<(String, String)> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }

    /// The keys (below `prefix`) of the PUT requests in `log`, in order.
    fn puts(log: &[(String, String)], prefix: &str) -> Vec<String> {
        let start = format!("/{BUCKET}/{prefix}/");
        log.iter()
            .filter(|(m, _)| m == "PUT")
            .filter_map(|(_, p)| p.strip_prefix(&start).map(percent_decoded))
            .collect()
    }

    /// Headers of an object, read back through the S3 API.
    fn headers(&self, key: &str) -> (String, String) {
        use object_store::ObjectStoreExt;
        let store = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_endpoint(self.endpoint())
            .with_allow_http(true)
            .with_access_key_id(KEY)
            .with_secret_access_key(SECRET)
            .build()
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let got = rt
            .block_on(store.get(&object_store::path::Path::parse(key).unwrap()))
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        let a = |k| {
            got.attributes
                .get(&k)
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        (
            a(object_store::Attribute::ContentType),
            a(object_store::Attribute::CacheControl),
        )
    }
}

/// Runs `marque publish --root <root>` with `args`, with the test server's keys (and
/// none of the machine's own AWS settings).
fn publish_with(root: &Path, args: &[&str], keys: Option<(&str, &str)>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marque"));
    cmd.arg("publish").arg("--root").arg(root).args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    if let Some((k, s)) = keys {
        cmd.env("AWS_ACCESS_KEY_ID", k)
            .env("AWS_SECRET_ACCESS_KEY", s);
    }
    cmd.output().unwrap()
}

fn publish(s3: &S3, root: &Path, extra: &[&str]) -> std::process::Output {
    let endpoint = s3.endpoint();
    let mut args = vec!["--to", "s3://site/www", "--endpoint", &endpoint];
    args.extend_from_slice(extra);
    publish_with(root, &args, Some((KEY, SECRET)))
}

fn publish_ok(s3: &S3, root: &Path, extra: &[&str]) -> String {
    let o = publish(s3, root, extra);
    assert!(o.status.success(), "publish failed:\n{}", text(&o));
    text(&o)
}

/// The built site, as the bucket should hold it.
fn site(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut t = tree(&root.join("output"));
    t.remove(".marque-output");
    t
}

/// The basic fixture with a search page, a former address, and a news item that no
/// page links to (the tests remove it).
fn project() -> tempfile::TempDir {
    let dir = fixture("basic");
    write(
        dir.path(),
        "narrative/fr/news/breve.md",
        "---\ntitle: Brève\ndescription: Une brève.\ndate: 2024-01-10\n---\nUne brève.\n",
    );
    write(
        dir.path(),
        "narrative/fr/recherche.md",
        "---\ntitle: Recherche\ndescription: Chercher dans le site.\ntemplate: search.html\n---\n",
    );
    edit(
        dir.path(),
        "narrative/fr/about.md",
        "weight: 10\n",
        "weight: 10\naliases: [/qui-sommes-nous/]\n",
    );
    dir
}

fn is_page(k: &str) -> bool {
    k.ends_with(".html") || k.ends_with(".xml") || k == "robots.txt"
}

#[test]
fn a_first_publish_sends_the_site_with_its_headers_and_a_second_sends_nothing() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    let t = publish_ok(&s3, root, &[]);
    // It built first.
    assert!(t.contains("built "), "{t}");
    let want = site(root);
    assert_eq!(
        s3.objects("www").keys().collect::<Vec<_>>().len(),
        want.len() + 1
    );
    let mut got = s3.objects("www");
    let manifest = got.remove(".marque-publish.json").expect("no manifest");
    assert!(got == want, "the bucket is not the site");
    let n = want.len();
    assert!(t.contains(&format!("{n} files uploaded")), "{t}");

    // Order: assets, then pages, then the manifest; each file once.
    let log = s3.take_log();
    let puts = S3::puts(&log, "www");
    assert_eq!(puts.len(), n + 1, "{puts:?}");
    assert_eq!(puts.last().unwrap(), ".marque-publish.json");
    let first_page = puts.iter().position(|k| is_page(k)).unwrap();
    assert!(
        puts[first_page..n].iter().all(|k| is_page(k)),
        "an asset after a page: {puts:?}"
    );
    // The script that names the search index's files goes after them.
    let pos = |k: &str| puts.iter().position(|x| x == k).unwrap();
    let fragment = puts
        .iter()
        .position(|k| k.starts_with("pagefind/fragment/"))
        .unwrap();
    assert!(fragment < pos("pagefind/pagefind-entry.json"));
    assert!(pos("pagefind/pagefind-entry.json") < first_page);

    // Headers, read back.
    let css = want.keys().find(|k| k.starts_with("css/site.")).unwrap();
    let woff2 = want.keys().find(|k| k.ends_with(".woff2"));
    let index = want
        .keys()
        .find(|k| k.starts_with("pagefind/index/"))
        .unwrap();
    let revalidate = "public, max-age=0, must-revalidate";
    let immutable = "public, max-age=31536000, immutable";
    for (key, ty, cache) in [
        ("www/index.html", "text/html; charset=utf-8", revalidate),
        ("www/en/index.html", "text/html; charset=utf-8", revalidate),
        (
            "www/atom.xml",
            "application/atom+xml; charset=utf-8",
            revalidate,
        ),
        (
            "www/sitemap.xml",
            "application/xml; charset=utf-8",
            revalidate,
        ),
        ("www/robots.txt", "text/plain; charset=utf-8", revalidate),
        (
            "www/pagefind/pagefind.js",
            "text/javascript; charset=utf-8",
            revalidate,
        ),
        (
            "www/pagefind/pagefind-entry.json",
            "application/json",
            revalidate,
        ),
        (&format!("www/{css}"), "text/css; charset=utf-8", immutable),
        (
            &format!("www/{index}"),
            "application/octet-stream",
            immutable,
        ),
        ("www/favicon.svg", "image/svg+xml", "public, max-age=3600"),
    ] {
        assert_eq!(
            s3.headers(key),
            (ty.to_string(), cache.to_string()),
            "{key}"
        );
    }
    if let Some(w) = woff2 {
        assert_eq!(s3.headers(&format!("www/{w}")).0, "font/woff2");
    }
    // The former address is a page that sends visitors on.
    assert!(String::from_utf8_lossy(&want["qui-sommes-nous/index.html"]).contains("/about/"));
    // The manifest records each file with its hash and headers.
    let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(m["files"].as_object().unwrap().len(), n);
    assert_eq!(m["files"]["index.html"]["type"], "text/html; charset=utf-8");

    // The same site again: nothing sent.
    let t = publish_ok(&s3, root, &[]);
    assert!(t.contains("0 files uploaded"), "{t}");
    assert!(t.contains(&format!("{n} files unchanged")), "{t}");
    let log = s3.take_log();
    assert!(
        log.iter().all(|(m, _)| m == "GET" || m == "HEAD"),
        "a second publish changed something: {log:?}"
    );
}

#[test]
fn an_edit_sends_only_the_changed_files_and_a_removed_page_is_deleted() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    publish_ok(&s3, root, &[]);
    let before = site(root);
    s3.take_log();

    edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Cinq personnes et une mascotte.",
    );
    let t = publish_ok(&s3, root, &[]);
    let after = site(root);
    let changed: Vec<String> = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(
        changed.contains(&"about/index.html".to_string()),
        "{changed:?}"
    );
    let log = s3.take_log();
    let mut puts = S3::puts(&log, "www");
    assert_eq!(
        puts.last().map(String::as_str),
        Some(".marque-publish.json")
    );
    puts.retain(|k| k != ".marque-publish.json");
    puts.sort();
    assert_eq!(puts, changed, "{t}");
    // The old index files of the edited language are gone from the site, and so from
    // the bucket; nothing else was deleted.
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert!(gone.iter().all(|k| k.starts_with("pagefind/")), "{gone:?}");
    assert!(
        t.contains(&format!(
            "{} deleted",
            if gone.len() == 1 {
                "1 file".to_string()
            } else {
                format!("{} files", gone.len())
            }
        )),
        "{t}"
    );
    let mut objects = s3.objects("www");
    objects.remove(".marque-publish.json");
    assert!(objects == after, "bucket differs; gone: {gone:?}");

    // A page removed: its files are deleted, after the pages and the manifest.
    std::fs::remove_file(root.join("narrative/fr/news/breve.md")).unwrap();
    let t = publish_ok(&s3, root, &[]);
    let log = s3.take_log();
    let mut objects = s3.objects("www");
    objects.remove(".marque-publish.json");
    assert!(!objects.contains_key("news/breve/index.html"), "{t}");
    assert!(objects == site(root));
    let last_put = log.iter().rposition(|(m, _)| m == "PUT").unwrap();
    let first_delete = log
        .iter()
        .position(|(m, p)| m == "DELETE" || p.ends_with("?delete"))
        .expect("no delete request");
    let manifest_put = log
        .iter()
        .position(|(m, p)| m == "PUT" && p.ends_with(".marque-publish.json"))
        .unwrap();
    assert!(manifest_put < first_delete, "{log:?}");
    // The manifest is written again once the deletions are made.
    assert!(first_delete < last_put);
    assert!(t.contains("deleted"), "{t}");
}

#[test]
fn the_delete_limit_and_a_dry_run_change_nothing() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    publish_ok(&s3, root, &[]);
    let published = s3.objects("www");
    s3.take_log();
    std::fs::remove_file(root.join("narrative/fr/news/breve.md")).unwrap();
    edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Six personnes.",
    );

    // Dry run: the plan, and nothing changed.
    let o = publish(&s3, root, &["--dry-run"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("upload  changed  about/index.html"), "{t}");
    assert!(t.contains("delete           news/breve/index.html"), "{t}");
    assert!(t.contains("nothing was changed"), "{t}");
    assert!(
        s3.take_log().iter().all(|(m, _)| m == "GET" || m == "HEAD"),
        "a dry run sent a change"
    );
    assert!(s3.objects("www") == published);

    // More deletions than allowed: refused before anything is sent.
    let o = publish(&s3, root, &["--max-deletes", "0"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("more than --max-deletes 0") && t.contains("--max-deletes "),
        "{t}"
    );
    assert!(s3.take_log().iter().all(|(m, _)| m == "GET" || m == "HEAD"));
    assert!(s3.objects("www") == published);
    let o = publish(&s3, root, &["--dry-run", "--max-deletes", "0"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    // Allowed: done.
    publish_ok(&s3, root, &["--max-deletes", "10"]);
    let mut objects = s3.objects("www");
    objects.remove(".marque-publish.json");
    assert!(objects == site(root));
}

#[test]
fn an_interrupted_publish_is_completed_by_the_next() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    publish_ok(&s3, root, &[]);
    // A new page and an edit; the server fails after three uploads.
    write(
        root,
        "narrative/fr/news/three.md",
        "---\ntitle: Trois\ndescription: La troisième.\ndate: 2024-05-08\n---\nUne flamme passe.\n",
    );
    edit(
        root,
        "narrative/fr/about.md",
        "Cinq personnes.",
        "Sept personnes.",
    );
    s3.take_log();
    s3.puts_left.store(3, Ordering::SeqCst);
    let o = publish(&s3, root, &[]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("run the same command again"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    // What was sent leaves pages whole: no new page went before the assets.
    let log = s3.take_log();
    let puts = S3::puts(&log, "www");
    assert!(!puts.iter().any(|k| k.ends_with(".html")), "{puts:?}");
    assert!(
        !puts.iter().any(|k| k == ".marque-publish.json"),
        "{puts:?}"
    );

    s3.puts_left.store(usize::MAX, Ordering::SeqCst);
    publish_ok(&s3, root, &[]);
    let mut objects = s3.objects("www");
    objects.remove(".marque-publish.json");
    assert!(objects == site(root));
    let t = publish_ok(&s3, root, &[]);
    assert!(t.contains("0 files uploaded"), "{t}");
}

#[test]
fn an_object_changed_behind_its_back_is_put_back_and_others_are_left_alone() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    publish_ok(&s3, root, &[]);
    let bucket = s3.dir.path().join(BUCKET);
    // Someone removes a page and adds a file of their own.
    std::fs::remove_file(bucket.join("www/about/index.html")).unwrap();
    std::fs::write(bucket.join("www/theirs.txt"), "not marque's").unwrap();
    s3.take_log();
    let t = publish_ok(&s3, root, &[]);
    assert!(t.contains("1 file uploaded"), "{t}");
    assert!(
        t.contains("1 file in the folder that marque did not publish left alone"),
        "{t}"
    );
    assert_eq!(S3::puts(&s3.take_log(), "www")[0], "about/index.html");
    assert!(bucket.join("www/about/index.html").is_file());
    assert!(bucket.join("www/theirs.txt").is_file());
    // A damaged manifest: everything is sent again, nothing deleted, a warning.
    std::fs::write(bucket.join("www/.marque-publish.json"), "{ not json").unwrap();
    let t = publish_ok(&s3, root, &[]);
    assert!(t.contains("warning: the manifest"), "{t}");
    assert!(bucket.join("www/theirs.txt").is_file());
    let t = publish_ok(&s3, root, &[]);
    assert!(t.contains("0 files uploaded"), "{t}");
}

/// The one `error:` line of a failed publish (exit 1).
fn one_error(o: &std::process::Output) -> String {
    let t = text(o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    let errors: Vec<&str> = t.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{t}");
    // The whole text, for the assertion messages; the error line first.
    format!("{}\n{t}", errors[0])
}

#[test]
fn bad_credentials_a_missing_bucket_a_dead_endpoint_and_bad_flags_are_one_line_each() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    let endpoint = s3.endpoint();
    let to_site = ["--to", "s3://site/www", "--endpoint", endpoint.as_str()];

    let e = one_error(&publish_with(root, &to_site, Some((KEY, "wrong-secret"))));
    assert!(
        e.contains("refused the credentials") && e.contains("AWS_SECRET_ACCESS_KEY"),
        "{e}"
    );
    let e = one_error(&publish_with(root, &to_site, Some(("NOSUCHKEY", SECRET))));
    assert!(e.contains("refused the credentials"), "{e}");
    let e = one_error(&publish_with(root, &to_site, None));
    assert!(e.contains("no credentials"), "{e}");

    let e = one_error(&publish_with(
        root,
        &["--to", "s3://no-such-bucket", "--endpoint", &endpoint],
        Some((KEY, SECRET)),
    ));
    assert!(e.contains("bucket 'no-such-bucket' does not exist"), "{e}");

    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let e = one_error(&publish_with(
        root,
        &["--to", "s3://site", "--endpoint", &dead],
        Some((KEY, SECRET)),
    ));
    assert!(e.contains("cannot reach") && e.contains(&dead), "{e}");

    for (args, says) in [
        (vec!["--to", "site/www"], "not an s3:// address"),
        (vec!["--to", "s3://Site"], "not a bucket name"),
        (vec!["--to", "s3://site/../x"], "not a plain path"),
        (
            vec!["--to", "s3://site", "--endpoint", "ftp://x"],
            "not an endpoint address",
        ),
        (
            vec!["--to", "s3://site", "--region", "eu west"],
            "not a region name",
        ),
    ] {
        let e = one_error(&publish_with(root, &args, Some((KEY, SECRET))));
        assert!(e.contains(says), "{args:?}: {e}");
    }
    // Nothing was built for a refused flag, and nothing reached the bucket.
    assert!(s3.objects("").is_empty());
    let o = publish_with(root, &["--to", "s3://site", "--max-deletes", "-3"], None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let _: PathBuf = root.to_path_buf();
}

#[test]
fn a_site_that_does_not_build_is_not_published() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    edit(root, "narrative/fr/about.md", "title:", "tittle:");
    let o = publish(&s3, root, &[]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("narrative/fr/about.md"), "{t}");
    assert!(t.contains("nothing was sent"), "{t}");
    assert!(s3.objects("").is_empty());
}

#[test]
fn the_bundled_site_is_published_whole_with_a_type_for_every_file() {
    let s3 = S3::start();
    let p = bundled_copy_warm();
    let root = p.path();
    let endpoint = s3.endpoint();
    let args = [
        "--to",
        "s3://site",
        "--endpoint",
        &endpoint,
        "--region",
        "auto",
    ];
    let o = publish_with(root, &args, Some((KEY, SECRET)));
    assert!(o.status.success(), "{}", text(&o));
    let mut objects = s3.objects("");
    let manifest = objects.remove(".marque-publish.json").unwrap();
    let want = site(root);
    assert!(objects == want, "the bucket is not the bundled site");
    // Every kind of file the site has is sent with its own type; only the search
    // index's packed files and the Adobe swatches are plain bytes.
    let m: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    let files = m["files"].as_object().unwrap();
    assert_eq!(files.len(), want.len());
    for (path, f) in files {
        let ty = f["type"].as_str().unwrap();
        let packed = [
            ".pf_meta",
            ".pf_index",
            ".pf_fragment",
            ".pf_filter",
            ".pagefind",
            ".ase",
        ]
        .iter()
        .any(|e| path.ends_with(e));
        assert_eq!(ty == "application/octet-stream", packed, "{path}: {ty}");
    }
    // Published again: nothing sent.
    let o = publish_with(root, &args, Some((KEY, SECRET)));
    assert!(text(&o).contains("0 files uploaded"), "{}", text(&o));
}

#[test]
fn a_link_in_the_output_or_a_file_named_like_the_manifest_is_never_published() {
    let s3 = S3::start();
    let p = project();
    let root = p.path();
    publish_ok(&s3, root, &[]);
    s3.take_log();
    // A link someone put in the output folder: nothing of it is read or sent.
    // The build before the publish removes it when it swaps in a new site;
    // when it did not, the publish refuses it in one line.
    std::os::unix::fs::symlink("/etc/passwd", root.join("output/passwd")).unwrap();
    let o = publish(&s3, root, &[]);
    let t = if o.status.success() {
        assert!(std::fs::symlink_metadata(root.join("output/passwd")).is_err());
        text(&o)
    } else {
        let e = one_error(&o);
        assert!(e.contains("output/passwd is a link"), "{e}");
        e
    };
    assert!(!t.contains("root:"), "{t}");
    assert!(
        s3.take_log().iter().all(|(m, _)| m == "GET" || m == "HEAD"),
        "something was sent"
    );
    assert!(!s3.objects("www").contains_key("passwd"));
    let _ = std::fs::remove_file(root.join("output/passwd"));
    // A static file of the theme with the manifest's name: hidden files are not
    // part of the site, so it never reaches the output nor replaces the manifest.
    write(root, "themes/default/static/.marque-publish.json", "{}");
    let t = publish_ok(&s3, root, &[]);
    assert!(t.contains("0 files uploaded"), "{t}");
    assert!(!root.join("output/.marque-publish.json").exists());
    let m = &s3.objects("www")[".marque-publish.json"];
    assert!(String::from_utf8_lossy(m).contains("\"files\""));
}
