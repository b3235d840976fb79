//! The shared HTTP client (placeholder until the client lands).
use std::time::Duration;

/// Settings of the shared HTTP client.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Base URL of the index, e.g. `https://pypi.org` (no trailing `/pypi`).
    pub index_url: String,
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed between bytes of a response (and for the whole request to start).
    pub timeout: Duration,
    /// How many times a failed request is retried (429, 5xx, connection errors).
    pub retries: u32,
}

/// One HTTP client shared by every lookup of a run.
#[derive(Debug, Clone)]
pub struct HttpClient;
