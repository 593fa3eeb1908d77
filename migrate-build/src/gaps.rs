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
        what: "`PRAGMA` with a keyword value such as `ON` or `OFF`",
    },
    Gap {
        dialects: SQLITE,
        pattern: &["CREATE", "?TEMP|TEMPORARY", "TRIGGER"],
        what: "some forms of `CREATE TRIGGER`, such as `IF NOT EXISTS`",
    },
    Gap {
        dialects: BOTH,
        pattern: &["REINDEX"],
        what: "`REINDEX`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["DO"],
        what: "`DO` blocks",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["CREATE", "?OR", "?REPLACE", "FUNCTION|PROCEDURE"],
        what: "some function options, such as `COST`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["CREATE", "EXTENSION"],
        what: "`CREATE EXTENSION ... SCHEMA`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["ALTER", "INDEX"],
        what: "`ALTER INDEX IF EXISTS`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["DROP", "INDEX", "CONCURRENTLY"],
        what: "`DROP INDEX CONCURRENTLY`",
    },
    Gap {
        dialects: POSTGRES,
        pattern: &["COMMENT", "ON"],
        what: "`COMMENT ON` for constraints and functions",
    },
];

/// The gap a failed statement falls into, from its leading keywords.
pub(crate) fn find(dialect: Dialect, words: &[String]) -> Option<&'static Gap> {
    GAPS.iter()
        .find(|gap| gap.dialects.contains(&dialect) && matches(gap.pattern, words))
}

fn matches(pattern: &[&str], words: &[String]) -> bool {
    let mut words = words.iter().peekable();
    for element in pattern {
        let (optional, alternatives) = match element.strip_prefix('?') {
            Some(rest) => (true, rest),
            None => (false, *element),
        };
        let hit = words
            .peek()
            .is_some_and(|w| alternatives.split('|').any(|a| a == w.as_str()));
        if hit {
            words.next();
        } else if !optional {
            return false;
        }
    }
    true
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
        assert!(matches(p, &words("CREATE TRIGGER IF")));
        assert!(matches(p, &words("CREATE TEMP TRIGGER")));
        assert!(matches(p, &words("CREATE TEMPORARY TRIGGER")));
        assert!(!matches(p, &words("CREATE TABLE")));
        assert!(!matches(p, &words("CREATE")));
    }

    #[test]
    fn gaps_are_per_dialect_and_typos_are_not_gaps() {
        assert!(find(Dialect::Sqlite, &words("PRAGMA foreign_keys")).is_some());
        assert!(find(Dialect::Postgres, &words("PRAGMA foreign_keys")).is_none());
        assert!(find(Dialect::Postgres, &words("DO")).is_some());
        assert!(find(Dialect::Sqlite, &words("CRATE TABLE")).is_none());
    }
}
