//! `requires-no-transaction`: a statement the database refuses to run inside a transaction, in a
//! migration that runs in one.
//!
//! `VACUUM` (SQLite and PostgreSQL), `CREATE INDEX CONCURRENTLY`, `CREATE DATABASE` and
//! `DROP DATABASE` (PostgreSQL) fail inside a transaction block, so the migration would fail on
//! every database it ever runs on. The fix is to move the statement into a migration of its own
//! marked `-- migrate:no-transaction`.

use sqlparser::ast::{ObjectType, Statement};

use super::Context;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;

pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.transaction {
        return;
    }
    let postgres = cx.dialect == Dialect::Postgres;
    let what = match statement {
        Statement::Vacuum(_) => "VACUUM",
        Statement::CreateIndex(index) if postgres && index.concurrently => {
            "CREATE INDEX CONCURRENTLY"
        }
        Statement::CreateDatabase { .. } if postgres => "CREATE DATABASE",
        Statement::Drop {
            object_type: ObjectType::Database,
            ..
        } if postgres => "DROP DATABASE",
        _ => return,
    };
    out.push(
        cx.error(format!("`{what}` cannot run inside a transaction"))
            .label("runs in the migration's transaction")
            .help(
                "move it into a migration of its own that starts with `-- migrate:no-transaction`",
            ),
    );
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::test_support::messages;

    #[test]
    fn bad() {
        assert_eq!(
            messages("VACUUM;", Dialect::Sqlite),
            ["`VACUUM` cannot run inside a transaction"]
        );
        assert_eq!(
            messages("CREATE INDEX CONCURRENTLY i ON t (a);", Dialect::Postgres),
            ["`CREATE INDEX CONCURRENTLY` cannot run inside a transaction"]
        );
    }

    #[test]
    fn good() {
        assert!(messages("-- migrate:no-transaction\nVACUUM;", Dialect::Sqlite).is_empty());
        assert!(messages("CREATE INDEX i ON t (a);", Dialect::Postgres).is_empty());
        assert!(
            messages(
                "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);",
                Dialect::Postgres
            )
            .is_empty()
        );
    }
}
