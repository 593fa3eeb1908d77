//! The SQLite engine: an in-memory database, with the SQLite the runtime bundles.
//!
//! Nothing reaches the disk. The database is `:memory:`; every `ATTACH` in the migrations gets
//! an in-memory database of its name before the replay starts; an authorizer refuses to attach
//! anything else, and extension loading is off (SQLite's default). The replay runs in one
//! transaction that is never committed.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::{Connection, ErrorCode};

use super::{Engine, Failure, Kind, Plan, Step};
use crate::script::Script;

pub(crate) struct Sqlite {
    conn: Connection,
}

impl Sqlite {
    /// An in-memory database with every attached name the migrations use, in a transaction.
    pub(crate) fn open(steps: &[Step<'_>]) -> Result<Sqlite, String> {
        let mut conn = Connection::open_in_memory().map_err(|e| e.to_string())?;
        let mut attached: Vec<&str> = Vec::new();
        for step in steps {
            for script in std::iter::once(step.up.1).chain(step.down.map(|d| d.1)) {
                for statement in &script.statements {
                    if let Plan::Attach(name) = &statement.plan
                        && !attached.contains(&name.as_str())
                    {
                        attached.push(name);
                    }
                }
            }
        }
        for name in attached {
            // The name as the migration wrote it, quoted or not: valid as an identifier here.
            conn.execute_batch(&format!("ATTACH DATABASE ':memory:' AS {name}"))
                .map_err(|e| e.to_string())?;
        }
        conn.authorizer(Some(|context: AuthContext<'_>| match context.action {
            AuthAction::Attach { filename } if !filename.is_empty() && filename != ":memory:" => {
                Authorization::Deny
            }
            _ => Authorization::Allow,
        }))
        .map_err(|e| e.to_string())?;
        conn.execute_batch("BEGIN").map_err(|e| e.to_string())?;
        Ok(Sqlite { conn })
    }

    /// Runs a setup script before the replay.
    pub(crate) fn setup(&mut self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    fn batch(&mut self, sql: &str) -> Result<(), Failure> {
        self.conn.execute_batch(sql).map_err(|e| failure(&e))
    }
}

impl Engine for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn execute(&mut self, sql: &str, _script: &Script, _index: usize) -> Result<(), Failure> {
        let mut statement = self.conn.prepare(sql).map_err(|e| failure(&e))?;
        let mut rows = statement.raw_query();
        while rows.next().map_err(|e| failure(&e))?.is_some() {}
        Ok(())
    }

    fn savepoint(&mut self, name: &str) -> Result<(), Failure> {
        self.batch(&format!("SAVEPOINT {name}"))
    }

    fn rollback_to(&mut self, name: &str) -> Result<(), Failure> {
        self.batch(&format!("ROLLBACK TO {name}"))
    }

    fn release(&mut self, name: &str) -> Result<(), Failure> {
        self.batch(&format!("RELEASE {name}"))
    }
}

/// SQLite's error, classified. What an application provides at run time (functions, virtual
/// table modules, attached files) is the environment's; everything else is the statement's.
fn failure(error: &rusqlite::Error) -> Failure {
    let (message, offset) = match error {
        rusqlite::Error::SqlInputError { msg, offset, .. } => {
            (msg.clone(), usize::try_from(*offset).ok())
        }
        rusqlite::Error::SqliteFailure(_, Some(msg)) => (msg.clone(), None),
        other => (other.to_string(), None),
    };
    let environment = ["no such function:", "no such module:", "unknown database", "not authorized"]
        .iter()
        .any(|prefix| message.starts_with(prefix));
    let kind = if environment {
        Kind::Environment
    } else if matches!(
        error.sqlite_error_code(),
        Some(ErrorCode::CannotOpen | ErrorCode::OutOfMemory | ErrorCode::SystemIoFailure)
    ) {
        Kind::Broken
    } else {
        Kind::Rejected
    };
    Failure {
        message,
        offset,
        kind,
    }
}
