//! Every kind of finding, with its stable code, its default level and a good and a bad example.
//!
//! A code names one rule; a rule has one code. Codes are part of the interface: they appear in
//! the output (`error[rejected]: ...`), in `[package.metadata.migrate.lints]` and in
//! `-- migrate:allow(code)` comments, so they never change meaning. The examples below are run by
//! the test suite (the bad one must produce the code, the good one must not), and
//! `docs/diagnostics.md` is generated from this table and checked against it.
//!
//! Codes whose finding means the migrations cannot be built at all, or that the database refuses
//! a statement, are *fatal*: their level cannot be changed. The others are lints.

use std::fmt;

use crate::dialect::Dialect;

/// How loud a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Fails the build.
    Error,
    /// Reported, but the build goes on.
    Warning,
}

/// The stable code of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Code {
    /// `[package.metadata.migrate]` is invalid.
    Config,
    /// A migration file cannot be read, or is not UTF-8.
    Unreadable,
    /// A `.sql` file whose name is not a migration name.
    FileName,
    /// A file in the migrations directory that is not SQL.
    StrayFile,
    /// Two migrations with one version.
    DuplicateVersion,
    /// A down migration without its up migration.
    OrphanDown,
    /// An unknown, misspelt or misplaced `-- migrate:` directive.
    Directive,
    /// Text that cannot be SQL: an unterminated string, quoted name or comment; a missing `;`.
    Syntax,
    /// A statement the dialect does not have.
    UnknownStatement,
    /// Two dialects split a file into different statements.
    DialectSplit,
    /// The database refused a statement.
    Rejected,
    /// The up migration fails when run again after its down migration.
    RedoFails,
    /// The scratch database lacks something the real one provides.
    Environment,
    /// A statement neither the parser nor the database checked.
    Unchecked,
    /// An up migration with no statements.
    EmptyUp,
    /// A down migration with no statements.
    EmptyDown,
    /// `BEGIN`, `COMMIT` or `ROLLBACK` in a migration that runs in a transaction.
    TransactionControl,
    /// A statement the database refuses inside a transaction, in a migration that runs in one.
    RequiresNoTransaction,
    /// An `ALTER TABLE` form SQLite does not have.
    SqliteAlterTable,
    /// An `ADD COLUMN` SQLite refuses on any table.
    SqliteAddColumn,
    /// An `ADD COLUMN` SQLite refuses once the table has rows.
    AddColumnNeedsEmptyTable,
    /// A foreign-key `PRAGMA` that does nothing where it is.
    SqliteForeignKeys,
    /// A column type SQLite does not number (`SERIAL`, `AUTO_INCREMENT`).
    SqliteSerial,
    /// `MIGRATE_DEV_DATABASE_URL` is set but the check cannot use it.
    DevDatabase,
    /// A statement uses a table, column, index, type or function that no earlier migration
    /// creates.
    MissingObject,
    /// A statement creates what already exists.
    AlreadyExists,
    /// A statement drops what something else still uses.
    StillUsed,
    /// A down migration that does not leave the schema as it was before its up.
    AsymmetricDown,
    /// A migration without a down, where `require-down` asks for one.
    MissingDown,
}

/// An example for the documentation: files of a migrations directory, checked as some dialects.
#[derive(Debug)]
pub struct Example {
    /// The dialects it is checked as.
    pub dialects: &'static [Dialect],
    /// `(file name, contents)` in the migrations directory; a file named `Cargo.toml` is the
    /// `[package.metadata.migrate]` section of the manifest instead.
    pub files: &'static [(&'static str, &'static [u8])],
    /// The value of `MIGRATE_DEV_DATABASE_URL` the example is checked with, if any.
    pub dev_database: Option<&'static str>,
}

/// What is known about a code.
#[derive(Debug)]
pub struct CodeInfo {
    /// The code as written in the output and the configuration.
    pub name: &'static str,
    /// The level it is reported at unless configured otherwise.
    pub level: Severity,
    /// Whether its level is fixed.
    pub fatal: bool,
    /// What it means, and why it matters.
    pub explanation: &'static str,
    /// A directory that produces it.
    pub bad: Example,
    /// The same directory, fixed.
    pub good: Example,
}

const SQLITE: &[Dialect] = &[Dialect::Sqlite];
const POSTGRES: &[Dialect] = &[Dialect::Postgres];
const BOTH: &[Dialect] = &[Dialect::Sqlite, Dialect::Postgres];

const fn example(
    dialects: &'static [Dialect],
    files: &'static [(&'static str, &'static [u8])],
) -> Example {
    Example {
        dialects,
        files,
        dev_database: None,
    }
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: [Code; 29] = [
        Code::Config,
        Code::Unreadable,
        Code::FileName,
        Code::StrayFile,
        Code::DuplicateVersion,
        Code::OrphanDown,
        Code::Directive,
        Code::Syntax,
        Code::UnknownStatement,
        Code::DialectSplit,
        Code::Rejected,
        Code::RedoFails,
        Code::Environment,
        Code::Unchecked,
        Code::MissingObject,
        Code::AlreadyExists,
        Code::StillUsed,
        Code::AsymmetricDown,
        Code::MissingDown,
        Code::EmptyUp,
        Code::EmptyDown,
        Code::TransactionControl,
        Code::RequiresNoTransaction,
        Code::SqliteAlterTable,
        Code::SqliteAddColumn,
        Code::AddColumnNeedsEmptyTable,
        Code::SqliteForeignKeys,
        Code::SqliteSerial,
        Code::DevDatabase,
    ];

    /// The code as written: `rejected`, `unchecked`, ...
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The level it is reported at unless configured otherwise.
    pub fn default_level(self) -> Severity {
        self.info().level
    }

    /// Whether its level is fixed (it cannot be allowed or downgraded).
    pub fn is_fatal(self) -> bool {
        self.info().fatal
    }

    /// The code written `name`.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The code closest to a misspelt name, if one is close enough to be a likely typo.
    pub fn suggest(name: &str) -> Option<Code> {
        crate::source::closest(name, Code::ALL.map(|c| (c, c.name())))
    }

    /// Everything known about the code.
    pub fn info(self) -> &'static CodeInfo {
        use Severity::{Error, Warning};
        match self {
            Code::Config => {
                const INFO: CodeInfo = CodeInfo {
                    name: "config",
                    level: Error,
                    fatal: true,
                    explanation: "`[package.metadata.migrate]` in `Cargo.toml` has an unknown key or \
                        a bad value. Every key is checked, so a typo never silently falls back to a \
                        default.",
                    bad: example(SQLITE, &[("Cargo.toml", b"dialect = \"oracle\"\n")]),
                    good: example(SQLITE, &[("Cargo.toml", b"dialect = \"postgres\"\n")]),
                };
                &INFO
            }
            Code::Unreadable => {
                const INFO: CodeInfo = CodeInfo {
                    name: "unreadable",
                    level: Error,
                    fatal: true,
                    explanation: "A migration file cannot be read, or is not UTF-8 text. The \
                        message names the first line with an invalid byte.",
                    bad: example(SQLITE, &[("1_init.sql", b"-- caf\xe9\nSELECT 1;\n")]),
                    good: example(SQLITE, &[("1_init.sql", b"-- caf\xc3\xa9\nSELECT 1;\n")]),
                };
                &INFO
            }
            Code::FileName => {
                const INFO: CodeInfo = CodeInfo {
                    name: "file-name",
                    level: Error,
                    fatal: true,
                    explanation: "A `.sql` file (or a directory) in the migrations directory whose \
                        name is not `<version>_<name>.up.sql`, `<version>_<name>.down.sql` or \
                        `<version>_<name>.sql`, where `<version>` is a positive integer and `<name>` \
                        lowercase words joined by `_`. The help gives the corrected name.",
                    bad: example(
                        SQLITE,
                        &[("1_AddUsers.sql", b"CREATE TABLE users (id INTEGER);\n")],
                    ),
                    good: example(
                        SQLITE,
                        &[("1_add_users.sql", b"CREATE TABLE users (id INTEGER);\n")],
                    ),
                };
                &INFO
            }
            Code::StrayFile => {
                const INFO: CodeInfo = CodeInfo {
                    name: "stray-file",
                    level: Warning,
                    fatal: false,
                    explanation: "A file in the migrations directory that is not SQL: an editor \
                        backup (`1_init.sql~`), a merge leftover (`.orig`), notes. It is not a \
                        migration and is not run; the warning makes sure that is what you meant. \
                        `README.md` and dotfiles are never reported.",
                    bad: example(
                        SQLITE,
                        &[
                            ("1_init.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_init.sql~", b"CREATE TABLE user (id INTEGER);\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[("1_init.sql", b"CREATE TABLE users (id INTEGER);\n")],
                    ),
                };
                &INFO
            }
            Code::DuplicateVersion => {
                const INFO: CodeInfo = CodeInfo {
                    name: "duplicate-version",
                    level: Error,
                    fatal: true,
                    explanation: "Two migrations share a version, often after two branches each \
                        added one. Their order would be undefined, so neither is built.",
                    bad: example(
                        SQLITE,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_teams.sql", b"CREATE TABLE teams (id INTEGER);\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("2_teams.sql", b"CREATE TABLE teams (id INTEGER);\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::OrphanDown => {
                const INFO: CodeInfo = CodeInfo {
                    name: "orphan-down",
                    level: Error,
                    fatal: true,
                    explanation: "A `.down.sql` file with no `.up.sql` of the same version and \
                        name (a plain `.sql` is up-only and takes no down).",
                    bad: example(
                        SQLITE,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_users.down.sql", b"DROP TABLE users;\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_users.down.sql", b"DROP TABLE users;\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::Directive => {
                const INFO: CodeInfo = CodeInfo {
                    name: "directive",
                    level: Error,
                    fatal: true,
                    explanation: "A comment that starts like a directive (`-- migrate:`, in any \
                        case and spacing) but is not exactly one, or a directive in the wrong place. \
                        A misspelt directive would otherwise be a comment that silently does \
                        nothing.",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_vacuum.sql",
                            b"-- migrate: no-transaction please\nVACUUM;\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[("1_vacuum.sql", b"-- migrate:no-transaction\nVACUUM;\n")],
                    ),
                };
                &INFO
            }
            Code::Syntax => {
                const INFO: CodeInfo = CodeInfo {
                    name: "syntax",
                    level: Error,
                    fatal: true,
                    explanation: "Text that no database would read: an unterminated string, quoted \
                        name or comment (reported where it starts), or two statements run together \
                        because a `;` is missing.",
                    bad: example(
                        BOTH,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER)\nCREATE INDEX users_id ON users (id);\n",
                        )],
                    ),
                    good: example(
                        BOTH,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER);\nCREATE INDEX users_id ON users (id);\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::UnknownStatement => {
                const INFO: CodeInfo = CodeInfo {
                    name: "unknown-statement",
                    level: Error,
                    fatal: true,
                    explanation: "A statement that starts with words that are no command of the \
                        dialect: a typo (`CRATE TABLE`, with a suggestion), or a command of another \
                        database (`TRUNCATE` on SQLite, with the SQLite way). The list of commands is \
                        taken from each database's own SQL reference.",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER);\nTRUNCATE users;\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER);\nDELETE FROM users;\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::DialectSplit => {
                const INFO: CodeInfo = CodeInfo {
                    name: "dialect-split",
                    level: Error,
                    fatal: true,
                    explanation: "With several dialects configured, two of them cut a file into \
                        different statements (PostgreSQL reads `$$...$$` as one string, SQLite does \
                        not). The runtime runs one split, so the file must mean the same in each.",
                    bad: example(BOTH, &[("1_select.sql", b"SELECT $$a;b$$;\n")]),
                    good: example(BOTH, &[("1_select.sql", b"SELECT 'a;b';\n")]),
                };
                &INFO
            }
            Code::Rejected => {
                const INFO: CodeInfo = CodeInfo {
                    name: "rejected",
                    level: Error,
                    fatal: true,
                    explanation: "The database refused the statement when the build ran the \
                        migrations in a scratch database: SQLite in memory on every build, \
                        PostgreSQL when `MIGRATE_DEV_DATABASE_URL` is set. The message is the \
                        database's own, at the position it gave. This covers syntax the parser let \
                        through and everything the parser and the schema model cannot know: a \
                        value of the wrong type for a column, a `CHECK` that rows break, a \
                        function the database does not have. Where the schema model explains the \
                        refusal (`missing-object`, `already-exists`, ...), its finding is reported \
                        and the database's message is a note of it.",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER, email TEXT) STRICT;\nINSERT INTO users (id, email) VALUES ('ada', 'ada@example.com');\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER, email TEXT) STRICT;\nINSERT INTO users (id, email) VALUES (1, 'ada@example.com');\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::RedoFails => {
                const INFO: CodeInfo = CodeInfo {
                    name: "redo-fails",
                    level: Warning,
                    fatal: false,
                    explanation: "The build runs each migration's up, then its down, then its \
                        up again, as `redo` would. Here the down ran, but the up then failed. \
                        When the schema model shows why (the down leaves a table or index \
                        behind), that is reported as `asymmetric-down`, with this as a note; \
                        alone, this finding is about what the model does not follow: rows the up \
                        inserts and the down does not delete, so reverting and re-applying \
                        breaks in production. An empty down is reported as `empty-down` instead.",
                    bad: example(
                        SQLITE,
                        &[
                            (
                                "1_users.sql",
                                b"CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
                            ),
                            ("2_seed.up.sql", b"INSERT INTO users (id) VALUES (1);\n"),
                            ("2_seed.down.sql", b"DELETE FROM users WHERE id = 2;\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            (
                                "1_users.sql",
                                b"CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
                            ),
                            ("2_seed.up.sql", b"INSERT INTO users (id) VALUES (1);\n"),
                            ("2_seed.down.sql", b"DELETE FROM users WHERE id = 1;\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::Environment => {
                const INFO: CodeInfo = CodeInfo {
                    name: "environment",
                    level: Warning,
                    fatal: false,
                    explanation: "The scratch database refused a statement for want of something \
                        the real database provides and the build cannot know: a function the \
                        application registers, an extension or virtual-table module that is not \
                        compiled in, a role, a privilege. Later statements are still run; what the \
                        database refuses that may follow from it is not reported as an error (a \
                        syntax error still is). Provide it in a check setup script \
                        (`check-setup` in `[package.metadata.migrate]`), or mark the statement \
                        `-- migrate:unchecked`.",
                    bad: example(
                        SQLITE,
                        &[("1_slugs.sql", b"SELECT app_slugify('Hello World');\n")],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_slugs.sql",
                            b"-- migrate:unchecked\nSELECT app_slugify('Hello World');\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::Unchecked => {
                const INFO: CodeInfo = CodeInfo {
                    name: "unchecked",
                    level: Warning,
                    fatal: false,
                    explanation: "A statement that nothing checked: the SQL parser cannot read it \
                        (its message is shown as a note) and no database judged it, because the \
                        PostgreSQL check is off (set `MIGRATE_DEV_DATABASE_URL`), or the \
                        statement cannot be contained in the check's transaction (`ALTER \
                        SYSTEM`), or it is marked `-- migrate:unchecked`, or the database refused \
                        it after an earlier failure it may follow from. It runs as written. A \
                        statement the parser read but the check does not run (`CREATE \
                        DATABASE`) is reported under this code too, as checked by the parser \
                        only.",
                    bad: example(
                        POSTGRES,
                        &[(
                            "1_stats.sql",
                            b"CREATE TABLE t (a INT, b INT);\nCREATE STATISTICS t_ab ON a, b FROM t;\n",
                        )],
                    ),
                    good: example(
                        POSTGRES,
                        &[(
                            "1_stats.sql",
                            b"CREATE TABLE t (a INT, b INT);\n-- migrate:allow(unchecked)\nCREATE STATISTICS t_ab ON a, b FROM t;\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::EmptyUp => {
                const INFO: CodeInfo = CodeInfo {
                    name: "empty-up",
                    level: Warning,
                    fatal: false,
                    explanation: "An up migration with no statements, only comments. Some projects \
                        keep one on purpose, to give two databases' sets the same versions; say so \
                        with `-- migrate:allow(empty-up)`.",
                    bad: example(SQLITE, &[("1_align.sql", b"-- nothing to do on SQLite\n")]),
                    good: example(
                        SQLITE,
                        &[(
                            "1_align.sql",
                            b"-- nothing to do on SQLite\n-- migrate:allow(empty-up)\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::MissingObject => {
                const INFO: CodeInfo = CodeInfo {
                    name: "missing-object",
                    level: Error,
                    fatal: false,
                    explanation: "A statement alters, drops, indexes, inserts into or refers to \
                        a table, column, index, type, function or trigger that no earlier \
                        migration creates (or that one dropped). The schema model replays the \
                        migrations in version order to know. When a later migration creates it, \
                        the message names that file: the migrations are out of order, as happens \
                        when two branches merge. Where the database check ran the statement and \
                        accepted it, the database's verdict stands and nothing is reported. \
                        SQLite accepts some references it only follows when rows change, and \
                        the SQLite check reports them too: a foreign key whose parent table, \
                        columns or unique key does not exist once every migration has run \
                        (every write to its table fails), and a `DEFAULT` or generated column \
                        that calls a function SQLite does not have (if the application \
                        registers it on every connection, allow this code on that statement).",
                    bad: example(
                        POSTGRES,
                        &[
                            (
                                "1_index.sql",
                                b"CREATE INDEX posts_user ON posts (user_id);\n",
                            ),
                            (
                                "2_posts.sql",
                                b"CREATE TABLE posts (id INT PRIMARY KEY, user_id INT);\n",
                            ),
                        ],
                    ),
                    good: example(
                        POSTGRES,
                        &[
                            (
                                "1_posts.sql",
                                b"CREATE TABLE posts (id INT PRIMARY KEY, user_id INT);\n",
                            ),
                            (
                                "2_index.sql",
                                b"CREATE INDEX posts_user ON posts (user_id);\n",
                            ),
                        ],
                    ),
                };
                &INFO
            }
            Code::AlreadyExists => {
                const INFO: CodeInfo = CodeInfo {
                    name: "already-exists",
                    level: Error,
                    fatal: false,
                    explanation: "A statement creates a table, index, view, type, function, \
                        column or constraint that an earlier statement already created, without \
                        `IF NOT EXISTS`: the database refuses it. Two migrations that both \
                        create the same table usually come from two branches.",
                    bad: example(
                        POSTGRES,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INT);\n"),
                            ("2_email.sql", b"ALTER TABLE users ADD COLUMN id INT;\n"),
                        ],
                    ),
                    good: example(
                        POSTGRES,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INT);\n"),
                            (
                                "2_email.sql",
                                b"ALTER TABLE users ADD COLUMN IF NOT EXISTS id INT;\n",
                            ),
                        ],
                    ),
                };
                &INFO
            }
            Code::StillUsed => {
                const INFO: CodeInfo = CodeInfo {
                    name: "still-used",
                    level: Error,
                    fatal: false,
                    explanation: "A statement drops something another object still needs, \
                        where the database refuses: a column an index or key uses (SQLite), a \
                        table or column another table's foreign key refers to, an index that \
                        belongs to a constraint, a schema that is not empty (PostgreSQL, \
                        without `CASCADE`).",
                    bad: example(
                        POSTGRES,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INT PRIMARY KEY);\nCREATE TABLE posts (id INT, user_id INT REFERENCES users (id));\n"),
                            ("2_drop.sql", b"DROP TABLE users;\n"),
                        ],
                    ),
                    good: example(
                        POSTGRES,
                        &[
                            ("1_users.sql", b"CREATE TABLE users (id INT PRIMARY KEY);\nCREATE TABLE posts (id INT, user_id INT REFERENCES users (id));\n"),
                            ("2_drop.sql", b"DROP TABLE posts;\nDROP TABLE users;\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::AsymmetricDown => {
                const INFO: CodeInfo = CodeInfo {
                    name: "asymmetric-down",
                    level: Error,
                    fatal: false,
                    explanation: "After the up and then the down, the schema is not what it \
                        was before the up: the down leaves a table, column, index or constraint \
                        the up added, drops something the up did not create, or recreates a \
                        column differently. The message names each difference. Reverting such \
                        a migration in production leaves a schema no migration describes. Only \
                        the schema is compared: a down cannot bring back rows the up deleted, \
                        and the check does not try.",
                    bad: example(
                        SQLITE,
                        &[
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("2_email.up.sql", b"ALTER TABLE users ADD COLUMN email TEXT;\nCREATE INDEX users_email ON users (email);\n"),
                            ("2_email.down.sql", b"DROP INDEX users_email;\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("2_email.up.sql", b"ALTER TABLE users ADD COLUMN email TEXT;\nCREATE INDEX users_email ON users (email);\n"),
                            ("2_email.down.sql", b"DROP INDEX users_email;\nALTER TABLE users DROP COLUMN email;\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::MissingDown => {
                const INFO: CodeInfo = CodeInfo {
                    name: "missing-down",
                    level: Error,
                    fatal: false,
                    explanation: "With `require-down = true` in `[package.metadata.migrate]`, \
                        every migration has a down migration, or says why it cannot be undone \
                        with `-- migrate:irreversible <reason>` in its up file (which also makes \
                        reverting it an error at run time). Without the setting, a migration \
                        without a down is simply irreversible.",
                    bad: example(
                        SQLITE,
                        &[
                            ("Cargo.toml", b"dialect = \"sqlite\"\nrequire-down = true\n"),
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            ("Cargo.toml", b"dialect = \"sqlite\"\nrequire-down = true\n"),
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_users.down.sql", b"DROP TABLE users;\n"),
                            ("2_backfill.up.sql", b"-- migrate:irreversible the old values are gone\nUPDATE users SET id = id + 1;\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::EmptyDown => {
                const INFO: CodeInfo = CodeInfo {
                    name: "empty-down",
                    level: Warning,
                    fatal: false,
                    explanation: "A down migration with no statements: reverting it changes \
                        nothing, though its up changed the schema. Write the statements that undo \
                        the up, or delete the file to make the migration irreversible.",
                    bad: example(
                        SQLITE,
                        &[
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_users.down.sql", b"-- TODO\n"),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            ("1_users.up.sql", b"CREATE TABLE users (id INTEGER);\n"),
                            ("1_users.down.sql", b"DROP TABLE users;\n"),
                        ],
                    ),
                };
                &INFO
            }
            Code::TransactionControl => {
                const INFO: CodeInfo = CodeInfo {
                    name: "transaction-control",
                    level: Error,
                    fatal: false,
                    explanation: "`BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ABORT` or \
                        `ROLLBACK` in a migration that runs in a transaction. Each migration and \
                        its history row commit together; a `COMMIT` inside would end that \
                        transaction early, so a later failure could not be rolled back and the \
                        history would lie. `SAVEPOINT` and `ROLLBACK TO` are fine.",
                    bad: example(
                        BOTH,
                        &[(
                            "1_users.sql",
                            b"BEGIN;\nCREATE TABLE users (id INTEGER);\nCOMMIT;\n",
                        )],
                    ),
                    good: example(
                        BOTH,
                        &[("1_users.sql", b"CREATE TABLE users (id INTEGER);\n")],
                    ),
                };
                &INFO
            }
            Code::RequiresNoTransaction => {
                const INFO: CodeInfo = CodeInfo {
                    name: "requires-no-transaction",
                    level: Error,
                    fatal: false,
                    explanation: "A statement the database refuses inside a transaction (`VACUUM`; \
                        on PostgreSQL `CREATE INDEX CONCURRENTLY`, `REINDEX ... CONCURRENTLY`, \
                        `CREATE DATABASE`, `ALTER SYSTEM`, ...) in a migration that runs in one. \
                        Move it into a migration of its own marked `-- migrate:no-transaction`.",
                    bad: example(
                        POSTGRES,
                        &[(
                            "1_index.sql",
                            b"CREATE TABLE t (a INT);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
                        )],
                    ),
                    good: example(
                        POSTGRES,
                        &[
                            ("1_table.sql", b"CREATE TABLE t (a INT);\n"),
                            (
                                "2_index.sql",
                                b"-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
                            ),
                        ],
                    ),
                };
                &INFO
            }
            Code::SqliteAlterTable => {
                const INFO: CodeInfo = CodeInfo {
                    name: "sqlite-alter-table",
                    level: Error,
                    fatal: false,
                    explanation: "SQLite's `ALTER TABLE` makes one change per statement and only \
                        four kinds: `RENAME TO`, `RENAME COLUMN`, `ADD COLUMN`, `DROP COLUMN`. Any \
                        other change is a table rebuild: create the new table, copy the rows, drop \
                        the old one, rename the new one (under `-- migrate:foreign-keys-off` when \
                        other tables reference it).",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_t.sql",
                            b"CREATE TABLE t (a INTEGER);\nALTER TABLE t ALTER COLUMN a TYPE TEXT;\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_t.sql",
                            b"CREATE TABLE t (a INTEGER);\nALTER TABLE t RENAME COLUMN a TO b;\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::SqliteAddColumn => {
                const INFO: CodeInfo = CodeInfo {
                    name: "sqlite-add-column",
                    level: Error,
                    fatal: false,
                    explanation: "SQLite cannot add a `PRIMARY KEY` or `UNIQUE` column to a table. \
                        Add the column, then a unique index on it.",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_t.sql",
                            b"CREATE TABLE t (a INTEGER);\nALTER TABLE t ADD COLUMN code TEXT UNIQUE;\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_t.sql",
                            b"CREATE TABLE t (a INTEGER);\nALTER TABLE t ADD COLUMN code TEXT;\nCREATE UNIQUE INDEX t_code ON t (code);\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::AddColumnNeedsEmptyTable => {
                const INFO: CodeInfo = CodeInfo {
                    name: "add-column-needs-empty-table",
                    level: Warning,
                    fatal: false,
                    explanation: "SQLite refuses to add a `NOT NULL` column without a non-`NULL` \
                        default, a column whose default is not a constant (`CURRENT_TIMESTAMP`), or \
                        a `STORED` generated column, but only when the table has rows: the \
                        migration passes on an empty development database and fails in \
                        production.",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_t.sql",
                            b"CREATE TABLE t (a INTEGER);\nALTER TABLE t ADD COLUMN note TEXT NOT NULL;\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_t.sql",
                            b"CREATE TABLE t (a INTEGER);\nALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT '';\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::SqliteForeignKeys => {
                const INFO: CodeInfo = CodeInfo {
                    name: "sqlite-foreign-keys",
                    level: Error,
                    fatal: false,
                    explanation: "`PRAGMA foreign_keys` does nothing inside a transaction, so in a \
                        migration that runs in one, the documented SQLite table rebuild (create \
                        new, copy, drop old, rename) runs with foreign keys still on: dropping the \
                        old table deletes or orphans the rows that reference it (a down that \
                        drops the referencing tables too, in the same file, loses no row that \
                        survives it, and is not reported). \
                        `PRAGMA defer_foreign_keys` is the reverse: it lasts until the end of the \
                        transaction, so outside one it does nothing. Mark the migration \
                        `-- migrate:foreign-keys-off`: the runtime turns foreign keys off before \
                        the migration's transaction, runs `PRAGMA foreign_key_check` before \
                        committing (failing the migration if a row is left without its parent), \
                        and turns them back on.",
                    bad: example(
                        SQLITE,
                        &[
                            (
                                "1_tables.sql",
                                b"CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER);\nCREATE TABLE b (a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);\n",
                            ),
                            (
                                "2_rebuild_a.sql",
                                b"PRAGMA foreign_keys = OFF;\nCREATE TABLE a_new (id INTEGER PRIMARY KEY, x TEXT);\nINSERT INTO a_new SELECT id, x FROM a;\nDROP TABLE a;\nALTER TABLE a_new RENAME TO a;\nPRAGMA foreign_keys = ON;\n",
                            ),
                        ],
                    ),
                    good: example(
                        SQLITE,
                        &[
                            (
                                "1_tables.sql",
                                b"CREATE TABLE a (id INTEGER PRIMARY KEY, x INTEGER);\nCREATE TABLE b (a_id INTEGER REFERENCES a (id) ON DELETE CASCADE);\n",
                            ),
                            (
                                "2_rebuild_a.sql",
                                b"-- migrate:foreign-keys-off\nCREATE TABLE a_new (id INTEGER PRIMARY KEY, x TEXT);\nINSERT INTO a_new SELECT id, x FROM a;\nDROP TABLE a;\nALTER TABLE a_new RENAME TO a;\n",
                            ),
                        ],
                    ),
                };
                &INFO
            }
            Code::SqliteSerial => {
                const INFO: CodeInfo = CodeInfo {
                    name: "sqlite-serial",
                    level: Warning,
                    fatal: false,
                    explanation: "A column whose type is another database's way to number rows: \
                        PostgreSQL's `SERIAL`, `BIGSERIAL` and `SMALLSERIAL`, MySQL's \
                        `AUTO_INCREMENT`, SQL Server's `IDENTITY`. SQLite reads them as type names \
                        and numbers nothing: a row inserted without the column gets `NULL`, even \
                        in a `PRIMARY KEY`. SQLite numbers an `INTEGER PRIMARY KEY` column itself \
                        (with `AUTOINCREMENT`, it never reuses a number).",
                    bad: example(
                        SQLITE,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT);\n",
                        )],
                    ),
                    good: example(
                        SQLITE,
                        &[(
                            "1_users.sql",
                            b"CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n",
                        )],
                    ),
                };
                &INFO
            }
            Code::DevDatabase => {
                const INFO: CodeInfo = CodeInfo {
                    name: "dev-database",
                    level: Error,
                    fatal: false,
                    explanation: "`MIGRATE_DEV_DATABASE_URL` is set, so the build means to check \
                        PostgreSQL migrations on that server, but it cannot: the URL is invalid, the \
                        server is unreachable, or the user may not create databases. Fix it, or \
                        unset it to build with the parser's checks only.",
                    bad: Example {
                        dialects: POSTGRES,
                        files: &[("1_t.sql", b"CREATE TABLE t (a INT);\n")],
                        dev_database: Some("postgres://postgres@127.0.0.1:1/postgres"),
                    },
                    good: example(POSTGRES, &[("1_t.sql", b"CREATE TABLE t (a INT);\n")]),
                };
                &INFO
            }
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The reference page of every code, as `docs/diagnostics.md` holds it.
pub fn reference() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n\
         Every finding of `migrate-build` has a stable code, shown in its output \
         (`error[rejected]: ...`). Fatal codes mean the migrations cannot be built or the \
         database refuses them; their level is fixed. The others are lints: set them to \
         `allow`, `warn` or `deny` for the whole package,\n\n\
         ```toml\n[package.metadata.migrate.lints]\nempty-down = \"allow\"\nunchecked = \"deny\"\n```\n\n\
         or silence one statement's finding with a comment on the line before it \
         (`-- migrate:allow(unchecked)`, several codes separated by commas); in a file with no \
         statements, the comment covers the file.\n\n\
         This page is generated from `migrate-build/src/codes.rs`; its examples are run by the \
         test suite.\n\n| code | level | |\n|---|---|---|\n",
    );
    for code in Code::ALL {
        let info = code.info();
        out += &format!(
            "| [`{0}`](#{0}) | {1} | {2} |\n",
            info.name,
            level_name(info),
            if info.fatal { "fatal" } else { "lint" }
        );
    }
    for code in Code::ALL {
        let info = code.info();
        out += &format!(
            "\n## `{}`\n\n{}, {}.\n\n{}\n",
            info.name,
            level_name(info),
            if info.fatal { "fatal" } else { "lint" },
            info.explanation
        );
        for (title, example) in [("Bad", &info.bad), ("Good", &info.good)] {
            let dialects: Vec<&str> = example.dialects.iter().map(|d| d.name()).collect();
            out += &format!("\n{title} (checked as {}", dialects.join(" and "));
            if let Some(url) = example.dev_database {
                out += &format!(", `MIGRATE_DEV_DATABASE_URL={url}`");
            }
            out += "):\n";
            for (file, text) in example.files {
                let text = String::from_utf8_lossy(text);
                let (lang, shown) = if *file == "Cargo.toml" {
                    ("toml", format!("[package.metadata.migrate]\n{text}"))
                } else {
                    ("sql", text.into_owned())
                };
                out += &format!("\n`{file}`:\n\n```{lang}\n{shown}```\n");
            }
        }
    }
    out
}

fn level_name(info: &CodeInfo) -> &'static str {
    match info.level {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Checked, check_directory, package_config};

    /// Checks an example the way a build would.
    fn check(example: &Example) -> Checked {
        let dir = tempfile::tempdir().unwrap();
        let migrations = dir.path().join("migrations");
        std::fs::create_dir(&migrations).unwrap();
        let dialects: Vec<String> = example
            .dialects
            .iter()
            .map(|d| format!("\"{d}\""))
            .collect();
        let mut manifest = "[package]\nname = \"example\"\n[package.metadata.migrate]\n".to_owned();
        let section = example.files.iter().find(|(f, _)| *f == "Cargo.toml");
        match section {
            Some((_, text)) => manifest += std::str::from_utf8(text).unwrap(),
            None => manifest += &format!("dialect = [{}]\n", dialects.join(", ")),
        }
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        for (file, text) in example.files.iter().filter(|(f, _)| *f != "Cargo.toml") {
            std::fs::write(migrations.join(file), text).unwrap();
        }
        match package_config(dir.path(), None, None) {
            Ok(mut config) => {
                config.dev_database_url = example.dev_database.map(str::to_owned);
                check_directory(dir.path(), &config)
            }
            Err(diagnostics) => Checked {
                config: Default::default(),
                directory: migrations,
                migrations: Vec::new(),
                diagnostics,
            },
        }
    }

    /// Whether this build can show the example: the database checks need their engines.
    fn runnable(code: Code) -> bool {
        let needs_sqlite = matches!(code, Code::Rejected | Code::RedoFails | Code::Environment);
        let needs_postgres = code == Code::DevDatabase;
        (!needs_sqlite || cfg!(feature = "sqlite"))
            && (!needs_postgres || cfg!(feature = "postgres"))
    }

    #[test]
    fn every_bad_example_produces_its_code_and_every_good_one_is_clean() {
        for code in Code::ALL.into_iter().filter(|c| runnable(*c)) {
            let info = code.info();
            let bad = check(&info.bad);
            let found = bad.diagnostics.iter().find(|d| d.code == code);
            let found = found.unwrap_or_else(|| {
                panic!(
                    "`{code}`: the bad example does not produce it: {:#?}",
                    bad.diagnostics
                )
            });
            assert_eq!(found.severity, info.level, "`{code}`: {found:#?}");
            let good = check(&info.good);
            assert!(
                good.diagnostics
                    .iter()
                    .all(|d| d.code != code && !d.is_error()),
                "`{code}`: the good example is not clean: {:#?}",
                good.diagnostics
            );
        }
    }

    #[test]
    fn codes_are_unique_and_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.name()), Some(code));
            assert_eq!(
                Code::ALL.iter().filter(|c| c.name() == code.name()).count(),
                1
            );
        }
        assert_eq!(Code::suggest("uncheked"), Some(Code::Unchecked));
    }

    /// `docs/diagnostics.md` is this table, rendered; `UPDATE_DOCS=1` rewrites it.
    #[test]
    fn the_diagnostics_page_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/diagnostics.md");
        let expected = reference();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &expected).unwrap();
        }
        let actual =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            actual == expected,
            "{} is out of date: run `UPDATE_DOCS=1 cargo test -p migrate-build`",
            path.display()
        );
    }
}
