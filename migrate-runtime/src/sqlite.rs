//! The SQLite backend, on `rusqlite`.
//!
//! The lock is SQLite's own: every transaction that writes starts with `BEGIN IMMEDIATE`, which
//! takes the database's write lock, and the connection's busy timeout is set to the migrator's
//! lock timeout for each call (and restored after), so a second process waits instead of failing.
//! Each migration then checks again, inside its transaction, that it is still pending.
//!
//! The history table:
//!
//! ```sql
//! CREATE TABLE IF NOT EXISTS "_migrate_history" (
//!     version     INTEGER PRIMARY KEY,
//!     name        TEXT NOT NULL,
//!     checksum    TEXT NOT NULL,     -- v1:<sha-256 hex>
//!     state       TEXT NOT NULL,     -- applied, or applying/apply_failed/reverting/revert_failed
//!     applied_at  TEXT NOT NULL,     -- ISO 8601, UTC
//!     duration_ms INTEGER,
//!     error       TEXT
//! )
//! ```

use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};

use crate::backend::Backend;
use crate::backend::driver::{Driver, NewRow, Row, RowState, Table};
use crate::error::DbError;

impl Backend for Connection {}

fn history_exists(conn: &Connection, table: &Table) -> rusqlite::Result<bool> {
    // A schema here is an attached database (`main`, `temp`, or one the app attached).
    let catalog = match &table.schema {
        Some(schema) => format!("\"{schema}\".sqlite_master"),
        None => "sqlite_master".to_owned(),
    };
    conn.prepare_cached(&format!(
        "SELECT 1 FROM {catalog} WHERE type = 'table' AND name = ?1"
    ))?
    .exists([&table.name])
}

fn foreign_keys(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))
}

/// Sets foreign key enforcement, and makes sure it took: SQLite ignores the pragma inside a
/// transaction, and a rebuild with foreign keys still on deletes rows.
fn set_foreign_keys(conn: &Connection, on: bool) -> Result<(), DbError> {
    let value = if on { "ON" } else { "OFF" };
    conn.execute_batch(&format!("PRAGMA foreign_keys = {value}"))?;
    if foreign_keys(conn)? != on {
        return Err(format!(
            "`PRAGMA foreign_keys = {value}` did not take effect (a transaction is open)"
        )
        .into());
    }
    Ok(())
}

const COLUMNS: &str = "version, name, checksum, state, applied_at, duration_ms, error";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let state: String = r.get(3)?;
    Ok(Row {
        version: r.get(0)?,
        name: r.get(1)?,
        checksum: r.get(2)?,
        state: RowState::parse(&state).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                format!("unknown migration state {state:?}").into(),
            )
        })?,
        applied_at: r.get(4)?,
        duration_ms: r.get(5)?,
        error: r.get(6)?,
    })
}

/// The wait setting is the busy timeout; there is no lock outside transactions
/// (`BEGIN IMMEDIATE` is the lock), so the lock is 0.
impl Driver for Connection {
    fn in_transaction(&mut self) -> Result<bool, DbError> {
        Ok(!self.is_autocommit())
    }

    fn set_wait(&mut self, timeout: Duration) -> Result<u64, DbError> {
        let previous: i64 = self.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
        // SQLite counts it in an `int` of milliseconds: about 24 days at most.
        self.busy_timeout(timeout.min(Duration::from_millis(i32::MAX as u64)))?;
        Ok(u64::try_from(previous).unwrap_or(0))
    }

    fn restore_wait(&mut self, previous: u64) -> Result<(), DbError> {
        Ok(self.busy_timeout(Duration::from_millis(previous))?)
    }

    /// Nothing to hold: each write transaction's `BEGIN IMMEDIATE` is the lock. This only
    /// looks whether another connection writes now, to tell `waiting` before the first
    /// `BEGIN IMMEDIATE` waits for it.
    fn lock(
        &mut self,
        table: &Table,
        _timeout: Duration,
        waiting: &mut dyn FnMut(&str),
    ) -> Result<i64, DbError> {
        let previous = self.set_wait(Duration::ZERO)?;
        let tried = self.execute_batch("BEGIN IMMEDIATE");
        let released = if tried.is_ok() {
            self.execute_batch("ROLLBACK")
        } else {
            Ok(())
        };
        self.restore_wait(previous)?;
        released?;
        match tried {
            Ok(()) => Ok(0),
            Err(error) => {
                let error: DbError = error.into();
                if !Driver::is_busy(self, &error) {
                    return Err(error);
                }
                waiting(&self.lock_holder(table));
                Ok(0)
            }
        }
    }

    fn unlock(&mut self, _lock: i64) -> Result<(), DbError> {
        Ok(())
    }

    fn lock_is_exclusive(&self) -> bool {
        false
    }

    fn is_busy(&self, error: &DbError) -> bool {
        matches!(
            error
                .downcast_ref::<rusqlite::Error>()
                .and_then(rusqlite::Error::sqlite_error_code),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }

    fn lock_holder(&mut self, _table: &Table) -> String {
        "another connection writing to the database (SQLite does not say which)".to_owned()
    }

    fn begin(&mut self) -> Result<(), DbError> {
        Ok(self.execute_batch("BEGIN IMMEDIATE")?)
    }

    fn commit(&mut self) -> Result<(), DbError> {
        Ok(self.execute_batch("COMMIT")?)
    }

    fn rollback(&mut self) -> Result<(), DbError> {
        Ok(self.execute_batch("ROLLBACK")?)
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.execute_batch(sql)?)
    }

    fn error_offset(&self, error: &DbError, _sql: &str) -> Option<usize> {
        // SQLite reports a byte offset.
        match error.downcast_ref::<rusqlite::Error>()? {
            rusqlite::Error::SqlInputError { offset, .. } => usize::try_from(*offset).ok(),
            _ => None,
        }
    }

    fn foreign_keys_off(&mut self) -> Result<bool, DbError> {
        let on = foreign_keys(self)?;
        set_foreign_keys(self, false)?;
        Ok(on)
    }

    fn foreign_keys_on(&mut self) -> Result<(), DbError> {
        set_foreign_keys(self, true)
    }

    fn foreign_key_violations(&mut self) -> Result<Vec<String>, DbError> {
        let mut statement = self.prepare("PRAGMA foreign_key_check")?;
        let mut rows = statement.query([])?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            if found.len() == 5 {
                found.push("...".to_owned());
                break;
            }
            let table: String = row.get(0)?;
            let rowid: Option<i64> = row.get(1)?;
            let parent: String = row.get(2)?;
            found.push(match rowid {
                Some(rowid) => {
                    format!("row {rowid} of `{table}` references a missing row of `{parent}`")
                }
                None => format!("a row of `{table}` references a missing row of `{parent}`"),
            });
        }
        Ok(found)
    }

    fn is_postgres(&self) -> bool {
        false
    }

    fn history_exists(&mut self, table: &Table) -> Result<bool, DbError> {
        Ok(history_exists(self, table)?)
    }

    fn table_visible(&mut self, name: &str) -> Result<bool, DbError> {
        Ok(self
            .prepare_cached("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1")?
            .exists([name])?)
    }

    fn text_rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let mut statement = self.prepare(sql)?;
        let columns = statement.column_count();
        let rows = statement
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            ValueRef::Null => None,
                            ValueRef::Integer(i) => Some(i.to_string()),
                            ValueRef::Real(r) => Some(r.to_string()),
                            ValueRef::Text(t) | ValueRef::Blob(t) => {
                                Some(String::from_utf8_lossy(t).into_owned())
                            }
                        })
                    })
                    .collect()
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    fn create_history(&mut self, table: &Table) -> Result<(), DbError> {
        Ok(self.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS {} (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                checksum TEXT NOT NULL,
                state TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                duration_ms INTEGER,
                error TEXT
            )",
            table.sql
        ))?)
    }

    fn scan_history(
        &mut self,
        table: &Table,
        visit: &mut dyn FnMut(i64, &str, RowState),
    ) -> Result<bool, DbError> {
        if !history_exists(self, table)? {
            return Ok(false);
        }
        let mut statement = self.prepare_cached(&format!(
            "SELECT version, checksum, state FROM {}",
            table.sql
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let state = row.get_ref(2)?.as_str()?;
            let state = RowState::parse(state)
                .ok_or_else(|| format!("unknown migration state {state:?}"))?;
            visit(row.get(0)?, row.get_ref(1)?.as_str()?, state);
        }
        Ok(true)
    }

    fn history(&mut self, table: &Table) -> Result<Option<Vec<Row>>, DbError> {
        if !history_exists(self, table)? {
            return Ok(None);
        }
        let mut statement = self.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM {} ORDER BY version",
            table.sql
        ))?;
        let rows = statement
            .query_map([], row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(rows))
    }

    fn row(&mut self, table: &Table, version: i64) -> Result<Option<Row>, DbError> {
        Ok(self
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM {} WHERE version = ?1",
                table.sql
            ))?
            .query_row([version], row)
            .optional()?)
    }

    fn insert(&mut self, table: &Table, new: &NewRow<'_>) -> Result<(), DbError> {
        self.prepare_cached(&format!(
            "INSERT INTO {} (version, name, checksum, state, applied_at, duration_ms) \
             VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?5)",
            table.sql
        ))?
        .execute(params![
            new.version,
            new.name,
            new.checksum,
            new.state.as_str(),
            new.duration_ms
        ])?;
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
        self.prepare_cached(&format!(
            "UPDATE {} SET state = ?2, duration_ms = coalesce(?3, duration_ms), error = ?4 WHERE version = ?1",
            table.sql
        ))?
        .execute(params![version, state.as_str(), duration_ms, error])?;
        Ok(())
    }

    fn delete(&mut self, table: &Table, version: i64) -> Result<(), DbError> {
        self.prepare_cached(&format!("DELETE FROM {} WHERE version = ?1", table.sql))?
            .execute([version])?;
        Ok(())
    }
}
