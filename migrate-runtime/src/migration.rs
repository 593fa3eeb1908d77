//! Migrations as the `migrations!()` macro embeds them: `const` data, no parsing at run time.

use std::fmt;

use crate::Predecessor;

/// One migration: its version, name, up and optional down script, and checksum.
///
/// Values are made by the `migrations!()` macro, one `const` per migration file, named
/// `V<version>_<NAME>`. Each also serves as a typed target: `migrate_to(conn, db::V3_ADD_KEYS)`
/// only compiles if that migration exists.
#[derive(Debug)]
pub struct Migration {
    version: i64,
    name: &'static str,
    checksum: &'static str,
    up: Script,
    down: Option<Script>,
    irreversible: Option<&'static str>,
    recorded_version: Option<&'static str>,
    recorded_checksum: Option<&'static str>,
}

impl Migration {
    #[doc(hidden)]
    pub const fn __new(
        version: i64,
        name: &'static str,
        checksum: &'static str,
        up: Script,
        down: Option<Script>,
    ) -> Migration {
        Migration {
            version,
            name,
            checksum,
            up,
            down,
            irreversible: None,
            recorded_version: None,
            recorded_checksum: None,
        }
    }

    #[doc(hidden)]
    pub const fn __irreversible(mut self, reason: &'static str) -> Migration {
        self.irreversible = Some(reason);
        self
    }

    #[doc(hidden)]
    pub const fn __recorded_version(mut self, version: &'static str) -> Migration {
        self.recorded_version = Some(version);
        self
    }

    #[doc(hidden)]
    pub const fn __recorded_checksum(mut self, checksum: &'static str) -> Migration {
        self.recorded_checksum = Some(checksum);
        self
    }

    /// The version, from the file name.
    pub const fn version(&self) -> i64 {
        self.version
    }

    /// The name, from the file name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The checksum of the up script, as recorded in the history table (`v1:<sha-256 hex>`).
    pub const fn checksum(&self) -> &'static str {
        self.checksum
    }

    /// The up script.
    pub const fn up(&self) -> &Script {
        &self.up
    }

    /// The down script, if the migration has one.
    pub const fn down(&self) -> Option<&Script> {
        self.down.as_ref()
    }

    /// Whether the migration can be reverted.
    pub const fn is_reversible(&self) -> bool {
        self.down.is_some()
    }

    /// Why the migration cannot be undone, when its up file says so with
    /// `-- migrate:irreversible <reason>` (it then has no down script).
    pub const fn irreversible(&self) -> Option<&'static str> {
        self.irreversible
    }

    /// The version as the set's [`Predecessor`](crate::Predecessor) records it in its history
    /// table, where that is not [`Migration::version`] written in decimal (diesel's unpadded
    /// digits, dbmate's leading zeros, Flyway's `1.2`).
    pub const fn recorded_version(&self) -> Option<&'static str> {
        self.recorded_version
    }

    /// The checksum the set's [`Predecessor`](crate::Predecessor) records for the up file, where
    /// it keeps one: sqlx's SHA-384 in hex, refinery's SipHash (for 32-bit, then 64-bit
    /// versions, separated by a space), Flyway's CRC-32.
    pub const fn recorded_checksum(&self) -> Option<&'static str> {
        self.recorded_checksum
    }

    /// Whether `other` is this migration (same version, name and checksum).
    pub(crate) fn same_as(&self, other: &Migration) -> bool {
        self.version == other.version && self.name == other.name && self.checksum == other.checksum
    }
}

impl fmt::Display for Migration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.version, self.name)
    }
}

/// One file of a migration: its SQL, split into statements at build time.
#[derive(Debug)]
pub struct Script {
    path: &'static str,
    sql: &'static str,
    transaction: bool,
    foreign_keys_off: bool,
    /// The statements' positions, as `migrate_core::encode_positions` writes them.
    statements: &'static [u8],
}

impl Script {
    #[doc(hidden)]
    pub const fn __new(
        path: &'static str,
        sql: &'static str,
        transaction: bool,
        foreign_keys_off: bool,
        statements: &'static [u8],
    ) -> Script {
        Script {
            path,
            sql,
            transaction,
            foreign_keys_off,
            statements,
        }
    }

    /// The file's path relative to the package, as shown in errors.
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The whole file.
    pub const fn sql(&self) -> &'static str {
        self.sql
    }

    /// False when the file starts with `-- migrate:no-transaction`.
    pub const fn runs_in_transaction(&self) -> bool {
        self.transaction
    }

    /// True when the file starts with `-- migrate:foreign-keys-off`: on SQLite, foreign keys are
    /// off while it runs, and checked before it commits.
    pub const fn disables_foreign_keys(&self) -> bool {
        self.foreign_keys_off
    }

    /// The statements, in order, with their SQL and position in the file.
    pub fn statements(&self) -> impl ExactSizeIterator<Item = StatementRef> + '_ {
        migrate_core::decode_positions(self.statements).map(|p| StatementRef {
            // The ranges were computed from this very text at build time.
            sql: self.sql.get(p.start as usize..p.end as usize).unwrap_or(""),
            line: p.line,
            column: p.column,
            start: p.start as usize,
        })
    }

    /// The 1-based line and column (in characters) of a byte offset into the file.
    pub(crate) fn line_col(&self, offset: usize) -> (u32, u32) {
        migrate_core::line_col(self.sql, offset)
    }
}

/// A statement of a [`Script`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementRef {
    /// The statement's SQL, from its first keyword to its `;`.
    pub sql: &'static str,
    /// 1-based line of the first keyword in the file.
    pub line: u32,
    /// 1-based column, in characters, of the first keyword.
    pub column: u32,
    /// Byte offset of the statement in the file.
    pub start: usize,
}

/// The ordered set of a package's migrations, and the history table they are recorded in.
#[derive(Debug)]
pub struct Migrations {
    table: &'static str,
    list: &'static [&'static Migration],
    predecessor: Option<Predecessor>,
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __new(table: &'static str, list: &'static [&'static Migration]) -> Migrations {
        Migrations {
            table,
            list,
            predecessor: None,
        }
    }

    #[doc(hidden)]
    pub const fn __after(mut self, predecessor: Predecessor) -> Migrations {
        self.predecessor = Some(predecessor);
        self
    }

    /// The tool whose layout the set is read in (`layout` in `[package.metadata.migrate]`), whose
    /// history table the first run takes over; `None` for migrate's own layout.
    pub const fn predecessor(&self) -> Option<Predecessor> {
        self.predecessor
    }

    /// The history table configured in `[package.metadata.migrate]` (default `_migrate_history`).
    pub const fn table(&self) -> &'static str {
        self.table
    }

    /// The migrations, in version order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static Migration> + DoubleEndedIterator {
        self.list.iter().copied()
    }

    /// The migration with this version.
    pub fn get(&self, version: i64) -> Option<&'static Migration> {
        self.list
            .binary_search_by_key(&version, |m| m.version)
            .ok()
            .map(|i| self.list[i])
    }

    /// The number of migrations.
    pub const fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The newest migration.
    pub fn last(&self) -> Option<&'static Migration> {
        self.list.last().copied()
    }

    /// Whether `migration` belongs to this set.
    pub(crate) fn contains(&self, migration: &Migration) -> bool {
        self.get(migration.version)
            .is_some_and(|m| m.same_as(migration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "\u{feff}CREATE TABLE a (x INT);\r\nINSERT INTO a VALUES ('é');\n";
    const STATEMENTS: &[u8] = &[
        3, 0, 0, 0, 26, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, //
        28, 0, 0, 0, 56, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0,
    ];
    const SCRIPT: Script = Script::__new("migrations/1_a.sql", SQL, true, false, STATEMENTS);

    #[test]
    fn statements_slice_the_file() {
        let sql: Vec<_> = SCRIPT.statements().map(|s| s.sql).collect();
        assert_eq!(
            sql,
            ["CREATE TABLE a (x INT);", "INSERT INTO a VALUES ('é');"]
        );
    }

    #[test]
    fn errors_are_placed_past_the_bom() {
        let quote = SQL.find("'é'").unwrap();
        assert_eq!(SCRIPT.line_col(quote + "'é".len()), (2, 25));
    }

    #[test]
    fn lookup_by_version() {
        static A: Migration = Migration::__new(
            1,
            "a",
            "v1:a",
            Script::__new("a", "", true, false, &[]),
            None,
        );
        static B: Migration = Migration::__new(
            5,
            "b",
            "v1:b",
            Script::__new("b", "", true, false, &[]),
            None,
        );
        static SET: Migrations = Migrations::__new("_migrate_history", &[&A, &B]);
        assert_eq!(SET.get(5).map(Migration::name), Some("b"));
        assert!(SET.get(3).is_none());
        assert!(SET.contains(&B));
        let other = Migration::__new(
            5,
            "b",
            "v1:changed",
            Script::__new("b", "", true, false, &[]),
            None,
        );
        assert!(!SET.contains(&other));
    }
}
