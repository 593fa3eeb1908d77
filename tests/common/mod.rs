//! The behavioural suite of the runtime, written once against [`TestDatabase`] so that every
//! backend runs the same tests (see `behaviour_suite!`).

#![allow(dead_code)] // each test binary uses a different part

use std::path::PathBuf;

use migrate_runtime::postgres;
use migrate_runtime::rusqlite;
use migrate_runtime::{Backend, Direction, Drift, Error, Migrations, Migrator, Resolution, State};

/// The fixture sets under `tests/fixtures`, embedded by the macro under test.
pub mod sets {
    pub mod basic {
        migrate_runtime::migrations!("tests/fixtures/basic", build_script = false);
    }
    pub mod failing {
        migrate_runtime::migrations!("tests/fixtures/failing", build_script = false);
    }
    pub mod sqlite_no_transaction {
        migrate_runtime::migrations!("tests/fixtures/sqlite_no_transaction", build_script = false);
    }
    pub mod no_transaction_failing {
        migrate_runtime::migrations!(
            "tests/fixtures/no_transaction_failing",
            build_script = false
        );
    }
    pub mod irreversible {
        migrate_runtime::migrations!("tests/fixtures/irreversible", build_script = false);
    }
    pub mod drift_base {
        migrate_runtime::migrations!("tests/fixtures/drift_base", build_script = false);
    }
    pub mod drift_modified {
        migrate_runtime::migrations!("tests/fixtures/drift_modified", build_script = false);
    }
    pub mod drift_missing {
        migrate_runtime::migrations!("tests/fixtures/drift_missing", build_script = false);
    }
    pub mod drift_gap {
        migrate_runtime::migrations!("tests/fixtures/drift_gap", build_script = false);
    }
    pub mod lf {
        migrate_runtime::migrations!("tests/fixtures/lf", build_script = false);
    }
    pub mod crlf {
        migrate_runtime::migrations!("tests/fixtures/crlf", build_script = false);
    }
    pub mod positionless_error {
        migrate_runtime::migrations!("tests/fixtures/positionless_error", build_script = false);
    }
    pub mod postgres_no_transaction {
        migrate_runtime::migrations!(
            "tests/fixtures/postgres_no_transaction",
            dialect = "postgres",
            build_script = false
        );
    }
}

/// A fresh, empty database of one backend, dropped with the value.
pub trait TestDatabase {
    /// The backend's connection type.
    type Conn: Backend;
    /// A new connection to the database.
    fn connect(&self) -> Self::Conn;
    /// Runs SQL outside the migrator.
    fn execute(conn: &mut Self::Conn, sql: &str);
    /// The single integer `sql` returns.
    fn scalar(conn: &mut Self::Conn, sql: &str) -> i64;
    /// Whether a table exists.
    fn table_exists(conn: &mut Self::Conn, table: &str) -> bool;
    /// A set whose migration 2 must run outside a transaction, then a migration 3.
    fn no_transaction_set() -> &'static Migrations;
    /// Another connection, holding what a migrator must wait for until it is dropped.
    fn hold_migration_lock(&self) -> Self::Conn;
}

/// A SQLite database in a file of a temporary directory.
pub struct SqliteDb {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl SqliteDb {
    pub fn new() -> SqliteDb {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("test.db");
        SqliteDb { _dir: dir, path }
    }
}

impl TestDatabase for SqliteDb {
    type Conn = rusqlite::Connection;

    fn connect(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("open SQLite database")
    }

    fn execute(conn: &mut rusqlite::Connection, sql: &str) {
        conn.execute_batch(sql).expect(sql);
    }

    fn scalar(conn: &mut rusqlite::Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |r| r.get(0)).expect(sql)
    }

    fn table_exists(conn: &mut rusqlite::Connection, table: &str) -> bool {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get::<_, i64>(0),
        )
        .expect("query sqlite_master")
            == 1
    }

    fn no_transaction_set() -> &'static Migrations {
        &sets::sqlite_no_transaction::MIGRATIONS
    }

    fn hold_migration_lock(&self) -> rusqlite::Connection {
        let conn = self.connect();
        // EXCLUSIVE blocks readers too, as a migrator committing a large migration does.
        conn.execute_batch("BEGIN EXCLUSIVE")
            .expect("take the write lock");
        conn
    }
}

/// The PostgreSQL server tests use: `MIGRATE_TEST_POSTGRES_URL`, by default the local server.
pub fn postgres_url() -> String {
    std::env::var("MIGRATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Connects to the server's maintenance database, or says why not. Under `CI=true` an
/// unreachable server fails the test; elsewhere the test is skipped, loudly.
pub fn postgres_admin(test: &str) -> Option<postgres::Client> {
    let url = postgres_url();
    match postgres::Client::connect(&url, postgres::NoTls) {
        Ok(client) => Some(client),
        Err(error) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("PostgreSQL is unreachable at {url} (and CI=true): {error}")
        }
        Err(error) => {
            eprintln!(
                "\n*** SKIPPED {test}: PostgreSQL is unreachable at {url}: {error}\n\
                 *** set MIGRATE_TEST_POSTGRES_URL, or start the server, to run it\n"
            );
            None
        }
    }
}

/// A database of its own on the PostgreSQL server, dropped with the value, so tests run in
/// parallel without seeing each other.
pub struct PgDb {
    pub name: String,
    pub config: postgres::Config,
}

impl PgDb {
    /// A new, empty database; `None` (after saying so) if the server is unreachable.
    pub fn new(test: &str) -> Option<PgDb> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let mut admin = postgres_admin(test)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "migrate_test_{}_{}_{nanos}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create a test database");
        let mut config: postgres::Config = postgres_url().parse().expect("a PostgreSQL URL");
        config.dbname(&name);
        Some(PgDb { name, config })
    }

    /// The database's URL, for child processes.
    pub fn url(&self) -> String {
        let base = postgres_url();
        let server = base
            .rsplit_once('/')
            .map_or(base.as_str(), |(server, _)| server);
        format!("{server}/{}", self.name)
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&postgres_url(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

impl TestDatabase for PgDb {
    type Conn = postgres::Client;

    fn connect(&self) -> postgres::Client {
        self.config
            .connect(postgres::NoTls)
            .expect("connect to the test database")
    }

    fn execute(conn: &mut postgres::Client, sql: &str) {
        conn.batch_execute(sql).expect(sql);
    }

    fn scalar(conn: &mut postgres::Client, sql: &str) -> i64 {
        conn.query_one(sql, &[]).expect(sql).get(0)
    }

    fn table_exists(conn: &mut postgres::Client, table: &str) -> bool {
        conn.query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .expect("query to_regclass")
            .get(0)
    }

    fn no_transaction_set() -> &'static Migrations {
        &sets::postgres_no_transaction::MIGRATIONS
    }

    fn hold_migration_lock(&self) -> postgres::Client {
        let mut conn = self.connect();
        let key = Migrator::new(&sets::basic::MIGRATIONS).advisory_lock_key();
        conn.execute("SELECT pg_advisory_lock($1)", &[&key])
            .expect("take the advisory lock");
        conn
    }
}

/// Instantiates every test of the suite for one backend:
/// `behaviour_suite!(sqlite, |_test| Some(SqliteDb::new()))`. The constructor gets the test's
/// name and returns `None` to skip it (a server that is not there).
#[macro_export]
macro_rules! behaviour_suite {
    ($backend:ident, $fresh:expr) => {
        mod $backend {
            use super::*;
            use super::common::suite;
            $crate::behaviour_suite!(@tests $fresh;
                applies_all_then_nothing,
                migrates_to_a_target,
                reverts_last_to_a_target_and_all,
                reverts_steps_and_records_a_baseline,
                a_failed_run_says_what_it_did_before,
                refuses_a_target_from_another_set,
                failing_statement_rolls_back_its_migration_only,
                error_without_a_position_names_its_statement,
                events_announce_each_step_once,
                grouped_mode_is_all_or_nothing,
                grouped_mode_refuses_no_transaction_migrations,
                no_transaction_migrations_apply_and_revert,
                failed_no_transaction_migration_stays_visible_until_resolved,
                interrupted_no_transaction_migration_is_waited_for_then_reported,
                modified_migration_is_refused,
                missing_migration_is_refused,
                out_of_order_migration_is_refused,
                irreversible_revert_is_refused_before_anything_runs,
                history_table_name_is_configurable,
                waiting_for_the_lock_times_out_with_a_clear_error,
                refuses_a_connection_inside_a_transaction,
                checksums_and_positions_survive_bom_and_crlf,
            );
        }
    };
    (@tests $fresh:expr; $($name:ident,)*) => {
        $(
            #[test]
            fn $name() {
                if let Some(db) = ($fresh)(stringify!($name)) {
                    suite::$name(&db);
                }
            }
        )*
    };
}

pub mod suite {
    use super::*;

    fn history_rows<D: TestDatabase>(conn: &mut D::Conn) -> i64 {
        D::scalar(conn, "SELECT count(*) FROM _migrate_history")
    }

    /// The state of every migration, as `status` gives them.
    pub fn states<D: TestDatabase>(migrator: &Migrator, conn: &mut D::Conn) -> Vec<State> {
        migrator
            .status(conn)
            .unwrap()
            .iter()
            .map(|s| s.state)
            .collect()
    }

    fn versions(report: &[migrate_runtime::Applied]) -> Vec<i64> {
        report.iter().map(|a| a.version).collect()
    }

    pub fn applies_all_then_nothing<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::basic::MIGRATIONS);
        let report = migrator.migrate(&mut conn).unwrap();
        assert_eq!(versions(&report.applied), [1, 2, 3]);
        assert!(report.reverted.is_empty());
        assert_eq!(D::scalar(&mut conn, "SELECT count(*) FROM accounts"), 2);

        let again = migrator.migrate(&mut conn).unwrap();
        assert!(again.is_empty(), "{again:?}");
        let status = migrator.status(&mut conn).unwrap();
        assert_eq!(status.len(), 3);
        for s in &status {
            assert_eq!(s.state, State::Applied, "{s:?}");
            assert!(
                s.applied_at.as_deref().is_some_and(|t| t.ends_with('Z')),
                "{s:?}"
            );
            assert!(s.duration.is_some());
        }
        assert_eq!(
            D::scalar(
                &mut conn,
                &format!(
                    "SELECT count(*) FROM _migrate_history WHERE version = 1 AND name = 'create_accounts' AND checksum = '{}'",
                    sets::basic::V1_CREATE_ACCOUNTS.checksum()
                )
            ),
            1
        );
    }

    pub fn migrates_to_a_target<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::basic::MIGRATIONS);
        let report = migrator
            .migrate_to(&mut conn, sets::basic::V2_ADD_EMAIL)
            .unwrap();
        assert_eq!(versions(&report.applied), [1, 2]);
        let states = states::<D>(&migrator, &mut conn);
        assert_eq!(states, [State::Applied, State::Applied, State::Pending]);
        // A target already reached changes nothing.
        assert!(
            migrator
                .migrate_to(&mut conn, sets::basic::V2_ADD_EMAIL)
                .unwrap()
                .is_empty()
        );
        // An older one is an error that says to revert, never a silent no-op.
        let error = migrator
            .migrate_to(&mut conn, sets::basic::V1_CREATE_ACCOUNTS)
            .unwrap_err();
        assert!(
            matches!(
                error.error,
                Error::TargetBehind {
                    target: 1,
                    newest_applied: 2
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("to go back, revert"), "{error}");
        assert_eq!(versions(&migrator.migrate(&mut conn).unwrap().applied), [3]);
    }

    pub fn reverts_last_to_a_target_and_all<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::basic::MIGRATIONS);
        migrator.migrate(&mut conn).unwrap();

        let report = migrator.revert_last(&mut conn).unwrap();
        assert_eq!(versions(&report.reverted), [3]);
        assert_eq!(D::scalar(&mut conn, "SELECT count(*) FROM accounts"), 0);
        assert_eq!(history_rows::<D>(&mut conn), 2);

        migrator.migrate(&mut conn).unwrap();
        let report = migrator
            .revert_to(&mut conn, sets::basic::V1_CREATE_ACCOUNTS)
            .unwrap();
        assert_eq!(versions(&report.reverted), [3, 2]);
        assert!(D::table_exists(&mut conn, "accounts"));

        let report = migrator.revert_all(&mut conn).unwrap();
        assert_eq!(versions(&report.reverted), [1]);
        assert!(!D::table_exists(&mut conn, "accounts"));
        assert_eq!(history_rows::<D>(&mut conn), 0);
        assert!(migrator.revert_all(&mut conn).unwrap().is_empty());

        // And up again: every down left the schema as its up found it.
        assert_eq!(
            versions(&migrator.migrate(&mut conn).unwrap().applied),
            [1, 2, 3]
        );
    }

    pub fn reverts_steps_and_records_a_baseline<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::basic::MIGRATIONS);
        migrator.migrate(&mut conn).unwrap();
        let report = migrator.revert_steps(&mut conn, 2).unwrap();
        assert_eq!(versions(&report.reverted), [3, 2]);
        assert!(
            report.to_string().starts_with("reverted 3 seed_accounts ("),
            "{report}"
        );
        assert_eq!(
            versions(&migrator.revert_steps(&mut conn, 5).unwrap().reverted),
            [1]
        );
        assert_eq!(history_rows::<D>(&mut conn), 0);

        // A database whose schema is at migration 2, made by hand: recorded, not run.
        D::execute(
            &mut conn,
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
        );
        let recorded = migrator
            .baseline(&mut conn, sets::basic::V2_ADD_EMAIL)
            .unwrap();
        assert_eq!(
            recorded.iter().map(|m| m.version()).collect::<Vec<_>>(),
            [1, 2]
        );
        let states = states::<D>(&migrator, &mut conn);
        assert_eq!(states, [State::Applied, State::Applied, State::Pending]);
        assert_eq!(versions(&migrator.migrate(&mut conn).unwrap().applied), [3]);
        let error = migrator
            .baseline(&mut conn, sets::basic::V2_ADD_EMAIL)
            .unwrap_err();
        assert!(
            matches!(error, Error::HistoryNotEmpty { rows: 3 }),
            "{error}"
        );
    }

    pub fn a_failed_run_says_what_it_did_before<D: TestDatabase>(db: &D) {
        use std::sync::{Arc, Mutex};
        let mut conn = db.connect();
        let events = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&events);
        let migrator = Migrator::new(&sets::failing::MIGRATIONS).on_event(move |event| {
            let line = match event {
                migrate_runtime::Event::Started {
                    migration,
                    direction,
                } => {
                    format!("start {direction} {}", migration.version())
                }
                migrate_runtime::Event::Finished { migration, .. } => {
                    format!("done {}", migration.version())
                }
                other => format!("{other:?}"),
            };
            seen.lock().unwrap().push(line);
        });
        let failure = migrator.migrate(&mut conn).unwrap_err();
        assert!(matches!(failure.error, Error::Statement { version: 2, .. }));
        assert_eq!(versions(&failure.done.applied), [1]);
        assert!(
            failure
                .to_string()
                .ends_with("(before that, the run applied 1 create_accounts, which stay applied)"),
            "{failure}"
        );
        assert_eq!(
            *events.lock().unwrap(),
            ["start up 1", "done 1", "start up 2"]
        );
        // Nothing was kept of a grouped run, so it reports nothing done.
        let failure = migrator
            .clone()
            .grouped(true)
            .migrate(&mut conn)
            .unwrap_err();
        assert!(failure.done.is_empty(), "{failure}");
    }

    pub fn refuses_a_target_from_another_set<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::basic::MIGRATIONS);
        // Version 2 of another set is a different migration.
        let error = migrator
            .migrate_to(&mut conn, sets::drift_base::V2_CREATE_TEAMS)
            .unwrap_err()
            .error;
        assert!(
            matches!(error, Error::UnknownMigration { version: 2 }),
            "{error}"
        );
        assert!(!D::table_exists(&mut conn, "accounts"));
    }

    pub fn failing_statement_rolls_back_its_migration_only<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::failing::MIGRATIONS);
        let error = migrator.migrate(&mut conn).unwrap_err().error;
        let Error::Statement {
            version,
            name,
            direction,
            path,
            line,
            ..
        } = &error
        else {
            panic!("expected a statement error, got {error}");
        };
        assert_eq!((*version, *name, *direction), (2, "broken", Direction::Up));
        assert_eq!(*path, "tests/fixtures/failing/2_broken.up.sql");
        assert_eq!(*line, 6, "{error}");
        let message = error.to_string();
        assert!(
            message.starts_with(
                "applying migration 2 broken failed at tests/fixtures/failing/2_broken.up.sql:6:"
            ),
            "{message}"
        );
        // Migration 1 stays committed; everything migration 2 did is gone; 3 never ran.
        assert_eq!(history_rows::<D>(&mut conn), 1);
        assert!(D::table_exists(&mut conn, "accounts"));
        assert_eq!(D::scalar(&mut conn, "SELECT count(*) FROM accounts"), 0);
        assert!(!D::table_exists(&mut conn, "audit"));
        assert!(!D::table_exists(&mut conn, "after_broken"));
        let states = states::<D>(&migrator, &mut conn);
        assert_eq!(states, [State::Applied, State::Pending, State::Pending]);
    }

    /// Every step is announced once, also one that fails, and each one that commits reports
    /// its time, as its history row does.
    pub fn events_announce_each_step_once<D: TestDatabase>(db: &D) {
        use migrate_runtime::Event;
        use std::sync::{Arc, Mutex};

        let seen: Arc<Mutex<Vec<(&'static str, i64)>>> = Arc::default();
        let log = Arc::clone(&seen);
        let observe = move |event: &Event<'_>| {
            let entry = match event {
                Event::Started { migration, .. } => ("started", migration.version()),
                Event::Finished { migration, .. } => ("finished", migration.version()),
                _ => return,
            };
            log.lock().unwrap().push(entry);
        };
        let mut conn = db.connect();
        Migrator::new(&sets::failing::MIGRATIONS)
            .on_event(observe.clone())
            .migrate(&mut conn)
            .unwrap_err();
        let events = std::mem::take(&mut *seen.lock().unwrap());
        assert_eq!(events, [("started", 1), ("finished", 1), ("started", 2)]);

        let mut conn = db.connect();
        D::execute(&mut conn, "DROP TABLE _migrate_history");
        D::execute(&mut conn, "DROP TABLE accounts");
        let migrator = Migrator::new(&sets::basic::MIGRATIONS).on_event(observe);
        migrator.migrate(&mut conn).unwrap();
        migrator.revert_last(&mut conn).unwrap();
        let events = std::mem::take(&mut *seen.lock().unwrap());
        let versions: Vec<i64> = sets::basic::MIGRATIONS
            .iter()
            .map(|m| m.version())
            .collect();
        let mut expected: Vec<(&str, i64)> = versions
            .iter()
            .flat_map(|&v| [("started", v), ("finished", v)])
            .collect();
        let last = *versions.last().unwrap();
        expected.extend([("started", last), ("finished", last)]);
        assert_eq!(events, expected);
        assert_eq!(
            D::scalar(
                &mut conn,
                "SELECT count(*) FROM _migrate_history WHERE duration_ms IS NULL OR duration_ms < 0"
            ),
            0
        );
        assert_eq!(history_rows::<D>(&mut conn), versions.len() as i64 - 1);
    }

    pub fn error_without_a_position_names_its_statement<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        // Grouped first (nothing stays), then one migration at a time (migration 1 stays).
        for grouped in [true, false] {
            let error = Migrator::new(&sets::positionless_error::MIGRATIONS)
                .grouped(grouped)
                .migrate(&mut conn)
                .unwrap_err()
                .error;
            assert!(
                matches!(
                    error,
                    Error::Statement {
                        version: 2,
                        line: 6,
                        column: 1,
                        ..
                    }
                ),
                "grouped: {grouped}: {error}"
            );
            assert_eq!(D::table_exists(&mut conn, "tickets"), !grouped, "{error}");
        }
        assert_eq!(D::scalar(&mut conn, "SELECT count(*) FROM tickets"), 0);
        assert_eq!(history_rows::<D>(&mut conn), 1);
    }

    pub fn grouped_mode_is_all_or_nothing<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let error = Migrator::new(&sets::failing::MIGRATIONS)
            .grouped(true)
            .migrate(&mut conn)
            .unwrap_err()
            .error;
        assert!(
            matches!(error, Error::Statement { version: 2, .. }),
            "{error}"
        );
        assert!(
            !D::table_exists(&mut conn, "accounts"),
            "migration 1 must be rolled back too"
        );

        let report = Migrator::new(&sets::basic::MIGRATIONS)
            .grouped(true)
            .migrate(&mut conn)
            .unwrap();
        assert_eq!(versions(&report.applied), [1, 2, 3]);
        assert_eq!(history_rows::<D>(&mut conn), 3);
        let report = Migrator::new(&sets::basic::MIGRATIONS)
            .grouped(true)
            .revert_all(&mut conn)
            .unwrap();
        assert_eq!(versions(&report.reverted), [3, 2, 1]);
        assert_eq!(history_rows::<D>(&mut conn), 0);
    }

    pub fn grouped_mode_refuses_no_transaction_migrations<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let error = Migrator::new(D::no_transaction_set())
            .grouped(true)
            .migrate(&mut conn)
            .unwrap_err()
            .error;
        assert!(
            matches!(error, Error::GroupedNoTransaction { version: 2, .. }),
            "{error}"
        );
        assert!(!D::table_exists(&mut conn, "accounts"));
    }

    pub fn no_transaction_migrations_apply_and_revert<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(D::no_transaction_set());
        assert_eq!(
            versions(&migrator.migrate(&mut conn).unwrap().applied),
            [1, 2, 3]
        );
        assert!(
            migrator
                .status(&mut conn)
                .unwrap()
                .iter()
                .all(|s| s.state == State::Applied)
        );
        assert_eq!(
            versions(&migrator.revert_all(&mut conn).unwrap().reverted),
            [3, 2, 1]
        );
        assert_eq!(history_rows::<D>(&mut conn), 0);
    }

    pub fn failed_no_transaction_migration_stays_visible_until_resolved<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::no_transaction_failing::MIGRATIONS);
        let error = migrator.migrate(&mut conn).unwrap_err().error;
        assert!(
            matches!(
                error,
                Error::Statement {
                    version: 2,
                    line: 4,
                    ..
                }
            ),
            "{error}"
        );

        // Its first statement took effect (no transaction), and the history says it is incomplete.
        assert!(D::table_exists(&mut conn, "partial"));
        let status = migrator.status(&mut conn).unwrap();
        assert_eq!(status[1].state, State::Incomplete(Direction::Up));
        assert!(
            status[1]
                .error
                .as_deref()
                .is_some_and(|e| e.contains("nickname")),
            "{:?}",
            status[1]
        );
        assert_eq!(status[2].state, State::Pending);

        // Every later run refuses, saying how to resolve it, and changes nothing.
        for _ in 0..2 {
            let error = migrator.migrate(&mut conn).unwrap_err().error;
            assert!(
                matches!(
                    &error,
                    Error::Incomplete {
                        version: 2,
                        direction: Direction::Up,
                        error: Some(_),
                        ..
                    }
                ),
                "{error}"
            );
            assert!(error.to_string().contains("Migrator::resolve"), "{error}");
        }
        assert!(!D::table_exists(&mut conn, "after_partial"));

        // Only an incomplete migration can be resolved.
        assert!(matches!(
            migrator.resolve(&mut conn, 1, Resolution::Applied),
            Err(Error::UnknownMigration { version: 1 })
        ));
        // Someone finishes its work by hand, then says so.
        D::execute(
            &mut conn,
            "INSERT INTO accounts (id, name) VALUES (1, 'ada')",
        );
        migrator.resolve(&mut conn, 2, Resolution::Applied).unwrap();
        assert_eq!(migrator.status(&mut conn).unwrap()[1].state, State::Applied);
        assert_eq!(versions(&migrator.migrate(&mut conn).unwrap().applied), [3]);
    }

    pub fn interrupted_no_transaction_migration_is_waited_for_then_reported<D: TestDatabase>(
        db: &D,
    ) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::no_transaction_failing::MIGRATIONS)
            .lock_timeout(std::time::Duration::from_millis(300));
        migrator
            .migrate_to(&mut conn, sets::no_transaction_failing::V1_CREATE_ACCOUNTS)
            .unwrap();
        // What a migrator killed half-way through migration 2 leaves behind.
        D::execute(
            &mut conn,
            "INSERT INTO _migrate_history (version, name, checksum, state, applied_at) \
             VALUES (2, 'partial', 'v1:x', 'applying', '2026-01-01T00:00:00Z')",
        );
        let started = std::time::Instant::now();
        let error = migrator.migrate(&mut conn).unwrap_err().error;
        assert!(
            matches!(
                &error,
                Error::Incomplete {
                    version: 2,
                    direction: Direction::Up,
                    error: None,
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("interrupted, or is still running elsewhere"),
            "{error}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(
            migrator.status(&mut conn).unwrap()[1].state,
            State::Incomplete(Direction::Up)
        );
        // Undone by hand: the migration runs again from the start (and fails again, visibly).
        migrator
            .resolve(&mut conn, 2, Resolution::NotApplied)
            .unwrap();
        assert_eq!(migrator.status(&mut conn).unwrap()[1].state, State::Pending);
        assert!(matches!(
            migrator.migrate(&mut conn).map_err(|e| e.error),
            Err(Error::Statement { version: 2, .. })
        ));
    }

    pub fn modified_migration_is_refused<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        Migrator::new(&sets::drift_base::MIGRATIONS)
            .migrate(&mut conn)
            .unwrap();
        let edited = Migrator::new(&sets::drift_modified::MIGRATIONS);
        let error = edited.migrate(&mut conn).unwrap_err().error;
        let Error::Drift(drift) = &error else {
            panic!("expected drift, got {error}")
        };
        assert_eq!(drift.len(), 1);
        assert!(
            matches!(
                &drift[0],
                Drift::Modified {
                    version: 2,
                    path: "tests/fixtures/drift_modified/2_create_teams.up.sql",
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("migration 2 create_teams (tests/fixtures/drift_modified/2_create_teams.up.sql) was modified"));
        let states = states::<D>(&edited, &mut conn);
        assert_eq!(states, [State::Applied, State::Modified, State::Applied]);
        // Nothing changed, not even the recorded checksum.
        assert_eq!(
            D::scalar(
                &mut conn,
                &format!(
                    "SELECT count(*) FROM _migrate_history WHERE version = 2 AND checksum = '{}'",
                    sets::drift_base::V2_CREATE_TEAMS.checksum()
                )
            ),
            1
        );
        assert!(
            edited
                .allow_modified(true)
                .migrate(&mut conn)
                .unwrap()
                .is_empty()
        );
    }

    pub fn missing_migration_is_refused<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        Migrator::new(&sets::drift_base::MIGRATIONS)
            .migrate(&mut conn)
            .unwrap();
        let older = Migrator::new(&sets::drift_missing::MIGRATIONS);
        let error = older.migrate(&mut conn).unwrap_err().error;
        assert!(
            matches!(&error, Error::Drift(d) if matches!(d.as_slice(), [Drift::Missing { version: 3, name }] if name == "create_projects")),
            "{error}"
        );
        let states = states::<D>(&older, &mut conn);
        assert_eq!(states, [State::Applied, State::Applied, State::Missing]);
        // Reverting past a migration the binary does not have is impossible, allowed or not.
        let error = older
            .clone()
            .allow_missing(true)
            .revert_all(&mut conn)
            .unwrap_err()
            .error;
        assert!(matches!(error, Error::Drift(_)), "{error}");
        assert_eq!(history_rows::<D>(&mut conn), 3);
        assert!(
            older
                .allow_missing(true)
                .migrate(&mut conn)
                .unwrap()
                .is_empty()
        );
    }

    pub fn out_of_order_migration_is_refused<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        Migrator::new(&sets::drift_gap::MIGRATIONS)
            .migrate(&mut conn)
            .unwrap();
        let newer = Migrator::new(&sets::drift_base::MIGRATIONS);
        let error = newer.migrate(&mut conn).unwrap_err().error;
        assert!(
            matches!(&error, Error::Drift(d) if matches!(d.as_slice(), [Drift::OutOfOrder { version: 2, newest_applied: 3, path: "tests/fixtures/drift_base/2_create_teams.up.sql", .. }])),
            "{error}"
        );
        assert!(!D::table_exists(&mut conn, "teams"));
        assert_eq!(newer.status(&mut conn).unwrap()[1].state, State::OutOfOrder);
        // Allowed, a target below the newest applied migration names the older ones to apply.
        let report = newer
            .allow_out_of_order(true)
            .migrate_to(&mut conn, sets::drift_base::V2_CREATE_TEAMS)
            .unwrap();
        assert_eq!(versions(&report.applied), [2]);
        assert!(D::table_exists(&mut conn, "teams"));
    }

    pub fn irreversible_revert_is_refused_before_anything_runs<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::irreversible::MIGRATIONS);
        migrator.migrate(&mut conn).unwrap();
        let error = migrator.revert_all(&mut conn).unwrap_err().error;
        assert!(
            matches!(
                error,
                Error::Irreversible {
                    version: 2,
                    name: "backfill",
                    reason: Some("the old balances are overwritten"),
                }
            ),
            "{error}"
        );
        assert_eq!(history_rows::<D>(&mut conn), 2);
        assert_eq!(D::scalar(&mut conn, "SELECT count(*) FROM accounts"), 1);
    }

    pub fn waiting_for_the_lock_times_out_with_a_clear_error<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let lock = db.hold_migration_lock();
        let timeout = std::time::Duration::from_millis(300);
        let started = std::time::Instant::now();
        let waits = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = std::sync::Arc::clone(&waits);
        let error = Migrator::new(&sets::basic::MIGRATIONS)
            .lock_timeout(timeout)
            .on_event(move |event| {
                if let migrate_runtime::Event::Waiting { holder } = event {
                    seen.lock().unwrap().push(holder.to_string());
                }
            })
            .migrate(&mut conn)
            .unwrap_err()
            .error;
        // Told once, before waiting, with who holds the lock.
        let waits = waits.lock().unwrap().clone();
        assert_eq!(waits.len(), 1, "{waits:?}");
        let Error::LockTimeout { waited, holder } = &error else {
            panic!("expected a lock timeout, got {error}")
        };
        assert!(
            *waited >= timeout && started.elapsed() < timeout * 10,
            "{waited:?}"
        );
        assert_eq!(&waits[0], holder);
        assert!(
            error
                .to_string()
                .starts_with("gave up waiting for the migration lock after 0."),
            "{error}"
        );
        drop(lock);
        assert_eq!(
            versions(
                &Migrator::new(&sets::basic::MIGRATIONS)
                    .migrate(&mut conn)
                    .unwrap()
                    .applied
            ),
            [1, 2, 3]
        );
    }

    pub fn history_table_name_is_configurable<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        let migrator = Migrator::new(&sets::basic::MIGRATIONS)
            .table("app_schema_history")
            .unwrap();
        migrator.migrate(&mut conn).unwrap();
        assert!(D::table_exists(&mut conn, "app_schema_history"));
        assert!(!D::table_exists(&mut conn, "_migrate_history"));
        assert_eq!(
            D::scalar(&mut conn, "SELECT count(*) FROM app_schema_history"),
            3
        );
        assert!(migrator.migrate(&mut conn).unwrap().is_empty());
    }

    pub fn refuses_a_connection_inside_a_transaction<D: TestDatabase>(db: &D) {
        let mut conn = db.connect();
        D::execute(&mut conn, "BEGIN");
        let error = Migrator::new(&sets::basic::MIGRATIONS)
            .migrate(&mut conn)
            .unwrap_err()
            .error;
        assert!(matches!(error, Error::InTransaction), "{error}");
        D::execute(&mut conn, "ROLLBACK");
        assert!(!D::table_exists(&mut conn, "_migrate_history"));
    }

    pub fn checksums_and_positions_survive_bom_and_crlf<D: TestDatabase>(db: &D) {
        // The same file with LF, and with a BOM and CRLF, has one checksum...
        assert_eq!(
            sets::lf::V1_CREATE_NOTES.checksum(),
            sets::crlf::V1_CREATE_NOTES.checksum()
        );
        // ...pinned here: `sha256sum tests/fixtures/lf/1_create_notes.up.sql`.
        assert_eq!(
            sets::lf::V1_CREATE_NOTES.checksum(),
            "v1:e7739ef568fea08e6e86e0c43f79bb8a268aa1a5244aa4537582612cf0a3f59f"
        );
        let mut conn = db.connect();
        let error = Migrator::new(&sets::crlf::MIGRATIONS)
            .migrate(&mut conn)
            .unwrap_err()
            .error;
        assert_eq!(
            D::scalar(&mut conn, "SELECT count(*) FROM notes WHERE body = 'héllo'"),
            1
        );
        assert!(
            matches!(
                error,
                Error::Statement {
                    version: 2,
                    line: 4,
                    ..
                }
            ),
            "{error}"
        );
        // A database migrated from the CRLF checkout is up to date for the LF one.
        assert!(
            Migrator::new(&sets::lf::MIGRATIONS)
                .migrate(&mut conn)
                .unwrap()
                .is_empty()
        );
    }
}
