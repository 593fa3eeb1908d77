//! `transaction-control`: `BEGIN`, `COMMIT` or `ROLLBACK` in a migration that runs in a transaction.
//!
//! The migrator runs each migration and the history row that records it in one transaction. A
//! `COMMIT` inside the file would end that transaction early: a later failure could no longer be
//! rolled back, and the history would not match the schema. A `BEGIN` fails on SQLite ("cannot
//! start a transaction within a transaction") and is ignored with a warning by PostgreSQL.
//! `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` are fine. A file marked `-- migrate:no-transaction`
//! manages its own transactions and may use all of them.

use super::Context;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.transaction || !is_transaction_control(cx.command, cx.words) {
        return;
    }
    out.push(
        cx.finding(
            Code::TransactionControl,
            format!(
                "`{}` in a migration that already runs in a transaction",
                cx.keywords(1)
            ),
        )
        .label("transaction control statement")
        .note("each migration and its history row are committed together, in one transaction")
        .help(
            "remove it, or put `-- migrate:no-transaction` before the first statement to manage \
             transactions yourself",
        ),
    );
}

/// Whether a statement starts, ends or abandons a transaction (a `ROLLBACK TO` a savepoint does
/// not).
pub(crate) fn is_transaction_control(command: &str, words: &[String]) -> bool {
    match command {
        "BEGIN" | "START TRANSACTION" | "COMMIT" | "END" | "ABORT" => true,
        "ROLLBACK" => !words.iter().any(|w| w == "TO"),
        _ => false,
    }
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
        assert_eq!(
            messages(
                "START TRANSACTION ISOLATION LEVEL SERIALIZABLE;",
                Dialect::Postgres
            ),
            ["`START` in a migration that already runs in a transaction"]
        );
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
