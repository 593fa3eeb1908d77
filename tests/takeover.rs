//! Taking over another tool's history, on both backends: each tool's table made as that tool
//! makes it and filled as it fills it, for a set read in that tool's layout
//! (`tests/fixtures/takeover/<tool>`). The same migrations, run by the tools themselves, are the
//! peer benchmark's takeover test (`bench-peers`, `--takeover`).

mod common;

use migrate_runtime::{Drift, Error, Migration, Migrations, Migrator, Predecessor, State};

use common::{PgDb, SqliteDb, TestDatabase};

mod sets {
    pub mod diesel {
        migrate_runtime::migrations!(
            "tests/fixtures/takeover/diesel",
            layout = "diesel",
            build_script = false
        );
    }
    pub mod sqlx {
        migrate_runtime::migrations!(
            "tests/fixtures/takeover/sqlx",
            layout = "sqlx",
            build_script = false
        );
    }
    pub mod refinery {
        migrate_runtime::migrations!(
            "tests/fixtures/takeover/refinery",
            layout = "refinery",
            build_script = false
        );
    }
    pub mod flyway {
        migrate_runtime::migrations!(
            "tests/fixtures/takeover/flyway",
            layout = "flyway",
            build_script = false
        );
    }
    pub mod dbmate {
        migrate_runtime::migrations!(
            "tests/fixtures/takeover/dbmate",
            layout = "dbmate",
            build_script = false
        );
    }
    pub mod golang_migrate {
        migrate_runtime::migrations!(
            "tests/fixtures/takeover/golang_migrate",
            layout = "golang-migrate",
            build_script = false
        );
    }
}

/// Every set, each three migrations creating tables `a`, `b` and `c`.
fn sets() -> [&'static Migrations; 6] {
    [
        &sets::diesel::MIGRATIONS,
        &sets::sqlx::MIGRATIONS,
        &sets::refinery::MIGRATIONS,
        &sets::flyway::MIGRATIONS,
        &sets::dbmate::MIGRATIONS,
        &sets::golang_migrate::MIGRATIONS,
    ]
}

/// A backend, as the tools' SQL needs it.
trait Backend: TestDatabase {
    const POSTGRES: bool;
}

impl Backend for SqliteDb {
    const POSTGRES: bool = false;
}

impl Backend for PgDb {
    const POSTGRES: bool = true;
}

/// The tool's history table, created as the tool creates it.
fn create_table(tool: Predecessor, postgres: bool) -> &'static str {
    match (tool, postgres) {
        (Predecessor::Diesel, _) => {
            "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        }
        (Predecessor::Sqlx, true) => {
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, \
             checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL)"
        }
        (Predecessor::Sqlx, false) => {
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL, \
             checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)"
        }
        (Predecessor::Refinery, _) => {
            "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), \
             applied_on VARCHAR(255), checksum VARCHAR(255))"
        }
        (Predecessor::Flyway, _) => {
            "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, \
             version VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, \
             script VARCHAR(1000) NOT NULL, checksum INTEGER, installed_by VARCHAR(100) NOT NULL, \
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
             execution_time INTEGER NOT NULL, success BOOLEAN NOT NULL)"
        }
        (Predecessor::Dbmate, _) => {
            "CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY)"
        }
        (Predecessor::GolangMigrate, true) => {
            "CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY, \
             dirty BOOLEAN NOT NULL)"
        }
        (Predecessor::GolangMigrate, false) => {
            "CREATE TABLE schema_migrations (version uint64, dirty bool); \
             CREATE UNIQUE INDEX version_unique ON schema_migrations (version)"
        }
        (other, _) => unreachable!("{other:?}"),
    }
}

/// The SQL with which the tool records `version` (as it writes versions) as applied, with
/// `checksum` where it keeps one.
fn record_sql(tool: Predecessor, postgres: bool, version: &str, checksum: &str) -> String {
    match tool {
        Predecessor::Diesel => {
            format!("INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')")
        }
        Predecessor::Sqlx => {
            let blob = if postgres {
                format!("decode('{checksum}', 'hex')")
            } else {
                format!("X'{checksum}'")
            };
            format!(
                "INSERT INTO _sqlx_migrations \
                 (version, description, success, checksum, execution_time) \
                 VALUES ({version}, 'x', TRUE, {blob}, 1)"
            )
        }
        Predecessor::Refinery => format!(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) \
             VALUES ({version}, 'x', '2026-01-01T00:00:00Z', '{checksum}')"
        ),
        Predecessor::Flyway => format!(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, \
             script, checksum, installed_by, execution_time, success) \
             VALUES ((SELECT COALESCE(MAX(installed_rank), 0) + 1 FROM flyway_schema_history), \
             '{version}', 'x', 'SQL', 'V{version}__x.sql', {checksum}, 'test', 1, TRUE)"
        ),
        Predecessor::Dbmate => {
            format!("INSERT INTO schema_migrations (version) VALUES ('{version}')")
        }
        // One row: the current version.
        Predecessor::GolangMigrate => format!(
            "DELETE FROM schema_migrations; \
             INSERT INTO schema_migrations (version, dirty) VALUES ({version}, FALSE)"
        ),
        other => unreachable!("{other:?}"),
    }
}

/// The tool's version of a migration: the recorded version the build script embedded, else the
/// version.
fn tool_version(m: &Migration) -> String {
    m.recorded_version()
        .map_or_else(|| m.version().to_string(), str::to_owned)
}

/// The tool's checksum of a migration (its first form, for refinery's 32-bit versions), or a
/// placeholder where the tool keeps none.
fn tool_checksum(m: &Migration) -> &'static str {
    m.recorded_checksum()
        .and_then(|c| c.split(' ').next())
        .unwrap_or("00")
}

/// A database as the tool leaves it after applying the first `applied` migrations of `set`.
fn migrated_by_the_tool<D: Backend>(conn: &mut D::Conn, set: &'static Migrations, applied: usize) {
    let tool = set
        .predecessor()
        .expect("a set read in another tool's layout");
    D::execute(conn, create_table(tool, D::POSTGRES));
    for m in set.iter().take(applied) {
        for statement in m.up().statements() {
            D::execute(conn, statement.sql);
        }
        let sql = record_sql(tool, D::POSTGRES, &tool_version(m), tool_checksum(m));
        D::execute(conn, &sql);
    }
}

fn rows_in<D: Backend>(conn: &mut D::Conn, table: &str) -> i64 {
    D::scalar(conn, &format!("SELECT count(*) FROM {table}"))
}

fn takes_over_then_applies_only_the_rest<D: Backend>(fresh: impl Fn() -> Option<D>) {
    for grouped in [false, true] {
        for set in sets() {
            // A grouped run refuses sqlx's `-- no-transaction` migration.
            if grouped && set.iter().any(|m| !m.up().runs_in_transaction()) {
                continue;
            }
            let Some(db) = fresh() else { return };
            let tool = set.predecessor().unwrap();
            let mut conn = db.connect();
            migrated_by_the_tool::<D>(&mut conn, set, 2);
            let theirs = rows_in::<D>(&mut conn, tool.table());
            let migrator = Migrator::new(set).grouped(grouped);

            // Before the first run, status tells what it will take over, and writes nothing.
            let states: Vec<State> = migrator
                .status(&mut conn)
                .unwrap()
                .iter()
                .map(|s| s.state)
                .collect();
            assert_eq!(
                states,
                [State::Applied, State::Applied, State::Pending],
                "{tool:?}"
            );
            assert!(!D::table_exists(&mut conn, "_migrate_history"), "{tool:?}");

            let report = migrator.migrate(&mut conn).unwrap();
            let versions: Vec<i64> = set.iter().map(Migration::version).collect();
            let taken = report.taken_over.as_ref().expect("taken over");
            assert_eq!((taken.from, &taken.versions[..]), (tool, &versions[..2]));
            assert_eq!(
                report.applied.iter().map(|a| a.version).collect::<Vec<_>>(),
                versions[2..],
                "{tool:?}: only the new migration runs"
            );
            assert!(report.to_string().starts_with(&format!(
                "took over 2 migrations applied by {} ({})\napplied ",
                tool.name(),
                tool.table()
            )));
            assert_eq!(rows_in::<D>(&mut conn, "_migrate_history"), 3);
            assert_eq!(
                rows_in::<D>(&mut conn, "c"),
                0,
                "{tool:?}: table c was created"
            );
            assert_eq!(
                rows_in::<D>(&mut conn, tool.table()),
                theirs,
                "{tool:?}: their table is left as it was"
            );
            assert!(migrator.migrate(&mut conn).unwrap().is_empty());
            assert!(
                migrator
                    .status(&mut conn)
                    .unwrap()
                    .iter()
                    .all(|s| s.state == State::Applied && s.applied_at.is_some())
            );

            // Once the history table exists it is the whole truth: reverted to empty, the set
            // applies again, rather than taking the other tool's rows a second time.
            if set.iter().all(Migration::is_reversible) {
                migrator.revert_all(&mut conn).unwrap();
                let again = migrator.migrate(&mut conn).unwrap();
                assert_eq!(again.taken_over, None, "{tool:?}");
                assert_eq!(again.applied.len(), 3, "{tool:?}");
            }
        }
    }
}

fn a_version_missing_from_the_files_is_drift<D: Backend>(fresh: impl Fn() -> Option<D>) {
    for set in sets() {
        let Some(db) = fresh() else { return };
        let tool = set.predecessor().unwrap();
        let mut conn = db.connect();
        migrated_by_the_tool::<D>(&mut conn, set, 2);
        D::execute(&mut conn, &record_sql(tool, D::POSTGRES, "999", "00"));
        let error = Migrator::new(set).migrate(&mut conn).unwrap_err();
        match &error.error {
            Error::Drift(drift) => assert!(
                matches!(&drift[..], [Drift::PredecessorMissing { tool: t, version, .. }]
                    if *t == tool.name() && version == "999"),
                "{tool:?}: {drift:?}"
            ),
            other => panic!("{tool:?}: {other}"),
        }
        assert!(error.to_string().contains(&format!(
            "migration 999 is applied according to {}'s history table {}",
            tool.name(),
            tool.table()
        )));
        // Nothing was written: the history table is not even there.
        assert!(!D::table_exists(&mut conn, "_migrate_history"), "{tool:?}");
        assert!(
            Migrator::new(set)
                .allow_missing(true)
                .migrate(&mut conn)
                .is_ok(),
            "{tool:?}: allowed"
        );
    }
}

fn a_changed_file_is_drift_where_the_tool_keeps_checksums<D: Backend>(
    fresh: impl Fn() -> Option<D>,
) {
    for set in [
        &sets::sqlx::MIGRATIONS,
        &sets::refinery::MIGRATIONS,
        &sets::flyway::MIGRATIONS,
    ] {
        let Some(db) = fresh() else { return };
        let tool = set.predecessor().unwrap();
        let mut conn = db.connect();
        migrated_by_the_tool::<D>(&mut conn, set, 1);
        // The second migration, recorded with the checksum of another file.
        let second = set.iter().nth(1).unwrap();
        let other = tool_checksum(set.iter().next().unwrap());
        D::execute(
            &mut conn,
            &record_sql(tool, D::POSTGRES, &tool_version(second), other),
        );
        let error = Migrator::new(set).migrate(&mut conn).unwrap_err();
        match &error.error {
            Error::Drift(drift) => assert!(
                matches!(&drift[..], [Drift::PredecessorModified { version, recorded, .. }]
                    if *version == second.version() && recorded == other),
                "{tool:?}: {drift:?}"
            ),
            other => panic!("{tool:?}: {other}"),
        }
        assert!(!D::table_exists(&mut conn, "_migrate_history"), "{tool:?}");
    }
}

fn a_failed_or_dirty_row_is_refused<D: Backend>(fresh: impl Fn() -> Option<D>) {
    for (set, fail) in [
        (
            &sets::sqlx::MIGRATIONS,
            "UPDATE _sqlx_migrations SET success = FALSE WHERE version = 2",
        ),
        (
            &sets::flyway::MIGRATIONS,
            "UPDATE flyway_schema_history SET success = FALSE WHERE installed_rank = 2",
        ),
        (
            &sets::golang_migrate::MIGRATIONS,
            "UPDATE schema_migrations SET dirty = TRUE",
        ),
    ] {
        let Some(db) = fresh() else { return };
        let tool = set.predecessor().unwrap();
        let mut conn = db.connect();
        migrated_by_the_tool::<D>(&mut conn, set, 2);
        D::execute(&mut conn, fail);
        let error = Migrator::new(set).migrate(&mut conn).unwrap_err();
        let second = tool_version(set.iter().nth(1).unwrap());
        assert!(
            matches!(&error.error, Error::PredecessorIncomplete { tool: t, version, .. }
                if *t == tool.name() && *version == second),
            "{tool:?}: {error}"
        );
        assert!(!D::table_exists(&mut conn, "_migrate_history"), "{tool:?}");
    }
}

/// Flyway's own kinds of row: a baseline counts every version up to it as applied, an undo
/// takes its version back.
fn flyway_baselines_and_undos_are_honoured<D: Backend>(fresh: impl Fn() -> Option<D>) {
    let set = &sets::flyway::MIGRATIONS;
    let Some(db) = fresh() else { return };
    let mut conn = db.connect();
    migrated_by_the_tool::<D>(&mut conn, set, 0);
    // Baselined at 1.1 (tables a and b were there already), then V2 applied and undone.
    for statement in set.iter().take(2).flat_map(|m| m.up().statements()) {
        D::execute(&mut conn, statement.sql);
    }
    D::execute(
        &mut conn,
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, \
         checksum, installed_by, execution_time, success) VALUES \
         (1, '1.1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 't', 0, TRUE), \
         (2, '2', 'create c', 'SQL', 'V2__create_c.sql', 0, 't', 1, TRUE), \
         (3, '2', 'create c', 'UNDO_SQL', 'U2__create_c.sql', NULL, 't', 1, TRUE)",
    );
    let report = Migrator::new(set).migrate(&mut conn).unwrap();
    let versions: Vec<i64> = set.iter().map(Migration::version).collect();
    assert_eq!(report.taken_over.unwrap().versions, versions[..2]);
    assert_eq!(
        report.applied.iter().map(|a| a.version).collect::<Vec<_>>(),
        versions[2..]
    );
}

macro_rules! backend {
    ($backend:ident, $fresh:expr) => {
        mod $backend {
            use super::*;

            #[test]
            fn takes_over_then_applies_only_the_rest() {
                super::takes_over_then_applies_only_the_rest($fresh);
            }

            #[test]
            fn a_version_missing_from_the_files_is_drift() {
                super::a_version_missing_from_the_files_is_drift($fresh);
            }

            #[test]
            fn a_changed_file_is_drift_where_the_tool_keeps_checksums() {
                super::a_changed_file_is_drift_where_the_tool_keeps_checksums($fresh);
            }

            #[test]
            fn a_failed_or_dirty_row_is_refused() {
                super::a_failed_or_dirty_row_is_refused($fresh);
            }

            #[test]
            fn flyway_baselines_and_undos_are_honoured() {
                super::flyway_baselines_and_undos_are_honoured($fresh);
            }
        }
    };
}

backend!(sqlite, || Some(SqliteDb::new()));
backend!(postgres, || PgDb::new("takeover"));
