#![no_main]
//! See `hashlock::fuzzing::requirements` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hashlock::fuzzing::requirements(data);
});
