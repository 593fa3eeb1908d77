//! The SQLite engine: an in-memory database, with the SQLite the runtime bundles.
//!
//! Nothing reaches the disk. The database is `:memory:`; every `ATTACH` in the migrations gets
//! an in-memory database of its name before the replay starts; an authorizer refuses to attach
//! anything else, and extension loading is off (SQLite's default). The replay runs in one
//! transaction that is never committed.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::{Connection, ErrorCode};

use super::{Engine, Failure, Kind, Notice, Plan, Step};
use crate::codes::Code;
use crate::script::Script;

pub(crate) struct Sqlite {
    conn: Connection,
    /// Whether any statement so far could have declared a foreign key.
    references: bool,
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
        Ok(Sqlite {
            conn,
            references: false,
        })
    }

    /// Runs a setup script before the replay.
    pub(crate) fn setup(&mut self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    /// The finding for dropping `table` while other tables reference it, in a migration that
    /// runs in a transaction, so with foreign keys on (as the bundled SQLite has them).
    fn referenced(&mut self, table: &str) -> Option<Notice> {
        let mut statement = self
            .conn
            .prepare(
                // The text filter keeps the pragma to the few tables that could reference it.
                "SELECT DISTINCT m.name FROM sqlite_schema m, pragma_foreign_key_list(m.name) f \
                 WHERE m.type = 'table' AND m.sql LIKE '%references%' \
                 AND m.sql LIKE '%' || ?1 || '%' \
                 AND lower(f.\"table\") = lower(?1) AND lower(m.name) <> lower(?1) \
                 ORDER BY m.name",
            )
            .ok()?;
        let children: Vec<String> = statement
            .query_map([table], |row| row.get(0))
            .ok()?
            .collect::<Result<_, _>>()
            .ok()?;
        if children.is_empty() {
            return None;
        }
        let children: Vec<String> = children.iter().map(|c| format!("`{c}`")).collect();
        Some(Notice {
            code: Code::SqliteForeignKeys,
            message: format!(
                "dropping `{table}`, which {} references, with foreign keys on",
                children.join(", ")
            ),
            label: "deletes or orphans the rows that reference it",
            note: Some(
                "the migration runs in a transaction, where `PRAGMA foreign_keys` cannot turn \
                 foreign keys off: the drop deletes the rows that reference the table (`ON DELETE \
                 CASCADE`) or fails, once there are rows"
                    .to_owned(),
            ),
            help: "for a table rebuild, put `-- migrate:foreign-keys-off` at the top of the file: \
                   the runtime turns foreign keys off before the migration's transaction and \
                   checks them before it commits",
        })
    }

    fn batch(&mut self, sql: &str) -> Result<(), Failure> {
        self.conn.execute_batch(sql).map_err(|e| failure(&e))
    }
}

impl Engine for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn execute(
        &mut self,
        sql: &str,
        script: &Script,
        _index: usize,
    ) -> Result<Option<Notice>, Failure> {
        // Who references a table is known only before it is dropped.
        let notice = if self.references && script.transaction && !script.foreign_keys_off {
            dropped_table(sql).and_then(|table| self.referenced(&table))
        } else {
            None
        };
        self.references |= contains_ignoring_case(sql, "references");
        let mut statement = self.conn.prepare(sql).map_err(|e| failure(&e))?;
        let mut rows = statement.raw_query();
        while rows.next().map_err(|e| failure(&e))?.is_some() {}
        Ok(notice)
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

fn contains_ignoring_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// The table a `DROP TABLE [IF EXISTS] [schema.]name` drops, unquoted.
fn dropped_table(sql: &str) -> Option<String> {
    let mut words = sql
        .trim_end_matches([';', ' ', '\n', '\r', '\t'])
        .split_whitespace();
    let is =
        |word: Option<&str>, keyword: &str| word.is_some_and(|w| w.eq_ignore_ascii_case(keyword));
    if !is(words.next(), "DROP") || !is(words.next(), "TABLE") {
        return None;
    }
    let mut name = words.next()?;
    if name.eq_ignore_ascii_case("IF") {
        words.next()?;
        name = words.next()?;
    }
    if words.next().is_some() {
        return None;
    }
    let name = name.rsplit('.').next()?;
    let unquoted = name.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']'));
    Some(unquoted.to_owned())
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
    let environment = [
        "no such function:",
        "no such module:",
        "unknown database",
        "not authorized",
    ]
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
