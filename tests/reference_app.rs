//! The reference app as a user runs it, on SQLite and PostgreSQL, and its migrations as a whole.

mod common;

use std::process::Command;

use common::{PgDb, SqliteDb, TestDatabase};
use migrate_runtime::{Migrator, State};

/// The app's own migrations, embedded the way `src/main.rs` does.
mod db {
    migrate_runtime::migrations!();
}

/// Runs the app binary against `url`: whether it succeeded, and what it printed.
fn run_app(url: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_reference-app"))
        .env("DATABASE_URL", url)
        .output()
        .expect("run the reference app");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// `cargo run` twice against `url`: everything is applied once, then nothing.
fn applies_everything_once_then_nothing(url: &str) {
    let (ok, first) = run_app(url);
    assert!(ok, "{first}");
    assert!(
        first.contains(&format!("applied {} migrations", db::MIGRATIONS.len())),
        "{first}"
    );
    for migration in db::MIGRATIONS.iter() {
        assert!(
            first.contains(&format!(
                "applied {} {}",
                migration.version(),
                migration.name()
            )),
            "{first}"
        );
    }

    let (ok, second) = run_app(url);
    assert!(ok, "{second}");
    assert!(
        second.contains("up to date, no migration to apply"),
        "{second}"
    );
    assert!(!second.contains("applied 2025"), "{second}");
    let applied_rows = second
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_digit()) && line.contains(" applied "))
        .count();
    assert_eq!(applied_rows, db::MIGRATIONS.len(), "{second}");
}

#[test]
fn cargo_run_on_sqlite_applies_everything_once_then_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("app.db");
    applies_everything_once_then_nothing(&format!("sqlite://{}", database.display()));
}

#[test]
fn cargo_run_on_postgres_applies_everything_once_then_nothing() {
    let Some(db) = PgDb::new("cargo_run_on_postgres_applies_everything_once_then_nothing") else {
        return;
    };
    applies_everything_once_then_nothing(&db.url());
}

/// The portable set works the same on both databases: the app's queries run, every down undoes
/// its up, and it all applies again.
fn round_trip<D: TestDatabase>(db: &D, relations: &str) {
    assert!(db::MIGRATIONS.len() >= 6);
    assert!(db::MIGRATIONS.iter().all(|m| m.is_reversible()));
    let mut conn = db.connect();
    let migrator = Migrator::new(&db::MIGRATIONS);

    migrator.migrate(&mut conn).unwrap();
    D::execute(
        &mut conn,
        "INSERT INTO organizations (id, slug, name) VALUES (1, 'acme', 'Acme');
         INSERT INTO users (id, organization_id, email, display_name, role)
             VALUES (1, 1, 'ada@acme.test', 'Ada', 'owner');
         INSERT INTO experiments (id, organization_id, created_by, name, baseline_model, prompt_template)
             VALUES (1, 1, 1, 'tone', 'small-1', 'Rewrite politely: {input}');
         INSERT INTO responses (id, experiment_id, input, output, model, prompt_tokens, completion_tokens, latency_ms, total_tokens)
             VALUES (1, 1, 'hi', 'hello', 'small-1', 3, 4, 120, 7);
         INSERT INTO audit_log (id, organization_id, actor_user_id, action, target_type)
             VALUES (1, 1, 1, 'experiment.created', 'experiment'), (2, 1, 1, 'experiment.created', 'experiment');",
    );
    assert_eq!(
        D::scalar(
            &mut conn,
            "SELECT events FROM audit_log_summary WHERE action = 'experiment.created'"
        ),
        2
    );
    // The CHECK constraints hold on both.
    assert_eq!(
        D::scalar(
            &mut conn,
            "SELECT count(*) FROM responses WHERE total_tokens = prompt_tokens + completion_tokens"
        ),
        1
    );

    // Every down undoes its up: all the way down leaves only the (empty) history table...
    migrator.revert_all(&mut conn).unwrap();
    assert_eq!(
        D::scalar(&mut conn, relations),
        1,
        "only _migrate_history should remain"
    );
    // ...and all the way up again works.
    assert_eq!(
        migrator.migrate(&mut conn).unwrap().applied.len(),
        db::MIGRATIONS.len()
    );
    assert!(
        migrator
            .status(&mut conn)
            .unwrap()
            .iter()
            .all(|s| s.state == State::Applied)
    );
}

#[test]
fn reference_migrations_round_trip_on_sqlite() {
    round_trip(
        &SqliteDb::new(),
        "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'",
    );
}

#[test]
fn reference_migrations_round_trip_on_postgres() {
    let Some(db) = PgDb::new("reference_migrations_round_trip_on_postgres") else {
        return;
    };
    round_trip(
        &db,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
    );
}
