//! The runtime's behaviour, on every backend: one suite (in `common`), instantiated per backend.

mod common;

use common::{PgDb, SqliteDb};

behaviour_suite!(sqlite, |_test| Some(SqliteDb::new()));
behaviour_suite!(postgres, PgDb::new);

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
        .unwrap_err()
        .error;
    assert!(matches!(error, Error::Database { .. }), "{error}");
    assert!(error.to_string().contains("readonly"), "{error}");
}

mod runtime_syntax_error {
    migrate_runtime::migrations!("tests/fixtures/runtime_syntax_error", build_script = false);
}

/// When SQLite says which token failed, the error points at it: line and column in the file.
#[test]
fn sqlite_error_offset_maps_to_the_line_and_column_in_the_file() {
    use common::TestDatabase;
    use migrate_runtime::{Error, Migrator};

    let db = SqliteDb::new();
    let error = Migrator::new(&runtime_syntax_error::MIGRATIONS)
        .migrate(&mut db.connect())
        .unwrap_err()
        .error;
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

mod error_position {
    migrate_runtime::migrations!("tests/fixtures/error_position", build_script = false);
}

/// PostgreSQL reports where in the statement it failed, in characters: the error points at the
/// token's line and column in the file, past multi-byte characters and earlier statements.
#[test]
fn postgres_error_position_maps_to_the_line_and_column_in_the_file() {
    use common::TestDatabase;
    use migrate_runtime::{Error, Migrator};

    let Some(db) = PgDb::new("postgres_error_position_maps_to_the_line_and_column_in_the_file")
    else {
        return;
    };
    let mut conn = db.connect();
    let error = Migrator::new(&error_position::MIGRATIONS)
        .migrate(&mut conn)
        .unwrap_err();
    // The server's words, not the driver's `db error`.
    assert_eq!(
        error.to_string(),
        "applying migration 1 insert_notes failed at tests/fixtures/error_position/1_insert_notes.sql:4:32: \
         ERROR: column \"nonexistent\" does not exist (SQLSTATE 42703)"
    );
    // Rolled back: the table the same migration created is gone.
    assert!(!PgDb::table_exists(&mut conn, "notes"));
    // The driver's error is there for callers who want its fields.
    let source = std::error::Error::source(&error).and_then(std::error::Error::source);
    assert!(
        source.is_some_and(|e| e.is::<migrate_runtime::postgres::Error>()),
        "{source:?}"
    );

    // A syntax error in the second statement of a file, found only by the server.
    let error = Migrator::new(&runtime_syntax_error::MIGRATIONS)
        .migrate(&mut conn)
        .unwrap_err()
        .error;
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
}

/// The lock timeout names the session holding the lock, and the lock is the documented one.
#[test]
fn postgres_lock_timeout_names_the_holder() {
    use common::TestDatabase;
    use migrate_runtime::{Error, Migrator};

    let Some(db) = PgDb::new("postgres_lock_timeout_names_the_holder") else {
        return;
    };
    let mut holder = db.connect();
    holder
        .batch_execute("SET application_name = 'replica-7'")
        .unwrap();
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    // Taken with the key's two documented halves, as an operator would look for it.
    let migrator = Migrator::new(&common::sets::basic::MIGRATIONS)
        .lock_timeout(std::time::Duration::from_millis(200));
    let key = migrator.advisory_lock_key();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .unwrap();
    let shown: i64 = holder
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1835624306 \
             AND objid = $1::bigint::oid AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&(key & 0xffff_ffff)],
        )
        .unwrap()
        .get(0);
    assert_eq!(shown, 1);

    let error = migrator.migrate(&mut db.connect()).unwrap_err().error;
    assert!(matches!(error, Error::LockTimeout { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("PostgreSQL backend pid {pid}"))
            && message.contains("application \"replica-7\""),
        "{message}"
    );
}

/// The history table can live in a schema of its own, created on first use; the lock key follows
/// the qualified name, and can be set outright.
#[test]
fn postgres_history_schema_and_lock_key_are_configurable() {
    use common::TestDatabase;
    use migrate_runtime::Migrator;

    let Some(db) = PgDb::new("postgres_history_schema_and_lock_key_are_configurable") else {
        return;
    };
    let mut conn = db.connect();
    let migrator = Migrator::new(&common::sets::basic::MIGRATIONS)
        .schema("ops")
        .unwrap();
    let default_key = Migrator::new(&common::sets::basic::MIGRATIONS).advisory_lock_key();
    assert_ne!(migrator.advisory_lock_key(), default_key);
    assert_eq!(
        migrator.clone().lock_key(42).advisory_lock_key(),
        42,
        "an explicit key wins"
    );
    assert_eq!(
        versions(&migrator.migrate(&mut conn).unwrap().applied),
        [1, 2, 3]
    );
    assert!(PgDb::table_exists(&mut conn, "ops._migrate_history"));
    assert!(!PgDb::table_exists(&mut conn, "public._migrate_history"));
    // The migrations' own tables stay where the connection puts them.
    assert!(PgDb::table_exists(&mut conn, "public.accounts"));
    assert!(migrator.migrate(&mut conn).unwrap().is_empty());
    assert!(
        Migrator::new(&common::sets::basic::MIGRATIONS)
            .schema("bad-name")
            .is_err()
    );
}

/// A start-up with nothing to do sends the server one query, and takes no lock: counted by the
/// server itself, as committed transactions of this database.
#[test]
fn postgres_up_to_date_start_is_one_query() {
    use common::TestDatabase;
    use migrate_runtime::Migrator;

    let Some(db) = PgDb::new("postgres_up_to_date_start_is_one_query") else {
        return;
    };
    let mut conn = db.connect();
    let migrator = Migrator::new(&common::sets::basic::MIGRATIONS);
    migrator.migrate(&mut conn).unwrap();
    // Each call flushes this session's statistics, then reads them: two queries of its own.
    let commits = |conn: &mut migrate_runtime::postgres::Client| -> i64 {
        conn.batch_execute("SELECT pg_stat_force_next_flush()")
            .unwrap();
        PgDb::scalar(
            conn,
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
        )
    };
    let reading = -commits(&mut conn) + commits(&mut conn);
    let before = commits(&mut conn);
    assert!(migrator.migrate(&mut conn).unwrap().is_empty());
    assert_eq!(commits(&mut conn) - before - reading, 1);
    // The check can fail: a run with work to do sends more.
    let before = commits(&mut conn);
    migrator.revert_last(&mut conn).unwrap();
    assert!(commits(&mut conn) - before - reading > 1);
}

fn versions(applied: &[migrate_runtime::Applied]) -> Vec<i64> {
    applied.iter().map(|a| a.version).collect()
}

mod foreign_keys_off {
    migrate_runtime::migrations!(
        "tests/fixtures/foreign_keys_off",
        dialect = "sqlite",
        build_script = false
    );
}

mod foreign_keys_broken {
    migrate_runtime::migrations!(
        "tests/fixtures/foreign_keys_broken",
        dialect = "sqlite",
        build_script = false
    );
}

/// Two parents and three children, after the tables' migration.
fn seeded(
    conn: &mut migrate_runtime::rusqlite::Connection,
    migrations: &'static migrate_runtime::Migrations,
) {
    use migrate_runtime::Migrator;
    let first = migrations.iter().next().unwrap();
    Migrator::new(migrations).migrate_to(conn, first).unwrap();
    conn.execute_batch(
        "INSERT INTO parent (id, name) VALUES (1, 'a'), (2, NULL);
         INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 1), (20, 2);",
    )
    .unwrap();
}

fn count(conn: &migrate_runtime::rusqlite::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// SQLite's table rebuild (create new, copy, drop old, rename) under
/// `-- migrate:foreign-keys-off` keeps the rows that reference the rebuilt table, where the same
/// SQL in a transaction with foreign keys on deletes them; foreign keys are on again afterwards,
/// per migration and in a grouped run.
#[test]
fn sqlite_table_rebuild_with_foreign_keys_off_keeps_child_rows() {
    use common::TestDatabase;
    use migrate_runtime::Migrator;

    for grouped in [false, true] {
        let db = SqliteDb::new();
        let mut conn = db.connect();
        // The bundled SQLite turns foreign keys on for every connection.
        assert_eq!(count(&conn, "PRAGMA foreign_keys"), 1);
        seeded(&mut conn, &foreign_keys_off::MIGRATIONS);

        // The trap: the same statements in a transaction, where `PRAGMA foreign_keys` is ignored.
        let rebuild = foreign_keys_off::V2_REBUILD_PARENT.up().sql();
        let trap = conn.transaction().unwrap();
        trap.execute_batch(&format!("PRAGMA foreign_keys = OFF;\n{rebuild}"))
            .unwrap();
        assert_eq!(count(&trap, "SELECT count(*) FROM child"), 0, "the cascade");
        drop(trap);

        let report = Migrator::new(&foreign_keys_off::MIGRATIONS)
            .grouped(grouped)
            .migrate(&mut conn)
            .unwrap();
        assert_eq!(report.applied.len(), 1);
        assert_eq!(
            count(&conn, "SELECT count(*) FROM child"),
            3,
            "grouped: {grouped}"
        );
        assert_eq!(
            count(&conn, "SELECT count(*) FROM parent WHERE name = ''"),
            1
        );
        assert_eq!(count(&conn, "PRAGMA foreign_keys"), 1, "back on");
        // And enforced: a child of a missing parent is refused.
        assert!(
            conn.execute("INSERT INTO child (id, parent_id) VALUES (30, 3)", [])
                .is_err()
        );
    }
}

/// A migration under `-- migrate:foreign-keys-off` that leaves rows pointing nowhere fails its
/// `PRAGMA foreign_key_check` and is rolled back, and foreign keys are on again.
#[test]
fn sqlite_foreign_keys_off_migration_that_breaks_a_reference_is_rolled_back() {
    use common::TestDatabase;
    use migrate_runtime::{Error, Migrator};

    let db = SqliteDb::new();
    let mut conn = db.connect();
    seeded(&mut conn, &foreign_keys_broken::MIGRATIONS);
    let error = Migrator::new(&foreign_keys_broken::MIGRATIONS)
        .migrate(&mut conn)
        .unwrap_err()
        .error;
    let Error::ForeignKeys {
        version,
        violations,
        ..
    } = &error
    else {
        panic!("expected a foreign key error, got {error}");
    };
    assert_eq!(*version, 2);
    assert_eq!(
        violations,
        &["row 20 of `child` references a missing row of `parent`"]
    );
    assert_eq!(
        count(&conn, "SELECT count(*) FROM parent"),
        2,
        "rolled back"
    );
    assert_eq!(count(&conn, "SELECT count(*) FROM child"), 3);
    assert_eq!(count(&conn, "PRAGMA foreign_keys"), 1);
    assert_eq!(count(&conn, "SELECT count(*) FROM _migrate_history"), 1);
}
