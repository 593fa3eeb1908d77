//! The schema model against real databases, on the reference app's migrations and the test
//! fixtures: after every up, the model's schema is the catalog's (SQLite in memory, PostgreSQL in
//! a database of the test's own), and a down the model calls asymmetric is one that leaves the
//! catalog otherwise than the up found it, and no other.
//!
//! The open corpus gets the same comparison from the corpus tool (`cargo run -p migrate-bench
//! --bin corpus -- --deny`, which CI runs).

use std::collections::BTreeSet;
use std::path::Path;

use migrate_bench::{ScratchDatabase, introspect};
use migrate_build::{Checked, Code, Config, Dialect, check_directory, model_facts};
use migrate_runtime::{postgres, rusqlite};

/// Runs SQL on a real database and reads its schema.
trait Database {
    fn run(&mut self, sql: &str);
    fn snapshot(&mut self) -> introspect::Snapshot;
}

impl Database for rusqlite::Connection {
    fn run(&mut self, sql: &str) {
        self.execute_batch(sql)
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    fn snapshot(&mut self) -> introspect::Snapshot {
        introspect::sqlite(self).unwrap()
    }
}

impl Database for postgres::Client {
    fn run(&mut self, sql: &str) {
        self.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    fn snapshot(&mut self) -> introspect::Snapshot {
        introspect::postgres(self).unwrap()
    }
}

fn check(directory: &str, dialect: Dialect) -> Checked {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = Config {
        directory: directory.to_owned(),
        dialects: vec![dialect],
        ..Config::default()
    };
    let checked = check_directory(&root, &config);
    // An asymmetric down is what `compare` holds against the catalog.
    assert!(
        checked.errors().all(|d| d.code == Code::AsymmetricDown),
        "{:#?}",
        checked.diagnostics
    );
    checked
}

/// The files with a finding of `code`.
fn files_with(checked: &Checked, code: Code) -> BTreeSet<&str> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .filter_map(|d| d.location.as_ref().map(|l| l.file.as_str()))
        .collect()
}

/// Applies every migration (up; then down and up again, as the model checks them) and compares
/// the model with the catalog after each up, and its symmetry verdicts with the catalog's.
fn compare(checked: &Checked, db: &mut dyn Database, what: &str) {
    let facts = model_facts(checked, None);
    let asymmetric = files_with(checked, Code::AsymmetricDown);
    for (migration, model) in checked.migrations.iter().zip(&facts) {
        let before = db.snapshot();
        db.run(&migration.up.source.text);
        let catalog = introspect::coarse(&db.snapshot());
        let only_model: Vec<&String> = model.facts.difference(&catalog).collect();
        let only_catalog: Vec<&String> = catalog
            .difference(&model.facts)
            .filter(|f| model.knows(f))
            .collect();
        assert!(
            only_model.is_empty() && only_catalog.is_empty(),
            "{what}, after `{}`: only the model has {only_model:?}; only the catalog has {only_catalog:?}",
            migration.up.source.display
        );
        let Some(down) = &migration.down else {
            continue;
        };
        db.run(&down.source.text);
        let differences = introspect::diff(&before, &db.snapshot());
        db.run(&migration.up.source.text);
        let reported = asymmetric.contains(down.source.display.as_str());
        // Column order aside (the model compares columns as a set).
        let real = differences.iter().any(|d| !d.contains("column order was"));
        assert_eq!(
            reported,
            real,
            "{what}, `{}`: the model says {}, the database shows {differences:?}",
            down.source.display,
            if reported { "asymmetric" } else { "symmetric" }
        );
    }
}

const SQLITE_SETS: &[&str] = &[
    "migrations",
    "tests/fixtures/basic",
    "tests/fixtures/foreign_keys_off",
    "tests/fixtures/irreversible",
    // Every `ALTER` form's effect on nullability, defaults and generated columns.
    "tests/fixtures/alter_forms_sqlite",
];

#[test]
fn the_model_is_the_sqlite_catalog_after_every_migration() {
    for set in SQLITE_SETS {
        let checked = check(set, Dialect::Sqlite);
        let mut db = rusqlite::Connection::open_in_memory().unwrap();
        compare(&checked, &mut db, &format!("{set} on SQLite"));
    }
}

#[test]
fn the_model_is_the_postgres_catalog_after_every_migration() {
    let Some(mut database) = ScratchDatabase::new("model_agrees_reference") else {
        return;
    };
    let checked = check("migrations", Dialect::Postgres);
    compare(
        &checked,
        database.client(),
        "the reference app on PostgreSQL",
    );
}

/// Every `ALTER` form's effect on nullability, defaults, identity and generated columns, on
/// PostgreSQL's catalog: a primary key makes its columns `NOT NULL` and dropping it leaves them
/// so; a down that moves a key back is symmetric, and one that leaves a column nullable is not.
#[test]
fn alter_forms_are_the_postgres_catalog() {
    let checked = check("tests/fixtures/alter_forms_postgres", Dialect::Postgres);
    let asymmetric = files_with(&checked, Code::AsymmetricDown);
    // The near miss is seen; the swap that restores the key's `NOT NULL` is not.
    assert!(
        asymmetric
            .iter()
            .any(|f| f.ends_with("13_drop_not_null_key.down.sql")),
        "{:#?}",
        checked.diagnostics
    );
    assert!(
        !asymmetric
            .iter()
            .any(|f| f.ends_with("4_swap_key.down.sql")),
        "{:#?}",
        checked.diagnostics
    );
    let Some(mut database) = ScratchDatabase::new("model_agrees_alter_forms") else {
        return;
    };
    compare(&checked, database.client(), "ALTER forms on PostgreSQL");
}

/// The comparison itself can fail: a down that forgets a column is asymmetric on the catalog,
/// and the model says so.
#[test]
fn an_asymmetric_down_is_seen_by_both() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("1_t.up.sql"),
        "CREATE TABLE t (id INTEGER);\n",
    )
    .unwrap();
    std::fs::write(migrations.join("1_t.down.sql"), "DROP TABLE t;\n").unwrap();
    std::fs::write(
        migrations.join("2_c.up.sql"),
        "ALTER TABLE t ADD COLUMN c TEXT;\n",
    )
    .unwrap();
    std::fs::write(migrations.join("2_c.down.sql"), "SELECT 1;\n").unwrap();
    let checked = check_directory(dir.path(), &Config::default());
    let found: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::AsymmetricDown)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        found,
        ["`2_c.down.sql` leaves column `t.c` that the up added"]
    );
    let mut db = rusqlite::Connection::open_in_memory().unwrap();
    db.run("CREATE TABLE t (id INTEGER);");
    let before = db.snapshot();
    db.run("ALTER TABLE t ADD COLUMN c TEXT; SELECT 1;");
    assert_eq!(
        introspect::diff(&before, &db.snapshot()),
        ["extra column main.t.c"]
    );
}
