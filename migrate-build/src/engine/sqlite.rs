//! The SQLite engine: an in-memory database, with the SQLite the runtime bundles.
//!
//! The migrations never reach the disk. The database is `:memory:`; every `ATTACH` in the
//! migrations gets an in-memory database of its name before the replay starts; an authorizer
//! refuses to attach anything else, and extension loading is off (SQLite's default). Each step of the replay is a
//! savepoint, committed to the in-memory database when it is released; between steps no
//! transaction is open, so a file can run with foreign keys off, as the runtime runs it.
//! Between builds, copies of the database may be kept as files by the build script (see
//! [`super::cache`]): `snapshot` and `restore`.

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::{Connection, ErrorCode, MAIN_DB};

use super::{Dangling, Engine, Failure, Kind, Notice, Plan, Step, refusal};
use crate::codes::Code;
use crate::dialect::Dialect;
use crate::script::Script;

mod deferred;
#[cfg(test)]
mod tests;

pub(crate) struct Sqlite {
    conn: Connection,
    /// Whether any statement so far could have declared a foreign key.
    references: bool,
    /// What the statement being run showed.
    notices: Vec<Notice>,
    /// Tables the file being run dropped while others referenced them: the statement, the
    /// table, and the tables referencing it that the file has not dropped (yet).
    dropped: Vec<(usize, String, Vec<String>)>,
    /// Whether a pragma set something on the connection, which a snapshot of the database
    /// would lose.
    set_connection: bool,
}

impl Sqlite {
    /// An in-memory database with every attached name the migrations use.
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
        only_memory(&mut conn).map_err(|e| e.to_string())?;
        Ok(Sqlite {
            conn,
            references: false,
            notices: Vec::new(),
            dropped: Vec::new(),
            set_connection: false,
        })
    }

    /// Runs a setup script before the replay.
    pub(crate) fn setup(&mut self, sql: &str) -> Result<(), String> {
        self.conn.execute_batch(sql).map_err(|e| e.to_string())
    }

    /// The tables that reference `table`, other than itself.
    fn referencing(&mut self, table: &str) -> Vec<String> {
        let Ok(mut statement) = self.conn.prepare(
            // The text filter keeps the pragma to the few tables that could reference it.
            "SELECT DISTINCT m.name FROM sqlite_schema m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND m.sql LIKE '%references%' \
             AND m.sql LIKE '%' || ?1 || '%' \
             AND lower(f.\"table\") = lower(?1) AND lower(m.name) <> lower(?1) \
             ORDER BY m.name",
        ) else {
            return Vec::new();
        };
        statement
            .query_map([table], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .unwrap_or_default()
    }

    fn batch(&mut self, sql: &str) -> Result<(), Failure> {
        self.conn
            .execute_batch(sql)
            .map_err(|e| Failure::broken(e.to_string()))
    }
}

impl Engine for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&mut self, sql: &str, script: &Script, index: usize) -> Result<(), Failure> {
        // Who references a table is known only before it is dropped; whether it matters, only
        // once the file is done (a teardown drops the referencing tables too).
        let dropped = dropped_table(sql);
        if let Some(table) = &dropped
            && self.references
            && script.transaction
            && !script.foreign_keys_off
        {
            let children = self.referencing(table);
            if !children.is_empty() {
                self.dropped.push((index, table.clone(), children));
            }
        }
        self.references |= contains_ignoring_case(sql, "references");
        self.set_connection |= sets_connection(sql);
        let command = script.statements[index].command;
        let ran = self.conn.prepare(sql).and_then(|mut statement| {
            let mut rows = statement.raw_query();
            while rows.next()?.is_some() {}
            Ok(())
        });
        match ran {
            Ok(()) => {
                // A table the file drops takes nothing from a survivor any more.
                if let Some(table) = &dropped {
                    for (at, _, children) in &mut self.dropped {
                        if *at != index {
                            children.retain(|child| !child.eq_ignore_ascii_case(table));
                        }
                    }
                }
                self.notices = deferred::defaults(&self.conn, script, index);
                Ok(())
            }
            Err(error) => {
                let mut failure = failure(&error, command);
                // Some errors, and a trigger's `RAISE(ROLLBACK)`, roll the whole transaction
                // back.
                failure.undone = self.conn.is_autocommit();
                deferred::generated(&mut failure, script, index);
                // A drop refused for the rows that reference the table: the trap, now.
                if let Some(at) = self.dropped.iter().position(|(at, ..)| *at == index) {
                    let (_, table, children) = self.dropped.remove(at);
                    self.notices.push(foreign_key_trap(&table, &children));
                }
                Err(failure)
            }
        }
    }

    fn notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    fn file_done(&mut self) -> Vec<(usize, Notice)> {
        std::mem::take(&mut self.dropped)
            .into_iter()
            .filter(|(_, _, children)| !children.is_empty())
            .map(|(index, table, children)| (index, foreign_key_trap(&table, &children)))
            .collect()
    }

    fn dangling(&mut self) -> Vec<Dangling> {
        deferred::dangling(&self.conn).unwrap_or_default()
    }

    fn prepare(&mut self, script: &Script) -> Result<(), Failure> {
        self.dropped.clear();
        // As the runtime runs the file: with foreign keys off under `-- migrate:foreign-keys-off`,
        // or when a file outside a transaction turns them off itself. Between files no
        // transaction is open, so the pragma takes effect; before an up runs again after its
        // down, the down's savepoint is open and it does not, so the up runs as the down did.
        let wanted =
            !(script.foreign_keys_off || (!script.transaction && turns_foreign_keys_off(script)));
        let on: bool = self
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .map_err(|e| Failure::broken(e.to_string()))?;
        if wanted != on {
            let value = if wanted { "ON" } else { "OFF" };
            self.batch(&format!("PRAGMA foreign_keys = {value}"))?;
        }
        Ok(())
    }

    fn savepoint(&mut self, name: &str) -> Result<(), Failure> {
        self.batch(&format!("SAVEPOINT {name}"))
    }

    fn snapshot(&mut self) -> Option<Vec<u8>> {
        // Temporary objects live in `temp`, and attached databases (the migrations' or a setup
        // script's) beside `main`: a snapshot of `main` would lose them.
        let outside: i64 = self
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM temp.sqlite_schema) + \
                 (SELECT count(*) FROM pragma_database_list WHERE name NOT IN ('main', 'temp'))",
                [],
                |r| r.get(0),
            )
            .ok()?;
        if self.set_connection || outside > 0 {
            return None;
        }
        let main = self.conn.serialize(MAIN_DB).ok()?;
        let mut state = Vec::with_capacity(main.len() + 1);
        state.push(u8::from(self.references));
        state.extend_from_slice(&main);
        Some(state)
    }

    fn restore(&mut self, state: &[u8]) -> Result<(), String> {
        let (&references, main) = state.split_first().ok_or("an empty snapshot")?;
        // What to put back if the image is refused: SQLite empties `main` before it reads one.
        let before = self
            .conn
            .serialize(MAIN_DB)
            .map(|data| data.to_vec())
            .map_err(|e| e.to_string())?;
        // SQLite attaches the image itself, by a name the authorizer would refuse.
        self.conn
            .authorizer(None::<fn(AuthContext<'_>) -> Authorization>)
            .map_err(|e| e.to_string())?;
        let mut restored = self
            .conn
            .deserialize_read_exact(MAIN_DB, main, main.len(), false);
        // A damaged image is refused on first read.
        if restored.is_ok()
            && let Err(error) = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_schema", [], |r| {
                    r.get::<_, i64>(0)
                })
        {
            restored = Err(error);
        }
        if restored.is_err() {
            let _ = self
                .conn
                .deserialize_read_exact(MAIN_DB, &before[..], before.len(), false);
        }
        only_memory(&mut self.conn).map_err(|e| e.to_string())?;
        restored.map_err(|e| e.to_string())?;
        self.references = references == 1;
        Ok(())
    }

    fn rollback_to(&mut self, name: &str) -> Result<(), Failure> {
        // A trigger's `RAISE(ROLLBACK)` and some errors roll the whole transaction back: the
        // savepoint, the outermost, went with it, and the database is where it began.
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.batch(&format!("ROLLBACK TO {name}"))
    }

    fn release(&mut self, name: &str) -> Result<(), Failure> {
        if self.conn.is_autocommit() {
            return Ok(());
        }
        self.batch(&format!("RELEASE {name}"))
    }
}

/// The finding for dropping `table`, in a migration that runs in a transaction (so with foreign
/// keys on, as the bundled SQLite has them), while `children` reference it and survive the
/// migration.
fn foreign_key_trap(table: &str, children: &[String]) -> Notice {
    let children: Vec<String> = children.iter().map(|c| format!("`{c}`")).collect();
    Notice {
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
               checks them before it commits"
            .to_owned(),
        at: None,
        depends: crate::effects::Effects::RELATIONS,
    }
}

/// Refuses to attach anything but an in-memory database.
fn only_memory(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.authorizer(Some(|context: AuthContext<'_>| match context.action {
        AuthAction::Attach { filename } if !filename.is_empty() && filename != ":memory:" => {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }))
}

fn contains_ignoring_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// Whether a file has a `PRAGMA [schema.]foreign_keys = OFF` (or `0`, `false`, `no`).
fn turns_foreign_keys_off(script: &Script) -> bool {
    script.statements.iter().any(|statement| {
        let words: Vec<String> = script
            .text(statement)
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        words.first().is_some_and(|w| w == "PRAGMA")
            && words.windows(2).any(|w| {
                w[0] == "FOREIGN_KEYS" && matches!(w[1].as_str(), "OFF" | "0" | "FALSE" | "NO")
            })
    })
}

/// Whether a statement may set something on the connection rather than in the database: a
/// pragma other than those the replay sets itself, those kept in the database file, and those
/// that only read.
fn sets_connection(sql: &str) -> bool {
    let Some(rest) = sql
        .get(..6)
        .filter(|word| word.eq_ignore_ascii_case("PRAGMA"))
        .map(|_| &sql[6..])
    else {
        return false;
    };
    let identifier = |text: &str| -> usize {
        text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len())
    };
    // `PRAGMA [schema.]name`.
    let rest = rest.trim_start();
    let mut name = &rest[..identifier(rest)];
    if let Some(after) = rest[name.len()..].trim_start().strip_prefix('.') {
        let after = after.trim_start();
        name = &after[..identifier(after)];
    }
    ![
        "foreign_keys",
        "user_version",
        "application_id",
        "foreign_key_check",
        "foreign_key_list",
        "integrity_check",
        "quick_check",
        "table_info",
        "table_xinfo",
        "table_list",
        "index_list",
        "index_info",
        "index_xinfo",
    ]
    .iter()
    .any(|known| name.eq_ignore_ascii_case(known))
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
fn failure(error: &rusqlite::Error, command: Option<&str>) -> Failure {
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
    let depends = refusal::sqlite(&message, command);
    Failure::refused(message, offset, kind, depends)
}
