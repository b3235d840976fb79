//! The platform's root certificates, read once per process, on a thread of their
//! own that the first client to connect starts before it resolves its host.
//!
//! Reading them (the bundle and every file of `/etc/ssl/certs` on Debian) takes
//! 3.4-4.2 ms, and reqwest read them inside each `ClientBuilder::build`: once per
//! index, once more for the client that downloads files, each time after the host
//! had been resolved. They are now read once, while the first host resolves, and
//! each client gets them as roots of its own, with reqwest's loading off.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use reqwest::Certificate;
use rustls::RootCertStore;

/// The platform's roots that rustls can use, or why there are none.
type Roots = Result<Vec<Certificate>, String>;

static LOADING: Mutex<Option<JoinHandle<Roots>>> = Mutex::new(None);
static LOADED: OnceLock<Roots> = OnceLock::new();

/// Starts reading the platform's roots, unless that has started already. Without a
/// thread to do it, [`platform`] reads them itself.
pub(super) fn preload() {
    if LOADED.get().is_some() {
        return;
    }
    let mut loading = LOADING.lock().unwrap_or_else(PoisonError::into_inner);
    if loading.is_none() {
        let thread = std::thread::Builder::new().name("hashlock-roots".to_owned());
        *loading = thread.spawn(load).ok();
    }
}

/// The platform's roots, waiting for [`preload`]'s thread if it still reads them.
pub(super) fn platform() -> &'static Roots {
    LOADED.get_or_init(|| {
        let loading = LOADING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        loading
            .and_then(|thread| thread.join().ok())
            .unwrap_or_else(load)
    })
}

/// Reads the platform's store as reqwest's `rustls-tls-native-roots` does: a
/// certificate rustls cannot read is skipped (stores hold ancient ones), and only a
/// store where it can read none is an error.
fn load() -> Roots {
    let found = rustls_native_certs::load_native_certs();
    let mut store = RootCertStore::empty();
    let mut roots = Vec::new();
    let mut unreadable = 0;
    for certificate in found.certs {
        let root = Certificate::from_der(certificate.as_ref());
        match (store.add(certificate), root) {
            (Ok(()), Ok(root)) => roots.push(root),
            _ => unreadable += 1,
        }
    }
    if roots.is_empty() && unreadable > 0 {
        let reasons: Vec<String> = found.errors.iter().map(ToString::to_string).collect();
        return Err(match reasons.is_empty() {
            true => "zero valid certificates found in the platform's root store".to_owned(),
            false => reasons.join("; "),
        });
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roots_read_apart_are_those_read_in_place() {
        preload();
        let read_apart = platform().clone().map(|roots| roots.len());
        let read_in_place = load().map(|roots| roots.len());
        assert_eq!(read_apart, read_in_place);
        // Later calls give the same answer and start nothing.
        preload();
        assert!(LOADING.lock().unwrap().is_none());
        assert!(std::ptr::eq(platform(), platform()));
    }
}
