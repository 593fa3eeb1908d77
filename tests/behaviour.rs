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
