//! Ctrl-C (SIGINT) and `kill` (SIGTERM): stop, remove this run's temporary files,
//! and exit 130 or 143, as a shell reports a process the signal killed.
//!
//! The signals are received on a thread of their own, so a run blocked anywhere (a
//! hanging index request, a FIFO waiting for its writer, a full pipe) still stops at
//! once. A signal that arrives while files are being put in place waits for the last
//! one (see [`temp::stop_all`]): a tree is left all written or untouched, never
//! half-locked. SIGKILL cannot be caught; what it leaves, the next run removes.

#[cfg(unix)]
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::temp;
#[cfg(unix)]
use crate::exit::{SIGINT_EXIT, SIGTERM_EXIT};
#[cfg(unix)]
use crate::report;

/// Starts listening for SIGINT and SIGTERM. Call it once, first thing: the handlers
/// are in place when it returns. If they cannot be installed the signals keep their
/// default action (the process dies, leaving temporary files for the next run).
#[cfg(unix)]
pub(crate) fn install() {
    temp::mark_start();
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    else {
        return;
    };
    let listening = {
        let _context = runtime.enter();
        signal(SignalKind::interrupt()).and_then(|int| Ok((int, signal(SignalKind::terminate())?)))
    };
    let Ok((interrupt, terminate)) = listening else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".to_owned())
        .spawn(move || runtime.block_on(wait(interrupt, terminate)));
}

/// Elsewhere the signals keep their default action.
#[cfg(not(unix))]
pub(crate) fn install() {
    temp::mark_start();
}

#[cfg(unix)]
async fn wait(mut interrupt: Signal, mut terminate: Signal) {
    let interrupted = std::pin::pin!(interrupt.recv());
    let terminated = std::pin::pin!(terminate.recv());
    let (name, code) = match futures::future::select(interrupted, terminated).await {
        futures::future::Either::Left(_) => ("SIGINT", SIGINT_EXIT),
        futures::future::Either::Right(_) => ("SIGTERM", SIGTERM_EXIT),
    };
    temp::stop_all();
    let what = if temp::any_committed() {
        "after the files were written"
    } else {
        "no file was changed"
    };
    report::line(&format!("error: interrupted by {name}; {what}"));
    std::process::exit(code);
}
