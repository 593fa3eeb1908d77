//! The build-script entry point.

use std::env;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{DEV_DATABASE_URL, check_package_cached, generate};

/// The variable the build script sets for the crate's compilation: the file it wrote the
/// generated code to.
pub const OUTPUT_VAR: &str = "MIGRATE_BUILD_OUTPUT";
/// The variable the build script sets for the crate's compilation: which directory and dialects
/// that code is for (see [`crate::Config::build_key`]).
pub const KEY_VAR: &str = "MIGRATE_BUILD_KEY";
/// The variable the build script sets for the crate's compilation: the package it ran for (its
/// manifest directory). Cargo also hands these variables to the programs `cargo run` and
/// `cargo test` start, so a `cargo build` of another package started from one sees them: they
/// count only for the package that set them.
pub const PACKAGE_VAR: &str = "MIGRATE_BUILD_PACKAGE";

/// What the package's own build script checked, as the `migrations!()` macro finds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildScriptSet {
    /// The directory and dialects it checked ([`crate::Config::build_key`]).
    pub key: String,
    /// The file it wrote the generated code to, if it could.
    pub output: Option<String>,
}

impl BuildScriptSet {
    /// The set the build script of the package in `manifest_dir` checked, if it ran (from the
    /// variables it set for this compilation).
    pub fn of_package(manifest_dir: &Path) -> Option<BuildScriptSet> {
        let package = env::var_os(PACKAGE_VAR)?;
        if Path::new(&package) != manifest_dir {
            return None;
        }
        Some(BuildScriptSet {
            key: env::var(KEY_VAR).ok()?,
            output: env::var(OUTPUT_VAR).ok(),
        })
    }
}

/// Checks the package's migrations from its `build.rs`, and fails the build if any is broken.
///
/// Every problem is printed with its file, line and column; warnings (such as statements that go
/// through unchecked) are passed to cargo as build warnings. It also tells cargo to run the build
/// script again whenever a file in the migrations directory is added, edited or deleted, or
/// `Cargo.toml`, a check setup script or `MIGRATE_DEV_DATABASE_URL` changes, so the
/// `migrations!()` macro never works from a stale listing.
///
/// On success it writes the code `migrations!()` expands to under `OUT_DIR`: the macro includes
/// it instead of checking every file again each time the crate compiles.
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
    let out_dir = env::var_os("OUT_DIR").map(PathBuf::from);
    // The SQLite check's snapshots: the next build replays only what changed.
    let cache = out_dir.as_ref().map(|dir| dir.join("sqlite-check"));
    let checked = check_package_cached(&manifest_dir, None, None, cache.as_deref());
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "cargo::rerun-if-changed=Cargo.toml");
    let _ = writeln!(stdout, "cargo::rerun-if-env-changed={DEV_DATABASE_URL}");
    let _ = writeln!(
        stdout,
        "cargo::rerun-if-changed={}",
        checked.directory.display()
    );
    for (_, path) in &checked.config.check_setup {
        let _ = writeln!(
            stdout,
            "cargo::rerun-if-changed={}",
            manifest_dir.join(path).display()
        );
    }
    for warning in checked.warnings() {
        let _ = writeln!(stdout, "cargo::warning={}", warning.render_short());
    }
    let errors: Vec<_> = checked.errors().collect();
    if errors.is_empty() {
        if let Some(out_dir) = out_dir {
            let path = out_dir.join("migrations.rs");
            match fs::write(&path, generate(&checked)) {
                Ok(()) => {
                    let _ = writeln!(stdout, "cargo::rustc-env={OUTPUT_VAR}={}", path.display());
                    let _ = writeln!(
                        stdout,
                        "cargo::rustc-env={KEY_VAR}={}",
                        checked.config.build_key()
                    );
                    let _ = writeln!(
                        stdout,
                        "cargo::rustc-env={PACKAGE_VAR}={}",
                        manifest_dir.display()
                    );
                }
                Err(error) => {
                    // The macro checks by itself then.
                    let _ = writeln!(
                        stdout,
                        "cargo::warning=cannot write {}: {error}",
                        path.display()
                    );
                }
            }
        }
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
