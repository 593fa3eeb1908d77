//! The small surface a database backend provides: run SQL, manage transactions and the lock, and
//! read and write the history table. Everything else (planning, drift, error attribution) is
//! shared by all backends in [`crate::migrator`].

use std::time::Duration;

use crate::error::DbError;

/// A database connection the [`Migrator`](crate::Migrator) can drive.
///
/// Implemented for `rusqlite::Connection` (feature `sqlite`). The trait is sealed: its methods
/// are an internal interface between the migrator and its backends.
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

    /// What a backend does for the migrator. `table` is always a validated identifier.
    pub trait Driver {
        /// What `set_wait` returns and `restore_wait` takes back.
        type Wait;
        /// What `lock` returns and `unlock` takes back.
        type Lock;

        /// Whether the connection is inside a transaction the caller opened.
        fn in_transaction(&mut self) -> bool;
        /// Makes every statement wait at most `timeout` for other connections' locks, for the
        /// duration of one migrator call; returns the setting to restore.
        fn set_wait(&mut self, timeout: Duration) -> Result<Self::Wait, DbError>;
        /// Restores the connection's own setting.
        fn restore_wait(&mut self, previous: Self::Wait) -> Result<(), DbError>;
        /// Takes the migration lock, waiting at most `timeout`.
        fn lock(&mut self, table: &str, timeout: Duration) -> Result<Self::Lock, DbError>;
        /// Releases the lock.
        fn unlock(&mut self, lock: Self::Lock) -> Result<(), DbError>;
        /// Whether `lock` excludes every other migrator for the whole run. When it does not (SQLite,
        /// which locks per transaction), a row left incomplete may belong to a migrator still at
        /// work, and is waited for.
        fn lock_is_exclusive(&self) -> bool;

        /// Whether `error` means the lock or database was busy (the wait timed out), as opposed
        /// to any other failure.
        fn is_busy(&self, error: &DbError) -> bool;
        /// Who holds the lock, as far as the backend can tell, for the timeout error.
        fn lock_holder(&mut self) -> String;

        /// Opens a transaction that other migrators' transactions wait for.
        fn begin(&mut self) -> Result<(), DbError>;
        fn commit(&mut self) -> Result<(), DbError>;
        fn rollback(&mut self) -> Result<(), DbError>;
        /// Runs one statement of a migration.
        fn execute(&mut self, sql: &str) -> Result<(), DbError>;
        /// The byte offset into the statement where `error` occurred, if the database says.
        fn error_offset(&self, error: &DbError) -> Option<usize>;

        /// Creates the history table if it does not exist.
        fn create_history(&mut self, table: &str) -> Result<(), DbError>;
        /// Calls `visit` with the version, checksum and state of every row, without allocating;
        /// `false` if the table does not exist. The start-up check that finds nothing to do is
        /// this one query.
        fn scan_history(
            &mut self,
            table: &str,
            visit: &mut dyn FnMut(i64, &str, RowState),
        ) -> Result<bool, DbError>;
        /// Every row of the history table in version order, or `None` if it does not exist.
        fn history(&mut self, table: &str) -> Result<Option<Vec<Row>>, DbError>;
        /// The row of one version.
        fn row(&mut self, table: &str, version: i64) -> Result<Option<Row>, DbError>;
        fn insert(&mut self, table: &str, row: &NewRow<'_>) -> Result<(), DbError>;
        fn update(
            &mut self,
            table: &str,
            version: i64,
            state: RowState,
            duration_ms: Option<i64>,
            error: Option<&str>,
        ) -> Result<(), DbError>;
        fn delete(&mut self, table: &str, version: i64) -> Result<(), DbError>;
    }
}
