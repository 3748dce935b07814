//! The deployed binaries as `make build` leaves them (`<function>/bootstrap` under the cargo target
//! directory's `lambda/`), and how this x86 machine runs them: QEMU's user-mode emulator with the
//! arm64 C library Debian ships for cross-compiling (both from `infra/tools.sh qemu`).
//!
//! `make test` builds the artifacts first and sets `LAMBDA_ARTIFACTS`: there a missing binary or
//! emulator fails the test that needs it. A bare `cargo test` has usually built no artifacts;
//! the tests that need them say so loudly and skip.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Set by `make test` to the directory `make build` filled: every artifact must be there.
const REQUIRED: &str = "LAMBDA_ARTIFACTS";

/// The arm64 sysroot of Debian's `libc6-arm64-cross`: the loader, glibc, libgcc_s.
pub const ARM64_SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// The program and arguments that start an arm64 binary here.
pub const QEMU: [&str; 3] = ["qemu-aarch64", "-L", ARM64_SYSROOT];

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

/// Whether arm64 binaries can be started here; when they cannot, fails under `make test` (which
/// installs the emulator) and says so loudly elsewhere.
pub fn qemu_available() -> bool {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(QEMU[0]).is_file()));
    let sysroot = Path::new(ARM64_SYSROOT)
        .join("lib/ld-linux-aarch64.so.1")
        .is_file();
    if on_path && sysroot {
        return true;
    }
    let problem = format!(
        "{} on PATH: {on_path}, the arm64 loader in {ARM64_SYSROOT}: {sysroot}; \
         `infra/tools.sh qemu` installs both",
        QEMU[0]
    );
    assert!(std::env::var_os(REQUIRED).is_none(), "{problem}");
    skip(&problem);
    false
}

/// Says why a test does nothing, straight to stderr: the test harness captures `eprintln!` of a
/// passing test, which would make the skip silent.
fn skip(why: &str) {
    let _ = writeln!(
        std::io::stderr(),
        "\n**********\nSKIPPED: {why}\n**********\n"
    );
}
