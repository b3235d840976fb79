#![no_main]
//! See `hashlock::fuzzing::peep` for what is checked.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hashlock::fuzzing::peep(data);
});
