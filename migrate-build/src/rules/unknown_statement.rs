//! `unknown-statement`: a statement the dialect does not have.
//!
//! Every statement's head (its first words) is looked up in the dialect's table of commands
//! ([`crate::heads`]), whether the parser read it or not. sqlparser's SQLite dialect accepts the
//! whole grammar it knows, PostgreSQL's included, so a migration written with PostgreSQL habits
//! parses but fails on SQLite (`TRUNCATE`, `CREATE SEQUENCE`, `GRANT`); a typo in the first words
//! (`CRATE TABLE`) is no command at all. Both are errors, with the dialect's way or the closest
//! command. One form inside a real command is also reported here, because it is another
//! database's: SQLite has no `CREATE INDEX CONCURRENTLY`.

use sqlparser::ast::Statement;

use super::Context;
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::heads::Head;

/// The error for a statement whose head is not a command of `dialect`.
pub(crate) fn head(dialect: Dialect, head: Head, leading: &[String], at: Location) -> Diagnostic {
    let name = dialect.title();
    match head {
        Head::Foreign { command, hint } => {
            let diagnostic =
                Diagnostic::new(Code::UnknownStatement, format!("{name} has no `{command}`"))
                    .at(at)
                    .label(format!("not {name}"));
            match hint {
                Some(hint) => diagnostic.help(hint),
                None => diagnostic,
            }
        }
        Head::Unknown { suggestion } => {
            let written = if leading.is_empty() {
                "this".to_owned()
            } else {
                format!("`{}`", leading[..leading.len().min(2)].join(" "))
            };
            let diagnostic = Diagnostic::new(
                Code::UnknownStatement,
                format!("{written} is not a {name} statement"),
            )
            .at(at)
            .label("no such command");
            match suggestion {
                Some(meant) => diagnostic.help(format!("did you mean `{meant}`?")),
                None => diagnostic.note(format!(
                    "a statement starts with a {name} command, such as `CREATE TABLE` or `INSERT`"
                )),
            }
        }
        Head::Command(_) => unreachable!("a command of the dialect is no error"),
    }
}

pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.dialect == Dialect::Sqlite
        && let Statement::CreateIndex(index) = statement
        && index.concurrently
    {
        out.push(
            cx.finding(
                Code::UnknownStatement,
                "SQLite has no `CREATE INDEX CONCURRENTLY`",
            )
            .label("not SQLite")
            .help("remove `CONCURRENTLY`: SQLite builds indexes under its database lock"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::test_support::messages;

    #[test]
    fn bad() {
        for (sql, message) in [
            ("TRUNCATE t;", "SQLite has no `TRUNCATE`"),
            ("CREATE SEQUENCE s;", "SQLite has no `CREATE SEQUENCE`"),
            (
                "CREATE EXTENSION pgcrypto;",
                "SQLite has no `CREATE EXTENSION`",
            ),
            ("GRANT SELECT ON t TO bob;", "SQLite has no `GRANT`"),
            (
                "ALTER SEQUENCE s RESTART;",
                "SQLite has no `ALTER SEQUENCE`",
            ),
            (
                "CREATE INDEX CONCURRENTLY i ON t (a);",
                "SQLite has no `CREATE INDEX CONCURRENTLY`",
            ),
            (
                "CRATE TABLE t (a INT);",
                "`CRATE TABLE` is not a SQLite statement",
            ),
        ] {
            assert_eq!(messages(sql, Dialect::Sqlite), [message], "{sql}");
        }
        assert_eq!(
            messages("PRAGMA foreign_keys = 0;", Dialect::Postgres),
            ["PostgreSQL has no `PRAGMA`"]
        );
    }

    #[test]
    fn good() {
        for sql in [
            "DELETE FROM t;",
            "CREATE INDEX i ON t (a);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY);",
            "CREATE VIRTUAL TABLE f USING fts5(body);",
            "REPLACE INTO t VALUES (1);",
        ] {
            assert!(messages(sql, Dialect::Sqlite).is_empty(), "{sql}");
        }
        // The same statements are PostgreSQL's own, parsed or not.
        for sql in [
            "TRUNCATE t; CREATE SEQUENCE s;",
            "CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;",
            "ALTER SEQUENCE s OWNED BY t.id;",
        ] {
            assert!(messages(sql, Dialect::Postgres).is_empty(), "{sql}");
        }
    }
}
