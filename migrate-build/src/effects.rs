//! What a statement may change, by its command alone: which kinds of object, and whether rows.
//!
//! Two stages ask it, for a statement they cannot follow: the schema model, for one the parser
//! could not read (what it may have changed becomes unknown, and only that), and the engine
//! check, for one the database refused or could not run (what a later refusal may follow from).
//! The answer comes from what each command of the dialect's grammar can do, never from the
//! words it happens to contain: `ALTER DEFAULT PRIVILEGES ... IN SCHEMA s ... ON TABLES` changes
//! privileges, which neither stage models, so it changes nothing they know.
//!
//! Objects neither stage models (roles, collations, tablespaces, policies, settings) are one more
//! part of the state: the model ignores it, but a later refusal the check does not recognise may
//! depend on it. A `DROP ... CASCADE` may take anything that depends on the object with it, of
//! any kind. A command that is not in the dialect's table may do anything.

use crate::dialect::Dialect;
use crate::kind::{Kind, Kinds};

/// What a statement may change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Effects {
    /// The kinds of object it may create, alter or drop.
    pub kinds: Kinds,
    /// Whether it may insert, update or delete rows.
    pub rows: bool,
    /// Whether it may change objects of kinds the model does not have, or settings.
    pub other: bool,
}

impl Effects {
    /// Nothing the model or the check follows.
    pub(crate) const NONE: Effects = Effects {
        kinds: 0,
        rows: false,
        other: false,
    };
    /// Anything.
    pub(crate) const ALL: Effects = Effects {
        kinds: Kind::ALL,
        rows: true,
        other: true,
    };
    /// Rows, and no object.
    pub(crate) const ROWS: Effects = Effects {
        kinds: 0,
        rows: true,
        other: false,
    };
    /// Tables, views, indexes and sequences: the objects of one namespace, and their columns.
    pub(crate) const RELATIONS: Effects = Effects::kinds(Kind::RELATIONS);
    /// Objects of kinds the model does not have, or settings.
    pub(crate) const OTHER: Effects = Effects {
        kinds: 0,
        rows: false,
        other: true,
    };

    pub(crate) const fn kinds(kinds: Kinds) -> Effects {
        Effects {
            kinds,
            rows: false,
            other: false,
        }
    }

    /// Both together.
    pub(crate) const fn union(self, other: Effects) -> Effects {
        Effects {
            kinds: self.kinds | other.kinds,
            rows: self.rows || other.rows,
            other: self.other || other.other,
        }
    }

    /// Whether the two share a kind of object, or both involve rows, or other objects.
    pub(crate) fn meets(self, other: Effects) -> bool {
        self.kinds & other.kinds != 0 || (self.rows && other.rows) || (self.other && other.other)
    }

    pub(crate) fn is_none(self) -> bool {
        self == Effects::NONE
    }
}

/// What a statement of `command` may change. `command` is the statement's command as the
/// dialect's table writes it ([`crate::heads::command`]: `DROP TABLE`, `ALTER DEFAULT
/// PRIVILEGES`), `None` when its head is no command; `words` are its unquoted words, upper case
/// (for `CASCADE` and `search_path`).
pub(crate) fn of_command(dialect: Dialect, command: Option<&str>, words: &[String]) -> Effects {
    let Some(command) = command else {
        return Effects::ALL;
    };
    let has = |word: &str| words.iter().any(|w| w == word);
    let (verb, object) = command.split_once(' ').unwrap_or((command, ""));
    match verb {
        "CREATE" | "ALTER" | "DROP" => {
            let Some(kinds) = object_kinds(dialect, verb, object) else {
                return Effects::ALL;
            };
            // What depends on the dropped object goes with it, whatever its kind.
            if verb == "DROP" && has("CASCADE") {
                return Effects::kinds(Kind::ALL).union(Effects::OTHER);
            }
            Effects {
                kinds,
                // SQLite deletes the rows that reference a dropped table (`ON DELETE CASCADE`);
                // a trigger or a rule changes what later writes do.
                rows: (dialect == Dialect::Sqlite && command == "DROP TABLE")
                    || matches!(object, "TRIGGER" | "RULE"),
                other: kinds == 0 || kinds == Kind::ALL,
            }
        }
        // Comments and labels: nothing anything depends on.
        "COMMENT" | "SECURITY" => Effects::NONE,
        // Privileges and ownership: nothing modelled.
        "GRANT" | "REVOKE" | "REASSIGN" => Effects::OTHER,
        "IMPORT" => Effects::kinds(Kind::Table.bit() | Kind::Type.bit()),
        "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "TRUNCATE" | "REPLACE" => Effects::ROWS,
        // A query calls functions: PostgreSQL's may change anything; SQLite's cannot change the
        // schema, and SQLite's `EXPLAIN` runs nothing.
        "SELECT" | "VALUES" | "EXPLAIN" if dialect == Dialect::Sqlite => Effects::NONE,
        "WITH" if dialect == Dialect::Sqlite => Effects::ROWS,
        "SELECT" | "VALUES" | "WITH" | "CALL" | "DO" | "EXECUTE" | "EXPLAIN" => Effects::ALL,
        // `TABLE t` reads a table and calls nothing.
        "TABLE" => Effects::NONE,
        // A search path changes what every name means; other settings, nothing modelled.
        "SET" | "RESET" if has("SEARCH_PATH") || has("ALL") => {
            Effects::kinds(Kind::ALL).union(Effects::OTHER)
        }
        "SET" | "RESET" | "PRAGMA" => Effects::OTHER,
        // An attached database is a schema, with anything in it; so are temporary objects, and
        // the search path with `DISCARD ALL`.
        "ATTACH" | "DETACH" | "DISCARD" => Effects::kinds(Kind::ALL).union(Effects::OTHER),
        // Maintenance, notifications, cursors and locks.
        "ANALYZE" | "ANALYSE" | "VACUUM" | "REINDEX" | "CLUSTER" | "CHECKPOINT" | "LOAD"
        | "LISTEN" | "NOTIFY" | "UNLISTEN" | "LOCK" | "SHOW" | "DEALLOCATE" | "PREPARE"
        | "DECLARE" | "FETCH" | "MOVE" | "CLOSE" => Effects::NONE,
        // Transaction control: the check keeps the transaction for itself and does not run
        // them, and the model does not follow transactions.
        "BEGIN" | "COMMIT" | "ROLLBACK" | "SAVEPOINT" | "RELEASE" | "END" | "ABORT" | "START" => {
            Effects::NONE
        }
        _ => Effects::ALL,
    }
}

/// The kinds a `CREATE`, `ALTER` or `DROP` of `object` may change; `None` for an object no
/// table lists.
fn object_kinds(dialect: Dialect, verb: &str, object: &str) -> Option<Kinds> {
    use Kind::*;
    Some(match object {
        // A table brings its constraints' indexes, its sequences and (PostgreSQL) its row type;
        // altering or dropping one reaches everything built on it.
        "TABLE" | "FOREIGN TABLE" | "VIRTUAL TABLE" if verb == "CREATE" => match dialect {
            Dialect::Sqlite => Kind::set(&[Table, Index]),
            Dialect::Postgres => Kind::set(&[Table, Index, Sequence, Type]),
        },
        "TABLE" | "FOREIGN TABLE" | "VIRTUAL TABLE" => match (dialect, verb) {
            (Dialect::Sqlite, "DROP") => Kind::set(&[Table, Index, Trigger]),
            _ => Kind::ALL,
        },
        "VIEW" | "MATERIALIZED VIEW" if verb == "DROP" => Kind::set(&[View, Type, Index, Trigger]),
        "VIEW" | "MATERIALIZED VIEW" => Kind::set(&[View, Type]),
        "INDEX" => Index.bit(),
        "SEQUENCE" => Sequence.bit(),
        "TYPE" | "DOMAIN" => Type.bit(),
        "FUNCTION" | "PROCEDURE" | "ROUTINE" | "AGGREGATE" => Function.bit(),
        "TRIGGER" => Trigger.bit(),
        "SCHEMA" | "EXTENSION" => Kind::ALL,
        // Objects neither stage models (their `other` effects); dropping one with `CASCADE` is
        // covered above.
        "EVENT TRIGGER"
        | "RULE"
        | "POLICY"
        | "STATISTICS"
        | "COLLATION"
        | "CONVERSION"
        | "CAST"
        | "TRANSFORM"
        | "ACCESS METHOD"
        | "TEXT SEARCH"
        | "SERVER"
        | "FOREIGN DATA WRAPPER"
        | "PUBLICATION"
        | "SUBSCRIPTION"
        | "LARGE OBJECT"
        | "OPERATOR"
        | "LANGUAGE"
        | "PROCEDURAL LANGUAGE"
        | "TABLESPACE"
        | "DATABASE"
        | "ROLE"
        | "USER"
        | "GROUP"
        | "DEFAULT PRIVILEGES"
        | "SYSTEM" => 0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heads;

    /// The effects of a statement, as its words give them.
    fn effects(dialect: Dialect, sql: &str) -> Effects {
        let words: Vec<String> = sql
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        of_command(dialect, heads::command(dialect, &words, false), &words)
    }

    #[test]
    fn a_command_changes_only_what_its_grammar_lets_it() {
        let pg = |sql| effects(Dialect::Postgres, sql);
        // Words that name a kind, in a statement that changes none the model has; what it
        // changes instead is `other` state, which only the engine check cares about.
        for sql in [
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO app",
            "GRANT CREATE ON SCHEMA public TO app",
            "CREATE STATISTICS s ON a, b FROM t",
            "DROP EVENT TRIGGER e",
            "CREATE POLICY p ON t USING (true)",
            "ALTER ROLE app SET search_path = app",
            "REASSIGN OWNED BY a TO b",
            "CREATE TABLESPACE fast LOCATION '/ssd'",
        ] {
            assert_eq!(pg(sql), Effects::OTHER, "{sql}");
        }
        for sql in ["COMMENT ON TABLE t IS 'a table'", "BEGIN", "VACUUM t"] {
            assert_eq!(pg(sql), Effects::NONE, "{sql}");
        }
        assert_eq!(
            pg("CREATE INDEX i ON t (a)"),
            Effects::kinds(Kind::Index.bit())
        );
        assert_eq!(
            pg("CREATE OR REPLACE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql"),
            Effects::kinds(Kind::Function.bit())
        );
        assert_eq!(pg("INSERT INTO t VALUES (1)"), Effects::ROWS);
        assert_eq!(pg("CREATE TABLE t (a int)").kinds & Kind::Function.bit(), 0);
        // Anything may depend on what a `CASCADE` drops, and on what a schema holds.
        for sql in [
            "DROP COLLATION c CASCADE",
            "DROP INDEX i CASCADE",
            "DROP SCHEMA s",
            "DROP OWNED BY app",
            "ALTER TABLE t RENAME TO u",
            "SET search_path = other",
        ] {
            assert_eq!(pg(sql).kinds, Kind::ALL, "{sql}");
        }
        assert_eq!(pg("SELECT f()"), Effects::ALL);
        assert_eq!(pg("FROBNICATE t"), Effects::ALL);
        let sqlite = |sql| effects(Dialect::Sqlite, sql);
        assert_eq!(sqlite("SELECT f()"), Effects::NONE);
        assert_eq!(sqlite("PRAGMA foreign_keys = ON"), Effects::OTHER);
        assert!(sqlite("DROP TABLE t").rows);
        assert_eq!(sqlite("DROP TABLE t").kinds & Kind::Function.bit(), 0);
    }

    #[test]
    fn effects_meet_where_they_share_a_kind_or_rows() {
        let table = Effects::kinds(Kind::Table.bit());
        assert!(table.meets(Effects::kinds(Kind::RELATIONS)));
        assert!(!table.meets(Effects::kinds(Kind::Function.bit())));
        assert!(!table.meets(Effects::ROWS));
        assert!(Effects::ROWS.meets(Effects::ALL));
        assert!(!Effects::NONE.meets(Effects::ALL));
        assert!(Effects::OTHER.meets(Effects::ALL));
        assert!(!Effects::OTHER.meets(Effects::kinds(Kind::ALL)));
        assert_eq!(
            table.union(Effects::ROWS),
            Effects {
                kinds: 1,
                rows: true,
                other: false
            }
        );
    }
}
