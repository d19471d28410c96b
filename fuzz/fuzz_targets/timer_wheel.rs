//! The timer wheel (insert, cancel, reset, advance, batched processing)
//! against a sorted-list model; the decoding, the model and the checks are
//! `corio_timer::testing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| corio_timer::testing::check_wheel(data));
