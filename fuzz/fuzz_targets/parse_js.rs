//! The js parser alone.
#![no_main]
use chainwarden::kind::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        chainwarden::harness::parse_only(FileKind::Source, text);
    }
});
