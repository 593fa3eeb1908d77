//! The small surface a database backend provides: run SQL, manage transactions and the lock, and
//! read and write the history table. Everything else (planning, drift, error attribution) is
//! shared by all backends in [`crate::migrator`].

use std::time::Duration;

use crate::error::DbError;

/// A database connection the [`Migrator`](crate::Migrator) can drive.
///
/// Implemented for `rusqlite::Connection` (feature `sqlite`) and `postgres::Client` (feature
/// `postgres`). The trait is sealed: its methods are an internal interface between the migrator
/// and its backends.
pub trait Backend: driver::Driver {}

pub(crate) mod driver {
    use super::*;

    /// The state of a history row.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum RowState {
        /// Applied completely.
        Applied,
        /// A no-transaction up script started and has not finished.
        Applying,
        /// A no-transaction up script failed part-way.
        ApplyFailed,
        /// A no-transaction down script started and has not finished.
        Reverting,
        /// A no-transaction down script failed part-way.
        RevertFailed,
    }

    impl RowState {
        pub fn as_str(self) -> &'static str {
            match self {
                RowState::Applied => "applied",
                RowState::Applying => "applying",
                RowState::ApplyFailed => "apply_failed",
                RowState::Reverting => "reverting",
                RowState::RevertFailed => "revert_failed",
            }
        }

        pub fn parse(s: &str) -> Option<RowState> {
            [
                RowState::Applied,
                RowState::Applying,
                RowState::ApplyFailed,
                RowState::Reverting,
                RowState::RevertFailed,
            ]
            .into_iter()
            .find(|state| state.as_str() == s)
        }
    }

    /// A row of the history table.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Row {
        pub version: i64,
        pub name: String,
        pub checksum: String,
        pub state: RowState,
        /// ISO 8601, UTC.
        pub applied_at: String,
        pub duration_ms: Option<i64>,
        pub error: Option<String>,
    }

    /// A row to insert; the backend sets `applied_at` to the current time.
    pub struct NewRow<'a> {
        pub version: i64,
        pub name: &'a str,
        pub checksum: &'a str,
        pub state: RowState,
        pub duration_ms: Option<i64>,
    }

    /// The history table, and the lock that goes with it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct Table {
        /// The schema (PostgreSQL) or attached database (SQLite), if one was configured; else the
        /// connection's default.
        pub schema: Option<String>,
        /// The table's name.
        pub name: String,
        /// The name as SQL: quoted, and qualified with the schema if there is one. Both parts are
        /// validated identifiers, so quoting them is enough.
        pub sql: String,
        /// The PostgreSQL advisory lock key.
        pub lock_key: i64,
    }

    impl Table {
        pub fn new(schema: Option<&str>, name: &str, lock_key: Option<i64>) -> Table {
            let qualified = match schema {
                Some(schema) => format!("{schema}.{name}"),
                None => name.to_owned(),
            };
            Table {
                schema: schema.map(str::to_owned),
                name: name.to_owned(),
                sql: match schema {
                    Some(schema) => format!("\"{schema}\".\"{name}\""),
                    None => format!("\"{name}\""),
                },
                lock_key: lock_key.unwrap_or_else(|| default_lock_key(&qualified)),
            }
        }
    }

    /// `"migr"` in ASCII: the high 32 bits of every default lock key.
    pub const LOCK_KEY_PREFIX: i64 = 0x6d69_6772;

    /// The default advisory lock key of a history table: [`LOCK_KEY_PREFIX`] in the high 32 bits
    /// and the 32-bit FNV-1a hash of `schema.table` (or `table`, with no schema configured) in the
    /// low 32 bits.
    pub fn default_lock_key(qualified: &str) -> i64 {
        let mut hash: u32 = 0x811c_9dc5;
        for byte in qualified.bytes() {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        (LOCK_KEY_PREFIX << 32) | i64::from(hash)
    }

    /// What `set_wait` returns and `restore_wait` takes back: the connection's own setting, in
    /// milliseconds (SQLite's busy timeout; PostgreSQL has none to keep).
    pub type Wait = u64;
    /// What `lock` returns and `unlock` takes back: the advisory lock key held (PostgreSQL), or 0
    /// (SQLite, whose `BEGIN IMMEDIATE` is the lock).
    pub type Lock = i64;

    /// What a backend does for the migrator. Object-safe: the migrator's code takes a
    /// `&mut dyn Driver`, so it is compiled once, in this crate, not again in every app for each
    /// backend it uses.
    pub trait Driver {
        /// Whether the connection is inside a transaction the caller opened. Asked before the
        /// migrator writes anything, not on the read-only start-up check.
        fn in_transaction(&mut self) -> Result<bool, DbError>;
        /// Makes every statement wait at most `timeout` for other connections' locks, for the
        /// duration of one migrator call; returns the setting to restore.
        fn set_wait(&mut self, timeout: Duration) -> Result<Wait, DbError>;
        /// Restores the connection's own setting.
        fn restore_wait(&mut self, previous: Wait) -> Result<(), DbError>;
        /// Takes the migration lock, waiting at most `timeout`. When it has to wait, it first
        /// calls `waiting` with who holds the lock (see [`Driver::lock_holder`]).
        fn lock(
            &mut self,
            table: &Table,
            timeout: Duration,
            waiting: &mut dyn FnMut(&str),
        ) -> Result<Lock, DbError>;
        /// Releases the lock.
        fn unlock(&mut self, lock: Lock) -> Result<(), DbError>;
        /// Whether `lock` excludes every other migrator for the whole run. When it does not (SQLite,
        /// which locks per transaction), a row left incomplete may belong to a migrator still at
        /// work, and is waited for.
        fn lock_is_exclusive(&self) -> bool;

        /// Whether `error` means the lock or database was busy (the wait timed out), as opposed
        /// to any other failure.
        fn is_busy(&self, error: &DbError) -> bool;
        /// Who holds the lock, as far as the backend can tell, for the timeout error.
        fn lock_holder(&mut self, table: &Table) -> String;

        /// Opens a transaction that other migrators' transactions wait for.
        fn begin(&mut self) -> Result<(), DbError>;
        fn commit(&mut self) -> Result<(), DbError>;
        fn rollback(&mut self) -> Result<(), DbError>;
        /// Runs one statement of a migration.
        fn execute(&mut self, sql: &str) -> Result<(), DbError>;
        /// Whether a transactional script may be sent whole, in one round trip, with errors
        /// positioned relative to what was sent.
        fn runs_scripts_whole(&self) -> bool {
            false
        }
        /// The byte offset into `sql`, the statement that failed, where `error` occurred, if the
        /// database says.
        fn error_offset(&self, error: &DbError, sql: &str) -> Option<usize>;

        /// Turns foreign key enforcement off, outside any transaction, for a migration marked
        /// `-- migrate:foreign-keys-off`; returns whether it was on. A backend that cannot
        /// (PostgreSQL always enforces them) changes nothing and returns `false`.
        fn foreign_keys_off(&mut self) -> Result<bool, DbError> {
            Ok(false)
        }
        /// Turns foreign key enforcement back on.
        fn foreign_keys_on(&mut self) -> Result<(), DbError> {
            Ok(())
        }
        /// The rows that reference a missing row, described, at most a few: checked inside a
        /// migration's transaction before it commits.
        fn foreign_key_violations(&mut self) -> Result<Vec<String>, DbError> {
            Ok(Vec::new())
        }

        /// Whether the backend is PostgreSQL, for the few queries whose SQL differs.
        fn is_postgres(&self) -> bool;
        /// Whether the history table exists.
        fn history_exists(&mut self, table: &Table) -> Result<bool, DbError>;
        /// Whether a table `name` is visible (PostgreSQL: on the search path; SQLite: in the
        /// main database). Asked without an error, so it never aborts a transaction.
        fn table_visible(&mut self, name: &str) -> Result<bool, DbError>;
        /// Every row `sql` returns, each column as text (`NULL` as `None`).
        fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;
        /// Creates the history table if it does not exist.
        fn create_history(&mut self, table: &Table) -> Result<(), DbError>;
        /// Calls `visit` with the version, checksum and state of every row, in one query (on
        /// PostgreSQL one round trip; SQLite's does not allocate per row);
        /// `false` if the table does not exist. The start-up check that finds nothing to do is
        /// this one query.
        fn scan_history(
            &mut self,
            table: &Table,
            visit: &mut dyn FnMut(i64, &str, RowState),
        ) -> Result<bool, DbError>;
        /// Every row of the history table in version order, or `None` if it does not exist.
        fn history(&mut self, table: &Table) -> Result<Option<Vec<Row>>, DbError>;
        /// The row of one version.
        fn row(&mut self, table: &Table, version: i64) -> Result<Option<Row>, DbError>;
        fn insert(&mut self, table: &Table, row: &NewRow<'_>) -> Result<(), DbError>;
        fn update(
            &mut self,
            table: &Table,
            version: i64,
            state: RowState,
            duration_ms: Option<i64>,
            error: Option<&str>,
        ) -> Result<(), DbError>;
        fn delete(&mut self, table: &Table, version: i64) -> Result<(), DbError>;

        /// Opens a transaction (as [`Driver::begin`]) and reads the row of one version in it. A
        /// backend may send both at once.
        fn begin_and_read(&mut self, table: &Table, version: i64) -> Result<Option<Row>, BeginOr> {
            self.begin().map_err(BeginOr::Begin)?;
            self.row(table, version).map_err(BeginOr::Read)
        }

        /// Records a migration as applied (`Some(row)`) or reverted (`None`: the version's row is
        /// deleted) and commits. A backend may send both at once.
        fn record_and_commit(
            &mut self,
            table: &Table,
            version: i64,
            row: Option<&NewRow<'_>>,
        ) -> Result<(), DbError> {
            match row {
                Some(row) => self.record_many(table, std::slice::from_ref(row), &[])?,
                None => self.record_many(table, &[], &[version])?,
            }
            self.commit()
        }

        /// Runs a transactional step in one round trip, where the backend can: opens a
        /// transaction, runs `body` (the script's statements, as [`Driver::execute`] would),
        /// records the step as [`Driver::record_and_commit`] does (the row's duration measured
        /// by the database) and commits. Called only under an exclusive lock, where the history
        /// read when it was taken still holds. `Ok(false)`: the backend does not, and nothing
        /// was sent. On `Err` nothing was committed; the caller rolls back.
        fn run_and_record(
            &mut self,
            _table: &Table,
            _body: &str,
            _version: i64,
            _row: Option<&NewRow<'_>>,
        ) -> Result<bool, DbError> {
            Ok(false)
        }

        /// Records many migrations at once, inside the caller's transaction: `applied` rows are
        /// inserted, the rows of `reverted` versions deleted. A backend may send it all at once.
        fn record_many(
            &mut self,
            table: &Table,
            applied: &[NewRow<'_>],
            reverted: &[i64],
        ) -> Result<(), DbError> {
            for row in applied {
                self.insert(table, row)?;
            }
            for &version in reverted {
                self.delete(table, version)?;
            }
            Ok(())
        }
    }

    /// Which half of [`Driver::begin_and_read`] failed.
    pub enum BeginOr {
        /// Opening the transaction (which may mean the lock timed out).
        Begin(DbError),
        /// Reading the row.
        Read(DbError),
    }
}
