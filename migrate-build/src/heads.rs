//! The commands of each dialect, by the words a statement starts with.
//!
//! The tables are complete lists taken from each database's own grammar: PostgreSQL's "SQL
//! Commands" reference (every command of PostgreSQL 18) and SQLite's "SQL As Understood By
//! SQLite". They decide what a statement the SQL parser cannot read is:
//!
//! - its head is a command of the dialect: valid SQL the parser has not learned, or a mistake
//!   further in; it is *unchecked by the parser*, and the database check judges it;
//! - its head is a command of another database (`TRUNCATE` on SQLite): an error that says so;
//! - its head is no command at all (`CRATE TABLE`): an error with the closest command.
//!
//! A statement the parser reads is held to the same table, so PostgreSQL syntax that the parser's
//! SQLite dialect accepts (`TRUNCATE`, `GRANT`, `CREATE SEQUENCE`) is an error on SQLite.

use crate::dialect::Dialect;

/// PostgreSQL's commands. `CREATE` takes the modifiers in [`POSTGRES_CREATE_MODIFIERS`] before
/// the kind of object.
const POSTGRES: &[&str] = &[
    "ABORT",
    "ALTER AGGREGATE",
    "ALTER COLLATION",
    "ALTER CONVERSION",
    "ALTER DATABASE",
    "ALTER DEFAULT PRIVILEGES",
    "ALTER DOMAIN",
    "ALTER EVENT TRIGGER",
    "ALTER EXTENSION",
    "ALTER FOREIGN DATA WRAPPER",
    "ALTER FOREIGN TABLE",
    "ALTER FUNCTION",
    "ALTER GROUP",
    "ALTER INDEX",
    "ALTER LANGUAGE",
    "ALTER PROCEDURAL LANGUAGE",
    "ALTER LARGE OBJECT",
    "ALTER MATERIALIZED VIEW",
    "ALTER OPERATOR",
    "ALTER POLICY",
    "ALTER PROCEDURE",
    "ALTER PUBLICATION",
    "ALTER ROLE",
    "ALTER ROUTINE",
    "ALTER RULE",
    "ALTER SCHEMA",
    "ALTER SEQUENCE",
    "ALTER SERVER",
    "ALTER STATISTICS",
    "ALTER SUBSCRIPTION",
    "ALTER SYSTEM",
    "ALTER TABLE",
    "ALTER TABLESPACE",
    "ALTER TEXT SEARCH",
    "ALTER TRIGGER",
    "ALTER TYPE",
    "ALTER USER",
    "ALTER VIEW",
    "ANALYZE",
    "ANALYSE",
    "BEGIN",
    "CALL",
    "CHECKPOINT",
    "CLOSE",
    "CLUSTER",
    "COMMENT ON",
    "COMMIT",
    "COPY",
    "CREATE ACCESS METHOD",
    "CREATE AGGREGATE",
    "CREATE CAST",
    "CREATE COLLATION",
    "CREATE CONVERSION",
    "CREATE DATABASE",
    "CREATE DOMAIN",
    "CREATE EVENT TRIGGER",
    "CREATE EXTENSION",
    "CREATE FOREIGN DATA WRAPPER",
    "CREATE FOREIGN TABLE",
    "CREATE FUNCTION",
    "CREATE GROUP",
    "CREATE INDEX",
    "CREATE LANGUAGE",
    "CREATE MATERIALIZED VIEW",
    "CREATE OPERATOR",
    "CREATE POLICY",
    "CREATE PROCEDURE",
    "CREATE PUBLICATION",
    "CREATE ROLE",
    "CREATE RULE",
    "CREATE SCHEMA",
    "CREATE SEQUENCE",
    "CREATE SERVER",
    "CREATE STATISTICS",
    "CREATE SUBSCRIPTION",
    "CREATE TABLE",
    "CREATE TABLESPACE",
    "CREATE TEXT SEARCH",
    "CREATE TRANSFORM",
    "CREATE TRIGGER",
    "CREATE TYPE",
    "CREATE USER",
    "CREATE VIEW",
    "DEALLOCATE",
    "DECLARE",
    "DELETE",
    "DISCARD",
    "DO",
    "DROP ACCESS METHOD",
    "DROP AGGREGATE",
    "DROP CAST",
    "DROP COLLATION",
    "DROP CONVERSION",
    "DROP DATABASE",
    "DROP DOMAIN",
    "DROP EVENT TRIGGER",
    "DROP EXTENSION",
    "DROP FOREIGN DATA WRAPPER",
    "DROP FOREIGN TABLE",
    "DROP FUNCTION",
    "DROP GROUP",
    "DROP INDEX",
    "DROP LANGUAGE",
    "DROP PROCEDURAL LANGUAGE",
    "DROP MATERIALIZED VIEW",
    "DROP OPERATOR",
    "DROP OWNED",
    "DROP POLICY",
    "DROP PROCEDURE",
    "DROP PUBLICATION",
    "DROP ROLE",
    "DROP ROUTINE",
    "DROP RULE",
    "DROP SCHEMA",
    "DROP SEQUENCE",
    "DROP SERVER",
    "DROP STATISTICS",
    "DROP SUBSCRIPTION",
    "DROP TABLE",
    "DROP TABLESPACE",
    "DROP TEXT SEARCH",
    "DROP TRANSFORM",
    "DROP TRIGGER",
    "DROP TYPE",
    "DROP USER",
    "DROP VIEW",
    "END",
    "EXECUTE",
    "EXPLAIN",
    "FETCH",
    "GRANT",
    "IMPORT FOREIGN SCHEMA",
    "INSERT",
    "LISTEN",
    "LOAD",
    "LOCK",
    "MERGE",
    "MOVE",
    "NOTIFY",
    "PREPARE",
    "REASSIGN OWNED",
    "REFRESH MATERIALIZED VIEW",
    "REINDEX",
    "RELEASE",
    "RESET",
    "REVOKE",
    "ROLLBACK",
    "SAVEPOINT",
    "SECURITY LABEL",
    "SELECT",
    "SET",
    "SHOW",
    "START TRANSACTION",
    "TABLE",
    "TRUNCATE",
    "UNLISTEN",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

/// What may stand between `CREATE` and the kind of object in PostgreSQL: `CREATE OR REPLACE
/// FUNCTION`, `CREATE UNLOGGED TABLE`, `CREATE UNIQUE INDEX`, `CREATE CONSTRAINT TRIGGER`,
/// `CREATE TRUSTED PROCEDURAL LANGUAGE`, `CREATE DEFAULT CONVERSION`, ...
const POSTGRES_CREATE_MODIFIERS: &[&str] = &[
    "OR",
    "REPLACE",
    "GLOBAL",
    "LOCAL",
    "TEMP",
    "TEMPORARY",
    "UNLOGGED",
    "RECURSIVE",
    "UNIQUE",
    "CONSTRAINT",
    "TRUSTED",
    "PROCEDURAL",
    "DEFAULT",
];

/// SQLite's commands. `CREATE` takes the modifiers in [`SQLITE_CREATE_MODIFIERS`].
const SQLITE: &[&str] = &[
    "ALTER TABLE",
    "ANALYZE",
    "ATTACH",
    "BEGIN",
    "COMMIT",
    "CREATE INDEX",
    "CREATE TABLE",
    "CREATE TRIGGER",
    "CREATE VIEW",
    "CREATE VIRTUAL TABLE",
    "DELETE",
    "DETACH",
    "DROP INDEX",
    "DROP TABLE",
    "DROP TRIGGER",
    "DROP VIEW",
    "END",
    "EXPLAIN",
    "INSERT",
    "PRAGMA",
    "REINDEX",
    "RELEASE",
    "REPLACE",
    "ROLLBACK",
    "SAVEPOINT",
    "SELECT",
    "UPDATE",
    "VACUUM",
    "VALUES",
    "WITH",
];

const SQLITE_CREATE_MODIFIERS: &[&str] = &["TEMP", "TEMPORARY", "UNIQUE"];

/// MySQL's commands that neither dialect has, so that a MySQL habit is named as one.
const MYSQL_ONLY: &[&str] = &[
    "DESCRIBE",
    "DESC",
    "USE",
    "RENAME TABLE",
    "RENAME USER",
    "OPTIMIZE TABLE",
    "REPAIR TABLE",
    "FLUSH",
    "HANDLER",
    "KILL",
];

/// What the dialect's way is, for commands it does not have.
const FOREIGN_HINTS: &[(Dialect, &str, &str)] = &[
    (
        Dialect::Sqlite,
        "TRUNCATE",
        "use `DELETE FROM <table>`: SQLite optimises it into a truncate",
    ),
    (
        Dialect::Sqlite,
        "CREATE SEQUENCE",
        "use an `INTEGER PRIMARY KEY` column, which SQLite numbers itself",
    ),
    (
        Dialect::Sqlite,
        "CREATE SCHEMA",
        "SQLite has one schema per database file; use `ATTACH DATABASE` for another",
    ),
    (
        Dialect::Sqlite,
        "GRANT",
        "SQLite has no users or privileges; access is whatever the file permissions allow",
    ),
    (
        Dialect::Sqlite,
        "REVOKE",
        "SQLite has no users or privileges; access is whatever the file permissions allow",
    ),
    (
        Dialect::Sqlite,
        "COMMENT ON",
        "SQLite keeps no comments on objects; a `--` comment in the `CREATE` statement is kept in `sqlite_schema`",
    ),
    (
        Dialect::Sqlite,
        "ALTER INDEX",
        "drop the index and create it again",
    ),
    (
        Dialect::Sqlite,
        "ALTER VIEW",
        "drop the view and create it again",
    ),
    (Dialect::Sqlite, "SET", "SQLite's settings are `PRAGMA`s"),
    (
        Dialect::Sqlite,
        "CREATE FUNCTION",
        "SQLite functions are registered by the application, through its driver",
    ),
    (
        Dialect::Postgres,
        "PRAGMA",
        "PostgreSQL's settings are changed with `SET`",
    ),
    (
        Dialect::Postgres,
        "ATTACH",
        "PostgreSQL keeps several schemas in one database: `CREATE SCHEMA`",
    ),
    (
        Dialect::Postgres,
        "REPLACE",
        "use `INSERT ... ON CONFLICT (...) DO UPDATE`",
    ),
    (
        Dialect::Postgres,
        "CREATE VIRTUAL TABLE",
        "full-text search in PostgreSQL is a `tsvector` column with a GIN index",
    ),
    (
        Dialect::Sqlite,
        "RENAME TABLE",
        "use `ALTER TABLE <old> RENAME TO <new>`",
    ),
    (
        Dialect::Postgres,
        "RENAME TABLE",
        "use `ALTER TABLE <old> RENAME TO <new>`",
    ),
];

/// What the words a statement starts with say about it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// A command of the dialect, as the table writes it.
    Command(&'static str),
    /// A command of another database.
    Foreign {
        /// The command, as written in the other database's table.
        command: &'static str,
        /// The dialect's way, if there is one.
        hint: Option<&'static str>,
    },
    /// No command of any database.
    Unknown {
        /// The command it most likely meant, with the rest of its head words.
        suggestion: Option<String>,
    },
}

fn table(dialect: Dialect) -> (&'static [&'static str], &'static [&'static str]) {
    match dialect {
        Dialect::Sqlite => (SQLITE, SQLITE_CREATE_MODIFIERS),
        Dialect::Postgres => (POSTGRES, POSTGRES_CREATE_MODIFIERS),
    }
}

/// The command of `dialect` that `words` (a statement's leading unquoted words, uppercased)
/// start with. `parenthesis` says the statement starts with `(` instead: a query in PostgreSQL.
pub(crate) fn command(
    dialect: Dialect,
    words: &[String],
    parenthesis: bool,
) -> Option<&'static str> {
    if parenthesis {
        return (dialect == Dialect::Postgres).then_some("SELECT");
    }
    let (commands, modifiers) = table(dialect);
    find(commands, modifiers, words)
}

fn find(
    commands: &'static [&'static str],
    modifiers: &[&str],
    words: &[String],
) -> Option<&'static str> {
    let words = skip_modifiers(words, modifiers);
    commands
        .iter()
        .filter(|command| {
            let mut expected = command.split(' ');
            let mut actual = words.iter();
            expected.all(|e| actual.next().is_some_and(|a| a == e))
        })
        .max_by_key(|command| command.len())
        .copied()
}

/// `CREATE OR REPLACE TEMP VIEW` → `CREATE VIEW`: the modifiers after `CREATE` left out.
fn skip_modifiers(words: &[String], modifiers: &[&str]) -> Vec<String> {
    match words.split_first() {
        Some((first, rest)) if first == "CREATE" => std::iter::once(first.clone())
            .chain(
                rest.iter()
                    .skip_while(|w| modifiers.contains(&w.as_str()))
                    .cloned(),
            )
            .collect(),
        _ => words.to_vec(),
    }
}

/// Classifies a statement's head for `dialect`.
pub(crate) fn classify(dialect: Dialect, words: &[String], parenthesis: bool) -> Head {
    if let Some(command) = command(dialect, words, parenthesis) {
        return Head::Command(command);
    }
    if parenthesis {
        return Head::Unknown { suggestion: None };
    }
    let others = Dialect::ALL.into_iter().filter(|d| *d != dialect);
    let foreign = others
        .filter_map(|other| command(other, words, parenthesis))
        .chain(find(MYSQL_ONLY, &[], words))
        .max_by_key(|c| c.len());
    if let Some(command) = foreign {
        let hint = FOREIGN_HINTS
            .iter()
            .find(|(d, c, _)| *d == dialect && *c == command)
            .map(|(_, _, hint)| *hint);
        return Head::Foreign { command, hint };
    }
    Head::Unknown {
        suggestion: suggest(dialect, words),
    }
}

/// The command of `dialect` closest to a misspelt head: the first word corrected if it is no
/// command's first word, then the next word if the first alone does not make a command.
fn suggest(dialect: Dialect, words: &[String]) -> Option<String> {
    let (commands, modifiers) = table(dialect);
    let first = words.first()?;
    let firsts: Vec<&str> = commands
        .iter()
        .map(|c| c.split(' ').next().unwrap_or(c))
        .collect();
    let mut fixed = words.to_vec();
    if !firsts.contains(&first.as_str()) {
        fixed[0] = closest(first, firsts.iter().copied())?.to_owned();
    }
    if let Some(command) = find(commands, modifiers, &fixed) {
        return Some(command_with_modifiers(&fixed, command));
    }
    // The first word is right: correct the kind of object after it (and its modifiers).
    let skipped = words.len() - skip_modifiers(&fixed, modifiers).len();
    let at = 1 + skipped;
    let kind = fixed.get(at)?;
    let kinds = commands.iter().filter_map(|c| {
        let mut parts = c.split(' ');
        (parts.next() == Some(fixed[0].as_str()))
            .then(|| parts.next())
            .flatten()
    });
    fixed[at] = closest(kind, kinds)?.to_owned();
    let command = find(commands, modifiers, &fixed)?;
    Some(command_with_modifiers(&fixed, command))
}

/// The words of `fixed` that spell `command`, with any modifiers kept: `CREATE UNIQUE INDEX`.
fn command_with_modifiers(fixed: &[String], command: &str) -> String {
    let wanted = command.split(' ').count();
    let mut out = Vec::new();
    let mut matched = 0;
    for word in fixed {
        out.push(word.as_str());
        if command.split(' ').any(|c| c == word) {
            matched += 1;
        }
        if matched == wanted {
            break;
        }
    }
    out.join(" ")
}

fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    crate::source::closest(word, candidates.map(|c| (c, c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    fn head(dialect: Dialect, s: &str) -> Head {
        classify(dialect, &words(s), false)
    }

    #[test]
    fn commands_are_recognised_past_their_modifiers() {
        for (dialect, statement, command) in [
            (
                Dialect::Postgres,
                "ALTER DEFAULT PRIVILEGES IN",
                "ALTER DEFAULT PRIVILEGES",
            ),
            (
                Dialect::Postgres,
                "CREATE OR REPLACE FUNCTION F",
                "CREATE FUNCTION",
            ),
            (
                Dialect::Postgres,
                "CREATE UNIQUE INDEX CONCURRENTLY",
                "CREATE INDEX",
            ),
            (
                Dialect::Postgres,
                "CREATE EVENT TRIGGER X",
                "CREATE EVENT TRIGGER",
            ),
            (
                Dialect::Postgres,
                "CREATE CONSTRAINT TRIGGER X",
                "CREATE TRIGGER",
            ),
            (
                Dialect::Postgres,
                "CREATE GLOBAL TEMPORARY TABLE T",
                "CREATE TABLE",
            ),
            (Dialect::Postgres, "GRANT USAGE ON", "GRANT"),
            (
                Dialect::Postgres,
                "CREATE STATISTICS S",
                "CREATE STATISTICS",
            ),
            (Dialect::Sqlite, "CREATE TEMP TRIGGER IF", "CREATE TRIGGER"),
            (
                Dialect::Sqlite,
                "CREATE VIRTUAL TABLE F",
                "CREATE VIRTUAL TABLE",
            ),
            (Dialect::Sqlite, "PRAGMA FOREIGN_KEYS", "PRAGMA"),
            (Dialect::Sqlite, "INSERT OR REPLACE INTO", "INSERT"),
        ] {
            assert_eq!(
                head(dialect, statement),
                Head::Command(command),
                "{statement}"
            );
        }
        assert_eq!(
            classify(Dialect::Postgres, &[], true),
            Head::Command("SELECT")
        );
        assert!(matches!(
            classify(Dialect::Sqlite, &[], true),
            Head::Unknown { .. }
        ));
    }

    #[test]
    fn other_databases_commands_are_named() {
        assert_eq!(
            head(Dialect::Sqlite, "TRUNCATE USERS"),
            Head::Foreign {
                command: "TRUNCATE",
                hint: Some("use `DELETE FROM <table>`: SQLite optimises it into a truncate"),
            }
        );
        assert!(matches!(
            head(Dialect::Sqlite, "CREATE SEQUENCE S"),
            Head::Foreign {
                command: "CREATE SEQUENCE",
                ..
            }
        ));
        assert!(matches!(
            head(Dialect::Postgres, "PRAGMA FOREIGN_KEYS"),
            Head::Foreign {
                command: "PRAGMA",
                ..
            }
        ));
        assert!(matches!(
            head(Dialect::Sqlite, "DESCRIBE USERS"),
            Head::Foreign {
                command: "DESCRIBE",
                hint: None
            }
        ));
    }

    #[test]
    fn typos_get_the_closest_command() {
        for (dialect, statement, meant) in [
            (Dialect::Sqlite, "CRATE TABLE T", "CREATE TABLE"),
            (Dialect::Postgres, "CRATE TABLE T", "CREATE TABLE"),
            (Dialect::Postgres, "CREATE TABEL T", "CREATE TABLE"),
            (
                Dialect::Postgres,
                "CREATE UNIQUE INDX I",
                "CREATE UNIQUE INDEX",
            ),
            (Dialect::Postgres, "ALTR TABLE T", "ALTER TABLE"),
            (Dialect::Sqlite, "INSRT INTO T", "INSERT"),
        ] {
            assert_eq!(
                head(dialect, statement),
                Head::Unknown {
                    suggestion: Some(meant.to_owned())
                },
                "{statement}"
            );
        }
        assert_eq!(
            head(Dialect::Sqlite, "FROBNICATE THE TABLE"),
            Head::Unknown { suggestion: None }
        );
    }
}
