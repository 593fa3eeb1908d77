//! The PostgreSQL engine: a scratch database on the server named by `MIGRATE_DEV_DATABASE_URL`.
//!
//! The check creates a database with a unique name (`migrate_check_<unix time>_<pid>_<n>`),
//! never touching the one in the URL, runs the replay in it, and drops it, also when the check
//! fails or panics. A build killed in the middle leaves its database behind with no connection
//! to it; the next check on that server drops every such leftover older than a minute.
//!
//! Containment: cluster-wide objects (roles, grants of roles, settings of other databases)
//! outlive a dropped database, so when any statement may touch them (by its command, or by a
//! word such as `ROLE` anywhere in its text, function bodies included), the whole replay runs in
//! one transaction that is always rolled back. Otherwise each migration commits in the scratch
//! database, as it would in production, which matters for the few things PostgreSQL allows only
//! after a commit (using an enum value added by `ALTER TYPE ... ADD VALUE`). Statements that
//! cannot be contained are not sent (see [`super::plan`]). Every statement runs under a
//! `statement_timeout` of 30 s and a `lock_timeout` of 10 s.

use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use postgres::error::{ErrorPosition, SqlState};
use postgres::{Client, Config, NoTls};

use super::{Engine, Failure, Kind, Step, refusal};
use crate::dialect::Dialect;
use crate::effects::Effects;
use crate::script::Script;

/// The prefix of every scratch database's name.
pub(crate) const PREFIX: &str = "migrate_check_";
/// Leftovers younger than this may belong to a check that has not connected yet.
const LEFTOVER_AGE: Duration = Duration::from_secs(60);
const STATEMENT_SAVEPOINT: &str = "migrate_statement";

/// A scratch database, dropped with this value.
pub(crate) struct Scratch {
    maintenance: Client,
    name: String,
    force: bool,
    /// The connection to the scratch database, in the replay's transaction.
    engine: Option<Postgres>,
}

impl Scratch {
    /// Connects to the server in `url`, drops leftovers of interrupted checks, and creates a
    /// scratch database with a connection to it in a transaction. `contained`: whether the whole
    /// replay must be rolled back (see [`must_contain`]).
    pub(crate) fn create(url: &str, contained: bool) -> Result<Scratch, String> {
        let mut config = Config::from_str(url).map_err(|e| format!("invalid URL: {e}"))?;
        config.connect_timeout(Duration::from_secs(5));
        config.application_name("migrate-build check");
        let mut maintenance = config
            .connect(NoTls)
            .map_err(|e| format!("cannot connect: {}", describe(&e)))?;
        let version: i32 = maintenance
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .map_err(|e| describe(&e))?
            .get(0);
        let force = version >= 130_000;
        drop_leftovers(&mut maintenance, force);
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let name = format!(
            "{PREFIX}{now}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        maintenance
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| format!("cannot create a scratch database: {}", describe(&e)))?;
        let mut scratch = Scratch {
            maintenance,
            name,
            force,
            engine: None,
        };
        let mut client = config
            .dbname(&scratch.name)
            .connect(NoTls)
            .map_err(|e| format!("cannot connect to the scratch database: {}", describe(&e)))?;
        client
            .batch_execute(
                "SET statement_timeout = '30s'; SET lock_timeout = '10s'; \
                 SET client_min_messages = error; BEGIN",
            )
            .map_err(|e| describe(&e))?;
        scratch.engine = Some(Postgres {
            client,
            contained,
            statement_savepoint: false,
            file_savepoint: None,
            aborted: false,
        });
        Ok(scratch)
    }

    /// The connection to run the replay on.
    pub(crate) fn engine(&mut self) -> &mut Postgres {
        self.engine.as_mut().expect("created with a connection")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(mut engine) = self.engine.take() {
            let _ = engine.client.batch_execute("ROLLBACK");
        }
        let force = if self.force { " WITH (FORCE)" } else { "" };
        let _ = self
            .maintenance
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{}\"{force}", self.name));
    }
}

/// Drops the scratch databases of checks that were killed: older than [`LEFTOVER_AGE`] by their
/// name, with no connection.
fn drop_leftovers(client: &mut Client, force: bool) {
    let Ok(rows) = client.query(
        "SELECT d.datname FROM pg_database d \
         WHERE d.datname LIKE 'migrate\\_check\\_%' \
         AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
        &[],
    ) else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    for row in rows {
        let name: String = row.get(0);
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|t| now.saturating_sub(t) > LEFTOVER_AGE.as_secs()) {
            let force = if force { " WITH (FORCE)" } else { "" };
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\"{force}"));
        }
    }
}

/// Whether the setup script or any statement may change something outside the scratch database
/// that a dropped database leaves behind: roles, their grants and settings, other databases'
/// settings.
pub(crate) fn must_contain(steps: &[Step<'_>], setup: Option<&str>) -> bool {
    setup.is_some_and(touches_cluster)
        || steps.iter().any(|step| {
            std::iter::once(step.up.1)
                .chain(step.down.map(|d| d.1))
                .any(|script| {
                    script
                        .statements
                        .iter()
                        .any(|statement| touches_cluster(script.text(statement)))
                })
        })
}

/// Whether SQL text may touch what outlives a dropped database: roles (`CREATE`, `ALTER`,
/// `DROP ROLE`/`USER`/`GROUP`, a `GRANT` or `REVOKE` of a role, which has no `ON`), privileges
/// and comments on databases and tablespaces (`ON DATABASE`), `REASSIGN`/`DROP OWNED`, and other
/// databases' settings (`ALTER DATABASE`). Words are read outside comments, and inside function
/// bodies; inside quoted strings only when the text runs SQL it builds (`EXECUTE`), so a `DO`
/// block that creates a role counts but an error message that mentions one does not.
pub fn touches_cluster(sql: &str) -> bool {
    let (code, strings) = code_and_strings(sql);
    let mut text = code;
    if words_of(&text).iter().any(|w| w == "EXECUTE") {
        text.push(' ');
        text.push_str(&strings);
    }
    // A role granted or revoked: a `GRANT` or `REVOKE` without `ON` before the end of its
    // statement, at the top or inside a body.
    let role_grant = text.split(';').any(|statement| {
        let words = words_of(statement);
        words
            .iter()
            .position(|w| w == "GRANT" || w == "REVOKE")
            .is_some_and(|at| !words[at..].iter().any(|w| w == "ON"))
    });
    let words = words_of(&text);
    role_grant
        || words.windows(2).any(|pair| {
            matches!(
                pair[0].as_str(),
                "CREATE" | "ALTER" | "DROP" | "ON" | "REASSIGN"
            ) && matches!(
                pair[1].as_str(),
                "ROLE" | "USER" | "GROUP" | "DATABASE" | "OWNED" | "TABLESPACE"
            )
        })
}

fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
        .collect()
}

/// The text outside comments and single-quoted strings, and the strings' contents, apart.
fn code_and_strings(sql: &str) -> (String, String) {
    let (mut code, mut strings) = (String::with_capacity(sql.len()), String::new());
    let mut rest = sql;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else if c == '\'' {
            // To the closing quote; `''` is a quote inside.
            let mut end = 1;
            loop {
                match rest[end..].find('\'') {
                    Some(i) if rest[end + i + 1..].starts_with('\'') => end += i + 2,
                    Some(i) => {
                        end += i + 1;
                        break;
                    }
                    None => {
                        end = rest.len();
                        break;
                    }
                }
            }
            strings.push_str(&rest[..end]);
            strings.push(' ');
            code.push(' ');
            rest = &rest[end..];
        } else {
            code.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    (code, strings)
}

/// A connection to the scratch database, inside the replay's transaction.
pub(crate) struct Postgres {
    client: Client,
    contained: bool,
    /// Whether the savepoint the next statement rolls back to exists.
    statement_savepoint: bool,
    /// The savepoint the replay set last: where a file with savepoints of its own goes back to.
    file_savepoint: Option<String>,
    /// Whether a statement of such a file failed: the rest of the file is not run.
    aborted: bool,
}

impl Postgres {
    /// Runs a setup script before the replay.
    pub(crate) fn setup(&mut self, sql: &str) -> Result<(), String> {
        self.client.batch_execute(sql).map_err(|e| describe(&e))
    }

    fn batch(&mut self, sql: &str) -> Result<(), Failure> {
        self.client
            .batch_execute(sql)
            .map_err(|e| Failure::broken(describe(&e)))
    }

    /// Runs savepoint commands, releasing the statement savepoint first if it is open.
    fn savepoint_command(&mut self, command: &str) -> Result<(), Failure> {
        let release = if self.statement_savepoint {
            format!("RELEASE SAVEPOINT {STATEMENT_SAVEPOINT}; ")
        } else {
            String::new()
        };
        self.statement_savepoint = false;
        self.aborted = false;
        self.batch(&format!("{release}{command}"))
    }

    /// Runs a statement of a file that sets savepoints of its own, which the check's savepoint
    /// around each statement would release: a failure rolls the file back, and the rest of it is
    /// not run.
    fn execute_plainly(&mut self, sql: &str) -> Result<(), postgres::Error> {
        let result = self.client.batch_execute(sql);
        if result.is_err()
            && let Some(savepoint) = self.file_savepoint.clone()
        {
            self.aborted = true;
            let _ = self
                .client
                .batch_execute(&format!("ROLLBACK TO SAVEPOINT {savepoint}"));
        }
        result
    }
}

impl Engine for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&mut self, sql: &str, script: &Script, index: usize) -> Result<(), Failure> {
        if self.aborted {
            return Err(Failure::refused(
                "not run: an earlier statement of this file failed, and the file sets \
                 savepoints of its own, so the check went back to its start"
                    .to_owned(),
                None,
                Kind::Undecided,
                Effects::ALL,
            ));
        }
        let result = if script.savepoints {
            self.execute_plainly(sql)
        } else {
            // A failed statement aborts a PostgreSQL transaction: each runs after a savepoint
            // of its own, set up by the round trip before it, so the replay can go on after it.
            // The next one's savepoint follows the statement in the same round trip: a
            // statement the server cannot parse runs nothing of that round trip, and the
            // savepoint before it is still there to roll back to. The newline ends a trailing
            // `--` comment.
            if !self.statement_savepoint {
                self.batch(&format!("SAVEPOINT {STATEMENT_SAVEPOINT}"))?;
                self.statement_savepoint = true;
            }
            let result = self.client.batch_execute(&format!(
                "{sql}\n;RELEASE SAVEPOINT {STATEMENT_SAVEPOINT}; SAVEPOINT {STATEMENT_SAVEPOINT}"
            ));
            if let Err(error) = &result
                && error.as_db_error().is_some()
            {
                self.batch(&format!("ROLLBACK TO SAVEPOINT {STATEMENT_SAVEPOINT}"))?;
            }
            result
        };
        let Err(error) = result else {
            return Ok(());
        };
        let statement = &script.statements[index];
        let mut failure = failure(&error, sql, statement.command);
        // A file with savepoints of its own went back to where it started.
        failure.undone = script.savepoints;
        // What the check's transaction refuses, a file that runs in one is refused too; one
        // that runs statement by statement is not. An enum value added earlier in the same
        // transactional file cannot be used; one added by an earlier migration can (the
        // replay commits between migrations, or runs all in one transaction and cannot tell).
        let in_transaction = match error.code() {
            Some(code) if *code == SqlState::UNSAFE_NEW_ENUM_VALUE_USAGE => {
                Some(script.transaction && adds_enum_value(script, index))
            }
            Some(code)
                if *code == SqlState::ACTIVE_SQL_TRANSACTION
                    || *code == SqlState::INVALID_TRANSACTION_TERMINATION =>
            {
                Some(script.transaction)
            }
            _ => None,
        };
        if let Some(refused) = in_transaction {
            failure.kind = if refused {
                Kind::Rejected
            } else {
                Kind::Undecided
            };
        }
        Err(failure)
    }

    fn savepoint(&mut self, name: &str) -> Result<(), Failure> {
        // With the first statement's savepoint inside it, in the same round trip.
        self.savepoint_command(&format!(
            "SAVEPOINT {name}; SAVEPOINT {STATEMENT_SAVEPOINT}"
        ))?;
        self.statement_savepoint = true;
        self.file_savepoint = Some(name.to_owned());
        Ok(())
    }

    fn rollback_to(&mut self, name: &str) -> Result<(), Failure> {
        self.statement_savepoint = false;
        self.aborted = false;
        self.batch(&format!("ROLLBACK TO SAVEPOINT {name}"))
    }

    fn release(&mut self, name: &str) -> Result<(), Failure> {
        self.savepoint_command(&format!("RELEASE SAVEPOINT {name}"))
    }

    fn migration_done(&mut self) -> Result<(), Failure> {
        if self.contained {
            return Ok(());
        }
        if self.statement_savepoint {
            self.batch(&format!("RELEASE SAVEPOINT {STATEMENT_SAVEPOINT}"))?;
            self.statement_savepoint = false;
        }
        match self.client.batch_execute("COMMIT") {
            Ok(()) => self.batch("BEGIN"),
            // A deferred constraint, checked at commit: the migration is refused, and rolled
            // back.
            Err(error) if error.as_db_error().is_some() => {
                self.batch("BEGIN")?;
                let mut failure =
                    Failure::refused(describe(&error), None, Kind::Rejected, Effects::ALL);
                failure.undone = true;
                Err(failure)
            }
            Err(error) => Err(Failure::broken(describe(&error))),
        }
    }
}

/// Whether a statement of `script` before `index` adds a value to an enum type.
fn adds_enum_value(script: &Script, index: usize) -> bool {
    script.statements[..index].iter().any(|s| {
        let words: Vec<String> = script
            .text(s)
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        words.windows(2).any(|w| w == ["ADD", "VALUE"])
    })
}

/// The server's message, with its SQLSTATE, or the driver's for a failure without one.
fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

/// PostgreSQL's error, classified. What the server's environment provides (roles, extensions'
/// files, privileges of the check's user) is the environment's; a timeout decides nothing.
fn failure(error: &postgres::Error, sql: &str, command: Option<&str>) -> Failure {
    let Some(db) = error.as_db_error() else {
        return Failure::broken(describe(error));
    };
    let code = db.code();
    let message = db.message();
    let kind = if *code == SqlState::INSUFFICIENT_PRIVILEGE
        || *code == SqlState::UNDEFINED_FILE
        || *code == SqlState::INVALID_CATALOG_NAME
        || (*code == SqlState::FEATURE_NOT_SUPPORTED && message.contains("extension"))
        || (*code == SqlState::UNDEFINED_OBJECT && message.starts_with("role "))
    {
        Kind::Environment
    } else if *code == SqlState::QUERY_CANCELED
        || *code == SqlState::LOCK_NOT_AVAILABLE
        || *code == SqlState::UNSAFE_NEW_ENUM_VALUE_USAGE
    {
        Kind::Undecided
    } else if code.code().starts_with("08") || code.code().starts_with("57P") {
        Kind::Broken
    } else {
        Kind::Rejected
    };
    // A 1-based character position in what was sent, which starts with the statement.
    let offset = match db.position() {
        Some(ErrorPosition::Original(position)) => (*position as usize)
            .checked_sub(1)
            .and_then(|chars| sql.char_indices().nth(chars).map(|(at, _)| at)),
        _ => None,
    };
    Failure::refused(
        describe(error),
        offset,
        kind,
        refusal::postgres(code.code(), message, command, sql),
    )
}

#[cfg(test)]
mod tests {
    use super::touches_cluster;

    #[test]
    fn what_may_outlive_a_dropped_database() {
        for sql in [
            "CREATE ROLE reader",
            "alter user app set work_mem = '1MB'",
            "GRANT reader TO app",
            "GRANT CONNECT ON DATABASE app TO reader",
            "ALTER DATABASE app SET timezone = 'UTC'",
            "DO $$ BEGIN EXECUTE 'CREATE ROLE ' || quote_ident('x'); END $$",
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles) THEN CREATE ROLE x; END IF; END $$",
            "REASSIGN OWNED BY a TO b",
            "DO $$ BEGIN GRANT reader TO app; END $$",
            "DO $$ BEGIN EXECUTE format('GRANT %I TO app', 'reader'); END $$",
            "COMMENT ON ROLE reader IS 'x'",
        ] {
            assert!(touches_cluster(sql), "{sql}");
        }
        for sql in [
            "-- the user table\nCREATE TABLE user_ (id INT)",
            "SELECT u.id AS user FROM person u GROUP BY u.id",
            "ALTER TABLE comment DISABLE TRIGGER USER",
            "GRANT SELECT ON t TO reader",
            "ALTER SEQUENCE s OWNED BY t.id",
            "/* create role later */ SELECT 1",
            "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'cannot create user with reserved username'; END $$ LANGUAGE plpgsql",
            "SELECT 'it''s a create role string'",
        ] {
            assert!(!touches_cluster(sql), "{sql}");
        }
    }
}
