//! The HTTP side of `marque serve`: files from the in-memory site with their content
//! type, a 404 page, the live-reload event stream, and the small script (injected into
//! HTML pages in serve mode only) that reloads the page or shows build errors.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

use crate::Shared;

/// The path of the live-reload event stream.
pub const EVENTS_PATH: &str = "/__marque/events";

/// The script injected before `</body>` of every HTML page in serve mode.
pub const LIVE_RELOAD_SCRIPT: &str = r#"<script>(function(){var s=new EventSource("/__marque/events");function show(t){var o=document.getElementById("__marque_overlay");if(!o){o=document.createElement("div");o.id="__marque_overlay";o.setAttribute("role","alert");o.style.cssText="position:fixed;inset:0;z-index:2147483647;background:rgba(20,20,24,.94);color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem;overflow:auto;white-space:pre-wrap";document.body.appendChild(o);}o.textContent="marque: the last change does not build (the page shows the last good build)\n\n"+t;}s.addEventListener("reload",function(){location.reload();});s.addEventListener("error-report",function(e){show(e.data);});s.addEventListener("ok",function(){var o=document.getElementById("__marque_overlay");if(o){o.remove();}});})();</script>"#;

/// The content type of a file name (one table for serve and publish).
pub use marque_project::mime::content_type;

/// Turns a request path into the name of a file of the site, or `None` for anything
/// that could reach outside it: `..` (also percent-encoded), encoded slashes or
/// backslashes, NUL bytes, backslashes.
pub fn site_path(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%00") || raw.contains('\\')
    {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut parts = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => return None,
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if decoded.ends_with('/') || path.is_empty() {
        if !path.is_empty() {
            path.push('/');
        }
        path.push_str("index.html");
    }
    Some(path)
}

fn inject(html: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    match text.rfind("</body>") {
        Some(i) => {
            let mut s = String::with_capacity(text.len() + LIVE_RELOAD_SCRIPT.len());
            s.push_str(&text[..i]);
            s.push_str(LIVE_RELOAD_SCRIPT);
            s.push_str(&text[i..]);
            s.into_bytes()
        }
        None => {
            let mut v = html.to_vec();
            v.extend_from_slice(LIVE_RELOAD_SCRIPT.as_bytes());
            v
        }
    }
}

fn respond(status: StatusCode, path: &str, bytes: &[u8]) -> Response {
    let ct = content_type(path);
    let body = if ct.starts_with("text/html") {
        inject(bytes)
    } else {
        bytes.to_vec()
    };
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn file(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let site = match shared.site.read() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let not_found = || {
        // The 404 page of the language whose prefix the path starts with.
        let first = uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        let page = site
            .get(&format!("{first}/404.html"))
            .or_else(|| site.get("404.html"));
        match page {
            Some(b) => respond(StatusCode::NOT_FOUND, "404.html", b),
            None => (StatusCode::NOT_FOUND, "not found").into_response(),
        }
    };
    let Some(path) = site_path(uri.path()) else {
        return not_found();
    };
    if let Some(b) = site.get(&path) {
        return respond(StatusCode::OK, &path, b);
    }
    // `/manifeste` → `/manifeste/`.
    if !path.ends_with(".html") && site.contains_key(&format!("{path}/index.html")) {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::MOVED_PERMANENTLY;
        if let Ok(v) = HeaderValue::from_str(&format!("/{path}/")) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    not_found()
}

async fn events(
    State(shared): State<Arc<Shared>>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    // A page that opens while the build is broken shows the errors at once.
    let current = shared.error.read().ok().and_then(|e| e.clone());
    let first =
        tokio_stream::iter(current.map(|e| Ok(Event::default().event("error-report").data(e))));
    let shared2 = shared.clone();
    let rest = BroadcastStream::new(shared.reload.subscribe()).filter_map(move |msg| match msg {
        Ok(m) if m == "reload" => Some(Ok(Event::default().event("reload").data("reload"))),
        Ok(_) => {
            let text = shared2
                .error
                .read()
                .ok()
                .and_then(|e| e.clone())
                .unwrap_or_default();
            Some(Ok(Event::default().event("error-report").data(text)))
        }
        Err(_) => None,
    });
    Sse::new(first.chain(rest)).keep_alive(KeepAlive::default())
}

/// How long a client may take to send a request's head before its connection is
/// closed (slow or stalled clients hold no connection longer).
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Open connections at most; past this, the connection idle the longest is closed to
/// make room (a live-reload stream only when there is nothing else), so that slow
/// clients cannot starve the others.
pub const MAX_CONNECTIONS: usize = 256;

/// What the server knows of one open connection.
struct Conn {
    /// When it last began a request (or opened).
    active: std::time::Instant,
    /// It carries the live-reload stream: never closed to make room.
    events: bool,
    stop: tokio::task::AbortHandle,
}

type Conns = Arc<std::sync::Mutex<std::collections::HashMap<u64, Conn>>>;

/// Serves `app` on `listener`: HTTP/1.1, each request head within [`HEADER_TIMEOUT`],
/// at most [`MAX_CONNECTIONS`] connections (the one idle the longest is closed to let
/// a new one in).
pub async fn serve(listener: tokio::net::TcpListener, app: Router) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let conns: Conns = Arc::default();
    let mut next_id = 0u64;
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            // Out of file descriptors, or a connection reset before it was taken:
            // wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
        };
        if let Ok(mut map) = conns.lock()
            && map.len() >= MAX_CONNECTIONS
        {
            // The connection idle the longest makes room; live-reload streams only when
            // nothing else is open (a browser's EventSource connects again by itself).
            let oldest = |events: bool| {
                map.iter()
                    .filter(|(_, c)| c.events == events)
                    .min_by_key(|(_, c)| c.active)
                    .map(|(&id, _)| id)
            };
            if let Some(id) = oldest(false).or_else(|| oldest(true))
                && let Some(c) = map.remove(&id)
            {
                c.stop.abort();
            }
        }
        next_id += 1;
        let id = next_id;
        let conns_in = conns.clone();
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |req: axum::extract::Request<hyper::body::Incoming>| {
                if let Ok(mut map) = conns_in.lock()
                    && let Some(c) = map.get_mut(&id)
                {
                    c.active = std::time::Instant::now();
                    c.events |= req.uri().path() == EVENTS_PATH;
                }
                let app = app.clone();
                async move {
                    use tower::ServiceExt;
                    app.oneshot(req.map(Body::new)).await
                }
            },
        );
        let conns_done = conns.clone();
        // The task is registered before it runs, so that it can always be found and
        // stopped.
        let (start_tx, start_rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = start_rx.await;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            let _ = conn.await;
            if let Ok(mut map) = conns_done.lock() {
                map.remove(&id);
            }
        });
        if let Ok(mut map) = conns.lock() {
            map.insert(
                id,
                Conn {
                    active: std::time::Instant::now(),
                    events: false,
                    stop: task.abort_handle(),
                },
            );
        }
        let _ = start_tx.send(());
    }
}

/// The server's routes.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(EVENTS_PATH, get(events))
        .fallback(get(file))
        .with_state(shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_and_refuses_escapes() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(
            site_path("/en/news/").as_deref(),
            Some("en/news/index.html")
        );
        assert_eq!(
            site_path("/css/site.1.css").as_deref(),
            Some("css/site.1.css")
        );
        assert_eq!(
            site_path("/actualit%C3%A9s/").as_deref(),
            Some("actualités/index.html")
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/a%2fb",
            "/a%5cb",
            "/a\\b",
            "/a%00b",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn injects_the_script_before_the_body_end() {
        let out = String::from_utf8(inject(b"<html><body><p>x</p></body></html>")).unwrap();
        assert!(out.contains("<p>x</p><script>"));
        assert!(out.ends_with("</script></body></html>"));
    }
}
