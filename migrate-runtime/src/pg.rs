//! The PostgreSQL backend, on the synchronous `postgres` crate.
//!
//! **Locking.** A migrator holds a session-level advisory lock while it works
//! ([`Migrator::advisory_lock_key`](crate::Migrator::advisory_lock_key) documents the key). A
//! migrator that finds it taken does not block in `pg_advisory_lock`: it polls with the
//! non-blocking `pg_try_advisory_lock` and sleeps between tries, outside any transaction. A
//! blocked `pg_advisory_lock` call would keep a snapshot open, and `CREATE INDEX CONCURRENTLY`
//! run by the lock's holder waits for every open snapshot to finish: the two would wait for each
//! other forever. A session lock also dies with its connection, so a migrator killed mid-run
//! never leaves the lock behind, and a row it left `applying` is known to be abandoned.
//!
//! **Start-up.** When everything is applied already, the migrator's whole work is one simple
//! query (one round trip): it reads the history table without taking the lock.
//!
//! **Errors.** The server's error position (a character offset into the statement) is mapped
//! back to the line and column in the migration file.
//!
//! The history table (the schema is the connection's default unless
//! [`Migrator::schema`](crate::Migrator::schema) names one, which is then created if missing):
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "_migrate_history" (
//!     version     bigint PRIMARY KEY,
//!     name        text NOT NULL,
//!     checksum    text NOT NULL,         -- v1:<sha-256 hex>
//!     state       text NOT NULL,         -- applied, or applying/apply_failed/reverting/revert_failed
//!     applied_at  timestamptz NOT NULL DEFAULT now(),
//!     duration_ms bigint,
//!     error       text
//! )
//! ```

use std::fmt;
use std::thread;
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::types::Type;
use postgres::{Client, SimpleQueryMessage};

use crate::backend::Backend;
use crate::backend::driver::{BeginOr, Driver, NewRow, Row, RowState, Table};
use crate::error::DbError;

impl Backend for Client {}

/// The lock stayed taken for the whole wait.
#[derive(Debug)]
struct LockBusy;

impl fmt::Display for LockBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the migration lock is held by another session")
    }
}

impl std::error::Error for LockBusy {}

/// A `postgres::Error` that says what the server said: its own `Display` is only `db error`.
/// Its [`source`](std::error::Error::source) is the `postgres::Error`, for callers to downcast.
#[derive(Debug)]
struct PgError(postgres::Error);

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_db_error() {
            Some(db) => write!(f, "{db} (SQLSTATE {})", db.code().code()),
            None => {
                write!(f, "{}", self.0)?;
                let mut source = std::error::Error::source(&self.0);
                while let Some(cause) = source {
                    write!(f, ": {cause}")?;
                    source = cause.source();
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

fn pg(error: postgres::Error) -> DbError {
    Box::new(PgError(error))
}

/// How long a waiting migrator sleeps between tries: short at first, so a lock held briefly is
/// taken quickly, then longer, so that many waiters do not load the server.
fn poll_interval(attempt: u32) -> Duration {
    Duration::from_millis((10u64 << attempt.min(6)).min(500))
}

/// The rows of a simple query, as text.
fn simple_rows(client: &mut Client, sql: &str) -> Result<Vec<postgres::SimpleQueryRow>, DbError> {
    Ok(client
        .simple_query(sql)
        .map_err(pg)?
        .into_iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .collect())
}

/// The single boolean a simple query returns.
fn simple_bool(client: &mut Client, sql: &str) -> Result<bool, DbError> {
    let rows = simple_rows(client, sql)?;
    match rows.first().and_then(|row| row.get(0)) {
        Some("t") => Ok(true),
        Some("f") => Ok(false),
        other => Err(format!("unexpected answer {other:?} to {sql:?}").into()),
    }
}

fn code(error: &DbError) -> Option<&SqlState> {
    error.downcast_ref::<PgError>()?.0.code()
}

fn state(text: &str) -> Result<RowState, DbError> {
    RowState::parse(text).ok_or_else(|| format!("unknown migration state {text:?}").into())
}

/// A text value of the history table, which the table's constraints say is there.
fn text(row: &postgres::SimpleQueryRow, column: usize) -> Result<&str, DbError> {
    row.try_get(column)
        .map_err(pg)?
        .ok_or_else(|| format!("history table column {column} is null").into())
}

/// `version, name, checksum, state, applied_at, duration_ms, error`, `applied_at` as ISO 8601 UTC.
const COLUMNS: &str = "version, name, checksum, state, \
     to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), \
     duration_ms, error";

/// A history row from a simple query (text values), in the order of [`COLUMNS`]. Every read of
/// the history is a simple query: one round trip, and one way to read a row.
fn simple_row(r: &postgres::SimpleQueryRow) -> Result<Row, DbError> {
    let optional = |i| r.try_get(i).map_err(pg);
    Ok(Row {
        version: text(r, 0)?.parse()?,
        name: text(r, 1)?.to_owned(),
        checksum: text(r, 2)?.to_owned(),
        state: state(text(r, 3)?)?,
        applied_at: text(r, 4)?.to_owned(),
        duration_ms: optional(5)?.map(str::parse).transpose()?,
        error: optional(6)?.map(str::to_owned),
    })
}

/// A string as an SQL literal. The `E''` form reads the same whatever
/// `standard_conforming_strings` says.
fn literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// PostgreSQL needs no wait setting (the lock is polled with its own limit, and reading the
/// history never waits for writers); its lock is the key of the advisory lock held.
impl Driver for Client {
    fn in_transaction(&mut self) -> Result<bool, DbError> {
        // PostgreSQL sets a transaction's start time to its first statement's, so the two are
        // equal exactly when this query runs in a transaction of its own. A simple query keeps
        // it one protocol message, with one statement time.
        match simple_bool(
            self,
            "SELECT transaction_timestamp() <> statement_timestamp()",
        ) {
            // Only possible inside a transaction block.
            Err(error) if code(&error) == Some(&SqlState::IN_FAILED_SQL_TRANSACTION) => Ok(true),
            other => other,
        }
    }

    fn set_wait(&mut self, _timeout: Duration) -> Result<u64, DbError> {
        Ok(0)
    }

    fn restore_wait(&mut self, _previous: u64) -> Result<(), DbError> {
        Ok(())
    }

    fn lock(
        &mut self,
        table: &Table,
        timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<i64, DbError> {
        let key = table.lock_key;
        let query = format!("SELECT pg_try_advisory_lock({key})");
        let started = Instant::now();
        let mut attempt = 0;
        // Each try is a statement of its own, so nothing is held between tries: no snapshot
        // for a `CREATE INDEX CONCURRENTLY` of the holder's to wait for.
        while !simple_bool(self, &query)? {
            if attempt == 0 {
                let holder = self.lock_holder(table);
                waiting(&holder);
            }
            let waited = started.elapsed();
            if waited >= timeout {
                return Err(LockBusy.into());
            }
            thread::sleep(poll_interval(attempt).min(timeout - waited));
            attempt += 1;
        }
        Ok(key)
    }

    fn unlock(&mut self, key: i64) -> Result<(), DbError> {
        if simple_bool(self, &format!("SELECT pg_advisory_unlock({key})"))? {
            Ok(())
        } else {
            Err(format!("the advisory lock {key} was not held by this session").into())
        }
    }

    fn lock_is_exclusive(&self) -> bool {
        true
    }

    fn is_busy(&self, error: &DbError) -> bool {
        error.is::<LockBusy>() || code(error) == Some(&SqlState::LOCK_NOT_AVAILABLE)
    }

    fn lock_holder(&mut self, table: &Table) -> String {
        let classid = table.lock_key >> 32;
        let objid = table.lock_key & 0xffff_ffff;
        let query = format!(
            "SELECT a.pid::text, coalesce(a.usename::text, ''), coalesce(a.application_name, ''), \
                    coalesce(host(a.client_addr), 'local socket'), \
                    to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), \
                    coalesce(a.state, ''), left(coalesce(a.query, ''), 200) \
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {classid} \
               AND l.objid = {objid} AND l.objsubid = 1 \
               AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        );
        let unknown = || format!("another session (advisory lock key {})", table.lock_key);
        match simple_rows(self, &query) {
            Ok(rows) => rows.first().map_or_else(unknown, |row| {
                let field = |i| row.get(i).unwrap_or_default();
                format!(
                    "PostgreSQL backend pid {} (user {:?}, application {:?}, from {}, connected \
                     since {}, {}: {:?}); advisory lock key {}",
                    field(0),
                    field(1),
                    field(2),
                    field(3),
                    field(4),
                    field(5),
                    field(6),
                    table.lock_key
                )
            }),
            Err(_) => unknown(),
        }
    }

    fn begin(&mut self) -> Result<(), DbError> {
        self.batch_execute("BEGIN").map_err(pg)
    }

    fn commit(&mut self) -> Result<(), DbError> {
        self.batch_execute("COMMIT").map_err(pg)
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        self.batch_execute("ROLLBACK").map_err(pg)
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.batch_execute(sql).map_err(pg)
    }

    /// A simple query may hold many statements; the server's error position counts from the
    /// start of the whole query.
    fn runs_scripts_whole(&self) -> bool {
        true
    }

    fn error_offset(&self, error: &DbError, sql: &str) -> Option<usize> {
        let db = error.downcast_ref::<PgError>()?.0.as_db_error()?;
        match db.position()? {
            // 1-based, in characters.
            postgres::error::ErrorPosition::Original(position) => {
                let index = usize::try_from(*position).ok()?.checked_sub(1)?;
                sql.char_indices().nth(index).map(|(offset, _)| offset)
            }
            postgres::error::ErrorPosition::Internal { .. } => None,
        }
    }

    fn is_postgres(&self) -> bool {
        true
    }

    fn history_exists(&mut self, table: &Table) -> Result<bool, DbError> {
        // Quoted names, validated: no quote of either kind inside.
        simple_bool(
            self,
            &format!("SELECT to_regclass('{}') IS NOT NULL", table.sql),
        )
    }

    fn table_visible(&mut self, name: &str) -> Result<bool, DbError> {
        simple_bool(
            self,
            &format!("SELECT to_regclass({}) IS NOT NULL", literal(name)),
        )
    }

    fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        Ok(simple_rows(self, sql)?
            .iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect()
            })
            .collect())
    }

    fn create_history(&mut self, table: &Table) -> Result<(), DbError> {
        if let Some(schema) = &table.schema {
            // Not `CREATE SCHEMA IF NOT EXISTS`: it needs the CREATE privilege on the database
            // even when the schema exists.
            let exists = !self
                .query_typed(
                    "SELECT 1 FROM pg_namespace WHERE nspname = $1",
                    &[(schema, Type::TEXT)],
                )
                .map_err(pg)?
                .is_empty();
            if !exists {
                self.batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
                    .map_err(pg)?;
            }
        }
        self.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS {} (
                version bigint PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                state text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(),
                duration_ms bigint,
                error text
            )",
            table.sql
        ))
        .map_err(pg)
    }

    fn scan_history(
        &mut self,
        table: &Table,
        visit: &mut dyn FnMut(i64, &str, RowState),
    ) -> Result<bool, DbError> {
        // One round trip. A missing table (or schema) is an error the first time only.
        let sql = format!("SELECT version, checksum, state FROM {}", table.sql);
        let rows = match simple_rows(self, &sql) {
            Ok(rows) => rows,
            Err(error)
                if matches!(
                    code(&error),
                    Some(&SqlState::UNDEFINED_TABLE | &SqlState::INVALID_SCHEMA_NAME)
                ) =>
            {
                return Ok(false);
            }
            Err(error) => return Err(error),
        };
        for row in &rows {
            let version = text(row, 0)?.parse::<i64>()?;
            visit(version, text(row, 1)?, state(text(row, 2)?)?);
        }
        Ok(true)
    }

    fn history(&mut self, table: &Table) -> Result<Option<Vec<Row>>, DbError> {
        let sql = format!("SELECT {COLUMNS} FROM {} ORDER BY version", table.sql);
        match simple_rows(self, &sql) {
            Ok(rows) => Ok(Some(rows.iter().map(simple_row).collect::<Result<_, _>>()?)),
            Err(error)
                if matches!(
                    code(&error),
                    Some(&SqlState::UNDEFINED_TABLE | &SqlState::INVALID_SCHEMA_NAME)
                ) =>
            {
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    fn row(&mut self, table: &Table, version: i64) -> Result<Option<Row>, DbError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE version = {version}",
            table.sql
        );
        simple_rows(self, &sql)?.first().map(simple_row).transpose()
    }

    fn insert(&mut self, table: &Table, new: &NewRow<'_>) -> Result<(), DbError> {
        let sql = format!(
            "INSERT INTO {} (version, name, checksum, state, duration_ms) \
             VALUES ($1, $2, $3, $4, $5)",
            table.sql
        );
        self.execute_typed(
            &sql,
            &[
                (&new.version, Type::INT8),
                (&new.name, Type::TEXT),
                (&new.checksum, Type::TEXT),
                (&new.state.as_str(), Type::TEXT),
                (&new.duration_ms, Type::INT8),
            ],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn update(
        &mut self,
        table: &Table,
        version: i64,
        state: RowState,
        duration_ms: Option<i64>,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let sql = format!(
            "UPDATE {} SET state = $2, duration_ms = coalesce($3, duration_ms), error = $4 \
             WHERE version = $1",
            table.sql
        );
        self.execute_typed(
            &sql,
            &[
                (&version, Type::INT8),
                (&state.as_str(), Type::TEXT),
                (&duration_ms, Type::INT8),
                (&error, Type::TEXT),
            ],
        )
        .map_err(pg)?;
        Ok(())
    }

    fn delete(&mut self, table: &Table, version: i64) -> Result<(), DbError> {
        let sql = format!("DELETE FROM {} WHERE version = $1", table.sql);
        self.execute_typed(&sql, &[(&version, Type::INT8)])
            .map_err(pg)?;
        Ok(())
    }

    /// One round trip: `BEGIN` and the `SELECT` in one simple query.
    fn begin_and_read(&mut self, table: &Table, version: i64) -> Result<Option<Row>, BeginOr> {
        let sql = format!(
            "BEGIN; SELECT {COLUMNS} FROM {} WHERE version = {version}",
            table.sql
        );
        // `BEGIN` cannot fail for want of the lock here: the advisory lock is already held.
        let rows = simple_rows(self, &sql).map_err(BeginOr::Read)?;
        rows.first()
            .map(simple_row)
            .transpose()
            .map_err(BeginOr::Read)
    }

    /// One round trip: the history write and `COMMIT` in one simple query.
    fn record_and_commit(
        &mut self,
        table: &Table,
        version: i64,
        row: Option<&NewRow<'_>>,
    ) -> Result<(), DbError> {
        let sql = step_writes(table, version, row, false);
        self.batch_execute(&format!("{sql} COMMIT")).map_err(pg)
    }

    /// One round trip for the whole step. The body is followed by a line break, so that a line
    /// comment at its end cannot swallow what comes after; anything else left open in it (a
    /// string, a block comment, a dollar quote) is an error of the whole query.
    fn run_and_record(
        &mut self,
        table: &Table,
        body: &str,
        version: i64,
        row: Option<&NewRow<'_>>,
    ) -> Result<bool, DbError> {
        let record = step_writes(table, version, row, true);
        self.batch_execute(&format!("BEGIN;\n{body}\n;\n{record} COMMIT"))
            .map_err(pg)?;
        Ok(true)
    }

    /// One round trip for the whole grouped run's history.
    fn record_many(
        &mut self,
        table: &Table,
        applied: &[NewRow<'_>],
        reverted: &[i64],
    ) -> Result<(), DbError> {
        let sql = history_writes(table, applied, reverted, false);
        if sql.is_empty() {
            return Ok(());
        }
        self.batch_execute(&sql).map_err(pg)
    }
}

/// The history write of one step: its row inserted (`Some`), or its version's row deleted.
fn step_writes(table: &Table, version: i64, row: Option<&NewRow<'_>>, measured: bool) -> String {
    match row {
        Some(row) => history_writes(table, std::slice::from_ref(row), &[], measured),
        None => history_writes(table, &[], &[version], measured),
    }
}

/// The statements, each ended by `;`, that insert the `applied` rows and delete the rows of the
/// `reverted` versions; empty if there are none. Values are literals; with `measured`, each
/// row's duration is the transaction's so far, as the server measures it.
fn history_writes(
    table: &Table,
    applied: &[NewRow<'_>],
    reverted: &[i64],
    measured: bool,
) -> String {
    let mut sql = String::new();
    if !applied.is_empty() {
        let values: Vec<String> = applied
            .iter()
            .map(|row| {
                format!(
                    "({}, {}, {}, {}, {})",
                    row.version,
                    literal(row.name),
                    literal(row.checksum),
                    literal(row.state.as_str()),
                    match row.duration_ms {
                        _ if measured => "(extract(epoch FROM clock_timestamp() - \
                                          transaction_timestamp()) * 1000)::bigint"
                            .to_owned(),
                        Some(ms) => ms.to_string(),
                        None => "NULL".to_owned(),
                    },
                )
            })
            .collect();
        sql.push_str(&format!(
            "INSERT INTO {} (version, name, checksum, state, duration_ms) VALUES {};",
            table.sql,
            values.join(", ")
        ));
    }
    if !reverted.is_empty() {
        let versions: Vec<String> = reverted.iter().map(i64::to_string).collect();
        sql.push_str(&format!(
            "DELETE FROM {} WHERE version IN ({});",
            table.sql,
            versions.join(", ")
        ));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_survive_quotes_and_backslashes() {
        assert_eq!(literal("plain"), "E'plain'");
        assert_eq!(literal(r"it's a \ test"), r"E'it''s a \\ test'");
    }

    #[test]
    fn waiters_poll_quickly_then_back_off_to_half_a_second() {
        assert_eq!(poll_interval(0), Duration::from_millis(10));
        assert_eq!(poll_interval(1), Duration::from_millis(20));
        assert_eq!(poll_interval(5), Duration::from_millis(320));
        assert_eq!(poll_interval(6), Duration::from_millis(500));
        assert_eq!(poll_interval(1000), Duration::from_millis(500));
    }
}
