//! The runtime's behaviour, on every backend: one suite (in `common`), instantiated per backend.

mod common;

use common::SqliteDb;

behaviour_suite!(sqlite, SqliteDb::new);

/// Another migrator applies migration 3 while this one is between steps: this one must skip it,
/// not apply it twice. A trigger plays the other migrator, deterministically.
#[test]
fn sqlite_step_applied_meanwhile_by_another_migrator_is_skipped() {
    use common::{TestDatabase, sets::basic};
    use migrate_runtime::Migrator;

    let db = SqliteDb::new();
    let mut conn = db.connect();
    let migrator = Migrator::new(&basic::MIGRATIONS);
    migrator
        .migrate_to(&mut conn, basic::V1_CREATE_ACCOUNTS)
        .unwrap();
    conn.execute_batch(&format!(
        "CREATE TRIGGER other_migrator AFTER INSERT ON _migrate_history WHEN NEW.version = 2 BEGIN
             INSERT INTO _migrate_history (version, name, checksum, state, applied_at)
             VALUES (3, 'seed_accounts', '{}', 'applied', 'elsewhere');
         END;",
        basic::V3_SEED_ACCOUNTS.checksum()
    ))
    .unwrap();

    let report = migrator.migrate(&mut conn).unwrap();
    let applied: Vec<i64> = report.applied.iter().map(|a| a.version).collect();
    assert_eq!(applied, [2]);
    // Migration 3's statements did not run here.
    assert_eq!(
        SqliteDb::scalar(&mut conn, "SELECT count(*) FROM accounts"),
        0
    );
    assert!(migrator.migrate(&mut conn).unwrap().is_empty());
}

/// A database that cannot be written is an error about the database, not a lock timeout.
#[test]
fn sqlite_read_only_database_is_not_reported_as_a_lock_timeout() {
    use common::TestDatabase;
    use migrate_runtime::rusqlite::{Connection, OpenFlags};
    use migrate_runtime::{Error, Migrator};

    let db = SqliteDb::new();
    db.connect()
        .execute_batch("CREATE TABLE unrelated (id INTEGER)")
        .unwrap();
    let mut read_only =
        Connection::open_with_flags(&db.path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let error = Migrator::new(&common::sets::basic::MIGRATIONS)
        .migrate(&mut read_only)
        .unwrap_err();
    assert!(matches!(error, Error::Database { .. }), "{error}");
    assert!(error.to_string().contains("readonly"), "{error}");
}

mod runtime_syntax_error {
    migrate_runtime::migrations!("tests/fixtures/runtime_syntax_error");
}

/// When SQLite says which token failed, the error points at it: line and column in the file.
#[test]
fn sqlite_error_offset_maps_to_the_line_and_column_in_the_file() {
    use common::TestDatabase;
    use migrate_runtime::{Error, Migrator};

    let db = SqliteDb::new();
    let error = Migrator::new(&runtime_syntax_error::MIGRATIONS)
        .migrate(&mut db.connect())
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Statement {
                version: 2,
                line: 3,
                column: 22,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("applying migration 2 bad failed at tests/fixtures/runtime_syntax_error/2_bad.sql:3:22: "),
        "{error}"
    );
}
