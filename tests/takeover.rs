//! Taking over another tool's history, on both backends: each tool's table made as that tool
//! makes it and filled as it fills it, with versions and checksums written out (see
//! [`recorded`]), for a set read in that tool's layout (`tests/fixtures/takeover/<tool>`). The same migrations, run by the tools themselves, are the
//! peer benchmark's takeover test (`bench-peers`, `--takeover`).

mod common;

use migrate_runtime::{Drift, Error, Migration, Migrations, Migrator, Predecessor, State};

use common::suite::states;
use common::{PgDb, SqliteDb, TestDatabase};

mod sets {
    /// The fixture set in `dir`, read in `layout`.
    macro_rules! set {
        ($module:ident, $dir:literal, $layout:literal) => {
            pub mod $module {
                migrate_runtime::migrations!($dir, layout = $layout, build_script = false);
            }
        };
    }
    set!(diesel, "tests/fixtures/takeover/diesel", "diesel");
    set!(sqlx, "tests/fixtures/takeover/sqlx", "sqlx");
    set!(refinery, "tests/fixtures/takeover/refinery", "refinery");
    set!(flyway, "tests/fixtures/takeover/flyway", "flyway");
    set!(dbmate, "tests/fixtures/takeover/dbmate", "dbmate");
    set!(
        golang_migrate,
        "tests/fixtures/takeover/golang_migrate",
        "golang-migrate"
    );
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

/// What each tool writes in its table for the three migrations of its fixture set: the
/// version as it writes it, and its checksum (`""` where it keeps none). Written out here, not
/// computed by migrate: sqlx's by `sha384sum`, refinery's read back from refinery 0.10's own
/// table after its runner applied these files, Flyway's by Java's `CRC32` over
/// `BufferedReader.readLine`, as Flyway reads a file.
fn recorded(tool: Predecessor) -> [(&'static str, &'static str); 3] {
    match tool {
        Predecessor::Diesel => [
            ("00000000000000", ""),
            ("20240102", ""),
            ("20240103120000", ""),
        ],
        Predecessor::Sqlx => [
            (
                "1",
                "d68f57d137725bffa4ff18085a34a255a03102fa3523869019dd3aafc1f407973bce2e1ed489a6bb8ab20e2714bdbaf1",
            ),
            (
                "2",
                "592e431d655e7f3ba88da9e0e1fe3f447616cef66e8760006a897288904a9be2bd9c9b620b3e7f27959ee3e673033883",
            ),
            (
                "3",
                "f1718a0f9fca9959ff02848fb08042724c274cb398e09b0176bb7d8b1cecc50576f5731adbd5393bba77dd363611e95c",
            ),
        ],
        Predecessor::Refinery => [
            ("1", "13520557463068773899"),
            ("2", "14384588275518180490"),
            ("3", "2763502857300609020"),
        ],
        Predecessor::Flyway => [
            ("1", "-787013892"),
            ("1.1", "1652765503"),
            ("2", "202319998"),
        ],
        Predecessor::Dbmate => [("001", ""), ("002", ""), ("003", "")],
        Predecessor::GolangMigrate => [("1", ""), ("2", ""), ("3", "")],
        other => unreachable!("{other:?}"),
    }
}

/// A database as the tool leaves it after applying the first `applied` migrations of `set`.
fn migrated_by_the_tool<D: Backend>(conn: &mut D::Conn, set: &'static Migrations, applied: usize) {
    let tool = set
        .predecessor()
        .expect("a set read in another tool's layout");
    D::execute(conn, create_table(tool, D::POSTGRES));
    for (m, (version, checksum)) in set.iter().zip(recorded(tool)).take(applied) {
        for statement in m.up().statements() {
            D::execute(conn, statement.sql);
        }
        D::execute(conn, &record_sql(tool, D::POSTGRES, version, checksum));
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
            assert_eq!(
                states::<D>(&migrator, &mut conn),
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
        D::execute(
            &mut conn,
            &record_sql(tool, D::POSTGRES, "999", recorded(tool)[0].1),
        );
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
        let allowed = Migrator::new(set)
            .allow_missing(true)
            .migrate(&mut conn)
            .unwrap();
        let versions: Vec<i64> = set.iter().map(Migration::version).collect();
        // golang-migrate's one row says 999 is current: every migration is applied.
        let taken = if tool == Predecessor::GolangMigrate {
            3
        } else {
            2
        };
        assert_eq!(
            allowed.taken_over.map(|t| t.versions),
            Some(versions[..taken].to_vec()),
            "{tool:?}"
        );
        assert_eq!(
            allowed
                .applied
                .iter()
                .map(|a| a.version)
                .collect::<Vec<_>>(),
            versions[taken..],
            "{tool:?}"
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
        let other = recorded(tool)[0].1;
        D::execute(
            &mut conn,
            &record_sql(tool, D::POSTGRES, recorded(tool)[1].0, other),
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

        // Allowed, the file is recorded as modified, as an edit after migrate's own run is,
        // and stays so.
        let migrator = Migrator::new(set).allow_modified(true);
        let report = migrator.migrate(&mut conn).unwrap();
        assert_eq!(report.taken_over.unwrap().versions.len(), 2, "{tool:?}");
        assert_eq!(
            states::<D>(&migrator, &mut conn),
            [State::Applied, State::Modified, State::Applied],
            "{tool:?}"
        );
        assert!(Migrator::new(set).migrate(&mut conn).is_err(), "{tool:?}");
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
        let second = recorded(tool)[1].0;
        assert!(
            matches!(&error.error, Error::PredecessorIncomplete { tool: t, version, .. }
                if *t == tool.name() && *version == second),
            "{tool:?}: {error}"
        );
        assert!(!D::table_exists(&mut conn, "_migrate_history"), "{tool:?}");
    }
}

/// Flyway's own kinds of row: a baseline (from `baseline`, or a `B__` file) counts every
/// version up to it as applied, compared as Flyway compares versions (`1.01` is `1.1`); an undo
/// takes its version back; so does `flyway repair` marking a version whose file is gone.
fn flyway_baselines_undos_and_deletions_are_honoured<D: Backend>(fresh: impl Fn() -> Option<D>) {
    let set = &sets::flyway::MIGRATIONS;
    for baseline in ["BASELINE", "SQL_BASELINE"] {
        let Some(db) = fresh() else { return };
        let mut conn = db.connect();
        migrated_by_the_tool::<D>(&mut conn, set, 0);
        for statement in set.iter().take(2).flat_map(|m| m.up().statements()) {
            D::execute(&mut conn, statement.sql);
        }
        D::execute(
            &mut conn,
            &format!(
                "INSERT INTO flyway_schema_history (installed_rank, version, description, type, \
                 script, checksum, installed_by, execution_time, success) VALUES \
                 (1, '1.01', 'base', '{baseline}', 'B1_01__base.sql', NULL, 't', 0, TRUE), \
                 (2, '2', 'create c', 'SQL', 'V2__create_c.sql', 202319998, 't', 1, TRUE), \
                 (3, '2', 'create c', 'UNDO_SQL', 'U2__create_c.sql', NULL, 't', 1, TRUE), \
                 (4, '9', 'gone', 'SQL', 'V9__gone.sql', 1, 't', 1, TRUE), \
                 (5, '9', 'gone', 'DELETE', 'V9__gone.sql', NULL, 't', 0, TRUE), \
                 (6, NULL, 'view', 'SQL', 'R__view.sql', 1, 't', 1, TRUE)"
            ),
        );
        let report = Migrator::new(set).migrate(&mut conn).unwrap();
        let versions: Vec<i64> = set.iter().map(Migration::version).collect();
        assert_eq!(
            report.taken_over.unwrap().versions,
            versions[..2],
            "{baseline}"
        );
        assert_eq!(
            report.applied.iter().map(|a| a.version).collect::<Vec<_>>(),
            versions[2..],
            "{baseline}"
        );
    }
}

/// A failed repeatable migration is refused too: Flyway itself would stop on it.
fn a_failed_flyway_repeatable_is_refused<D: Backend>(fresh: impl Fn() -> Option<D>) {
    let set = &sets::flyway::MIGRATIONS;
    let Some(db) = fresh() else { return };
    let mut conn = db.connect();
    migrated_by_the_tool::<D>(&mut conn, set, 1);
    D::execute(
        &mut conn,
        "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, \
         checksum, installed_by, execution_time, success) \
         VALUES (2, NULL, 'view', 'SQL', 'R__view.sql', 1, 't', 1, FALSE)",
    );
    let error = Migrator::new(set).migrate(&mut conn).unwrap_err();
    assert!(
        matches!(&error.error, Error::PredecessorIncomplete { version, .. } if version == "(repeatable)"),
        "{error}"
    );
}

/// Every scenario, as a test, for one backend.
macro_rules! backend {
    ($backend:ident, $fresh:expr; $($scenario:ident),* $(,)?) => {
        mod $backend {
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    super::$scenario($fresh);
                }
            )*
        }
    };
}

macro_rules! scenarios {
    ($($backend:ident => $fresh:expr),*) => {
        $(backend!($backend, $fresh;
            takes_over_then_applies_only_the_rest,
            a_version_missing_from_the_files_is_drift,
            a_changed_file_is_drift_where_the_tool_keeps_checksums,
            a_failed_or_dirty_row_is_refused,
            flyway_baselines_undos_and_deletions_are_honoured,
            a_failed_flyway_repeatable_is_refused,
        );)*
    };
}

scenarios!(sqlite => || Some(SqliteDb::new()), postgres => || PgDb::new("takeover"));
