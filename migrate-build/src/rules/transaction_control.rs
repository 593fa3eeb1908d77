//! `transaction-control`: `BEGIN`, `COMMIT` or `ROLLBACK` in a migration that runs in a transaction.
//!
//! The migrator runs each migration and the history row that records it in one transaction. A
//! `COMMIT` inside the file would end that transaction early: a later failure could no longer be
//! rolled back, and the history would not match the schema. A `BEGIN` fails on SQLite ("cannot
//! start a transaction within a transaction") and is ignored with a warning by PostgreSQL.
//! `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` are fine. A file marked `-- migrate:no-transaction`
//! manages its own transactions and may use all of them.

use sqlparser::ast::Statement;

use super::Context;
use crate::diagnostic::Diagnostic;

pub(crate) fn check(statement: &Statement, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.transaction {
        return;
    }
    let keyword = match statement {
        Statement::StartTransaction { .. } | Statement::Commit { .. } => cx.keywords(1),
        Statement::Rollback {
            savepoint: None, ..
        } => cx.keywords(1),
        _ => return,
    };
    out.push(
        cx.error(format!(
            "`{keyword}` in a migration that already runs in a transaction"
        ))
        .label("transaction control statement")
        .note("each migration and its history row are committed together, in one transaction")
        .help(
            "remove it, or put `-- migrate:no-transaction` before the first statement to manage \
             transactions yourself",
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::dialect::Dialect;
    use crate::rules::test_support::messages;

    #[test]
    fn bad() {
        for sql in [
            "BEGIN;",
            "BEGIN TRANSACTION;",
            "COMMIT;",
            "END;",
            "ROLLBACK;",
        ] {
            for dialect in Dialect::ALL {
                let found = messages(sql, dialect);
                assert_eq!(found.len(), 1, "{sql} ({dialect}): {found:?}");
                assert!(
                    found[0].contains("already runs in a transaction"),
                    "{found:?}"
                );
            }
        }
    }

    #[test]
    fn good() {
        for sql in [
            "SAVEPOINT a; RELEASE a;",
            "ROLLBACK TO SAVEPOINT a;",
            "-- migrate:no-transaction\nBEGIN; CREATE TABLE a (x INT); COMMIT;",
        ] {
            assert_eq!(
                messages(sql, Dialect::Sqlite),
                Vec::<String>::new(),
                "{sql}"
            );
        }
    }
}
