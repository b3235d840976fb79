//! The blake2b-256 of many downloads at once, on one thread of its own.
//!
//! A single blake2b stream cannot use more than a fraction of a core's SIMD width:
//! each block depends on the one before. Four streams hashed side by side (AVX2's
//! four 64-bit lanes) go about 2.4 times as fast per byte. Downloads run 16 at once,
//! so their chunks are sent here and hashed a round at a time: the next chunk of
//! every stream that has one, together.
//!
//! Memory is bounded: a chunk waits here only with a share of [`BUDGET`] bytes,
//! which the sender waits for; once hashed, the chunk and its share are released.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use blake2b_simd::State;
use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};

/// Bytes sent and not yet hashed, at most.
const BUDGET: usize = 4 << 20;

/// The hashing thread is gone (it cannot fail; this is for a panic, never seen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the blake2b hashing thread stopped")]
pub(crate) struct Stopped;

/// The thread's mailbox, shared by every download of the process.
pub(crate) struct Lanes {
    sender: mpsc::UnboundedSender<Message>,
    budget: Arc<Semaphore>,
    next: AtomicU64,
}

enum Message {
    Chunk(u64, Bytes, OwnedSemaphorePermit),
    Finish(u64, oneshot::Sender<[u8; 32]>),
    Abandon(u64),
}

/// The process's lanes, the thread started on first use; `None` if no thread can
/// be started (the caller then hashes in place).
pub(crate) fn shared() -> Option<&'static Lanes> {
    static LANES: OnceLock<Option<Lanes>> = OnceLock::new();
    LANES.get_or_init(Lanes::start).as_ref()
}

impl Lanes {
    fn start() -> Option<Lanes> {
        let (sender, receiver) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("hashlock-blake2b".to_owned())
            .spawn(move || run(receiver))
            .ok()?;
        Some(Lanes {
            sender,
            budget: Arc::new(Semaphore::new(BUDGET)),
            next: AtomicU64::new(0),
        })
    }

    /// A new stream, at the start of its input.
    pub(crate) fn stream(&'static self) -> Stream {
        Stream {
            lanes: self,
            id: self.next.fetch_add(1, Ordering::Relaxed),
            open: true,
        }
    }
}

/// One input's blake2b-256, computed on the lanes thread. Dropped unfinished (a
/// retried or cancelled download), its state is discarded there.
pub(crate) struct Stream {
    lanes: &'static Lanes,
    id: u64,
    open: bool,
}

impl Stream {
    /// Adds `chunk`, once the budget has room for it.
    pub(crate) async fn update(&mut self, chunk: Bytes) -> Result<(), Stopped> {
        if chunk.is_empty() {
            return Ok(());
        }
        let share = u32::try_from(chunk.len().min(BUDGET)).unwrap_or(u32::MAX);
        let budget = Arc::clone(&self.lanes.budget);
        let permit = budget
            .acquire_many_owned(share)
            .await
            .map_err(|_| Stopped)?;
        self.send(Message::Chunk(self.id, chunk, permit))
    }

    /// The blake2b-256 of every chunk added, in order.
    pub(crate) async fn finalize(mut self) -> Result<[u8; 32], Stopped> {
        let (sender, receiver) = oneshot::channel();
        self.send(Message::Finish(self.id, sender))?;
        self.open = false;
        receiver.await.map_err(|_| Stopped)
    }

    fn send(&self, message: Message) -> Result<(), Stopped> {
        self.lanes.sender.send(message).map_err(|_| Stopped)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if self.open {
            // Nothing to do if the thread is gone: so is the state.
            let _ = self.send(Message::Abandon(self.id));
        }
    }
}

/// A stream as the thread keeps it.
struct Job {
    id: u64,
    state: State,
    queue: VecDeque<(Bytes, OwnedSemaphorePermit)>,
    /// Set when the stream finished: answered once `queue` is empty.
    finish: Option<oneshot::Sender<[u8; 32]>>,
}

/// The thread: waits for work, then hashes rounds (every stream's next chunk
/// together), taking in what arrived between rounds, until nothing is left.
fn run(mut receiver: mpsc::UnboundedReceiver<Message>) {
    let mut jobs: Vec<Job> = Vec::new();
    while let Some(message) = receiver.blocking_recv() {
        take(&mut jobs, message);
        loop {
            while let Ok(message) = receiver.try_recv() {
                take(&mut jobs, message);
            }
            if !round(&mut jobs) {
                break;
            }
        }
    }
}

fn take(jobs: &mut Vec<Job>, message: Message) {
    let job = |jobs: &mut Vec<Job>, id: u64| -> usize {
        match jobs.iter().position(|job| job.id == id) {
            Some(at) => at,
            None => {
                jobs.push(Job {
                    id,
                    state: super::blake2b_256(),
                    queue: VecDeque::new(),
                    finish: None,
                });
                jobs.len() - 1
            }
        }
    };
    match message {
        Message::Chunk(id, chunk, permit) => {
            let at = job(jobs, id);
            jobs[at].queue.push_back((chunk, permit));
        }
        Message::Finish(id, answer) => {
            let at = job(jobs, id);
            jobs[at].finish = Some(answer);
        }
        Message::Abandon(id) => jobs.retain(|job| job.id != id),
    }
    answer_finished(jobs);
}

/// Hashes the next chunk of every job that has one, together; `false` if none had.
fn round(jobs: &mut Vec<Job>) -> bool {
    let taken: Vec<Option<(Bytes, OwnedSemaphorePermit)>> =
        jobs.iter_mut().map(|job| job.queue.pop_front()).collect();
    if taken.iter().all(Option::is_none) {
        return false;
    }
    let inputs = jobs
        .iter_mut()
        .zip(&taken)
        .filter_map(|(job, chunk)| Some((&mut job.state, chunk.as_ref()?.0.as_ref())));
    blake2b_simd::many::update_many(inputs);
    // The chunks and their shares of the budget go here.
    drop(taken);
    answer_finished(jobs);
    true
}

/// Answers and forgets the jobs that finished and have nothing left to hash.
fn answer_finished(jobs: &mut Vec<Job>) {
    jobs.retain_mut(|job| {
        if !job.queue.is_empty() || job.finish.is_none() {
            return true;
        }
        if let Some(answer) = job.finish.take() {
            // A receiver gone (its download cancelled) wants no answer.
            let _ = answer.send(super::blake2b_256_of(&job.state));
        }
        false
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digest by another implementation (RustCrypto's).
    fn blake2b_256(bytes: &[u8]) -> [u8; 32] {
        use blake2::Digest as _;
        blake2::Blake2b::<blake2::digest::consts::U32>::digest(bytes).into()
    }

    /// Lanes of a test's own, so that no other test shares their budget.
    fn own() -> &'static Lanes {
        Box::leak(Box::new(Lanes::start().unwrap()))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_streams_hash_as_each_alone() {
        let lanes = own();
        // Streams of different lengths and chunkings, fed at once, one abandoned.
        let inputs: Vec<Vec<u8>> = (0..9u8)
            .map(|i| {
                (0..(i as usize * 70_001 + 3))
                    .map(|b| (b as u8) ^ i)
                    .collect()
            })
            .collect();
        let abandoned = {
            let mut stream = lanes.stream();
            stream.update(Bytes::from_static(b"gone")).await.unwrap();
            stream
        };
        let hashes = futures::future::join_all(inputs.iter().enumerate().map(|(i, input)| {
            let input = Bytes::from(input.clone());
            async move {
                let mut stream = lanes.stream();
                for chunk in input.chunks(1 + i * 4099) {
                    stream.update(input.slice_ref(chunk)).await.unwrap();
                    tokio::task::yield_now().await;
                }
                stream.finalize().await.unwrap()
            }
        }))
        .await;
        drop(abandoned);
        for (input, hash) in inputs.iter().zip(hashes) {
            assert_eq!(hash, blake2b_256(input), "{} bytes", input.len());
        }
        // Every share of the budget came back.
        assert_eq!(lanes.budget.available_permits(), BUDGET);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Any number of streams, any contents, any chunking, interleaved as the
        /// runtime pleases: each digest is the stream's own.
        #[test]
        fn any_streams_in_any_chunks_hash_as_each_alone(
            streams in proptest::collection::vec(
                (proptest::collection::vec(proptest::prelude::any::<u8>(), 0..3000), 1usize..400),
                1..9,
            )
        ) {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            let lanes = shared().unwrap();
            let hashes = runtime.block_on(futures::future::join_all(streams.iter().map(
                |(input, chunk)| async move {
                    let input = Bytes::from(input.clone());
                    let mut stream = lanes.stream();
                    for piece in input.chunks(*chunk) {
                        stream.update(input.slice_ref(piece)).await.unwrap();
                        tokio::task::yield_now().await;
                    }
                    stream.finalize().await.unwrap()
                },
            )));
            for ((input, _), hash) in streams.iter().zip(hashes) {
                proptest::prop_assert_eq!(hash, blake2b_256(input));
            }
        }
    }

    #[tokio::test]
    async fn a_chunk_larger_than_the_budget_still_passes() {
        let lanes = own();
        let big = Bytes::from(vec![7u8; BUDGET + 1]);
        let mut stream = lanes.stream();
        stream.update(big.clone()).await.unwrap();
        stream.update(Bytes::new()).await.unwrap();
        assert_eq!(stream.finalize().await.unwrap(), blake2b_256(&big));
    }
}
