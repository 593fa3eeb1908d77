//! The build-script entry point.

use std::env;
use std::io::Write;
use std::path::PathBuf;

use crate::check_package;

/// Checks the package's migrations from its `build.rs`, and fails the build if any is broken.
///
/// Every problem is printed with its file, line and column; warnings (such as statements that go
/// through unchecked) are passed to cargo as build warnings. It also tells cargo to run the build
/// script again whenever a file in the migrations directory is added, edited or deleted, or
/// `Cargo.toml` changes, so the `migrations!()` macro never works from a stale listing.
///
/// ```no_run
/// // build.rs
/// fn main() {
///     migrate_build::run();
/// }
/// ```
pub fn run() {
    let Some(manifest_dir) = env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        eprintln!(
            "error: migrate_build::run() must be called from a build script (CARGO_MANIFEST_DIR is not set)"
        );
        std::process::exit(1);
    };
    let checked = check_package(&manifest_dir, None, None);
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "cargo::rerun-if-changed=Cargo.toml");
    let _ = writeln!(
        stdout,
        "cargo::rerun-if-changed={}",
        checked.directory.display()
    );
    for warning in checked.warnings() {
        let _ = writeln!(stdout, "cargo::warning={}", warning.render_short());
    }
    let errors: Vec<_> = checked.errors().collect();
    if errors.is_empty() {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    for error in &errors {
        let _ = writeln!(stderr, "{}\n", error.render());
    }
    let s = if errors.len() == 1 { "" } else { "s" };
    let _ = writeln!(
        stderr,
        "error: could not compile migrations due to {} previous error{s}",
        errors.len()
    );
    std::process::exit(1);
}
