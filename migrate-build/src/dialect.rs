//! The SQL dialects migrations can be checked against.

use std::fmt;

/// A database whose SQL a migration set is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite 3.35 or newer (the first with `ALTER TABLE ... DROP COLUMN`).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Dialect {
    /// Every dialect, in the order they are documented.
    pub const ALL: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

    /// The name used in `[package.metadata.migrate]`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }

    /// The database's name, as prose writes it: `SQLite`, `PostgreSQL`.
    pub fn title(self) -> &'static str {
        match self {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
        }
    }

    /// Parses a configured dialect name; accepts the common aliases.
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" | "pg" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    pub(crate) fn parser_dialect(self) -> &'static dyn sqlparser::dialect::Dialect {
        match self {
            Dialect::Sqlite => &sqlparser::dialect::SQLiteDialect {},
            Dialect::Postgres => &sqlparser::dialect::PostgreSqlDialect {},
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
