//! StreamReader (readline/readuntil/readexactly/read/... over a stream cut
//! into arbitrary chunks, with cancelled reads) against asyncio's model; the
//! decoding, the model and the checks are `corio::testing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| corio::testing::check_stream_reader(data));
