//! The migration compiler: finds a package's SQL migrations, checks them, and describes them for
//! code generation. One code path serves the build script ([`run`]), the `migrations!()` macro and
//! the CLI, so all three see the same migrations and report the same diagnostics.
//!
//! The pipeline: discover files ([`discover`]) → split each into statements (lexer-aware, so
//! strings, comments, dollar quotes and trigger bodies never split) → parse each statement with
//! `sqlparser` for the configured dialect → check (names, pairing, directives, syntax, rules) →
//! the [`Checked`] result.
//!
//! In an app's `build.rs`:
//!
//! ```no_run
//! fn main() {
//!     migrate_build::run();
//! }
//! ```
//!
//! Or, to inspect the result yourself:
//!
//! ```
//! # let dir = tempfile::tempdir().unwrap();
//! # std::fs::create_dir(dir.path().join("migrations")).unwrap();
//! # std::fs::write(dir.path().join("migrations/0001_init.sql"), "CREATE TABLE t (id INTEGER);").unwrap();
//! # std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"app\"").unwrap();
//! # let manifest_dir = dir.path();
//! let checked = migrate_build::check_package(manifest_dir, None, None);
//! for diagnostic in &checked.diagnostics {
//!     eprintln!("{diagnostic}");
//! }
//! assert!(!checked.has_errors());
//! assert_eq!(checked.migrations[0].name, "init");
//! ```

#![warn(missing_docs)]
// The examples show a build script, whose `fn main` is the point.
#![allow(clippy::needless_doctest_main)]

use std::fs;
use std::path::{Path, PathBuf};

mod build_script;
mod checksum;
pub mod config;
mod diagnostic;
mod dialect;
pub mod directive;
pub mod discover;
pub mod gaps;
mod rules;
mod script;
mod source;
mod split;

pub use build_script::run;
pub use checksum::{CHECKSUM_PREFIX, checksum};
pub use config::Config;
pub use diagnostic::{Diagnostic, Location, Severity};
pub use dialect::Dialect;
pub use script::{Check, Role, Script, Statement};
pub use source::SourceFile;

use discover::{Found, discover, pair};

/// A checked migration: its files, statements and checksum.
#[derive(Clone, Debug)]
pub struct Migration {
    /// The version number.
    pub version: i64,
    /// The version as written in the file name (leading zeros kept).
    pub version_text: String,
    /// The name part of the file name.
    pub name: String,
    /// The up migration.
    pub up: Script,
    /// The down migration, when there is one.
    pub down: Option<Script>,
    /// The checksum of the up migration (see [`checksum`]).
    pub checksum: String,
}

/// The result of checking a migrations directory.
#[derive(Clone, Debug)]
pub struct Checked {
    /// The configuration used.
    pub config: Config,
    /// The absolute path of the migrations directory.
    pub directory: PathBuf,
    /// The migrations whose files could be read and paired, in version order. When there are
    /// errors this may be incomplete; do not generate code from it.
    pub migrations: Vec<Migration>,
    /// Everything found, in file and line order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The errors.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// Checks the migrations of the package in `manifest_dir`, configured by its `Cargo.toml`.
/// `directory`, when given, replaces the configured directory (relative to `manifest_dir`), and
/// `dialects` the configured dialects.
pub fn check_package(
    manifest_dir: &Path,
    directory: Option<&str>,
    dialects: Option<&[Dialect]>,
) -> Checked {
    let mut config = match Config::load(manifest_dir) {
        Ok(config) => config,
        Err(diagnostics) => {
            return Checked {
                directory: manifest_dir.join(config::DEFAULT_DIRECTORY),
                config: Config::default(),
                migrations: Vec::new(),
                diagnostics,
            };
        }
    };
    if let Some(directory) = directory {
        config.directory = directory.to_owned();
    }
    if let Some(dialects) = dialects.filter(|d| !d.is_empty()) {
        config.dialects = dialects.to_vec();
    }
    check_directory(manifest_dir, &config)
}

/// Checks the migrations in `config.directory` (relative to `manifest_dir`, which is also what
/// diagnostics show paths relative to).
pub fn check_directory(manifest_dir: &Path, config: &Config) -> Checked {
    let directory = manifest_dir.join(&config.directory);
    let display_dir = display_directory(&config.directory);
    let mut diagnostics = Vec::new();
    let found = discover(&directory, &display_dir, &mut diagnostics);
    let pairs = pair(&found, &mut diagnostics);
    // Every file is checked, paired or not, so one build reports every problem.
    let mut scripts: Vec<Option<(Script, String)>> = found
        .iter()
        .map(|file| read_and_check(file, config, &mut diagnostics))
        .collect();
    let mut migrations = Vec::new();
    for p in pairs {
        let Some((up, checksum)) = scripts[p.up].take() else {
            continue;
        };
        let down = p
            .down
            .and_then(|d| scripts[d].take())
            .map(|(script, _)| script);
        let name = &found[p.up].name;
        migrations.push(Migration {
            version: name.version,
            version_text: name.version_text.clone(),
            name: name.name.clone(),
            up,
            down,
            checksum,
        });
    }
    sort_diagnostics(&mut diagnostics);
    Checked {
        config: config.clone(),
        directory,
        migrations,
        diagnostics,
    }
}

fn display_directory(directory: &str) -> String {
    let trimmed = directory.trim_end_matches(['/', '\\']);
    let trimmed = trimmed.strip_prefix("./").unwrap_or(trimmed);
    if trimmed.is_empty() {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn read_and_check(
    file: &Found,
    config: &Config,
    out: &mut Vec<Diagnostic>,
) -> Option<(Script, String)> {
    let bytes = match fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(error) => {
            out.push(
                Diagnostic::error(format!("cannot read `{}`: {error}", file.display))
                    .at(Location::file(&file.display)),
            );
            return None;
        }
    };
    let raw = match String::from_utf8(bytes) {
        Ok(raw) => raw,
        Err(error) => {
            let valid = &error.as_bytes()[..error.utf8_error().valid_up_to()];
            let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
            out.push(
                Diagnostic::error(format!(
                    "`{}` is not UTF-8 text (first invalid byte on line {line})",
                    file.display
                ))
                .at(Location::file(&file.display))
                .help("save the file as UTF-8"),
            );
            return None;
        }
    };
    let role = match file.name.kind {
        discover::Kind::Down => Role::Down,
        discover::Kind::Up | discover::Kind::UpOnly => Role::Up,
    };
    let checksum = checksum(&raw);
    let source = SourceFile::new(file.path.clone(), file.display.clone(), &raw);
    let [primary, others @ ..] = config.dialects.as_slice() else {
        unreachable!("a configuration has at least one dialect")
    };
    if others.is_empty() {
        return Some((script::check_script(source, *primary, role, out), checksum));
    }
    // Checked as each dialect; a finding of some dialects only says which.
    let mut found = vec![Vec::new()];
    let script = script::check_script(source.clone(), *primary, role, &mut found[0]);
    for &dialect in others {
        let mut diagnostics = Vec::new();
        let other = script::check_script(source.clone(), dialect, role, &mut diagnostics);
        if let Some(disagreement) = split_disagreement(&script, *primary, &other, dialect) {
            diagnostics.push(disagreement);
        }
        found.push(diagnostics);
    }
    merge_dialects(&config.dialects, found, out);
    Some((script, checksum))
}

/// An error if two dialects split a file into different statements: the runtime runs one split.
fn split_disagreement(
    script: &Script,
    dialect: Dialect,
    other: &Script,
    other_dialect: Dialect,
) -> Option<Diagnostic> {
    let ends = |s: &Script| s.statements.iter().map(|s| s.bytes.end).collect::<Vec<_>>();
    let (ours, theirs) = (ends(script), ends(other));
    if ours == theirs {
        return None;
    }
    let index = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
    let at = script
        .statements
        .get(index)
        .or(other.statements.get(index))
        .map_or(0..0, |s| s.bytes.clone());
    Some(
        Diagnostic::error(format!(
            "`{dialect}` and `{other_dialect}` split this file into different statements"
        ))
        .at(Location::span(&script.source, at))
        .label("the statements differ from here")
        .help("the same migration must be the same statements in every configured dialect: end each statement with `;`, and avoid quoting one dialect reads differently (`$$`, backslashes)"),
    )
}

/// Merges what each dialect found in one file: a finding of every dialect once, a finding of
/// some with a note naming them.
fn merge_dialects(dialects: &[Dialect], found: Vec<Vec<Diagnostic>>, out: &mut Vec<Diagnostic>) {
    let mut merged: Vec<(Diagnostic, Vec<Dialect>)> = Vec::new();
    for (dialect, diagnostics) in dialects.iter().zip(found) {
        for diagnostic in diagnostics {
            match merged.iter_mut().find(|(d, _)| *d == diagnostic) {
                Some((_, seen)) if !seen.contains(dialect) => seen.push(*dialect),
                Some(_) => {}
                None => merged.push((diagnostic, vec![*dialect])),
            }
        }
    }
    for (diagnostic, seen) in merged {
        out.push(if seen.len() == dialects.len() {
            diagnostic
        } else {
            let names: Vec<String> = seen.iter().map(|d| format!("`{d}`")).collect();
            diagnostic.note(format!("checked as {}", names.join(" and ")))
        });
    }
}

/// Orders diagnostics by file, then position; those without a file come first.
fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_cached_key(|d| {
        let file = d.location.as_ref().map(|l| l.file.clone());
        let position = d.location.as_deref().and_then(Location::line_col);
        (file, position)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(files: &[(&str, &str)], dialects: &[Dialect]) -> Checked {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("migrations").join(name), text).unwrap();
        }
        let config = Config {
            dialects: dialects.to_vec(),
            ..Config::default()
        };
        check_directory(dir.path(), &config)
    }

    #[test]
    fn several_dialects_say_which_found_what() {
        let checked = check(
            &[
                // SQLite has no TRUNCATE; PostgreSQL refuses CONCURRENTLY in a transaction and
                // SQLite does not have it at all; both fail to parse the third.
                ("1_truncate.sql", "TRUNCATE t;"),
                (
                    "2_index.sql",
                    "CREATE TABLE t (id INTEGER);\nCREATE INDEX CONCURRENTLY i ON t (id);",
                ),
                ("3_typo.sql", "CRATE TABLE u (id INTEGER);"),
            ],
            &[Dialect::Sqlite, Dialect::Postgres],
        );
        let found: Vec<(String, Vec<String>)> = checked
            .errors()
            .map(|d| (d.message.clone(), d.notes.clone()))
            .collect();
        let expected = [
            ("SQLite has no `TRUNCATE`", Some("sqlite")),
            ("SQLite has no `CREATE INDEX CONCURRENTLY`", Some("sqlite")),
            (
                "`CREATE INDEX CONCURRENTLY` cannot run inside a transaction",
                Some("postgres"),
            ),
            // Found by both: reported once, without a note.
            (
                "syntax error: expected an SQL statement, found `CRATE`",
                None,
            ),
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for ((message, notes), (want, dialect)) in found.iter().zip(expected) {
            assert_eq!(message, want);
            match dialect {
                Some(d) => assert_eq!(notes.last().unwrap(), &format!("checked as `{d}`")),
                None => assert!(notes.is_empty(), "{notes:?}"),
            }
        }
    }

    #[test]
    fn dialects_must_split_a_file_alike() {
        // `$$` quotes only in PostgreSQL: SQLite sees a `;` inside.
        let checked = check(
            &[("1_dollar.sql", "SELECT $$a;b$$;\n")],
            &[Dialect::Postgres, Dialect::Sqlite],
        );
        assert!(
            checked.errors().any(|d| d.message
                == "`postgres` and `sqlite` split this file into different statements"),
            "{:#?}",
            checked.diagnostics
        );
    }
}
