//! `sqlite-unsupported-statement`: a statement SQLite does not have.
//!
//! sqlparser's SQLite dialect accepts the whole grammar it knows, PostgreSQL's included, so a
//! migration written with PostgreSQL habits parses but fails on SQLite: `TRUNCATE`,
//! `CREATE SEQUENCE`, `CREATE EXTENSION`, `GRANT`, `CREATE INDEX CONCURRENTLY` and
//! the like. Each gets an error, with the SQLite way where there is one.

use sqlparser::ast::Statement;

use super::Context;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;

pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.dialect != Dialect::Sqlite {
        return;
    }
    let (keywords, help): (String, Option<&str>) = match statement {
        Statement::Truncate(_) => (
            cx.keywords(1),
            Some("use `DELETE FROM <table>`: SQLite optimises it into a truncate"),
        ),
        Statement::CreateIndex(index) if index.concurrently => (
            "CREATE INDEX CONCURRENTLY".into(),
            Some("remove `CONCURRENTLY`: SQLite builds indexes under its database lock"),
        ),
        Statement::CreateSchema { .. } => (
            cx.keywords(2),
            Some("SQLite has one schema per database file; use `ATTACH DATABASE` for another"),
        ),
        Statement::CreateSequence { .. } => (
            cx.keywords(2),
            Some("use an `INTEGER PRIMARY KEY` column, which SQLite numbers itself"),
        ),
        Statement::CreateExtension(_)
        | Statement::CreateType { .. }
        | Statement::CreateDomain(_)
        | Statement::CreateRole(_)
        | Statement::CreateDatabase { .. }
        | Statement::CreateFunction(_)
        | Statement::CreateProcedure { .. } => (cx.keywords(2), None),
        Statement::Grant(_) | Statement::Revoke(_) => (
            cx.keywords(1),
            Some(
                "SQLite has no users or privileges; access is whatever the file permissions allow",
            ),
        ),
        _ => return,
    };
    let mut diagnostic = cx
        .error(format!("SQLite has no `{keywords}`"))
        .label("not SQLite");
    if let Some(help) = help {
        diagnostic = diagnostic.help(help);
    }
    out.push(diagnostic);
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
                "CREATE INDEX CONCURRENTLY i ON t (a);",
                "SQLite has no `CREATE INDEX CONCURRENTLY`",
            ),
        ] {
            assert_eq!(messages(sql, Dialect::Sqlite), [message], "{sql}");
        }
    }

    #[test]
    fn good() {
        for sql in [
            "DELETE FROM t;",
            "CREATE INDEX i ON t (a);",
            "CREATE TABLE t (id INTEGER PRIMARY KEY);",
            "CREATE VIRTUAL TABLE f USING fts5(body);",
        ] {
            assert!(messages(sql, Dialect::Sqlite).is_empty(), "{sql}");
        }
        // The same statements are PostgreSQL's own.
        assert!(messages("TRUNCATE t; CREATE SEQUENCE s;", Dialect::Postgres).is_empty());
    }
}
