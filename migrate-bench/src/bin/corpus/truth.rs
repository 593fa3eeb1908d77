//! The truth: each part applied to a real database, as its tool would apply it, independently of
//! the checker. Each migration's up runs in a transaction of its own; then its down and its up
//! again in another, always rolled back (so the next migration sees what the up left).
//! A file marked no-transaction runs statement by statement, outside any transaction. After a
//! failure the database is no longer what the project's was, so later rejections are marked
//! uncertain, and a file refused then runs again statement by statement, each behind a savepoint
//! of its own and rolled back, so that every statement the database refuses is recorded
//! (`Truth::after_failure`), to hold against the checker's verdicts. A part whose SQL changes roles or other databases runs in
//! one transaction that is always rolled back, with savepoints instead.
//!
//! Around each migration the schema is read from the catalog (`introspect`): before the up and
//! after the down (inside the down's transaction, before the up runs again), to see whether the
//! down undid the up; and after the up, for a schema model to compare with.

pub use migrate_bench::introspect;

use std::collections::BTreeSet;

use migrate_runtime::postgres;
use migrate_runtime::rusqlite;

use introspect::Snapshot;

/// One file to run: its text, and its statements as the runtime splits it.
pub struct FileRun {
    pub text: String,
    pub statements: Vec<String>,
    /// Whether it runs outside a transaction, statement by statement.
    pub outside: bool,
}

/// One migration to run.
pub struct Migration {
    pub up: FileRun,
    pub down: Option<FileRun>,
}

/// What the database did with a file.
#[derive(Clone, Debug, PartialEq)]
pub enum Fate {
    Accepted,
    Rejected {
        message: String,
        /// False after an earlier failure: it may follow from it.
        certain: bool,
        /// The database lacked something its project's had: a role, an extension, a function.
        environment: bool,
    },
    /// Not reached.
    NotRun,
}

impl Fate {
    pub fn rejected(&self) -> bool {
        matches!(self, Fate::Rejected { .. })
    }
}

/// What happened to each migration: its up, its down, and the up run again after the down.
pub struct Truth {
    pub up: Vec<Fate>,
    pub down: Vec<Fate>,
    pub redo: Vec<Fate>,
    /// Per migration, whether its down undid its up: the schema after the down compared with the
    /// schema before the up. `Some(vec![])` when equal, `Some(differences)` (`introspect::diff`)
    /// when not, `None` when not measured (no down, the up or the down refused, a snapshot
    /// failed).
    pub symmetry: Vec<Option<Vec<String>>>,
    /// Per migration, the coarse schema (`introspect::coarse`) right after its up, when accepted.
    pub after_up: Vec<Option<BTreeSet<String>>>,
    /// After the first failure, every statement the database refused.
    pub after_failure: Vec<Refused>,
}

/// A statement the database refused after an earlier failure.
pub struct Refused {
    /// The migration, and whether the statement is in its down.
    pub migration: usize,
    pub down: bool,
    /// The statement's index in its file.
    pub statement: usize,
    pub message: String,
    /// Whether the database lacked something its project's had.
    pub environment: bool,
}

/// The few operations the run needs, on either database.
trait Database {
    fn batch(&mut self, sql: &str) -> Result<(), (String, bool)>;
    /// The schema as it is now (`introspect`).
    fn snapshot(&mut self) -> Result<Snapshot, String>;
}

impl Database for rusqlite::Connection {
    fn batch(&mut self, sql: &str) -> Result<(), (String, bool)> {
        self.execute_batch(sql).map_err(|e| {
            // rusqlite adds the whole SQL after ` in `: the message is the first line.
            let message = e.to_string();
            let message = message.split(" in ").next().unwrap_or(&message).to_owned();
            let environment =
                message.starts_with("no such function") || message.starts_with("no such module");
            (message, environment)
        })
    }

    fn snapshot(&mut self) -> Result<Snapshot, String> {
        introspect::sqlite(self)
    }
}

impl Database for postgres::Client {
    fn batch(&mut self, sql: &str) -> Result<(), (String, bool)> {
        self.batch_execute(sql).map_err(|e| match e.as_db_error() {
            Some(db) => {
                let code = db.code().code();
                let environment = matches!(code, "42501" | "58P01")
                    || (code == "0A000" && db.message().contains("extension"))
                    || (code == "42704" && db.message().starts_with("role "));
                (format!("{} (SQLSTATE {code})", db.message()), environment)
            }
            None => (e.to_string(), false),
        })
    }

    fn snapshot(&mut self) -> Result<Snapshot, String> {
        introspect::postgres(self)
    }
}

/// Applies the migrations to a new SQLite database file.
pub fn sqlite(migrations: &[Migration], setup: Option<&str>) -> Result<Truth, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut conn =
        rusqlite::Connection::open(dir.path().join("truth.db")).map_err(|e| e.to_string())?;
    if let Some(setup) = setup {
        conn.execute_batch(setup)
            .map_err(|e| format!("setup: {e}"))?;
    }
    Ok(run(&mut conn, migrations, false))
}

/// Applies the migrations to a new database on the PostgreSQL server at `url`, dropped after.
pub fn postgres(
    url: &str,
    name: &str,
    migrations: &[Migration],
    setup: Option<&str>,
    contained: bool,
) -> Result<Truth, String> {
    let mut admin = postgres::Client::connect(url, postgres::NoTls).map_err(|e| e.to_string())?;
    let database = format!("migrate_truth_{name}_{}", std::process::id());
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{database}\""));
    admin
        .batch_execute(&format!("CREATE DATABASE \"{database}\""))
        .map_err(|e| e.to_string())?;
    let result = (|| {
        let mut config: postgres::Config = url.parse().map_err(|e| format!("{e}"))?;
        let mut client = config
            .dbname(&database)
            .connect(postgres::NoTls)
            .map_err(|e| e.to_string())?;
        client
            .batch_execute("SET statement_timeout = '60s'")
            .map_err(|e| e.to_string())?;
        if contained {
            client.batch_execute("BEGIN").map_err(|e| e.to_string())?;
        }
        if let Some(setup) = setup {
            client
                .batch_execute(setup)
                .map_err(|e| format!("setup: {e}"))?;
        }
        let truth = run(&mut client, migrations, contained);
        if contained {
            let _ = client.batch_execute("ROLLBACK");
        }
        Ok(truth)
    })();
    let _ = admin.batch_execute(&format!(
        "DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"
    ));
    result
}

fn run(db: &mut dyn Database, migrations: &[Migration], contained: bool) -> Truth {
    let mut truth = Truth {
        up: Vec::new(),
        down: Vec::new(),
        redo: Vec::new(),
        symmetry: Vec::new(),
        after_up: Vec::new(),
        after_failure: Vec::new(),
    };
    let mut tainted = false;
    // In a transaction already (contained), each step is a savepoint.
    let (begin, commit, rollback) = if contained {
        (
            "SAVEPOINT truth",
            "RELEASE SAVEPOINT truth",
            "ROLLBACK TO SAVEPOINT truth; RELEASE SAVEPOINT truth",
        )
    } else {
        ("BEGIN", "COMMIT", "ROLLBACK")
    };
    let fate = |result: Result<(), (String, bool)>, tainted: &mut bool| match result {
        Ok(()) => Fate::Accepted,
        Err((message, environment)) => {
            let certain = !*tainted;
            *tainted = true;
            Fate::Rejected {
                message,
                certain,
                environment,
            }
        }
    };
    // The schema as it is, when known without reading it again: what the last up left, while
    // nothing ran since but what was rolled back.
    let mut known: Option<Snapshot> = None;
    for (index, migration) in migrations.iter().enumerate() {
        // The schema before the up, to compare with the schema after the down.
        let before = match migration.down {
            Some(_) => known.take().or_else(|| snapshot(db, contained)),
            None => None,
        };
        let in_statements = migration.up.outside && !contained;
        // Outside a transaction, where the file stopped: what ran before stays.
        let mut stopped = None;
        let up = if in_statements {
            migration
                .up
                .statements
                .iter()
                .enumerate()
                .try_for_each(|(i, s)| db.batch(s).inspect_err(|_| stopped = Some(i)))
        } else {
            transaction(db, begin, commit, rollback, &[&migration.up.text])
        };
        let after_failure = tainted;
        let up = fate(up, &mut tainted);
        let up_ran = up == Fate::Accepted;
        if after_failure && !up_ran {
            // Which statements the database refuses, each on its own: in a transaction, the
            // file again, then rolled back; outside one, the rest after where it stopped.
            let refused = match (stopped, &up) {
                (
                    Some(at),
                    Fate::Rejected {
                        message,
                        environment,
                        ..
                    },
                ) => {
                    let rest = &migration.up.statements[at + 1..];
                    std::iter::once((at, (message.clone(), *environment)))
                        .chain(
                            one_by_one(db, rest, true, (begin, commit, rollback))
                                .into_iter()
                                .map(|(i, refusal)| (at + 1 + i, refusal)),
                        )
                        .collect()
                }
                _ => one_by_one(
                    db,
                    &migration.up.statements,
                    false,
                    (begin, commit, rollback),
                ),
            };
            record(&mut truth.after_failure, (index, false), refused);
        }
        truth.up.push(up);
        if up_ran {
            known = snapshot(db, contained);
            truth.after_up.push(known.as_ref().map(introspect::coarse));
        } else {
            truth.after_up.push(None);
            if in_statements {
                // Some of its statements may have run.
                known = None;
            } else if before.is_some() {
                known = before.clone();
            }
        }
        let (Some(down), true) = (&migration.down, up_ran) else {
            truth.down.push(Fate::NotRun);
            truth.redo.push(Fate::NotRun);
            truth.symmetry.push(None);
            continue;
        };
        // The schema after the down, before the up runs again.
        let mut after_down = None;
        match (&down.statements, &migration.up.statements) {
            (down_statements, up_statements)
                if down.outside && migration.up.outside && !contained =>
            {
                let ran = down_statements.iter().try_for_each(|s| db.batch(s));
                let down_fate = fate(ran, &mut tainted);
                let redo = if down_fate == Fate::Accepted {
                    after_down = snapshot(db, false);
                    fate(
                        up_statements.iter().try_for_each(|s| db.batch(s)),
                        &mut tainted,
                    )
                } else {
                    Fate::NotRun
                };
                truth.down.push(down_fate);
                truth.redo.push(redo);
                known = None;
            }
            _ => {
                // The down, then the up again, in one transaction: rolled back if either fails,
                // so the database is again what the up left.
                let _ = db.batch(begin);
                let ran_down = db.batch(&down.text);
                let (down_fate, redo) = match ran_down {
                    Err(error) if tainted => {
                        let _ = db.batch(rollback);
                        let refused =
                            one_by_one(db, &down.statements, false, (begin, commit, rollback));
                        record(&mut truth.after_failure, (index, true), refused);
                        let _ = db.batch(begin);
                        (fate(Err(error), &mut tainted.clone()), Fate::NotRun)
                    }
                    Err(error) => (fate(Err(error), &mut tainted.clone()), Fate::NotRun),
                    Ok(()) => {
                        after_down = snapshot(db, true);
                        match db.batch(&migration.up.text) {
                            Err((message, environment)) => (
                                Fate::Accepted,
                                Fate::Rejected {
                                    message,
                                    certain: !tainted,
                                    environment,
                                },
                            ),
                            Ok(()) => (Fate::Accepted, Fate::Accepted),
                        }
                    }
                };
                // Always rolled back: the next migration sees exactly what the up left, as in
                // production, where the down does not run.
                let _ = db.batch(rollback);
                truth.down.push(down_fate);
                truth.redo.push(redo);
            }
        }
        truth.symmetry.push(match (before, after_down) {
            (Some(before), Some(after)) => Some(introspect::diff(&before, &after)),
            _ => None,
        });
    }
    truth
}

/// The schema now, or `None` if reading it failed. Inside a transaction the reading is in a
/// savepoint, so that a failed query does not abort the transaction (on PostgreSQL).
fn snapshot(db: &mut dyn Database, in_transaction: bool) -> Option<Snapshot> {
    if !in_transaction {
        return db.snapshot().ok();
    }
    db.batch("SAVEPOINT truth_snapshot").ok()?;
    let snapshot = db.snapshot();
    let _ = match snapshot {
        Ok(_) => db.batch("RELEASE SAVEPOINT truth_snapshot"),
        Err(_) => {
            db.batch("ROLLBACK TO SAVEPOINT truth_snapshot; RELEASE SAVEPOINT truth_snapshot")
        }
    };
    snapshot.ok()
}

/// Records what a file refused after an earlier failure: `(migration, down)`, and each statement
/// with its message.
fn record(
    into: &mut Vec<Refused>,
    (migration, down): (usize, bool),
    refused: Vec<(usize, (String, bool))>,
) {
    into.extend(
        refused
            .into_iter()
            .map(|(statement, (message, environment))| Refused {
                migration,
                down,
                statement,
                message,
                environment,
            }),
    );
}

/// Runs statements one by one, each behind a savepoint of its own, in a transaction (`begin`,
/// `commit` unused, `rollback`) that is rolled back, and returns those the database refused. A
/// file `outside` a transaction runs outside one, and keeps what it did, as it would.
fn one_by_one(
    db: &mut dyn Database,
    statements: &[String],
    outside: bool,
    (begin, _, rollback): (&str, &str, &str),
) -> Vec<(usize, (String, bool))> {
    let mut refused = Vec::new();
    if !outside && db.batch(begin).is_err() {
        return refused;
    }
    for (index, statement) in statements.iter().enumerate() {
        if !outside && db.batch("SAVEPOINT truth_statement").is_err() {
            break;
        }
        match db.batch(statement) {
            Ok(()) if outside => {}
            Ok(()) => {
                let _ = db.batch("RELEASE SAVEPOINT truth_statement");
            }
            Err(error) => {
                if !outside {
                    let _ = db.batch(
                        "ROLLBACK TO SAVEPOINT truth_statement; RELEASE SAVEPOINT truth_statement",
                    );
                }
                refused.push((index, error));
            }
        }
    }
    if !outside {
        let _ = db.batch(rollback);
    }
    refused
}

/// Runs `texts` in one transaction, committed if all succeed.
fn transaction(
    db: &mut dyn Database,
    begin: &str,
    commit: &str,
    rollback: &str,
    texts: &[&str],
) -> Result<(), (String, bool)> {
    db.batch(begin)?;
    for text in texts {
        if let Err(error) = db.batch(text) {
            let _ = db.batch(rollback);
            return Err(error);
        }
    }
    db.batch(commit)
}

#[cfg(test)]
mod tests {
    /// Whether the test server answers (see `migrate_bench::test_postgres_admin`).
    fn server() -> bool {
        migrate_bench::test_postgres_admin().is_some()
    }

    fn migration(up: &str, down: &str) -> super::Migration {
        let file = |text: &str| super::FileRun {
            text: text.to_owned(),
            statements: text.split(';').map(str::to_owned).collect(),
            outside: false,
        };
        super::Migration {
            up: file(up),
            down: Some(file(down)),
        }
    }

    /// Symmetric; asymmetric (the down forgets an index, so the up fails again); symmetric
    /// after that; no down; an up refused; symmetric after that.
    fn migrations() -> Vec<super::Migration> {
        let mut no_down = migration("CREATE TABLE d (id INTEGER)", "");
        no_down.down = None;
        vec![
            migration(
                "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT)",
                "DROP TABLE a",
            ),
            migration(
                "CREATE TABLE b (id INTEGER PRIMARY KEY); CREATE INDEX a_v ON a (v)",
                "DROP TABLE b",
            ),
            migration("CREATE TABLE c (id INTEGER)", "DROP TABLE c"),
            no_down,
            migration(
                "CREATE TABLE e (id INTEGER); CREATE TABLE a (id INTEGER)",
                "",
            ),
            migration(
                "ALTER TABLE d ADD COLUMN x INTEGER",
                "ALTER TABLE d DROP COLUMN x",
            ),
        ]
    }

    fn check_symmetry(truth: &super::Truth, schema: &str) {
        use super::Fate::Accepted;
        assert_eq!(truth.up[..4], [Accepted, Accepted, Accepted, Accepted]);
        assert!(truth.up[4].rejected());
        assert_eq!(truth.up[5], Accepted);
        // The snapshots inside the transactions did not disturb them.
        assert_eq!(truth.redo[0], Accepted);
        // The index the down forgot is there when the up runs again.
        assert!(truth.redo[1].rejected());
        assert_eq!(truth.redo[2], Accepted);
        assert_eq!(truth.redo[5], Accepted);
        let index = format!("extra index {schema}.a_v");
        assert_eq!(
            truth.symmetry,
            vec![
                Some(vec![]),
                Some(vec![index]),
                Some(vec![]),
                None,
                None,
                Some(vec![])
            ]
        );
        let after = truth.after_up[1].as_ref().unwrap();
        assert!(after.contains(&format!("table {schema}.b")), "{after:#?}");
        assert!(
            after.contains(&format!("index {schema}.a_v on a")),
            "{after:#?}"
        );
        assert_eq!(truth.after_up[4], None);
        let last = truth.after_up[5].as_ref().unwrap();
        assert!(last.contains(&format!("table {schema}.d")), "{last:#?}");
        assert!(!last.contains(&format!("table {schema}.e")), "{last:#?}");
        assert!(
            last.contains(&format!("column {schema}.d.x null")),
            "{last:#?}"
        );
    }

    #[test]
    fn sqlite_run_measures_symmetry() {
        let truth = super::sqlite(&migrations(), None).unwrap();
        check_symmetry(&truth, "main");
    }

    #[test]
    fn postgres_run_measures_symmetry() {
        if !server() {
            return;
        }
        for contained in [false, true] {
            let truth = super::postgres(
                &migrate_bench::test_postgres_url(),
                "introspect",
                &migrations(),
                None,
                contained,
            )
            .unwrap();
            check_symmetry(&truth, "public");
        }
    }

    /// After a failure, a refused file runs again statement by statement: every refusal is
    /// recorded, and the database is as the refused file left it (rolled back).
    #[test]
    fn after_a_failure_every_refused_statement_is_recorded() {
        let file = |statements: &[&str]| super::FileRun {
            text: statements.join(";\n"),
            statements: statements.iter().map(|s| s.to_string()).collect(),
            outside: false,
        };
        let migrations = vec![
            super::Migration {
                up: file(&["CREATE TABLE a (id INTEGER)", "CREATE TABLE a (id INTEGER)"]),
                down: None,
            },
            super::Migration {
                up: file(&[
                    "CREATE TABLE b (id INTEGER)",
                    "SELEC 1",
                    "CREATE TABLE b (x INTEGER)",
                ]),
                down: Some(file(&["DROP TABLE nope", "DROP TABLE b"])),
            },
            super::Migration {
                up: file(&["CREATE TABLE c (id INTEGER)"]),
                down: None,
            },
        ];
        let truth = super::sqlite(&migrations, None).unwrap();
        let refused: Vec<(usize, bool, usize)> = truth
            .after_failure
            .iter()
            .map(|r| (r.migration, r.down, r.statement))
            .collect();
        // The first failure is certain, not listed; the second file's two refusals are.
        assert_eq!(refused, [(1, false, 1), (1, false, 2)]);
        assert!(truth.after_failure[0].message.contains("syntax error"));
        assert!(truth.up[1].rejected());
        assert_eq!(truth.up[2], super::Fate::Accepted);
    }

    /// Files run statement by statement, outside a transaction.
    fn statement_migrations() -> Vec<super::Migration> {
        let file = |statements: &[&str]| super::FileRun {
            text: statements.join(";\n"),
            statements: statements.iter().map(|s| s.to_string()).collect(),
            outside: true,
        };
        vec![
            super::Migration {
                up: file(&["CREATE TABLE a (id INTEGER)", "CREATE INDEX a_id ON a (id)"]),
                down: Some(file(&["DROP TABLE a"])),
            },
            super::Migration {
                up: file(&["CREATE TABLE b (id INTEGER)"]),
                down: Some(file(&["DROP TABLE b", "CREATE TABLE z (id INTEGER)"])),
            },
        ]
    }

    fn check_statement_symmetry(truth: &super::Truth, schema: &str) {
        assert_eq!(
            truth.symmetry,
            vec![
                Some(vec![]),
                Some(vec![
                    format!("extra column {schema}.z.id"),
                    format!("extra table {schema}.z"),
                ])
            ]
        );
        assert!(truth.redo.iter().all(|f| *f == super::Fate::Accepted));
    }

    #[test]
    fn statement_runs_measure_symmetry() {
        let truth = super::sqlite(&statement_migrations(), None).unwrap();
        check_statement_symmetry(&truth, "main");
        if !server() {
            return;
        }
        let truth = super::postgres(
            &migrate_bench::test_postgres_url(),
            "statements",
            &statement_migrations(),
            None,
            false,
        )
        .unwrap();
        check_statement_symmetry(&truth, "public");
    }
}
