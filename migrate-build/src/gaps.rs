//! Statements the database accepts but sqlparser cannot parse.
//!
//! A statement that fails to parse is an error, except when it starts with one of the forms below
//! for its dialect: then it goes through *unchecked* (a warning says so, and the migration runs it
//! as written). The list is deliberately narrow and keyed on leading keywords, so a typo in the
//! first words (`CRATE TABLE`) is still an error. Anything else the parser gets wrong can be let
//! through explicitly with a `-- migrate:unchecked` line before the statement.
//!
//! Each entry was found by running the checker over real migrations that ran on real databases
//! (see `migrate-bench`'s corpus check).

use crate::dialect::Dialect;

/// A family of statements the parser does not support.
#[derive(Debug)]
pub struct Gap {
    /// Dialects the gap applies to.
    pub dialects: &'static [Dialect],
    /// Leading keywords. `A|B` matches either word; a leading `?` makes the word optional.
    pub pattern: &'static [&'static str],
    /// Words that must follow, next to each other, somewhere after the pattern (for forms only
    /// a later clause tells apart, such as `ALTER TABLE t DETACH PARTITION`); often none.
    pub contains: &'static [&'static str],
    /// What is not supported, for the warning.
    pub what: &'static str,
}

const SQLITE: &[Dialect] = &[Dialect::Sqlite];
const POSTGRES: &[Dialect] = &[Dialect::Postgres];
const BOTH: &[Dialect] = &[Dialect::Sqlite, Dialect::Postgres];

/// The known gaps of sqlparser 0.63.
pub const GAPS: &[Gap] = &[
    Gap {
        dialects: SQLITE,
        pattern: &["PRAGMA"],
        contains: &[],
        what: "`PRAGMA` with a keyword value such as `ON` or `OFF`",
    },
    Gap {
        dialects: SQLITE,
        pattern: &["CREATE", "?TEMP|TEMPORARY", "TRIGGER"],
        contains: &[],
        what: "some forms of `CREATE TRIGGER`, such as `IF NOT EXISTS`",
    },
    Gap {
        dialects: BOTH,
        pattern: &["REINDEX"],
        contains: &[],
        what: "`REINDEX`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["DO"],
        contains: &[],
        what: "`DO` blocks",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["CREATE", "?OR", "?REPLACE", "FUNCTION|PROCEDURE"],
        contains: &[],
        what: "some function options, such as `COST`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["CREATE", "EXTENSION"],
        contains: &[],
        what: "`CREATE EXTENSION ... SCHEMA`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["ALTER", "INDEX"],
        contains: &[],
        what: "`ALTER INDEX IF EXISTS`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["DROP", "INDEX", "CONCURRENTLY"],
        contains: &[],
        what: "`DROP INDEX CONCURRENTLY`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["ALTER", "SYSTEM"],
        contains: &[],
        what: "`ALTER SYSTEM`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["CREATE|DROP", "TABLESPACE"],
        contains: &[],
        what: "tablespaces",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["ALTER", "DATABASE"],
        contains: &[],
        what: "`ALTER DATABASE`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["ALTER", "TABLE"],
        contains: &["DETACH", "PARTITION"],
        what: "`ALTER TABLE ... DETACH PARTITION`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["VACUUM|ANALYZE"],
        contains: &[],
        what: "`VACUUM` and `ANALYZE` with options in parentheses",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["REFRESH", "MATERIALIZED", "VIEW"],
        contains: &[],
        what: "`REFRESH MATERIALIZED VIEW`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["CLUSTER"],
        contains: &[],
        what: "`CLUSTER`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["COMMENT", "ON"],
        contains: &[],
        what: "`COMMENT ON` for constraints and functions",
    },
];

/// The gap a failed statement falls into, from its words (see `Split::words`).
pub(crate) fn find(dialect: Dialect, words: &[String]) -> Option<&'static Gap> {
    GAPS.iter().find(|gap| {
        gap.dialects.contains(&dialect)
            && matches(gap.pattern, words).is_some_and(|rest| {
                gap.contains.is_empty()
                    || rest
                        .windows(gap.contains.len())
                        .any(|w| w.iter().zip(gap.contains).all(|(a, b)| a == b))
            })
    })
}

/// The words after the pattern, if `words` starts with it.
fn matches<'w>(pattern: &[&str], words: &'w [String]) -> Option<&'w [String]> {
    let mut rest = words;
    for element in pattern {
        let (optional, alternatives) = match element.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, *element),
        };
        let hit = rest
            .first()
            .is_some_and(|w| alternatives.split('|').any(|a| a == w.as_str()));
        if hit {
            rest = &rest[1..];
        } else if !optional {
            return None;
        }
    }
    Some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn optional_and_alternative_words() {
        let p = &["CREATE", "?TEMP|TEMPORARY", "TRIGGER"];
        assert!(matches(p, &words("CREATE TRIGGER IF")).is_some());
        assert!(matches(p, &words("CREATE TEMP TRIGGER")).is_some());
        assert!(matches(p, &words("CREATE TEMPORARY TRIGGER")).is_some());
        assert!(matches(p, &words("CREATE TABLE")).is_none());
        assert!(matches(p, &words("CREATE")).is_none());
    }

    #[test]
    fn gaps_are_per_dialect_and_typos_are_not_gaps() {
        assert!(find(Dialect::Sqlite, &words("PRAGMA foreign_keys")).is_some());
        assert!(find(Dialect::Postgres, &words("PRAGMA foreign_keys")).is_none());
        assert!(find(Dialect::Postgres, &words("DO")).is_some());
        assert!(find(Dialect::Sqlite, &words("CRATE TABLE")).is_none());
    }

    #[test]
    fn a_later_clause_can_select_the_gap() {
        let detach = "ALTER TABLE PUBLIC MEASUREMENTS DETACH PARTITION Y2020 CONCURRENTLY";
        assert!(find(Dialect::Postgres, &words(detach)).is_some());
        assert!(find(Dialect::Postgres, &words("ALTER TABLE T ADD COLUMN C")).is_none());
    }
}
