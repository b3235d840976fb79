#![no_main]
//! See `hashlock::fuzzing::index_documents` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| hashlock::fuzzing::index_documents(data));
