//! `requires-no-transaction`: a statement the database refuses to run inside a transaction, in a
//! migration that runs in one.
//!
//! Such a migration would fail on every database it ever runs on. The fix is to move the
//! statement into a migration of its own marked `-- migrate:no-transaction`. The statements:
//!
//! - both dialects: `VACUUM`;
//! - PostgreSQL: `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX ...
//!   CONCURRENTLY`, `REINDEX DATABASE` and `REINDEX SYSTEM`, `CREATE DATABASE`, `DROP DATABASE`,
//!   `ALTER DATABASE ... SET TABLESPACE`, `CREATE TABLESPACE`, `DROP TABLESPACE`, `ALTER SYSTEM`,
//!   and `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY` or `FINALIZE`.
//!
//! The rule reads the statement's words rather than its syntax tree, so it also covers the
//! statements the parser cannot read (`REINDEX`, `DROP INDEX CONCURRENTLY`).

use super::Context;
use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;

pub(crate) fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if !cx.transaction {
        return;
    }
    let Some(what) = refused_in_transaction(cx.dialect, cx.words) else {
        return;
    };
    out.push(
        cx.finding(
            Code::RequiresNoTransaction,
            format!("`{what}` cannot run inside a transaction"),
        )
        .label("runs in the migration's transaction")
        .help("move it into a migration of its own that starts with `-- migrate:no-transaction`"),
    );
}

/// The statement's kind, if `dialect` refuses to run it inside a transaction block.
pub(crate) fn refused_in_transaction(dialect: Dialect, words: &[String]) -> Option<&'static str> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let has = |word: &str| w.contains(&word);
    if w.first() == Some(&"VACUUM") {
        return Some("VACUUM");
    }
    if dialect != Dialect::Postgres {
        return None;
    }
    Some(match w.as_slice() {
        ["CREATE", "INDEX" | "UNIQUE", ..]
            if w.get(1..4).is_some_and(|s| s.contains(&"CONCURRENTLY")) =>
        {
            "CREATE INDEX CONCURRENTLY"
        }
        ["DROP", "INDEX", "CONCURRENTLY", ..] => "DROP INDEX CONCURRENTLY",
        ["REINDEX", rest @ ..] => {
            // After `REINDEX`: options in parentheses (their words), then the kind.
            let head = &rest[..rest.len().min(4)];
            if head.contains(&"CONCURRENTLY") {
                "REINDEX CONCURRENTLY"
            } else if head.contains(&"DATABASE") || head.contains(&"SYSTEM") {
                "REINDEX DATABASE"
            } else {
                return None;
            }
        }
        ["CREATE", "DATABASE", ..] => "CREATE DATABASE",
        ["DROP", "DATABASE", ..] => "DROP DATABASE",
        ["ALTER", "DATABASE", ..] if w.windows(2).any(|p| p == ["SET", "TABLESPACE"]) => {
            "ALTER DATABASE ... SET TABLESPACE"
        }
        ["CREATE", "TABLESPACE", ..] => "CREATE TABLESPACE",
        ["DROP", "TABLESPACE", ..] => "DROP TABLESPACE",
        ["ALTER", "SYSTEM", ..] => "ALTER SYSTEM",
        ["ALTER", "TABLE", ..]
            if w.windows(2).any(|p| p == ["DETACH", "PARTITION"])
                && (has("CONCURRENTLY") || has("FINALIZE")) =>
        {
            "ALTER TABLE ... DETACH PARTITION CONCURRENTLY"
        }
        _ => return None,
    })
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

    /// Every statement PostgreSQL refuses in a transaction block, parsed or not.
    #[test]
    fn bad_postgres() {
        for (sql, what) in [
            ("VACUUM FULL;", "VACUUM"),
            ("VACUUM (ANALYZE) t;", "VACUUM"),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS i;",
                "DROP INDEX CONCURRENTLY",
            ),
            ("REINDEX INDEX CONCURRENTLY i;", "REINDEX CONCURRENTLY"),
            (
                "REINDEX (VERBOSE) TABLE CONCURRENTLY t;",
                "REINDEX CONCURRENTLY",
            ),
            ("REINDEX DATABASE app;", "REINDEX DATABASE"),
            ("REINDEX SYSTEM app;", "REINDEX DATABASE"),
            ("CREATE DATABASE x;", "CREATE DATABASE"),
            ("DROP DATABASE IF EXISTS x;", "DROP DATABASE"),
            (
                "ALTER DATABASE app SET TABLESPACE fast;",
                "ALTER DATABASE ... SET TABLESPACE",
            ),
            (
                "CREATE TABLESPACE fast LOCATION '/ssd';",
                "CREATE TABLESPACE",
            ),
            ("DROP TABLESPACE fast;", "DROP TABLESPACE"),
            ("ALTER SYSTEM SET work_mem = '64MB';", "ALTER SYSTEM"),
            (
                "ALTER TABLE public.m DETACH PARTITION m_2020 CONCURRENTLY;",
                "ALTER TABLE ... DETACH PARTITION CONCURRENTLY",
            ),
            (
                "ALTER TABLE m DETACH PARTITION m_2020 FINALIZE;",
                "ALTER TABLE ... DETACH PARTITION CONCURRENTLY",
            ),
        ] {
            assert_eq!(
                messages(sql, Dialect::Postgres),
                [format!("`{what}` cannot run inside a transaction")],
                "{sql}"
            );
            // Marked, the same statement is fine.
            let marked = format!("-- migrate:no-transaction\n{sql}");
            assert!(messages(&marked, Dialect::Postgres).is_empty(), "{marked}");
        }
    }

    #[test]
    fn good() {
        for sql in [
            "REINDEX INDEX i;",
            "ALTER DATABASE app SET work_mem = '64MB';",
            "ALTER TABLE m DETACH PARTITION m_2020;",
            "CREATE INDEX i ON t (concurrently_flag);",
            "ANALYZE t;",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY v;",
        ] {
            let errors = messages(sql, Dialect::Postgres);
            assert!(errors.is_empty(), "{sql}: {errors:?}");
        }
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
