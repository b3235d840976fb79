//! What every loopback server of the tests runs on: an axum app served on
//! 127.0.0.1 by a thread and runtime of its own, stopped and joined when dropped.

use std::net::SocketAddr;

use axum::Router;

/// A listener bound on 127.0.0.1, its address known before the app is made.
pub struct Bound {
    listener: std::net::TcpListener,
    pub addr: SocketAddr,
}

impl Bound {
    /// Binds `port` on 127.0.0.1 (0: any free port). Panics: this is test support.
    pub fn new(port: u16) -> Bound {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        Bound { listener, addr }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `app` with `workers` runtime threads until the result is dropped.
    pub fn serve(self, workers: usize, app: Router) -> Serving {
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .expect("server runtime");
        let listener = self.listener;
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                tokio::select! {
                    result = axum::serve(listener, app) => result.expect("serve"),
                    _ = stopped => {}
                }
            });
            // Dropping the runtime here cancels connections still open (hanging
            // requests), which a graceful shutdown would wait for forever.
        });
        Serving {
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

/// A server running; stops when dropped.
pub struct Serving {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
