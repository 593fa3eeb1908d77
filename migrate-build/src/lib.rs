//! The migration compiler: finds a package's SQL migrations, checks them, and describes them for
//! code generation. One code path serves the build script ([`run`]), the `migrations!()` macro and
//! the CLI, so all three see the same migrations and report the same diagnostics.
//!
//! The pipeline: discover files ([`discover`]) → split each into statements (lexer-aware, so
//! strings, comments, dollar quotes and trigger bodies never split) → look up each statement's
//! command in the dialect's table and parse it with `sqlparser` → check (names, pairing,
//! directives, syntax, rules) → run every migration in a database made for the check (SQLite in
//! memory; PostgreSQL in a scratch database when `MIGRATE_DEV_DATABASE_URL` is set), which judges
//! what the parser cannot → the [`Checked`] result, every finding with its [`Code`].
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
pub mod codes;
pub mod config;
mod diagnostic;
mod dialect;
pub mod directive;
pub mod discover;
mod effects;
mod engine;
mod generate;
mod grammar;
mod heads;
mod kind;
pub mod layout;
mod model;
mod report;
mod rules;
mod script;
mod source;
mod split;
#[cfg(test)]
mod testing;

pub use build_script::{BuildScriptSet, KEY_VAR, OUTPUT_VAR, PACKAGE_VAR, run};
pub use checksum::{CHECKSUM_PREFIX, checksum};
pub use codes::Code;
pub use config::Config;
pub use diagnostic::{Diagnostic, Location, Severity};
pub use dialect::Dialect;
#[cfg(feature = "postgres")]
#[doc(hidden)]
pub use engine::postgres::touches_cluster;
pub use generate::generate;
pub use layout::Layout;
pub use model::Facts;
pub use script::{Check, Role, Script, Statement};
pub use source::SourceFile;

use discover::{Found, discover, pair};
use engine::run::{EngineRun, engine_check, read_setup};
use engine::{Outcome, Step};
use script::{Outside, SQLX_NO_TRANSACTION};

/// The environment variable naming the PostgreSQL server the check creates its scratch databases
/// on (a user allowed to create databases).
pub const DEV_DATABASE_URL: &str = "MIGRATE_DEV_DATABASE_URL";

/// A checked migration: its files, statements and checksum.
#[derive(Clone, Debug)]
pub struct Migration {
    /// The version number.
    pub version: i64,
    /// The version as written in the file name (leading zeros kept).
    pub version_text: String,
    /// The name part of the file name.
    pub name: String,
    /// The up migration, as checked by the first configured dialect.
    pub up: Script,
    /// The down migration, when there is one.
    pub down: Option<Script>,
    /// The checksum of the up migration (see [`checksum`]).
    pub checksum: String,
    /// The version as the layout's tool records it in its history table, where that is not
    /// the version in decimal (diesel's unpadded digits, dbmate's leading zeros, Flyway's `1.2`).
    pub recorded_version: Option<String>,
    /// The layout's tool's checksum of the up file, where it keeps one (sqlx, refinery, Flyway).
    pub recorded_checksum: Option<String>,
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
    /// Everything found, in file and line order, at the levels configured.
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

/// Checks the migrations of the package in `manifest_dir`, configured by its `Cargo.toml` and
/// by `MIGRATE_DEV_DATABASE_URL`. `directory`, when given, replaces the configured directory
/// (relative to `manifest_dir`), and `dialects` the configured dialects.
pub fn check_package(
    manifest_dir: &Path,
    directory: Option<&str>,
    dialects: Option<&[Dialect]>,
) -> Checked {
    check_package_cached(manifest_dir, directory, dialects, None)
}

/// [`check_package`], with the SQLite check's snapshots kept in `cache` (the build script's).
fn check_package_cached(
    manifest_dir: &Path,
    directory: Option<&str>,
    dialects: Option<&[Dialect]>,
    cache: Option<&Path>,
) -> Checked {
    match package_config(manifest_dir, directory, dialects) {
        Ok(config) => check_cached(manifest_dir, &config, cache).0,
        Err(diagnostics) => Checked {
            directory: manifest_dir.join(config::DEFAULT_DIRECTORY),
            config: Config::default(),
            migrations: Vec::new(),
            diagnostics,
        },
    }
}

/// The configuration [`check_package`] checks with: the package's, with `directory` and
/// `dialects` replaced when given, and the PostgreSQL check's server from
/// `MIGRATE_DEV_DATABASE_URL`. Outside a Cargo package (no `Cargo.toml` in `manifest_dir`, as
/// the CLI may be run), the defaults.
pub fn package_config(
    manifest_dir: &Path,
    directory: Option<&str>,
    dialects: Option<&[Dialect]>,
) -> Result<Config, Vec<Diagnostic>> {
    let mut config = if manifest_dir.join("Cargo.toml").exists() {
        Config::load(manifest_dir)?
    } else {
        Config::default()
    };
    if let Some(directory) = directory {
        config.directory = directory.to_owned();
    }
    if let Some(dialects) = dialects.filter(|d| !d.is_empty()) {
        config.dialects = dialects.to_vec();
    }
    config.dev_database_url = std::env::var(DEV_DATABASE_URL)
        .ok()
        .filter(|url| !url.trim().is_empty());
    Ok(config)
}

/// One file, checked as each configured dialect.
struct FileCheck {
    checksum: String,
    /// Parallel to the configured dialects: the script and what was found in it.
    dialects: Vec<(Script, Vec<Diagnostic>)>,
}

/// Checks the migrations in `config.directory` (relative to `manifest_dir`, which is also what
/// diagnostics show paths relative to).
pub fn check_directory(manifest_dir: &Path, config: &Config) -> Checked {
    check_cached(manifest_dir, config, None).0
}

/// [`check_directory`], with the SQLite check's snapshots kept in `cache` between runs (see
/// `engine::cache`). Also returns how many migrations the SQLite check took from a snapshot
/// rather than replaying them.
fn check_cached(manifest_dir: &Path, config: &Config, cache: Option<&Path>) -> (Checked, usize) {
    let mut resumed = 0;
    let checked = check_with(manifest_dir, config, cache, &mut resumed);
    (checked, resumed)
}

fn check_with(
    manifest_dir: &Path,
    config: &Config,
    cache: Option<&Path>,
    resumed: &mut usize,
) -> Checked {
    let directory = manifest_dir.join(&config.directory);
    if config.dialects.is_empty() {
        return Checked {
            config: config.clone(),
            directory,
            migrations: Vec::new(),
            diagnostics: vec![Diagnostic::new(
                Code::Config,
                "no dialect to check the migrations as",
            )],
        };
    }
    let display_dir = display_directory(&config.directory);
    let mut diagnostics = Vec::new();
    let listing = discover(&directory, &display_dir, config.layout, &mut diagnostics);
    let found = listing.found;
    let pairs = pair(&found, &mut diagnostics);
    // Every file is checked, paired or not, so one build reports every problem.
    let mut files: Vec<Option<FileCheck>> = found
        .iter()
        .map(|file| read_and_check(file, config, &mut diagnostics))
        .collect();
    if !config.dialects.contains(&Dialect::Sqlite) {
        for file in files.iter().flatten() {
            let script = &file.dialects[0].0;
            if script.foreign_keys_off {
                diagnostics.push(
                    Diagnostic::new(
                        Code::Directive,
                        "`-- migrate:foreign-keys-off` is for SQLite, which this package does not use",
                    )
                    .at(Location::file(&script.source.display))
                    .help("remove it: PostgreSQL always enforces foreign keys, and refuses to drop a referenced table"),
                );
            }
        }
    }
    // Migrations the database check cannot run (a bad name, a duplicate version, an unreadable
    // file): from the first of them on, what the database refuses may follow from its absence.
    let mut paired_up = vec![false; found.len()];
    for p in &pairs {
        paired_up[p.up] = true;
    }
    let gap = listing
        .unusable
        .iter()
        .map(|v| v.unwrap_or(i64::MIN))
        .chain(found.iter().enumerate().filter_map(|(i, f)| {
            let up = f.name.kind != discover::Kind::Down;
            let unreadable = files[i]
                .as_ref()
                .is_none_or(|f| f.dialects.iter().any(|(script, _)| !script.readable));
            (up && (!paired_up[i] || unreadable)).then_some(f.name.version)
        }))
        .min();
    policy(config, &found, &pairs, &files, &mut diagnostics);
    for (index, &dialect) in config.dialects.iter().enumerate() {
        // Read once: the database check runs it first, and the model starts from it.
        let setup = read_setup(manifest_dir, config, dialect);
        let steps = steps_of(&found, &pairs, &files, index);
        let run = match &setup {
            Ok(setup) => engine_check(config, dialect, &steps, setup.as_ref(), gap, cache, resumed),
            Err(problem) => EngineRun::Failed(problem.clone()),
        };
        drop(steps);
        let outcome = match run {
            EngineRun::Ran(outcome) => Some(outcome),
            EngineRun::Off(note) => {
                report::unchecked(dialect, index, &mut files, Some(note), &mut diagnostics);
                None
            }
            EngineRun::Failed(problem) => {
                let note = problem.message.clone();
                diagnostics.push(problem);
                report::unchecked(dialect, index, &mut files, Some(note), &mut diagnostics);
                None
            }
        };
        if let Some(outcome) = outcome {
            if let Some(message) = &outcome.broken {
                diagnostics.push(Diagnostic::new(
                    Code::DevDatabase,
                    format!("the {dialect} check lost its database: {message}"),
                ));
            }
            let Outcome {
                verdicts,
                diagnostics: found,
                ..
            } = outcome;
            for (file, statement, verdict) in verdicts {
                if let Some(f) = files[file].as_mut() {
                    engine::apply(&mut f.dialects[index].0, statement, verdict);
                }
            }
            for (file, diagnostic) in found {
                if let Some(f) = files[file].as_mut() {
                    f.dialects[index].1.push(diagnostic);
                }
            }
            report::unchecked(dialect, index, &mut files, None, &mut diagnostics);
        }
        // The schema model, after the database: where the database judged a statement, its
        // verdict stands.
        let setup = setup
            .as_ref()
            .ok()
            .and_then(|s| s.as_ref())
            .map(|s| s.sql.as_str());
        let steps = steps_of(&found, &pairs, &files, index);
        let modelled = model::replay(dialect, &steps, setup, gap);
        drop(steps);
        for (file, diagnostic) in modelled {
            if let Some(f) = files[file].as_mut() {
                f.dialects[index].1.push(diagnostic);
            }
        }
    }
    for file in files.iter_mut().flatten() {
        report::finish_file(config, file, &mut diagnostics);
    }
    // An up before its down, in version order, then what is in no migration.
    let run_order: Vec<&str> = pairs
        .iter()
        .flat_map(|p| std::iter::once(p.up).chain(p.down))
        .chain(0..found.len())
        .map(|i| found[i].display.as_str())
        .collect();
    let mut migrations = Vec::new();
    for p in &pairs {
        let Some(up) = files[p.up].take() else {
            continue;
        };
        let down = p
            .down
            .and_then(|d| files[d].take())
            .map(|file| file.dialects.into_iter().next().expect("a dialect").0);
        let name = &found[p.up].name;
        let up_script = up.dialects.into_iter().next().expect("a dialect").0;
        let (recorded_version, recorded_checksum) =
            layout::recorded(config.layout, &found[p.up], || up_script.source.raw());
        migrations.push(Migration {
            version: name.version,
            version_text: name.version_text.clone(),
            name: name.name.clone(),
            up: up_script,
            down,
            checksum: up.checksum,
            recorded_version,
            recorded_checksum,
        });
    }
    // Findings outside any file (configuration, the check's database) are not per statement.
    let mut diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .filter_map(|d| config.level(d))
        .collect();
    report::sort(&mut diagnostics, &run_order);
    Checked {
        config: config.clone(),
        directory,
        migrations,
        diagnostics,
    }
}

/// The schema model's view of the schema after each migration's up, in version order, after
/// the `setup` SQL: for comparing the model with a real database's catalog (the corpus tool
/// and tests do).
#[doc(hidden)]
pub fn model_facts(checked: &Checked, setup: Option<&str>) -> Vec<Facts> {
    let ups: Vec<&Script> = checked.migrations.iter().map(|m| &m.up).collect();
    model::facts_after_each(checked.config.dialect(), &ups, setup)
}

/// Whether a refusal of `statement` with the database's `message` depends on nothing but the
/// statement (a syntax error, say), so that no earlier failure can explain it: for comparing the
/// check with a real database (the corpus tool). PostgreSQL's message ends with its
/// `(SQLSTATE xxxxx)`.
#[doc(hidden)]
pub fn refusal_is_certain(
    dialect: Dialect,
    script: &Script,
    statement: &Statement,
    message: &str,
) -> bool {
    match dialect {
        Dialect::Sqlite => engine::refusal::sqlite(message, statement.command).is_none(),
        Dialect::Postgres => {
            let Some((text, code)) = message
                .strip_suffix(')')
                .and_then(|m| m.rsplit_once(" (SQLSTATE "))
            else {
                return false;
            };
            engine::refusal::postgres(code, text, statement.command, script.text(statement))
                .is_none()
        }
    }
}

/// Replays checked migrations in the schema model alone (ups, downs and the symmetry check),
/// and returns what it finds: for measuring the model (the `model` benchmark).
#[doc(hidden)]
pub fn model_replay(checked: &Checked) -> Vec<Diagnostic> {
    let steps: Vec<Step<'_>> = checked
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| Step {
            version: m.version,
            up: (2 * i, &m.up),
            down: m.down.as_ref().map(|d| (2 * i + 1, d)),
        })
        .collect();
    model::replay(checked.config.dialect(), &steps, None, None)
        .into_iter()
        .map(|(_, d)| d)
        .collect()
}

/// The migrations as the database check and the model replay them, as one dialect.
fn steps_of<'a>(
    found: &[Found],
    pairs: &[discover::Pair],
    files: &'a [Option<FileCheck>],
    index: usize,
) -> Vec<Step<'a>> {
    pairs
        .iter()
        .filter_map(|p| {
            let script = |i: usize| files[i].as_ref().map(|f| (i, &f.dialects[index].0));
            Some(Step {
                version: found[p.up].name.version,
                up: script(p.up)?,
                down: p.down.and_then(script),
            })
        })
        .collect()
}

/// The reversibility policy: an irreversible migration has no down, and with `require-down`
/// every other one has one.
fn policy(
    config: &Config,
    found: &[Found],
    pairs: &[discover::Pair],
    files: &[Option<FileCheck>],
    out: &mut Vec<Diagnostic>,
) {
    for p in pairs {
        let Some(up) = files[p.up].as_ref().map(|f| &f.dialects[0].0) else {
            continue;
        };
        match (&up.irreversible, p.down) {
            (Some(_), Some(down)) => out.push(
                Diagnostic::new(
                    Code::Directive,
                    format!(
                        "`{}` is marked irreversible, but has a down migration",
                        found[p.up].display
                    ),
                )
                .at(Location::file(&found[down].display))
                .help("delete the down file, or remove `-- migrate:irreversible` from the up"),
            ),
            (None, None) if config.require_down => out.push(
                Diagnostic::new(
                    Code::MissingDown,
                    format!("`{}` has no down migration", found[p.up].display),
                )
                .at(Location::file(&found[p.up].display))
                .help(
                    "write the down migration that undoes it, or mark the up \
                     `-- migrate:irreversible <reason>` if it cannot be undone",
                ),
            ),
            _ => {}
        }
    }
}

fn display_directory(directory: &str) -> String {
    let trimmed = config::trim_directory(directory);
    if trimmed.is_empty() {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn read_and_check(file: &Found, config: &Config, out: &mut Vec<Diagnostic>) -> Option<FileCheck> {
    let bytes = match fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(error) => {
            out.push(
                Diagnostic::new(
                    Code::Unreadable,
                    format!("cannot read `{}`: {error}", file.display),
                )
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
                Diagnostic::new(
                    Code::Unreadable,
                    format!(
                        "`{}` is not UTF-8 text (first invalid byte on line {line})",
                        file.display
                    ),
                )
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
    let sqlx_marked = raw.starts_with(SQLX_NO_TRANSACTION);
    // One section of a file that holds both scripts (dbmate's), at the file's positions; its
    // checksum is the section's own, so that editing the down leaves the up's as it was.
    let (raw, checksum) = match &file.section {
        Some(section) => (
            layout::blank_outside(&raw, section),
            checksum(raw.get(section.clone()).unwrap_or_default()),
        ),
        None => {
            let sum = checksum(&raw);
            (raw, sum)
        }
    };
    let source = SourceFile::new(file.path.clone(), file.display.clone(), &raw);
    if sqlx_marked && file.outside != Outside::WhenMarked {
        out.push(
            Diagnostic::new(
                Code::Directive,
                "`-- no-transaction` is sqlx's directive, which this layout does not read: the \
                 file would run inside a transaction",
            )
            .at(Location::span(&source, 0..SQLX_NO_TRANSACTION.len()))
            .help(
                "write `-- migrate:no-transaction`, or read the directory as sqlx lays it out, \
                 with `layout = \"sqlx\"` in `[package.metadata.migrate]`",
            ),
        );
    }
    let mut dialects: Vec<(Script, Vec<Diagnostic>)> = Vec::with_capacity(config.dialects.len());
    for &dialect in &config.dialects {
        let mut found = Vec::new();
        let script = script::check_script(source.clone(), dialect, role, file.outside, &mut found);
        if let Some((first, first_dialect)) = dialects
            .first()
            .map(|(s, _)| s)
            .zip(config.dialects.first())
            && let Some(disagreement) = split_disagreement(first, *first_dialect, &script, dialect)
        {
            found.push(disagreement);
        }
        dialects.push((script, found));
    }
    Some(FileCheck { checksum, dialects })
}

/// An error if two dialects split a file into different statements: the runtime runs one split.
fn split_disagreement(
    script: &Script,
    dialect: Dialect,
    other: &Script,
    other_dialect: Dialect,
) -> Option<Diagnostic> {
    // Where the file's statements end, a missing `;` as the file has it.
    let ends = |s: &Script| {
        s.statements
            .iter()
            .filter(|s| !s.glued)
            .map(|s| s.bytes.end)
            .collect::<Vec<_>>()
    };
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
        Diagnostic::new(
            Code::DialectSplit,
            format!("`{dialect}` and `{other_dialect}` split this file into different statements"),
        )
        .at(Location::span(&script.source, at))
        .label("the statements differ from here")
        .help("the same migration must be the same statements in every configured dialect: end each statement with `;`, and avoid quoting one dialect reads differently (`$$`, backslashes)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::check;
    #[cfg(feature = "sqlite")]
    use crate::testing::{codes_at, findings, sqlite};

    #[test]
    fn several_dialects_say_which_found_what() {
        let checked = check(
            &[
                // SQLite has no TRUNCATE; PostgreSQL refuses CONCURRENTLY in a transaction and
                // SQLite does not have it at all; both see the missing `;` in the third.
                (
                    "1_truncate.sql",
                    "CREATE TABLE t (id INTEGER);\nTRUNCATE t;",
                ),
                ("2_index.sql", "CREATE INDEX CONCURRENTLY i ON t (id);"),
                (
                    "3_glued.sql",
                    "CREATE TABLE u (id INTEGER)\nCREATE INDEX u_id ON u (id);",
                ),
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
            ("missing `;` at the end of line 1?", None),
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for ((message, notes), (want, dialect)) in found.iter().zip(expected) {
            assert_eq!(message, want);
            match dialect {
                Some(d) => assert_eq!(notes.last().unwrap(), &format!("checked as `{d}`")),
                None => assert!(
                    !notes.iter().any(|n| n.starts_with("checked as")),
                    "{notes:?}"
                ),
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

    /// SQL that sqlparser's SQLite dialect accepts and SQLite refuses, and a missing table: each
    /// fails the build with SQLite's own message, at the token SQLite names.
    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_refuses_what_the_parser_lets_through() {
        for (sql, position, message) in [
            (
                "CREATE TABLE t (id INT) WITH (fillfactor = 70);",
                "1:30",
                "near \"(\": syntax error",
            ),
            (
                "CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN IF NOT EXISTS x INT;",
                "2:33",
                "near \"EXISTS\": syntax error",
            ),
            ("SELECT 1::int;", "1:9", "unrecognized token: \":\""),
            (
                "CREATE TABLE t (a INT);\nUPDATE t SET a = 1 LIMIT 1;",
                "2:20",
                "near \"LIMIT\": syntax error",
            ),
            (
                "CREATE TABLE t (a INT, b INT);\nCREATE INDEX i ON t (a b);",
                "2:24",
                "near \"b\": syntax error",
            ),
            (
                "ALTER TABLE missing ADD COLUMN x INT;",
                "1:1",
                "no such table: missing",
            ),
        ] {
            let checked = sqlite(&[("1_m.sql", sql)]);
            assert_eq!(
                findings(&checked),
                [(
                    Code::Rejected,
                    format!("migrations/1_m.sql:{position}"),
                    format!("SQLite refuses this statement: {message}")
                )],
                "{sql}"
            );
        }
    }

    /// Valid SQLite the parser cannot read is run by SQLite, and then it is checked: no warning.
    #[cfg(feature = "sqlite")]
    #[test]
    fn what_sqlite_runs_is_checked() {
        let checked = sqlite(&[
            (
                "1_tables.sql",
                "CREATE TABLE a (x INT, y INT, CONSTRAINT p PRIMARY KEY (x) CONSTRAINT u UNIQUE (y));\n\
                 CREATE TRIGGER IF NOT EXISTS a_touch AFTER INSERT ON a BEGIN SELECT 1; END;\n",
            ),
            (
                "2_pragma.sql",
                "-- migrate:no-transaction\nPRAGMA foreign_keys = OFF;\n",
            ),
        ]);
        assert_eq!(findings(&checked), []);
        let checks: Vec<Check> = checked
            .migrations
            .iter()
            .flat_map(|m| m.up.statements.iter().map(|s| s.check))
            .collect();
        assert_eq!(checks, [Check::Engine, Check::Engine, Check::Engine]);
    }

    /// A down that fails is reported, and the replay goes on from the state its up left: later
    /// migrations that use what the up made are not reported.
    #[cfg(feature = "sqlite")]
    #[test]
    fn a_failing_down_is_reported_and_the_replay_goes_on() {
        let checked = sqlite(&[
            ("1_users.up.sql", "CREATE TABLE users (id INTEGER);\n"),
            ("1_users.down.sql", "DROP TABLE user;\n"),
            ("2_index.up.sql", "CREATE INDEX users_id ON users (id);\n"),
            ("2_index.down.sql", "DROP INDEX users_id;\n"),
            (
                "3_bad.sql",
                "INSERT INTO users (id, name) VALUES (1, 'x');\n",
            ),
        ]);
        assert_eq!(
            findings(&checked),
            [
                (
                    Code::Rejected,
                    "migrations/1_users.down.sql:1:1".into(),
                    "SQLite refuses this statement: no such table: user".into()
                ),
                (
                    Code::Rejected,
                    "migrations/3_bad.sql:1:1".into(),
                    "SQLite refuses this statement: table users has no column named name".into()
                ),
            ]
        );
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn a_down_that_does_not_undo_its_up() {
        // The schema model says what the down leaves; the up failing again is a note of it.
        let checked = sqlite(&[
            (
                "1_users.up.sql",
                "CREATE TABLE users (id INTEGER);\nCREATE INDEX users_id ON users (id);\n",
            ),
            (
                "1_users.down.sql",
                "-- leaves the table\nDROP INDEX users_id;\n",
            ),
        ]);
        let d = &checked.diagnostics[0];
        assert_eq!(checked.diagnostics.len(), 1, "{:#?}", checked.diagnostics);
        assert_eq!(
            (d.code, d.severity),
            (Code::AsymmetricDown, Severity::Error)
        );
        assert_eq!(
            d.message,
            "`1_users.down.sql` leaves table `users` that the up created"
        );
        assert_eq!(
            d.notes.last().map(String::as_str),
            Some(
                "after this down migration, the up migration fails again: SQLite refuses \
                 `migrations/1_users.up.sql` line 1: table users already exists"
            )
        );
        // Rows the model does not follow: the database shows the up cannot run again.
        let checked = sqlite(&[
            (
                "1_users.sql",
                "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
            ),
            ("2_seed.up.sql", "INSERT INTO users (id) VALUES (1);\n"),
            ("2_seed.down.sql", "DELETE FROM users WHERE id = 2;\n"),
        ]);
        let d = &checked.diagnostics[0];
        assert_eq!(checked.diagnostics.len(), 1, "{:#?}", checked.diagnostics);
        assert_eq!((d.code, d.severity), (Code::RedoFails, Severity::Warning));
        assert_eq!(
            d.position().as_deref(),
            Some("migrations/2_seed.down.sql:1:1")
        );
    }

    /// After a statement the scratch database could not run, refusals may be consequences: not
    /// reported.
    #[cfg(feature = "sqlite")]
    #[test]
    fn nothing_is_reported_on_unknown_ground() {
        let checked = sqlite(&[
            ("1_fn.sql", "CREATE TABLE t AS SELECT app_setup() AS x;\n"),
            ("2_use.sql", "ALTER TABLE t ADD COLUMN y INT;\n"),
            (
                "3_skip.sql",
                "-- migrate:unchecked\nCREATE TABLE u (a INT);\n",
            ),
        ]);
        assert_eq!(
            findings(&checked),
            [
                (
                    Code::Environment,
                    "migrations/1_fn.sql:1:26".into(),
                    "the scratch SQLite database cannot run this statement: no such function: app_setup".into()
                ),
                (
                    Code::Unchecked,
                    "migrations/3_skip.sql:2:1".into(),
                    "statement not checked (`-- migrate:unchecked`)".into()
                ),
            ]
        );
    }

    /// `ATTACH` gets an in-memory database: nothing is written, and what the migrations do in it
    /// is checked.
    #[cfg(feature = "sqlite")]
    #[test]
    fn attached_databases_stay_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("other.db");
        let attach = format!(
            "ATTACH DATABASE '{}' AS other;\nCREATE TABLE other.t (a INT);\n",
            file.display()
        );
        let checked = sqlite(&[
            ("1_attach.sql", &attach),
            ("2_use.sql", "INSERT INTO other.t (b) VALUES (1);\n"),
        ]);
        assert_eq!(
            findings(&checked),
            [(
                Code::Rejected,
                "migrations/2_use.sql:1:1".into(),
                "SQLite refuses this statement: table other.t has no column named b".into()
            )]
        );
        assert!(!file.exists());
    }

    #[test]
    fn lint_levels_and_allow_comments() {
        let files = [
            ("1_users.up.sql", "CREATE TABLE users (id INTEGER);\n"),
            ("1_users.down.sql", "-- irreversible in practice\n"),
            (
                "2_users.sql",
                "-- migrate:allow(add-column-needs-empty-table)\n\
                 ALTER TABLE users ADD COLUMN a TEXT NOT NULL;\n\
                 ALTER TABLE users ADD COLUMN b TEXT NOT NULL;\n",
            ),
        ];
        let codes = |checked: &Checked| -> Vec<(Code, Severity, String)> {
            checked
                .diagnostics
                .iter()
                .map(|d| (d.code, d.severity, d.position().unwrap_or_default()))
                .collect()
        };
        let checked = check(&files, &[Dialect::Sqlite]);
        assert_eq!(
            codes(&checked),
            [
                (
                    Code::EmptyDown,
                    Severity::Warning,
                    "migrations/1_users.down.sql".into()
                ),
                (
                    Code::AddColumnNeedsEmptyTable,
                    Severity::Warning,
                    "migrations/2_users.sql:3:1".into()
                ),
            ]
        );
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("migrations").join(name), text).unwrap();
        }
        let mut config = Config::default();
        config.lints.insert(Code::EmptyDown, None);
        config
            .lints
            .insert(Code::AddColumnNeedsEmptyTable, Some(Severity::Error));
        let checked = check_directory(dir.path(), &config);
        assert_eq!(
            codes(&checked),
            [(
                Code::AddColumnNeedsEmptyTable,
                Severity::Error,
                "migrations/2_users.sql:3:1".into()
            )]
        );
    }

    /// The SQLite table rebuild in a transaction: dropping a table other tables reference
    /// deletes their rows once there are any. Found whether or not the file says `PRAGMA`.
    #[cfg(feature = "sqlite")]
    #[test]
    fn the_foreign_key_trap() {
        let tables = (
            "1_tables.sql",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT);\n\
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\n",
        );
        let rebuild = "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '');\n\
             INSERT INTO parent_new (id, name) SELECT id, coalesce(name, '') FROM parent;\n\
             DROP TABLE parent;\n\
             ALTER TABLE parent_new RENAME TO parent;\n";
        let checked = sqlite(&[tables, ("2_rebuild.sql", rebuild)]);
        assert_eq!(
            findings(&checked),
            [(
                Code::SqliteForeignKeys,
                "migrations/2_rebuild.sql:3:1".into(),
                "dropping `parent`, which `child` references, with foreign keys on".into()
            )]
        );
        let with_pragma =
            format!("PRAGMA foreign_keys = OFF;\n{rebuild}PRAGMA foreign_keys = ON;\n");
        let checked = sqlite(&[tables, ("2_rebuild.sql", &with_pragma)]);
        let codes = codes_at(&checked);
        assert_eq!(
            codes,
            [
                (
                    Code::SqliteForeignKeys,
                    "migrations/2_rebuild.sql:1:1".into()
                ),
                (
                    Code::SqliteForeignKeys,
                    "migrations/2_rebuild.sql:4:1".into()
                ),
                (
                    Code::SqliteForeignKeys,
                    "migrations/2_rebuild.sql:6:1".into()
                ),
            ]
        );
        let marked = format!("-- migrate:foreign-keys-off\n{rebuild}");
        assert_eq!(findings(&sqlite(&[tables, ("2_rebuild.sql", &marked)])), []);
        // Dropping the children first leaves nothing to cascade to.
        let both = "DROP TABLE child;\nDROP TABLE parent;\n";
        assert_eq!(findings(&sqlite(&[tables, ("2_drop.sql", both)])), []);
    }

    /// A rebuild under `-- migrate:foreign-keys-off` runs as the runtime runs it, with foreign
    /// keys off: rows that reference the old table do not stop its drop.
    #[cfg(feature = "sqlite")]
    #[test]
    fn the_check_runs_a_rebuild_with_foreign_keys_off() {
        let tables = (
            "1_tables.sql",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n\
             CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id));\n\
             INSERT INTO parent (id) VALUES (1);\n\
             INSERT INTO child (parent_id) VALUES (1);\n",
        );
        let rebuild = "CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT);\n\
             INSERT INTO parent_new (id) SELECT id FROM parent;\n\
             DROP TABLE parent;\n\
             ALTER TABLE parent_new RENAME TO parent;\n";
        let marked = format!("-- migrate:foreign-keys-off\n{rebuild}");
        assert_eq!(findings(&sqlite(&[tables, ("2_rebuild.sql", &marked)])), []);
        let pragma = format!("-- migrate:no-transaction\nPRAGMA foreign_keys = OFF;\n{rebuild}");
        assert_eq!(findings(&sqlite(&[tables, ("2_rebuild.sql", &pragma)])), []);
        // In a transaction, foreign keys stay on: SQLite refuses the drop, and the finding says
        // why, with SQLite's words as a note.
        let checked = sqlite(&[tables, ("2_rebuild.sql", rebuild)]);
        assert_eq!(checked.diagnostics.len(), 1, "{:#?}", checked.diagnostics);
        assert_eq!(checked.diagnostics[0].code, Code::SqliteForeignKeys);
        assert_eq!(
            checked.diagnostics[0].notes.last().map(String::as_str),
            Some("SQLite refuses this statement: FOREIGN KEY constraint failed")
        );
    }

    /// A file that cannot be cut into statements is reported once; what later migrations do with
    /// the tables it would have made is not.
    #[cfg(feature = "sqlite")]
    #[test]
    fn an_unreadable_file_taints_the_replay() {
        let checked = sqlite(&[
            (
                "1_t.sql",
                "CREATE TABLE t (a INT);\nSELECT 'unterminated;\n",
            ),
            ("2_alter.sql", "ALTER TABLE t ADD COLUMN b INT;\n"),
        ]);
        let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::Syntax]);
    }

    /// A set of `n` migrations, each creating a table and adding a column to the one before.
    fn growing_set(dir: &Path, n: usize) {
        let migrations = dir.join("migrations");
        std::fs::create_dir_all(&migrations).unwrap();
        for i in 1..=n {
            let mut up = format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT);\n");
            let mut down = format!("DROP TABLE t{i};\n");
            if i > 1 {
                up += &format!("ALTER TABLE t{} ADD COLUMN extra TEXT;\n", i - 1);
                down = format!("ALTER TABLE t{} DROP COLUMN extra;\n{down}", i - 1);
            }
            std::fs::write(migrations.join(format!("{i}_m{i}.up.sql")), up).unwrap();
            std::fs::write(migrations.join(format!("{i}_m{i}.down.sql")), down).unwrap();
        }
    }

    /// What a check found and made of every statement, and how many migrations it took from a
    /// snapshot; the first part must not depend on the cache.
    fn checked_with(dir: &Path, cache: Option<&Path>) -> (String, usize) {
        let (checked, resumed) = check_cached(dir, &Config::default(), cache);
        (
            format!("{:?}\n{:?}", checked.migrations, checked.diagnostics),
            resumed,
        )
    }

    /// Checks `dir` with the cache and without, asserts both find the same, and returns how many
    /// migrations the cached check did not replay.
    fn resumed(dir: &Path, cache: &Path) -> usize {
        let (cached, resumed) = checked_with(dir, Some(cache));
        let (fresh, _) = checked_with(dir, None);
        assert_eq!(cached, fresh, "the snapshots changed what the check found");
        resumed
    }

    fn edit(dir: &Path, name: &str, change: impl FnOnce(String) -> String) {
        let path = dir.join("migrations").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(path, change(text)).unwrap();
    }

    #[test]
    fn the_sqlite_check_replays_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        growing_set(dir.path(), 20);
        assert_eq!(resumed(dir.path(), &cache), 0);
        assert_eq!(resumed(dir.path(), &cache), 20, "nothing changed");
        // A comment between statements reaches no database.
        edit(dir.path(), "10_m10.up.sql", |t| t + "-- a note\n");
        assert_eq!(resumed(dir.path(), &cache), 20);
        // Editing the newest migration replays it alone, and its error is found.
        edit(dir.path(), "20_m20.up.sql", |t| {
            t + "ALTER TABLE nowhere ADD x INTEGER;\n"
        });
        assert_eq!(resumed(dir.path(), &cache), 19);
        let (checked, _) = check_cached(dir.path(), &Config::default(), Some(&cache));
        let errors: Vec<String> = checked.errors().map(|d| d.render_short()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("20_m20.up.sql") && e.contains("no such table: nowhere")),
            "{errors:?}"
        );
        edit(dir.path(), "20_m20.up.sql", |t| {
            t.replace("ALTER TABLE nowhere ADD x INTEGER;\n", "")
        });
        // An older migration's change is judged with everything after it: migration 12 adds a
        // column that migration 5 now already adds.
        edit(dir.path(), "5_m5.up.sql", |t| {
            t + "ALTER TABLE t5 ADD COLUMN extra TEXT;\n"
        });
        let n = resumed(dir.path(), &cache);
        assert!(n < 5, "resumed after the edited migration: {n}");
        let (checked, _) = check_cached(dir.path(), &Config::default(), Some(&cache));
        let errors: Vec<String> = checked.errors().map(|d| d.render_short()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("6_m6.up.sql") && e.contains("duplicate column name")),
            "{errors:?}"
        );
        // The clean prefix ends where the findings start: the replay resumes after the edited
        // migration, and judges migration 6 again.
        assert_eq!(resumed(dir.path(), &cache), 5);
        // Undoing the edit finds the snapshots of before it.
        edit(dir.path(), "5_m5.up.sql", |t| {
            t.replace("ALTER TABLE t5 ADD COLUMN extra TEXT;\n", "")
        });
        assert_eq!(resumed(dir.path(), &cache), 20);
        // Adding a migration replays only it.
        growing_set(dir.path(), 21);
        assert_eq!(resumed(dir.path(), &cache), 20);
        assert!(std::fs::read_dir(&cache).unwrap().count() >= 2);
    }

    #[test]
    fn state_outside_the_database_file_is_never_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        growing_set(dir.path(), 8);
        // A pragma that changes how later statements run, and a temporary table, live on the
        // connection: no snapshot may be taken after them.
        edit(dir.path(), "3_m3.up.sql", |t| {
            t + "PRAGMA case_sensitive_like = ON;\n"
        });
        edit(dir.path(), "3_m3.down.sql", |t| {
            t + "PRAGMA case_sensitive_like = OFF;\n"
        });
        assert_eq!(resumed(dir.path(), &cache), 0);
        assert_eq!(resumed(dir.path(), &cache), 2);
        edit(dir.path(), "3_m3.up.sql", |t| {
            t.replace(
                "PRAGMA case_sensitive_like = ON;",
                "PRAGMA user_version = 3;",
            )
        });
        edit(dir.path(), "3_m3.down.sql", |t| {
            t.replace(
                "PRAGMA case_sensitive_like = OFF;",
                "PRAGMA main.user_version = 0;",
            )
        });
        edit(dir.path(), "6_m6.up.sql", |t| {
            t + "CREATE TEMP TABLE scratch (x INTEGER);\n"
        });
        edit(dir.path(), "6_m6.down.sql", |t| {
            t + "DROP TABLE IF EXISTS temp.scratch;\n"
        });
        assert_eq!(resumed(dir.path(), &cache), 2);
        // `user_version` is kept in the file; the temporary table of migration 6 is not.
        let n = resumed(dir.path(), &cache);
        assert!((3..6).contains(&n), "resumed after {n} migrations");
    }

    #[test]
    fn a_damaged_snapshot_is_replayed_instead() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        growing_set(dir.path(), 6);
        assert_eq!(resumed(dir.path(), &cache), 0);
        for entry in std::fs::read_dir(&cache).unwrap() {
            let path = entry.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            let half = bytes.len() / 2;
            bytes.truncate(half);
            std::fs::write(&path, bytes).unwrap();
        }
        assert_eq!(resumed(dir.path(), &cache), 0);
        assert_eq!(resumed(dir.path(), &cache), 6);
    }

    /// Checks files (paths relative to `migrations/`, directories made as needed) laid out as
    /// `layout`.
    fn check_layout(layout: Layout, dialect: Dialect, files: &[(&str, &str)]) -> Checked {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join("migrations").join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let config = Config {
            dialects: vec![dialect],
            layout,
            ..Config::default()
        };
        check_directory(dir.path(), &config)
    }

    fn listed(checked: &Checked) -> Vec<(i64, &str, bool, bool)> {
        checked
            .migrations
            .iter()
            .map(|m| {
                (
                    m.version,
                    m.name.as_str(),
                    m.up.transaction,
                    m.down.is_some(),
                )
            })
            .collect()
    }

    fn messages(checked: &Checked) -> Vec<(Code, String)> {
        checked
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect()
    }

    #[test]
    fn diesel_directories_are_read_in_place_in_diesel_order() {
        let create = |t: &str| format!("CREATE TABLE {t} (id INTEGER);");
        let drop = |t: &str| format!("DROP TABLE {t};");
        let checked = check_layout(
            Layout::Diesel,
            Dialect::Postgres,
            &[
                ("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;"),
                ("00000000000000_diesel_initial_setup/down.sql", "SELECT 1;"),
                ("2017-08-31-230457_add-users/up.sql", &create("users")),
                ("2017-08-31-230457_add-users/down.sql", &drop("users")),
                ("20140924113530_first/up.sql", &create("first")),
                ("20140924113530_first/down.sql", &drop("first")),
                // A date alone sorts after a full timestamp of the week before, as text does.
                ("2024-03-13_later/up.sql", &create("later")),
                ("2024-03-06-170000_earlier/up.sql", &create("earlier")),
                (
                    "2024-03-20-000000_index/up.sql",
                    "CREATE INDEX CONCURRENTLY users_id ON users (id);",
                ),
                ("2024-03-20-000000_index/down.sql", "DROP INDEX users_id;"),
                (
                    "2024-03-20-000000_index/metadata.toml",
                    "run_in_transaction = false\n",
                ),
                (".keep", ""),
                ("README.md", "notes"),
            ],
        );
        assert_eq!(messages(&checked), []);
        assert_eq!(
            listed(&checked),
            [
                (0, "diesel_initial_setup", true, true),
                (20140924113530, "first", true, true),
                (20170831230457, "add_users", true, true),
                (20240306170000, "earlier", true, false),
                (20240313000000, "later", true, false),
                (20240320000000, "index", false, true),
            ]
        );
        let up = &checked.migrations[2].up;
        assert_eq!(
            up.source.display,
            "migrations/2017-08-31-230457_add-users/up.sql"
        );
        assert!(
            checked.migrations[5]
                .down
                .as_ref()
                .is_some_and(|d| !d.transaction)
        );
    }

    #[test]
    fn diesel_layout_problems_name_the_directory() {
        let checked = check_layout(
            Layout::Diesel,
            Dialect::Sqlite,
            &[
                ("1_no_up/down.sql", "SELECT 1;"),
                ("x_bad_version/up.sql", "SELECT 1;"),
                ("2_bad_metadata/up.sql", "SELECT 1;"),
                (
                    "2_bad_metadata/metadata.toml",
                    "run_in_transaction = \"no\"",
                ),
                ("notes.txt", ""),
            ],
        );
        let found = messages(&checked);
        let expected = [
            (
                Code::FileName,
                "`migrations/1_no_up/` has no `up.sql`".to_owned(),
            ),
            (
                Code::Directive,
                "`run_in_transaction` in `migrations/2_bad_metadata/metadata.toml` is a string, \
                 not `true` or `false`"
                    .to_owned(),
            ),
            (
                Code::StrayFile,
                "`migrations/notes.txt` is not a diesel migration: it is not a directory"
                    .to_owned(),
            ),
            (
                Code::FileName,
                "`migrations/x_bad_version/` does not start with a version number".to_owned(),
            ),
        ];
        for e in &expected {
            assert!(found.contains(e), "{e:?} not in {found:?}");
        }
        assert_eq!(found.len(), expected.len(), "{found:?}");
    }

    #[test]
    fn sqlx_and_golang_migrate_files_are_read_in_place() {
        let checked = check_layout(
            Layout::Sqlx,
            Dialect::Postgres,
            &[
                ("20220101000000_create.sql", "CREATE TABLE t (id INTEGER);"),
                (
                    "20220102000000_index.up.sql",
                    "-- no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);",
                ),
                ("20220102000000_index.down.sql", "DROP INDEX t_id;"),
                ("notes.txt", ""),
            ],
        );
        assert_eq!(
            messages(&checked),
            [(
                Code::StrayFile,
                "`migrations/notes.txt` is not a migration: it is not a `.sql` file, so it is never run"
                    .to_owned()
            )]
        );
        assert_eq!(
            listed(&checked),
            [
                (20220101000000, "create", true, false),
                (20220102000000, "index", false, true),
            ]
        );
        let checked = check_layout(
            Layout::GolangMigrate,
            Dialect::Sqlite,
            &[
                ("1_Create-Table.up.sql", "CREATE TABLE t (id INTEGER);"),
                ("1_Create-Table.down.sql", "DROP TABLE t;"),
                ("2_seed.sql", "INSERT INTO t VALUES (1);"),
            ],
        );
        assert_eq!(listed(&checked), [(1, "create_table", true, true)]);
        assert_eq!(
            messages(&checked),
            [(
                Code::FileName,
                "`migrations/2_seed.sql` is neither `.up.sql` nor `.down.sql`".to_owned()
            )]
        );
    }

    #[test]
    fn flyway_and_refinery_files_are_read_in_place() {
        let checked = check_layout(
            Layout::Flyway,
            Dialect::Postgres,
            &[
                ("V1_1__initial.sql", "CREATE TABLE t (id INTEGER);"),
                ("U1_1__drop_it.sql", "DROP TABLE t;"),
                (
                    "nested/V1_10__later.sql",
                    "ALTER TABLE t ADD COLUMN b INTEGER;",
                ),
                (
                    "V1_2__index.sql",
                    "CREATE INDEX CONCURRENTLY t_id ON t (id);",
                ),
                ("V2__two.sql", "ALTER TABLE t ADD COLUMN c INTEGER;"),
                ("R__views.sql", "SELECT 1;"),
                ("notes.md", ""),
                ("beforeMigrate.sql", "SELECT 1;"),
            ],
        );
        assert_eq!(
            listed(&checked),
            [
                (1_001_000_000, "initial", true, true),
                (1_002_000_000, "index", false, false),
                (1_010_000_000, "later", true, false),
                (2_000_000_000, "two", true, false),
            ]
        );
        assert_eq!(
            checked.migrations[2].up.source.display,
            "migrations/nested/V1_10__later.sql"
        );
        let found = messages(&checked);
        assert_eq!(found.len(), 3, "{found:?}");
        // A callback is not a migration: a warning.
        assert!(
            checked
                .warnings()
                .any(|d| d.code == Code::StrayFile && d.message.contains("beforeMigrate.sql"))
        );

        assert!(found.contains(&(
            Code::FileName,
            "`migrations/R__views.sql` is a repeatable migration, which migrate does not support"
                .to_owned()
        )));
        assert!(found.iter().any(|(code, _)| *code == Code::StrayFile));

        let checked = check_layout(
            Layout::Refinery,
            Dialect::Sqlite,
            &[
                ("V1__first.sql", "CREATE TABLE t (id INTEGER);"),
                ("V2__second.sql", "CREATE TABLE u (id INTEGER);"),
                ("V3_1__dotted.sql", "SELECT 1;"),
            ],
        );
        assert_eq!(
            listed(&checked),
            [(1, "first", true, false), (2, "second", true, false)]
        );
        assert_eq!(
            messages(&checked),
            [(
                Code::FileName,
                "`migrations/V3_1__dotted.sql` has a version of several numbers, and refinery takes one"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn dbmate_sections_are_checked_at_their_place_in_the_file() {
        let checked = check_layout(
            Layout::Dbmate,
            Dialect::Sqlite,
            &[
                (
                    "20240101000000_create.sql",
                    "-- migrate:up\nCREATE TABLE a (id INTEGER);\n\n-- migrate:down\nDROP TABLE a;\n",
                ),
                (
                    "20240102000000_vacuum.sql",
                    "-- migrate:up transaction:false\nVACUUM;\n",
                ),
                (
                    "20240103000000_broken.sql",
                    "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE nowhere;\n",
                ),
                (
                    "20240104000000_no_marker.sql",
                    "CREATE TABLE c (id INTEGER);\n",
                ),
                (
                    "20240105000000_before.sql",
                    "-- a comment is fine\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
                ),
            ],
        );
        assert_eq!(
            listed(&checked)[..2],
            [
                (20240101000000, "create", true, true),
                (20240102000000, "vacuum", false, false),
            ]
        );
        // The down's statement keeps its place: line 5 of the file.
        let up = &checked.migrations[0].up;
        assert_eq!(up.statements.len(), 1);
        assert_eq!(
            checked.migrations[0].down.as_ref().unwrap().statements[0].line,
            5
        );
        let errors: Vec<String> = checked.errors().map(|d| d.render_short()).collect();
        assert!(
            errors
                .iter()
                .any(|e| e.contains("20240103000000_broken.sql:4:") && e.contains("nowhere")),
            "{errors:?}"
        );
        assert!(
            errors.iter().any(|e| e.contains(
                "`migrations/20240104000000_no_marker.sql` must have one line `-- migrate:up`"
            )),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("has SQL before its `-- migrate:up` line")),
            "{errors:?}"
        );
        // The up's checksum is its section's: editing the down leaves it as it was.
        let sum = |down: &str| {
            let text =
                format!("-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\n{down}");
            let checked = check_layout(Layout::Dbmate, Dialect::Sqlite, &[("1_t.sql", &text)]);
            checked.migrations[0].checksum.clone()
        };
        assert_eq!(
            sum("DROP TABLE t;\n"),
            sum("-- fixed\nDROP TABLE IF EXISTS t;\n")
        );
    }

    #[test]
    fn another_tools_files_in_the_native_layout_name_the_setting() {
        let checked = check_layout(
            Layout::Native,
            Dialect::Sqlite,
            &[
                ("V1__init.sql", "CREATE TABLE a (id INTEGER);"),
                (
                    "2_both.sql",
                    "-- migrate:up\nCREATE TABLE b (id INTEGER);\n-- migrate:down\nDROP TABLE b;\n",
                ),
                ("3_vacuum.sql", "-- no-transaction\nVACUUM;\n"),
            ],
        );
        let helps: Vec<(String, String)> = checked
            .errors()
            .map(|d| (d.message.clone(), d.help.clone().unwrap_or_default()))
            .collect();
        let says =
            |message: &str, layout: &str| {
                assert!(
                    helps.iter().any(|(m, h)| m.contains(message)
                        && h.contains(&format!("layout = \"{layout}\""))),
                    "{message} / {layout}: {helps:#?}"
                );
            };
        says(
            "`V1__init.sql` does not start with a version number",
            "flyway",
        );
        says("unknown directive `migrate:up`", "dbmate");
        says("`-- no-transaction` is sqlx's directive", "sqlx");
    }
}
