//! Loading the provider sample payloads kept in `tests/fixtures/`.

use std::path::PathBuf;

/// The bytes of `tests/fixtures/<name>`, exactly as stored (signatures are over raw bytes).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
