//! `--takeover`: the real tools' histories, taken over. For diesel, sqlx and refinery, the tool's
//! own runner (its app, as the benchmark builds it) applies three migrations to a new SQLite file
//! and a new PostgreSQL database; then the `migrate` command line, reading the same files in the
//! tool's layout plus a fourth migration, must take the tool's history over and apply only the
//! fourth, leave the tool's table as it was, and find nothing to do when run again. Before that,
//! on the same database, a copy of the files that no longer matches what the tool applied (the
//! second migration edited, or, for diesel, which keeps no checksums, removed) must be refused
//! as drift, with nothing written.
//!
//! ```text
//! cargo run --release --manifest-path bench-peers/Cargo.toml -- --takeover
//! ```

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::{
    Postgres, app_dir, cargo_build, files, migration, remove_migration_in, root, run_app,
    write_migration_in,
};

/// The tools whose histories are taken over, and their tables.
const PEERS: [(&str, &str); 3] = [
    ("diesel", "__diesel_schema_migrations"),
    ("sqlx", "_sqlx_migrations"),
    ("refinery", "refinery_schema_history"),
];

/// How many migrations the tool applies before migrate takes over.
const APPLIED: usize = 3;

pub(crate) fn run() {
    let mut pg = Postgres::connect();
    let scratch = root().join("target").join("takeover");
    let _ = fs::remove_dir_all(&scratch);
    fs::create_dir_all(&scratch).unwrap();
    for (tool, table) in PEERS {
        let theirs = app_dir(tool).join("migrations");
        let _ = fs::remove_dir_all(&theirs);
        fs::create_dir_all(&theirs).unwrap();
        for i in 1..=APPLIED {
            write_migration_in(&theirs, tool, i);
        }
        eprintln!("building {tool}'s app");
        cargo_build(tool, true);

        // migrate's files: the tool's, and one more.
        let ours = scratch.join(tool);
        copy_dir(&theirs, &ours);
        write_migration_in(&ours, tool, APPLIED + 1);
        // Files that no longer match what the tool applied.
        let drifted = scratch.join(format!("{tool}-drifted"));
        copy_dir(&theirs, &drifted);
        let expected_drift = if tool == "diesel" {
            remove_migration_in(&drifted, tool, 2);
            format!("is applied according to diesel's history table {table}")
        } else {
            let (name, up, _) = migration(2);
            let (up_path, _) = files(&drifted, tool, 2, &name);
            fs::write(up_path, format!("{up}CREATE INDEX t2_note ON t2 (note);\n")).unwrap();
            format!("was modified after {tool} applied it")
        };

        for dialect in ["sqlite", "postgres"] {
            let url = match dialect {
                "sqlite" => format!("sqlite://{}", scratch.join(format!("{tool}.db")).display()),
                _ => pg.fresh(&format!("takeover_{tool}")),
            };
            run_app(tool, &["migrate", &url]);
            let before = count(&url, table);
            assert_eq!(before, APPLIED as i64, "{tool} recorded its migrations");

            let refused = migrate(&drifted, tool, dialect, &url);
            assert!(
                !refused.status.success() && stderr(&refused).contains(&expected_drift),
                "{tool} on {dialect}: drift not reported:\n{}",
                stderr(&refused)
            );
            assert!(!exists(&url, "_migrate_history"), "{tool} on {dialect}");

            let up = migrate(&ours, tool, dialect, &url);
            let out = stdout(&up);
            assert!(up.status.success(), "{tool} on {dialect}:\n{}", stderr(&up));
            let expected = format!("took over {APPLIED} migrations applied by {tool} ({table})\n");
            assert!(out.starts_with(&expected), "{tool} on {dialect}:\n{out}");
            assert!(
                out.contains("applied 1 migration "),
                "{tool} on {dialect}:\n{out}"
            );
            assert!(
                exists(&url, "t4"),
                "{tool} on {dialect}: the new migration ran"
            );
            assert_eq!(count(&url, "_migrate_history"), APPLIED as i64 + 1);
            assert_eq!(
                count(&url, table),
                before,
                "{tool}'s table is left as it was"
            );

            let again = migrate(&ours, tool, dialect, &url);
            assert!(
                stdout(&again).contains("nothing to apply"),
                "{tool} on {dialect}:\n{}{}",
                stdout(&again),
                stderr(&again)
            );
            println!("{tool} on {dialect}: history taken over, drift refused");
            if dialect == "postgres" {
                pg.drop(&format!("takeover_{tool}"));
            }
        }
    }
}

/// `migrate up`, from the main workspace, reading `dir` in `tool`'s layout.
fn migrate(dir: &Path, tool: &str, dialect: &str, url: &str) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "-p",
            "migrate-cli",
            "--bin",
            "migrate",
            "--manifest-path",
        ])
        .arg(root().join("..").join("Cargo.toml"))
        .arg("--")
        .arg("--dir")
        .arg(dir)
        .args(["--layout", tool, "--dialect", dialect, "--color", "never"])
        .args(["up", "--database-url", url])
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run migrate")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The rows of `table`.
fn count(url: &str, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    match url.strip_prefix("sqlite://") {
        Some(path) => rusqlite::Connection::open(path)
            .unwrap()
            .query_row(&sql, [], |row| row.get(0))
            .unwrap(),
        None => postgres::Client::connect(url, postgres::NoTls)
            .unwrap()
            .query_one(&sql, &[])
            .unwrap()
            .get(0),
    }
}

/// Whether `table` exists.
fn exists(url: &str, table: &str) -> bool {
    match url.strip_prefix("sqlite://") {
        Some(path) => {
            rusqlite::Connection::open(path)
                .unwrap()
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |row| row.get::<_, i64>(0),
                )
                .unwrap()
                == 1
        }
        None => postgres::Client::connect(url, postgres::NoTls)
            .unwrap()
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .unwrap()
            .get(0),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}
