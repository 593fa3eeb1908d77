//! The corpus check: real migrations from other projects (`../shared/corpus`), read in place
//! with the product's layouts (`layout = "diesel"`, `"sqlx"`, `"flyway"`, `"dbmate"`), checked
//! the way a build checks them, and compared file by file with what a real database does with
//! them. Two parts follow no migration tool's layout (see `paired.rs`) and are written out in
//! the native layout first.
//!
//! ```text
//! cargo run -p migrate-bench --release --bin corpus -- [CORPUS_DIR] [--deny] [--part NAME]
//! ```
//!
//! For each SQLite and PostgreSQL part it runs the checker (the SQLite check always; the
//! PostgreSQL check when `MIGRATE_DEV_DATABASE_URL` is set) and counts the statements the parser
//! could not read and those no database checked either; then the truth: every migration applied
//! to a real SQLite file or a new PostgreSQL database (the same server), each up, its down, and
//! the up again. It prints a table per part, the disagreements, then every finding.
//!
//! With `--deny` it exits with status 1 if the checker reports an error that says the database
//! refuses a file the database accepted (or, with no PostgreSQL server, one on a file outside the
//! corpus README's list of broken files), or reports nothing on a file of that list. Errors about
//! what goes wrong only once tables have rows (`sqlite-foreign-keys`) are listed apart.

mod mutate;
mod paired;
mod truth;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use migrate_build::{Check, Checked, Code, Config, Diagnostic, Dialect, Layout, check_directory};

/// A part of the corpus: its directory, dialect, how it is read, and what its real database had
/// that its migrations do not create.
struct Part {
    name: &'static str,
    dir: &'static str,
    dialect: Dialect,
    reading: Reading,
    setup: Option<&'static str>,
}

/// How a part is read.
#[derive(Clone, Copy)]
enum Reading {
    /// In place, as a package whose `layout` is this one is read: every file, name, order and
    /// directive as the product reads them.
    InPlace(Layout),
    /// Paired files of a runner that is no migration tool's (see `paired.rs`).
    Paired,
}

const HARNESS_SETUP: &str = "-- The Go migration tool's own table, which the first migration alters.\n\
     CREATE TABLE migrations (version TEXT NOT NULL);\n";

/// Supabase's migrations run after its image's init scripts: roles and schemas they create.
/// The extensions it bundles (pg_graphql, pg_cron, pg_net, ...) are not on a plain server.
const SUPABASE_SETUP: &str = "\
     CREATE ROLE anon NOLOGIN;\n\
     CREATE ROLE authenticated NOLOGIN;\n\
     CREATE ROLE service_role NOLOGIN BYPASSRLS;\n\
     CREATE ROLE authenticator NOINHERIT LOGIN;\n\
     CREATE ROLE supabase_admin SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS LOGIN;\n\
     CREATE ROLE supabase_auth_admin NOINHERIT CREATEROLE LOGIN;\n\
     CREATE ROLE supabase_storage_admin NOINHERIT CREATEROLE LOGIN;\n\
     CREATE ROLE supabase_functions_admin NOINHERIT CREATEROLE LOGIN;\n\
     CREATE ROLE supabase_realtime_admin NOINHERIT NOLOGIN;\n\
     CREATE ROLE supabase_replication_admin LOGIN REPLICATION;\n\
     CREATE ROLE supabase_read_only_user BYPASSRLS LOGIN;\n\
     CREATE ROLE dashboard_user NOSUPERUSER CREATEDB CREATEROLE REPLICATION;\n\
     CREATE ROLE pgbouncer LOGIN;\n\
     CREATE SCHEMA auth AUTHORIZATION supabase_admin;\n\
     CREATE SCHEMA storage AUTHORIZATION supabase_admin;\n\
     CREATE SCHEMA extensions;\n\
     CREATE SCHEMA realtime;\n\
     CREATE SCHEMA graphql_public;\n\
     CREATE SCHEMA pgbouncer;\n";

const PARTS: &[Part] = &[
    Part {
        name: "Plume sqlite",
        dir: "Plume-org__Plume/sqlite",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Diesel),
        setup: None,
    },
    Part {
        name: "vaultwarden sqlite",
        dir: "dani-garcia__vaultwarden/sqlite",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Diesel),
        setup: None,
    },
    Part {
        name: "atuin ai",
        dir: "atuinsh__atuin/atuin-ai/migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "atuin client",
        dir: "atuinsh__atuin/atuin-client/migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "atuin client meta",
        dir: "atuinsh__atuin/atuin-client/meta-migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "atuin client record",
        dir: "atuinsh__atuin/atuin-client/record-migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "atuin kv",
        dir: "atuinsh__atuin/atuin-kv/migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "atuin scripts",
        dir: "atuinsh__atuin/atuin-scripts/migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "atuin server sqlite",
        dir: "atuinsh__atuin/atuin-server-sqlite/migrations",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "harness sqlite",
        dir: "harness__harness/sqlite",
        dialect: Dialect::Sqlite,
        reading: Reading::Paired,
        setup: Some(HARNESS_SETUP),
    },
    Part {
        name: "authelia sqlite",
        dir: "authelia__authelia/sqlite",
        dialect: Dialect::Sqlite,
        reading: Reading::Paired,
        setup: None,
    },
    Part {
        name: "conductor sqlite",
        dir: "conductor-oss__conductor/sqlite-persistence/migration_sqlite",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Flyway),
        setup: None,
    },
    Part {
        name: "conductor scheduler sqlite",
        dir: "conductor-oss__conductor/scheduler/sqlite-persistence/migration_scheduler_sqlite",
        dialect: Dialect::Sqlite,
        reading: Reading::InPlace(Layout::Flyway),
        setup: None,
    },
    Part {
        name: "crates.io",
        dir: "rust-lang__crates.io",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Diesel),
        setup: None,
    },
    Part {
        name: "Plume postgres",
        dir: "Plume-org__Plume/postgres",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Diesel),
        setup: None,
    },
    Part {
        name: "vaultwarden postgres",
        dir: "dani-garcia__vaultwarden/postgresql",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Diesel),
        setup: None,
    },
    Part {
        name: "atuin server postgres",
        dir: "atuinsh__atuin/atuin-server-postgres/migrations",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Sqlx),
        setup: None,
    },
    Part {
        name: "lemmy",
        dir: "LemmyNet__lemmy",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Diesel),
        setup: Some(
            "-- diesel's history table, which a migration puts a trigger on.\n\
             CREATE TABLE __diesel_schema_migrations (\n\
                 version VARCHAR(50) PRIMARY KEY NOT NULL,\n\
                 run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP\n\
             );\n",
        ),
    },
    Part {
        name: "harness postgres",
        dir: "harness__harness/postgres",
        dialect: Dialect::Postgres,
        reading: Reading::Paired,
        setup: Some(HARNESS_SETUP),
    },
    Part {
        name: "authelia postgres",
        dir: "authelia__authelia/postgres",
        dialect: Dialect::Postgres,
        reading: Reading::Paired,
        setup: None,
    },
    Part {
        name: "kestra postgres",
        dir: "kestra-io__kestra/postgres",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Flyway),
        setup: None,
    },
    Part {
        name: "conductor postgres",
        // Three Flyway locations, merged in version order: Flyway's layout walks them all.
        dir: "conductor-oss__conductor/postgres-persistence",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Flyway),
        setup: None,
    },
    Part {
        name: "conductor scheduler postgres",
        dir: "conductor-oss__conductor/scheduler/postgres-persistence/migration_scheduler",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Flyway),
        setup: None,
    },
    Part {
        name: "supabase",
        dir: "supabase__postgres/migrations",
        dialect: Dialect::Postgres,
        reading: Reading::InPlace(Layout::Dbmate),
        setup: Some(SUPABASE_SETUP),
    },
];

/// Parts not checked, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "*/mysql*, kestra-io__kestra/h2",
        "MySQL and H2: no dialect for them yet",
    ),
    (
        "bitwarden__server",
        "SQL Server (T-SQL batches separated by `GO`): no dialect for it yet",
    ),
    (
        "conductor-oss__conductor/postgres-external-storage",
        "a Flyway repeatable migration (`R__`) with placeholders (`${tableName}`) that Flyway fills in: not SQL as written",
    ),
];

/// Files the corpus README lists as broken on a real database: the checker must report each.
const KNOWN_BROKEN: &[&str] = &[
    "rust-lang__crates.io/20170318181441_downloads_need_no_id/down.sql",
    "Plume-org__Plume/sqlite/2018-10-06-161156_change_default_license/down.sql",
    "Plume-org__Plume/sqlite/2018-12-08-182930_constraints/down.sql",
    "rust-lang__crates.io/2024-10-25-112826_make-unique-version-unique/down.sql",
    "dani-garcia__vaultwarden/postgresql/2023-06-02-200424_create_organization_api_key/down.sql",
    "harness__harness/postgres/0029_create_index_job_job_group_id_down.sql",
    "harness__harness/sqlite/0029_create_index_job_job_group_id_down.sql",
    "harness__harness/postgres/0069_create_table_usergroup_reviewers.down.sql",
    "harness__harness/sqlite/0069_create_table_usergroup_reviewers.down.sql",
    "harness__harness/postgres/0045_alter_table_repo_add_deletetimestamp.down.sql",
    "harness__harness/postgres/0046_alter_table_spaces_add_deletetimestamp.down.sql",
    "harness__harness/sqlite/0045_alter_table_repo_add_deletetimestamp.down.sql",
    "harness__harness/sqlite/0046_alter_table_spaces_add_deletetimestamp.down.sql",
    "harness__harness/sqlite/0072_create_ar_table_images_and_alter_table_artifacts.down.sql",
    "dani-garcia__vaultwarden/postgresql/2022-07-27-110000_add_group_support/down.sql",
    "authelia__authelia/postgres/V0002.WebAuthn.down.sql",
    "atuinsh__atuin/atuin-scripts/migrations/20250402170430_unique_names.down.sql",
];

/// Files the corpus README does not list, that the database refuses all the same (the truth run
/// shows it, with a server): without one, an error on them is not counted as false.
const ALSO_BROKEN: &[&str] = &[
    // The down drops `pipelines` first, which `executions` still refers to: PostgreSQL refuses
    // ("cannot drop table pipelines because other objects depend on it").
    "harness__harness/postgres/0027_create_ci_tables.down.sql",
];

/// A file of a part, as the report names it: its corpus path, and `(down)` for the down
/// section of a dbmate file.
type FileId = String;

#[derive(Default)]
struct Row {
    files: usize,
    statements: usize,
    /// Statements the parser could not read.
    parser_unchecked: usize,
    /// Of those, what no database checked either.
    unchecked: usize,
    errors: usize,
    warnings: usize,
    confirmed: usize,
    false_errors: usize,
    missed: usize,
    environment: usize,
    redo: usize,
    /// After a failure, statement by statement: what the database refused, what of it depends on
    /// nothing but the statement, and what of that the checker reports as an error.
    after_failure: usize,
    certain: usize,
    certain_reported: usize,
    truth: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let deny = args.iter().any(|a| a == "--deny");
    // `--mutate`: then the mutation check (see `mutate.rs`).
    let mutation = args.iter().any(|a| a == "--mutate");
    // `--messages`: every message the databases refused a statement with, to test the checker's
    // classification of refusals on.
    let list_messages = args.iter().any(|a| a == "--messages");
    // `--part <name>`: only the parts whose name contains it.
    let only = args
        .iter()
        .position(|a| a == "--part")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let root = args
        .iter()
        .find(|a| !a.starts_with("--") && Some(*a) != only.as_ref())
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    if !root.is_dir() {
        eprintln!("corpus not found at {}; nothing to check", root.display());
        return ExitCode::SUCCESS;
    }
    let url = std::env::var(migrate_build::DEV_DATABASE_URL)
        .ok()
        .filter(|u| !u.is_empty());

    let mut rows = Vec::new();
    let mut findings = Vec::new();
    let mut false_errors: Vec<String> = Vec::new();
    let mut missed: Vec<String> = Vec::new();
    let mut uncertain: Vec<String> = Vec::new();
    let mut unreported: Vec<String> = Vec::new();
    let mut messages: std::collections::BTreeSet<String> = Default::default();
    let mut risks: Vec<String> = Vec::new();
    let mut reported: Vec<FileId> = Vec::new();
    let mut symmetries: Vec<(&Part, Symmetry)> = Vec::new();
    for part in PARTS {
        if only
            .as_ref()
            .is_some_and(|only| !part.name.contains(only.as_str()))
        {
            continue;
        }
        if !root.join(part.dir).is_dir() {
            continue;
        }
        let outcome = check_part(&root, part, url.as_deref());
        false_errors.extend(outcome.false_errors);
        missed.extend(outcome.missed);
        uncertain.extend(outcome.uncertain);
        unreported.extend(outcome.unreported);
        messages.extend(outcome.messages);
        risks.extend(outcome.risks);
        reported.extend(outcome.reported);
        findings.extend(outcome.findings);
        if outcome.row.truth {
            symmetries.push((part, outcome.symmetry));
        }
        rows.push((part, outcome.row));
    }

    println!(
        "| part | dialect | files | statements | parser could not read | unchecked after the database check | errors | warnings | errors the database confirms | errors on files it accepts | files it rejects, passed | environment | redo fails | refused after a failure | of them certain | reported |"
    );
    println!("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mut total = Row::default();
    for (part, r) in &rows {
        let truth = |n: usize| {
            if r.truth {
                n.to_string()
            } else {
                "–".to_owned()
            }
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            part.name,
            part.dialect,
            r.files,
            r.statements,
            r.parser_unchecked,
            r.unchecked,
            r.errors,
            r.warnings,
            truth(r.confirmed),
            truth(r.false_errors),
            truth(r.missed),
            truth(r.environment),
            truth(r.redo),
            truth(r.after_failure),
            truth(r.certain),
            truth(r.certain_reported),
        );
        total.files += r.files;
        total.statements += r.statements;
        total.parser_unchecked += r.parser_unchecked;
        total.unchecked += r.unchecked;
        total.errors += r.errors;
        total.warnings += r.warnings;
        total.confirmed += r.confirmed;
        total.false_errors += r.false_errors;
        total.missed += r.missed;
        total.environment += r.environment;
        total.redo += r.redo;
        total.after_failure += r.after_failure;
        total.certain += r.certain;
        total.certain_reported += r.certain_reported;
    }
    println!(
        "| **total** | | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        total.files,
        total.statements,
        total.parser_unchecked,
        total.unchecked,
        total.errors,
        total.warnings,
        total.confirmed,
        total.false_errors,
        total.missed,
        total.environment,
        total.redo,
        total.after_failure,
        total.certain,
        total.certain_reported
    );
    println!();
    print_model(&symmetries);
    if url.is_none() {
        println!(
            "{} is not set: the PostgreSQL parts were checked by the parser alone and not applied to a database.\n",
            migrate_build::DEV_DATABASE_URL
        );
    }
    for (path, why) in SKIPPED {
        println!("skipped `{path}`: {why}");
    }
    println!();
    for finding in &findings {
        println!("{finding}\n");
    }

    // Known broken files are looked for where a database judged: PostgreSQL parts only with a
    // server.
    let checked_dirs: Vec<&str> = rows
        .iter()
        .filter(|(part, _)| part.dialect == Dialect::Sqlite || url.is_some())
        .map(|(part, _)| part.dir)
        .collect();
    let known_missed: Vec<&&str> = KNOWN_BROKEN
        .iter()
        .filter(|f| checked_dirs.iter().any(|d| f.starts_with(&format!("{d}/"))))
        .filter(|f| root.join(f).exists() && !reported.iter().any(|r| r == **f))
        .collect();
    let known = KNOWN_BROKEN
        .iter()
        .filter(|f| checked_dirs.iter().any(|d| f.starts_with(&format!("{d}/"))))
        .count();
    println!(
        "known broken files reported: {}/{known}",
        known - known_missed.len(),
    );
    for file in &known_missed {
        println!("  MISSED {file}");
    }
    println!(
        "files the database rejects that the checker passed: {}",
        missed.len()
    );
    for f in &missed {
        println!("  {f}");
    }
    println!(
        "rejections that may follow from an earlier failure (not compared): {}",
        uncertain.len()
    );
    for f in &uncertain {
        println!("  {f}");
    }
    println!(
        "refusals after a failure that depend on nothing but their statement, not reported as errors: {}",
        unreported.len()
    );
    for f in &unreported {
        println!("  {f}");
    }
    println!(
        "errors about rows, on files the database accepts with empty tables: {}",
        risks.len()
    );
    for f in &risks {
        println!("  {f}");
    }
    println!(
        "errors on files the database accepts (false positives): {}",
        false_errors.len()
    );
    for f in &false_errors {
        println!("  {f}");
    }
    let false_alarms: usize = symmetries.iter().map(|(_, s)| s.false_alarms.len()).sum();
    let disagreements: usize = symmetries.iter().map(|(_, s)| s.disagreements.len()).sum();
    if list_messages {
        println!("\nrefusal messages of the databases: {}", messages.len());
        for message in &messages {
            println!("  {message}");
        }
    }
    let mutations_missed = if mutation {
        let parts: Vec<&Part> = rows.iter().map(|(part, _)| *part).collect();
        mutate::check(&root, &parts, url.as_deref())
    } else {
        0
    };
    if deny
        && (!false_errors.is_empty()
            || !known_missed.is_empty()
            || false_alarms > 0
            || disagreements > 0
            || !unreported.is_empty()
            || mutations_missed > 0)
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// The schema model's table: per part, the asymmetric downs it reports against the database's,
/// and its agreement with the catalog; then every false alarm, miss and disagreement.
fn print_model(symmetries: &[(&Part, Symmetry)]) {
    println!(
        "| part | downs measured | asymmetric on the database | `asymmetric-down` | confirmed | false alarms | reported as `empty-down` | missed | migrations compared with the catalog | disagreements |"
    );
    println!("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    let mut total = [0usize; 9];
    for (part, s) in symmetries {
        let row = [
            s.measured,
            s.asymmetric,
            s.confirmed + s.false_alarms.len(),
            s.confirmed,
            s.false_alarms.len(),
            s.empty,
            s.missed.len(),
            s.compared,
            s.disagreements.len(),
        ];
        for (t, n) in total.iter_mut().zip(row) {
            *t += n;
        }
        let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
        println!("| {} | {} |", part.name, cells.join(" | "));
    }
    let cells: Vec<String> = total.iter().map(ToString::to_string).collect();
    println!("| **total** | {} |", cells.join(" | "));
    println!();
    let precision = if total[2] == 0 {
        "–".to_owned()
    } else {
        format!("{:.1}%", 100.0 * total[3] as f64 / total[2] as f64)
    };
    let recall = |found: usize| {
        if total[1] == 0 {
            "–".to_owned()
        } else {
            format!("{:.1}%", 100.0 * found as f64 / total[1] as f64)
        }
    };
    println!(
        "asymmetric downs: precision {precision}; recall {} by `asymmetric-down`, {} with the empty downs `empty-down` reports",
        recall(total[3]),
        recall(total[3] + total[5])
    );
    for (_, s) in symmetries {
        for alarm in &s.false_alarms {
            println!("  FALSE ALARM {alarm}");
        }
    }
    // Why the rest were missed, by the kind of difference the database shows.
    let mut why: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, s) in symmetries {
        for (_, differences) in &s.missed {
            *why.entry(miss_reason(differences)).or_default() += 1;
        }
    }
    for (reason, n) in &why {
        println!("  missed {n}: {reason}");
    }
    for (_, s) in symmetries {
        for (label, differences) in &s.missed {
            println!("  MISSED {label}: {}", differences.join("; "));
        }
    }
    let disagreements: usize = symmetries.iter().map(|(_, s)| s.disagreements.len()).sum();
    println!("model and catalog disagreements: {disagreements}");
    for (_, s) in symmetries {
        for d in &s.disagreements {
            println!("  {d}");
        }
    }
    println!();
}

/// The kind of difference a missed asymmetric down shows on the database.
fn miss_reason(differences: &[String]) -> &'static str {
    let all = |f: &dyn Fn(&str) -> bool| differences.iter().all(|d| f(d));
    if all(&|d| d.contains("column order was")) {
        "only the order of columns differs (the model compares columns as a set)"
    } else if all(&|d| {
        d.starts_with("changed view")
            || d.starts_with("changed function")
            || d.starts_with("changed trigger")
    }) {
        "a view's query or a function's or trigger's body differs (the model does not compare them)"
    } else if all(&|d| d.contains("constraint") || d.contains("column order was")) {
        "a constraint's definition differs"
    } else {
        "other"
    }
}

struct PartOutcome {
    row: Row,
    symmetry: Symmetry,
    findings: Vec<String>,
    false_errors: Vec<String>,
    /// Errors about what goes wrong only with rows, on files the empty database accepts.
    risks: Vec<String>,
    missed: Vec<String>,
    uncertain: Vec<String>,
    /// Refusals after a failure that depend on nothing but their statement, not reported.
    unreported: Vec<String>,
    /// Every message the database refused a statement with.
    messages: Vec<String>,
    reported: Vec<FileId>,
}

/// The schema model against the real database, for one part: the downs it calls asymmetric
/// against the schema before the up and after the down on the database, and the model's
/// schema after each up against the database's catalog.
#[derive(Default)]
struct Symmetry {
    /// Migrations with a down whose symmetry the database run measured.
    measured: usize,
    /// Of those, the ones whose down does not restore the schema on the database.
    asymmetric: usize,
    /// Downs the model reports, and the database confirms.
    confirmed: usize,
    /// Asymmetric downs reported as empty (`empty-down`: irreversible in practice).
    empty: usize,
    /// Downs the model reports that the database shows symmetric: each with what was said.
    false_alarms: Vec<String>,
    /// Asymmetric downs the model did not report, with the database's differences.
    missed: Vec<(String, Vec<String>)>,
    /// Migrations whose schema after the up was compared with the model's.
    compared: usize,
    /// Facts the model and the catalog disagree on: the migration and the fact.
    disagreements: Vec<String>,
}

/// Whether errors of these codes say the database refuses the file. The others say what goes
/// wrong once tables have rows (`sqlite-foreign-keys`: the table rebuild that deletes the rows
/// referencing it) or breaks the migrator's bookkeeping (`transaction-control`), which an
/// empty database running the file does not show.
fn claims_refusal(codes: &[Code]) -> bool {
    codes.iter().any(|c| {
        !matches!(
            c,
            Code::SqliteForeignKeys
                | Code::TransactionControl
                | Code::AsymmetricDown
                | Code::MissingDown
        )
    })
}

/// One migration of a part, as its tool runs it and as the report names its files.
struct Source {
    /// The up file, and its text as the check and the truth run see it.
    up: FileId,
    up_text: String,
    down: Option<(FileId, String)>,
    /// The down file as the check's diagnostics name it.
    down_display: Option<String>,
    name: String,
    /// Whether its tool runs it outside a transaction.
    no_transaction: bool,
}

/// A part, checked: what the check found, its migrations, and the file of the report each
/// diagnostic is about.
struct Read {
    checked: Checked,
    sources: Vec<Source>,
    /// A file as the diagnostics show it -> the corpus file (paired parts, written out).
    origin: BTreeMap<String, FileId>,
    /// A file that holds a down section too (dbmate) -> where that section starts.
    down_sections: BTreeMap<String, usize>,
    _temp: tempfile::TempDir,
}

impl Read {
    /// The file of the report a diagnostic is about.
    fn file_of(&self, diagnostic: &Diagnostic) -> FileId {
        let Some(location) = &diagnostic.location else {
            return FileId::new();
        };
        let file = &location.file;
        match self.down_sections.get(file) {
            Some(&start) if location.offset().is_some_and(|o| o >= start) => {
                format!("{file} (down)")
            }
            _ => self.origin.get(file).cloned().unwrap_or(file.clone()),
        }
    }
}

/// The check's configuration for a part, its setup script (if any) written under `temp`.
fn part_config(part: &Part, temp: &Path, url: Option<&str>) -> Config {
    let mut config = Config {
        dialects: vec![part.dialect],
        ..Config::default()
    };
    if let Some(setup) = part.setup {
        let path = temp.join("setup.sql");
        fs::write(&path, setup).expect("write setup");
        config.check_setup = vec![(part.dialect, path.display().to_string())];
    }
    config.dev_database_url = url.map(str::to_owned);
    config
}

/// Checks a part in place, laid out as `layout`, as a package at the corpus root whose
/// `directory` is the part's would be.
fn read_in_place(root: &Path, part: &Part, layout: Layout, url: Option<&str>) -> Read {
    let temp = tempfile::tempdir().expect("temporary directory");
    let mut config = part_config(part, temp.path(), url);
    config.layout = layout;
    config.directory = part.dir.to_owned();
    let base = if layout == Layout::Diesel {
        restore_diesel_metadata(root, part.dir, temp.path())
    } else {
        root.to_owned()
    };
    let checked = check_directory(&base, &config);
    let mut down_sections = BTreeMap::new();
    let sources = checked
        .migrations
        .iter()
        .map(|m| {
            let up = m.up.source.display.clone();
            let down = m.down.as_ref().map(|d| {
                let display = &d.source.display;
                if *display == up {
                    // dbmate: both sections in one file; each script is that file with the
                    // other section blanked, so the down starts at its first non-blank byte.
                    let text = &d.source.text;
                    let start = text.len() - text.trim_start().len();
                    down_sections.insert(display.clone(), start);
                    (format!("{display} (down)"), d.source.raw())
                } else {
                    (display.clone(), d.source.raw())
                }
            });
            Source {
                up,
                up_text: m.up.source.raw(),
                down,
                down_display: m.down.as_ref().map(|d| d.source.display.clone()),
                name: m.name.clone(),
                no_transaction: !m.up.transaction,
            }
        })
        .collect();
    Read {
        checked,
        sources,
        origin: BTreeMap::new(),
        down_sections,
        _temp: temp,
    }
}

/// The corpus keeps no diesel `metadata.toml`. The directories that ran with
/// `run_in_transaction = false` are the ones using `CONCURRENTLY` (the corpus README): a copy of
/// the part under `temp`, at the same path, with those files put back. The base to check from.
fn restore_diesel_metadata(root: &Path, dir: &str, temp: &Path) -> PathBuf {
    let base = temp.join("corpus");
    let from = root.join(dir);
    let to = base.join(dir);
    fs::create_dir_all(&to).expect("create directory");
    for entry in fs::read_dir(&from).expect("read part").flatten() {
        let target = to.join(entry.file_name());
        if !entry.path().is_dir() {
            fs::copy(entry.path(), &target).expect("copy file");
            continue;
        }
        fs::create_dir_all(&target).expect("create directory");
        let mut concurrently = false;
        for file in fs::read_dir(entry.path())
            .expect("read migration")
            .flatten()
        {
            let text = fs::read_to_string(file.path()).unwrap_or_default();
            concurrently |= text.to_ascii_lowercase().contains("concurrently");
            fs::copy(file.path(), target.join(file.file_name())).expect("copy file");
        }
        if concurrently {
            fs::write(target.join("metadata.toml"), "run_in_transaction = false\n")
                .expect("write metadata.toml");
        }
    }
    base
}

/// Writes a paired part out in the native layout, in its runner's order, and checks it.
fn read_paired(root: &Path, part: &Part, url: Option<&str>) -> Read {
    let temp = tempfile::tempdir().expect("temporary directory");
    let config = part_config(part, temp.path(), url);
    let native = temp.path().join("migrations");
    fs::create_dir(&native).expect("create directory");
    let id = |path: &Path| {
        path.strip_prefix(root)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let mut origin = BTreeMap::new();
    let mut sources = Vec::new();
    for (i, migration) in paired::read_paired(&root.join(part.dir))
        .into_iter()
        .enumerate()
    {
        let stem = format!("{:05}_{}", i + 1, paired::native_name(&migration.name));
        let up_name = if migration.down.is_some() {
            format!("{stem}.up.sql")
        } else {
            format!("{stem}.sql")
        };
        fs::write(native.join(&up_name), &migration.up_text).expect("write migration");
        origin.insert(format!("migrations/{up_name}"), id(&migration.up));
        let mut down_display = None;
        if let Some((path, text)) = &migration.down {
            let down_name = format!("{stem}.down.sql");
            fs::write(native.join(&down_name), text).expect("write migration");
            origin.insert(format!("migrations/{down_name}"), id(path));
            down_display = Some(format!("migrations/{down_name}"));
        }
        sources.push(Source {
            up: id(&migration.up),
            up_text: migration.up_text,
            down: migration.down.map(|(path, text)| (id(&path), text)),
            down_display,
            name: migration.name,
            no_transaction: false,
        });
    }
    Read {
        checked: check_directory(temp.path(), &config),
        sources,
        origin,
        down_sections: BTreeMap::new(),
        _temp: temp,
    }
}

/// Checks a part as its reading says.
fn read_part(root: &Path, part: &Part, url: Option<&str>) -> Read {
    match part.reading {
        Reading::InPlace(layout) => read_in_place(root, part, layout, url),
        Reading::Paired => read_paired(root, part, url),
    }
}

/// Checks a part, applies it to a real database, and compares.
fn check_part(root: &Path, part: &Part, url: Option<&str>) -> PartOutcome {
    let read = read_part(root, part, url);
    let (checked, sources) = (&read.checked, &read.sources);
    let with_database = part.dialect == Dialect::Sqlite || url.is_some();

    let mut row = Row {
        files: sources.len() + sources.iter().filter(|s| s.down.is_some()).count(),
        ..Row::default()
    };
    for migration in &checked.migrations {
        for script in std::iter::once(&migration.up).chain(&migration.down) {
            for statement in &script.statements {
                row.statements += 1;
                match statement.check {
                    Check::Engine => row.parser_unchecked += 1,
                    Check::Unchecked | Check::UncheckedByDirective => {
                        row.parser_unchecked += 1;
                        row.unchecked += 1;
                    }
                    _ => {}
                }
            }
        }
    }
    if !with_database {
        // No database: what the parser could not read stays unchecked.
        row.unchecked = row.parser_unchecked;
    }

    let mut findings = Vec::new();
    // The files with errors, and the codes of those errors.
    let mut with_errors: BTreeMap<FileId, Vec<Code>> = BTreeMap::new();
    let mut reported: Vec<FileId> = Vec::new();
    for diagnostic in &checked.diagnostics {
        let original = read.file_of(diagnostic);
        if diagnostic.is_error() {
            row.errors += 1;
            with_errors
                .entry(original.clone())
                .or_default()
                .push(diagnostic.code);
        } else {
            row.warnings += 1;
        }
        if !reported.contains(&original) {
            reported.push(original.clone());
        }
        findings.push(format!(
            "[{} · {original}]\n{}",
            part.name,
            diagnostic.render()
        ));
    }

    let mut outcome = PartOutcome {
        row,
        symmetry: Symmetry::default(),
        findings,
        false_errors: Vec::new(),
        risks: Vec::new(),
        missed: Vec::new(),
        uncertain: Vec::new(),
        unreported: Vec::new(),
        messages: Vec::new(),
        reported,
    };
    let Some(truth) = run_truth(part, sources, checked, url) else {
        // No database to ask: an error is false unless the README lists the file as broken.
        outcome.false_errors = with_errors
            .into_iter()
            .filter(|(f, codes)| {
                !KNOWN_BROKEN.contains(&f.as_str())
                    && !ALSO_BROKEN.contains(&f.as_str())
                    && claims_refusal(codes)
            })
            .map(|(f, codes)| format!("{} · {f} {codes:?}", part.name))
            .collect();
        return outcome;
    };
    outcome.row.truth = true;
    let mut fates: Vec<(FileId, truth::Fate)> = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        fates.push((source.up.clone(), truth.up[i].clone()));
        if let Some((file, _)) = &source.down {
            fates.push((file.clone(), truth.down[i].clone()));
            if truth.redo[i].rejected() {
                outcome.row.redo += 1;
            }
        }
    }
    for (file, fate) in fates {
        let codes = with_errors.get(&file).cloned().unwrap_or_default();
        let flagged = !codes.is_empty();
        let label = format!("{} · {file}", part.name);
        match fate {
            truth::Fate::Accepted if claims_refusal(&codes) => {
                outcome.false_errors.push(format!("{label} {codes:?}"));
            }
            // Errors about rows; a down's asymmetry is measured apart (`measure_model`).
            truth::Fate::Accepted
                if codes
                    .iter()
                    .any(|c| matches!(c, Code::SqliteForeignKeys | Code::TransactionControl)) =>
            {
                outcome.risks.push(format!("{label} {codes:?}"));
            }
            truth::Fate::Rejected {
                certain: true,
                environment: true,
                ..
            } => outcome.row.environment += 1,
            truth::Fate::Rejected {
                certain: true,
                message,
                ..
            } => {
                if flagged {
                    outcome.row.confirmed += 1;
                } else {
                    outcome.missed.push(format!("{label}: {message}"));
                }
            }
            truth::Fate::Rejected { message, .. } => {
                outcome.uncertain.push(format!("{label}: {message}"));
            }
            _ => {}
        }
    }
    for fate in truth.up.iter().chain(&truth.down).chain(&truth.redo) {
        if let truth::Fate::Rejected { message, .. } = fate {
            outcome
                .messages
                .push(format!("{} · {message}", part.dialect));
        }
    }
    outcome.messages.extend(
        truth
            .after_failure
            .iter()
            .map(|r| format!("{} · {}", part.dialect, r.message)),
    );
    // After a failure, statement by statement: a refusal that depends on nothing but its
    // statement is an error the checker reports at that statement, however much failed before.
    for refused in truth.after_failure.iter().filter(|r| !r.environment) {
        outcome.row.after_failure += 1;
        let Some(migration) = checked.migrations.get(refused.migration) else {
            continue;
        };
        let script = match (refused.down, &migration.down) {
            (false, _) => &migration.up,
            (true, Some(down)) => down,
            (true, None) => continue,
        };
        let Some(statement) = script.statements.get(refused.statement) else {
            continue;
        };
        if !migrate_build::refusal_is_certain(part.dialect, script, statement, &refused.message) {
            continue;
        }
        outcome.row.certain += 1;
        let reported = checked.diagnostics.iter().any(|d| {
            d.is_error()
                && d.location.as_ref().is_some_and(|l| {
                    l.file == script.source.display
                        && l.offset().is_some_and(|at| {
                            statement.bytes.start <= at && at <= statement.bytes.end
                        })
                })
        });
        if reported {
            outcome.row.certain_reported += 1;
        } else {
            outcome.unreported.push(format!(
                "{} · {}:{}: {}",
                part.name, script.source.display, statement.line, refused.message
            ));
        }
    }
    outcome.row.false_errors = outcome.false_errors.len();
    outcome.row.missed = outcome.missed.len();
    outcome.symmetry = measure_model(part, sources, checked, &truth);
    outcome
}

/// Compares the schema model with the database run: its asymmetric downs with the schema the
/// database had before each up and after its down, and its schema after each up with the
/// catalog's.
fn measure_model(
    part: &Part,
    sources: &[Source],
    checked: &Checked,
    truth: &truth::Truth,
) -> Symmetry {
    let mut symmetry = Symmetry::default();
    let mut said: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let empty: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::EmptyDown)
        .filter_map(|d| d.location.as_ref().map(|l| l.file.as_str()))
        .collect();
    for d in checked
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::AsymmetricDown)
    {
        if let Some(location) = &d.location {
            said.entry(location.file.as_str())
                .or_default()
                .push(d.message.as_str());
        }
    }
    for (i, source) in sources.iter().enumerate() {
        let Some(down) = &source.down_display else {
            continue;
        };
        let Some(Some(differences)) = truth.symmetry.get(i) else {
            continue;
        };
        symmetry.measured += 1;
        let label = format!("{} · {}", part.name, source.name);
        let flagged = said.get(down.as_str());
        if !differences.is_empty() {
            symmetry.asymmetric += 1;
        }
        match (flagged, differences.is_empty()) {
            (Some(messages), true) => symmetry
                .false_alarms
                .push(format!("{label}: {}", messages.join("; "))),
            (Some(_), false) => symmetry.confirmed += 1,
            (None, false) if empty.contains(&down.as_str()) => symmetry.empty += 1,
            (None, false) => symmetry.missed.push((label, differences.clone())),
            (None, true) => {}
        }
    }
    // The model's schema after each up, against the catalog's, while the database run is
    // what the migrations make: up to the first failure (the truth run rolls every down back).
    let facts = migrate_build::model_facts(checked, part.setup);
    if facts.len() != sources.len() {
        return symmetry;
    }
    for (i, source) in sources.iter().enumerate() {
        if truth.up[i] != truth::Fate::Accepted {
            break;
        }
        let Some(Some(catalog)) = truth.after_up.get(i) else {
            break;
        };
        symmetry.compared += 1;
        let model = &facts[i];
        for fact in model.facts.difference(catalog) {
            symmetry.disagreements.push(format!(
                "{} · {}: the model has `{fact}`, the database does not",
                part.name, source.name
            ));
        }
        for fact in catalog.difference(&model.facts) {
            if model.knows(fact) {
                symmetry.disagreements.push(format!(
                    "{} · {}: the database has `{fact}`, the model does not",
                    part.name, source.name
                ));
            }
        }
        // A down outside a transaction stays: from an asymmetric one on, the database is not
        // what the ups make.
        let diverged = truth
            .symmetry
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|d| d.iter().any(|line| !line.contains("column order was")));
        if source.no_transaction && diverged {
            break;
        }
    }
    symmetry
}

/// Applies the part to a real database: SQLite always, PostgreSQL when there is a server.
fn run_truth(
    part: &Part,
    sources: &[Source],
    checked: &Checked,
    url: Option<&str>,
) -> Option<truth::Truth> {
    // A migration that runs outside a transaction runs statement by statement, as split for
    // the runtime.
    let statements = |script: &migrate_build::Script| -> Vec<String> {
        script
            .statements
            .iter()
            .map(|s| script.text(s).to_owned())
            .collect()
    };
    let migrations: Vec<truth::Migration> = sources
        .iter()
        .enumerate()
        .map(|(i, source)| {
            let checked = checked.migrations.get(i);
            let split = |down: bool| {
                let script = checked.and_then(|m| if down { m.down.as_ref() } else { Some(&m.up) });
                script.map(statements).unwrap_or_default()
            };
            truth::Migration {
                up: truth::FileRun {
                    text: source.up_text.clone(),
                    statements: split(false),
                    outside: source.no_transaction,
                },
                down: source.down.as_ref().map(|(_, text)| truth::FileRun {
                    text: text.clone(),
                    statements: split(true),
                    outside: source.no_transaction,
                }),
            }
        })
        .collect();
    let result = match part.dialect {
        Dialect::Sqlite => truth::sqlite(&migrations, part.setup),
        Dialect::Postgres => {
            let url = url?;
            // Roles and other databases' settings must not outlive the run.
            let contained = part.setup.is_some_and(migrate_build::touches_cluster)
                || checked.migrations.iter().any(|m| {
                    std::iter::once(&m.up).chain(&m.down).any(|script| {
                        script
                            .statements
                            .iter()
                            .any(|s| migrate_build::touches_cluster(script.text(s)))
                    })
                });
            let name: String = part
                .name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            truth::postgres(url, &name, &migrations, part.setup, contained)
        }
    };
    match result {
        Ok(truth) => Some(truth),
        Err(error) => {
            eprintln!("{}: the truth run failed: {error}", part.name);
            None
        }
    }
}
