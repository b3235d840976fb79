#![no_main]
//! See `hashlock::fuzzing::lock_plan` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if !hashlock::fuzzing::hits_known_crash(data) {
        hashlock::fuzzing::lock_plan(data);
    }
});
