//! The reference app as a user runs it, and its migrations as a whole.

use std::process::Command;

use migrate_runtime::rusqlite::Connection;
use migrate_runtime::{Migrator, State};

/// The app's own migrations, embedded the way `src/main.rs` does.
mod db {
    migrate_runtime::migrations!();
}

fn run_app(database: &std::path::Path) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_reference-app"))
        .env("DATABASE_URL", format!("sqlite://{}", database.display()))
        .output()
        .expect("run the reference app");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn cargo_run_applies_everything_once_then_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("app.db");

    let (ok, first) = run_app(&database);
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

    let (ok, second) = run_app(&database);
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
fn reference_migrations_round_trip_and_keep_the_audit_log_append_only() {
    assert!(db::MIGRATIONS.len() >= 6);
    assert!(db::MIGRATIONS.iter().all(|m| m.is_reversible()));
    let dir = tempfile::tempdir().unwrap();
    let mut conn = Connection::open(dir.path().join("app.db")).unwrap();
    let migrator = Migrator::new(&db::MIGRATIONS);

    migrator.migrate(&mut conn).unwrap();
    conn.execute_batch(
        "INSERT INTO organizations (id, slug, name) VALUES (1, 'acme', 'Acme');
         INSERT INTO audit_log (organization_id, action, target_type) VALUES (1, 'key.created', 'api_key');",
    )
    .unwrap();
    let error = conn
        .execute_batch("UPDATE audit_log SET action = 'x'")
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");

    // Every down undoes its up: all the way down leaves only the (empty) history table...
    migrator.revert_all(&mut conn).unwrap();
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 1, "only _migrate_history should remain");
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
