//! Parse, analyse, apply every fix alone and fix-all, re-parse: as a Compose file.
#![no_main]
use chainwarden::kind::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        chainwarden::harness::analyse_then_fix(FileKind::Compose, text);
    }
});
