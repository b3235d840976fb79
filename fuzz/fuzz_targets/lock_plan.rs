#![no_main]
//! See `hashlock::fuzzing::lock_plan` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hashlock::fuzzing::lock_plan(data);
});
