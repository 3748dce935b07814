//! The deployed binaries as `make build` leaves them (`<function>/bootstrap` under the cargo target
//! directory's `lambda/`).
//!
//! `make test` builds the artifacts first and sets `LAMBDA_ARTIFACTS`: there a missing binary
//! fails the test that needs it. A bare `cargo test` has usually built no artifacts;
//! the tests that need them say so loudly and skip.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Set by `make test` to the directory `make build` filled: every artifact must be there.
const REQUIRED: &str = "LAMBDA_ARTIFACTS";

/// The directory holding `<binary>/bootstrap` for each of `binaries`, or `None` when they have
/// not all been built and nothing asked for them (said on stderr, so a skip is never silent).
pub fn lambda_dir(binaries: &[&str]) -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(REQUIRED) {
        return Some(PathBuf::from(dir));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| crate::repo_root().join("target"), PathBuf::from);
    let dir = target.join("lambda");
    let missing: Vec<&str> = binaries
        .iter()
        .copied()
        .filter(|binary| !bootstrap(&dir, binary).is_file())
        .collect();
    if missing.is_empty() {
        return Some(dir);
    }
    skip(&format!(
        "the arm64 artifacts are not built in {} (missing: {}); `make build` builds them, \
         `make test` builds and checks them",
        dir.display(),
        missing.join(", ")
    ));
    None
}

/// Where `make build` puts a function's executable.
pub fn bootstrap(dir: &Path, binary: &str) -> PathBuf {
    dir.join(binary).join("bootstrap")
}

/// Says why a test does nothing, straight to stderr: the test harness captures `eprintln!` of a
/// passing test, which would make the skip silent.
fn skip(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "\n**********\nSKIPPED: {why}\n**********\n"
    );
}
