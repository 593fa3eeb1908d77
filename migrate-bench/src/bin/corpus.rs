//! Runs the checker over `../shared/corpus` (real migrations from other projects, each of which ran
//! on a real database) and prints what it found: a table per part, then every error and warning.
//!
//! Diesel (`<ts>_<name>/{up,down}.sql`) and sqlx (`<ts>_<name>.sql`, names with `-`) layouts are
//! converted on the fly into the native layout in a temporary directory, then checked by the same
//! code path as a build. Diagnostics are shown against the original files.
//!
//! ```text
//! cargo run -p migrate-bench --release --bin corpus -- [CORPUS_DIR] [--deny]
//! ```
//!
//! With `--deny`, exits with status 1 when a file the project ran successfully gets an error (a
//! false positive) or a known broken file is not reported.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use migrate_build::{Check, Config, Dialect, check_directory};

/// Parts of the corpus: folder, dialect, layout. MySQL parts are skipped: there is no MySQL
/// dialect yet.
const PARTS: &[(&str, Dialect, Layout)] = &[
    ("Plume-org__Plume/sqlite", Dialect::Sqlite, Layout::Diesel),
    (
        "dani-garcia__vaultwarden/sqlite",
        Dialect::Sqlite,
        Layout::Diesel,
    ),
    (
        "atuinsh__atuin/atuin-ai/migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-client/migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-client/meta-migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-client/record-migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-kv/migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-scripts/migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-server-sqlite/migrations",
        Dialect::Sqlite,
        Layout::Sqlx,
    ),
    (
        "atuinsh__atuin/atuin-server-postgres/migrations",
        Dialect::Postgres,
        Layout::Sqlx,
    ),
    ("rust-lang__crates.io", Dialect::Postgres, Layout::Diesel),
    (
        "Plume-org__Plume/postgres",
        Dialect::Postgres,
        Layout::Diesel,
    ),
    (
        "dani-garcia__vaultwarden/postgresql",
        Dialect::Postgres,
        Layout::Diesel,
    ),
];

/// Files that should get an error, and why. The first three are the corpus README's known
/// defects; the rest were found by this check and confirmed on a real database or by policy.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    (
        "rust-lang__crates.io/20170318181441_downloads_need_no_id/down.sql",
        "README: missing `;` between statements",
    ),
    (
        "Plume-org__Plume/sqlite/2018-10-06-161156_change_default_license/down.sql",
        "README: `INSERT INTO ... SELECT` without a table name",
    ),
    (
        "Plume-org__Plume/sqlite/2018-12-08-182930_constraints/down.sql",
        "README: missing `;` after `CREATE TABLE`",
    ),
    (
        "atuinsh__atuin/atuin-scripts/migrations/20250402170430_unique_names.down.sql",
        "found here: `alter table ... drop index` fails on SQLite 3.40 with `near \"index\": syntax error`",
    ),
    (
        "dani-garcia__vaultwarden/sqlite/2024-01-12-210182_change_attachment_size/up.sql",
        "policy: an up migration with no statements (only a comment) is an error",
    ),
    (
        "dani-garcia__vaultwarden/sqlite/2024-02-14-140000_change_time_stamp_data_type/up.sql",
        "policy: an up migration with no statements (only a comment) is an error",
    ),
];

#[derive(Clone, Copy)]
enum Layout {
    Diesel,
    Sqlx,
}

#[derive(Default)]
struct Tally {
    files: usize,
    files_with_errors: usize,
    statements: usize,
    parsed: usize,
    unchecked: usize,
    invalid: usize,
    errors: usize,
    warnings: usize,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let deny = args.iter().any(|a| a == "--deny");
    let root = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    if !root.is_dir() {
        eprintln!("corpus not found at {}; nothing to check", root.display());
        return ExitCode::SUCCESS;
    }

    let mut rows = Vec::new();
    let mut findings = Vec::new();
    let mut files_with_errors = Vec::new();
    for &(part, dialect, layout) in PARTS {
        let source = root.join(part);
        if !source.is_dir() {
            continue;
        }
        let (tally, part_findings, erroneous) = check_part(&root, part, dialect, layout);
        rows.push((part, dialect, tally));
        findings.extend(part_findings);
        files_with_errors.extend(erroneous);
    }

    println!(
        "| part | dialect | files | files with errors | statements | parsed | unchecked | invalid | errors | warnings |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mut total = Tally::default();
    for (part, dialect, t) in &rows {
        println!(
            "| {part} | {dialect} | {} | {} | {} | {} | {} | {} | {} | {} |",
            t.files,
            t.files_with_errors,
            t.statements,
            t.parsed,
            t.unchecked,
            t.invalid,
            t.errors,
            t.warnings
        );
        total.files += t.files;
        total.files_with_errors += t.files_with_errors;
        total.statements += t.statements;
        total.parsed += t.parsed;
        total.unchecked += t.unchecked;
        total.invalid += t.invalid;
        total.errors += t.errors;
        total.warnings += t.warnings;
    }
    println!(
        "| **total** | | {} | {} | {} | {} | {} | {} | {} | {} |",
        total.files,
        total.files_with_errors,
        total.statements,
        total.parsed,
        total.unchecked,
        total.invalid,
        total.errors,
        total.warnings
    );
    println!();
    for finding in &findings {
        println!("{finding}\n");
    }

    let expected = |f: &str| EXPECTED_ERRORS.iter().any(|(e, _)| *e == f);
    let false_positives: Vec<_> = files_with_errors.iter().filter(|f| !expected(f)).collect();
    let missed: Vec<_> = EXPECTED_ERRORS
        .iter()
        .filter(|(e, _)| root.join(e).exists() && !files_with_errors.iter().any(|f| f == e))
        .collect();
    println!(
        "expected errors reported: {}/{}",
        EXPECTED_ERRORS.len() - missed.len(),
        EXPECTED_ERRORS.len()
    );
    for (file, why) in EXPECTED_ERRORS {
        let mark = if missed.iter().any(|(m, _)| m == file) {
            "MISSED"
        } else {
            "ok"
        };
        println!("  {mark:6} {file}: {why}");
    }
    println!(
        "unexpected errors (false positives): {}",
        false_positives.len()
    );
    for f in &false_positives {
        println!("  {f}");
    }
    if deny && (!false_positives.is_empty() || !missed.is_empty()) {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Converts one part into the native layout, checks it, and maps diagnostics back.
fn check_part(
    root: &Path,
    part: &str,
    dialect: Dialect,
    layout: Layout,
) -> (Tally, Vec<String>, Vec<String>) {
    let temp = tempfile::tempdir().expect("temporary directory");
    let native = temp.path().join("migrations");
    fs::create_dir(&native).expect("create directory");
    // native file name -> corpus path
    let mut origin: BTreeMap<String, String> = BTreeMap::new();
    for Converted {
        from,
        to,
        no_transaction,
    } in convert(&root.join(part), layout)
    {
        let mut text = fs::read(&from).expect("read migration");
        if no_transaction {
            text.splice(0..0, b"-- migrate:no-transaction\n".iter().copied());
        }
        fs::write(native.join(&to), text).expect("write migration");
        let relative = from
            .strip_prefix(root)
            .unwrap_or(&from)
            .display()
            .to_string();
        origin.insert(format!("migrations/{to}"), relative);
    }
    let config = Config {
        dialects: vec![dialect],
        ..Config::default()
    };
    let checked = check_directory(temp.path(), &config);

    let mut tally = Tally {
        files: origin.len(),
        ..Tally::default()
    };
    for migration in &checked.migrations {
        for script in std::iter::once(&migration.up).chain(&migration.down) {
            for statement in &script.statements {
                tally.statements += 1;
                match statement.check {
                    Check::Parsed => tally.parsed += 1,
                    Check::Engine => tally.parsed += 1,
                    Check::UncheckedByDirective | Check::Unchecked => tally.unchecked += 1,
                    Check::Invalid => tally.invalid += 1,
                }
            }
        }
    }
    let mut findings = Vec::new();
    let mut erroneous: Vec<String> = Vec::new();
    for diagnostic in &checked.diagnostics {
        let file = diagnostic
            .location
            .as_ref()
            .map(|l| l.file.clone())
            .unwrap_or_default();
        let original = origin.get(&file).cloned().unwrap_or(file.clone());
        if diagnostic.is_error() {
            tally.errors += 1;
            if !erroneous.contains(&original) {
                erroneous.push(original.clone());
            }
        } else {
            tally.warnings += 1;
        }
        findings.push(format!("[{original}]\n{}", diagnostic.render()));
    }
    tally.files_with_errors = erroneous.len();
    (tally, findings, erroneous)
}

/// A corpus file and its native name.
struct Converted {
    from: PathBuf,
    to: String,
    /// Whether the migration ran outside a transaction, which the native layout says with a
    /// `-- migrate:no-transaction` first line (so its lines shift down by one).
    no_transaction: bool,
}

/// Maps each migration file of a diesel or sqlx layout to a native file name.
fn convert(dir: &Path, layout: Layout) -> Vec<Converted> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("read corpus")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        match layout {
            Layout::Diesel => {
                if !path.is_dir() {
                    continue;
                }
                let (version, name) = native_stem(&file);
                // diesel's `run_in_transaction = false` (in a metadata.toml the corpus does not
                // keep) was set on exactly the directories using CONCURRENTLY.
                let no_transaction = ["up.sql", "down.sql"].iter().any(|side| {
                    fs::read_to_string(path.join(side))
                        .is_ok_and(|s| s.to_ascii_lowercase().contains("concurrently"))
                });
                for (side, suffix) in [("up.sql", "up"), ("down.sql", "down")] {
                    if path.join(side).is_file() {
                        out.push(Converted {
                            from: path.join(side),
                            to: format!("{version}_{name}.{suffix}.sql"),
                            no_transaction,
                        });
                    }
                }
            }
            Layout::Sqlx => {
                let Some(stem) = file.strip_suffix(".sql") else {
                    continue;
                };
                let (stem, suffix) = match (stem.strip_suffix(".up"), stem.strip_suffix(".down")) {
                    (Some(s), _) => (s, ".up.sql"),
                    (_, Some(s)) => (s, ".down.sql"),
                    _ => (stem, ".sql"),
                };
                let (version, name) = native_stem(stem);
                out.push(Converted {
                    from: path.clone(),
                    to: format!("{version}_{name}{suffix}"),
                    no_transaction: false,
                });
            }
        }
    }
    out
}

/// `2017-08-31-230457_Invitations-v2` -> (`20170831230457`, `invitations_v2`). Diesel's
/// `00000000000000_diesel_initial_setup` becomes version 1 (versions start at 1).
fn native_stem(stem: &str) -> (String, String) {
    let (version, name) = stem.split_once('_').unwrap_or((stem, "migration"));
    let mut digits: String = version.chars().filter(char::is_ascii_digit).collect();
    if digits.trim_start_matches('0').is_empty() {
        digits = "1".into();
    }
    let name = name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    (digits, name)
}
