//! A loopback web site of fixed routes, for what the index of `server.rs` does not
//! serve: `--find-links` pages of links, files on another origin than the index.
//! Every request is logged with its headers, so tests can assert exactly what a run
//! asked for and what it sent. Dropping the [`Site`] stops it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::serving::{Bound, Serving};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What a route answers.
#[derive(Debug, Clone)]
enum Route {
    Html(String),
    File(Vec<u8>),
}

#[derive(Debug, Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    /// (path, headers) of every request, in order.
    log: Mutex<Vec<(String, HeaderMap)>>,
}

/// A running loopback site; answers 404 to any path no route names.
pub struct Site {
    url: String,
    shared: Arc<Shared>,
    _serving: Serving,
}

impl Site {
    pub fn start() -> Site {
        let bound = Bound::new(0);
        let url = bound.url();
        let shared = Arc::<Shared>::default();
        let app = Router::new()
            .fallback(answer)
            .with_state(Arc::clone(&shared));
        let serving = bound.serve(1, app);
        Site {
            url,
            shared,
            _serving: serving,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves `text` at `path` as `text/html`.
    pub fn html(&self, path: &str, text: &str) {
        self.route(path, Route::Html(text.to_owned()));
    }

    /// Serves `bytes` at `path` as `application/octet-stream`.
    pub fn file(&self, path: &str, bytes: &[u8]) {
        self.route(path, Route::File(bytes.to_vec()));
    }

    fn route(&self, path: &str, route: Route) {
        let mut routes = self
            .shared
            .routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        routes.insert(path.to_owned(), route);
    }

    /// The path of every request so far, in order.
    pub fn requests(&self) -> Vec<String> {
        let log = self
            .shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        log.iter().map(|(path, _)| path.clone()).collect()
    }

    /// The value of header `name` in every request for exactly `path`, in order
    /// (`None` where absent).
    pub fn header_values(&self, path: &str, name: &str) -> Vec<Option<String>> {
        let log = self
            .shared
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        log.iter()
            .filter(|(p, _)| p == path)
            .map(|(_, headers)| {
                let value = headers.get(name)?;
                Some(String::from_utf8_lossy(value.as_bytes()).into_owned())
            })
            .collect()
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let route = {
        let routes = shared.routes.lock().unwrap_or_else(PoisonError::into_inner);
        routes.get(&path).cloned()
    };
    let mut log = shared.log.lock().unwrap_or_else(PoisonError::into_inner);
    log.push((path, request.headers().clone()));
    drop(log);
    match route {
        Some(Route::Html(text)) => ([(header::CONTENT_TYPE, "text/html")], text).into_response(),
        Some(Route::File(bytes)) => {
            let octets = [(header::CONTENT_TYPE, "application/octet-stream")];
            (octets, bytes).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
