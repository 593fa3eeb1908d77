//! The PostgreSQL check against the real server: what it judges, and that it leaves the server as
//! it found it. Each check creates and drops a scratch database of its own.

mod common;

use std::fs;

use migrate_build::{Check, Checked, Code, Config, Dialect, check_directory};
use migrate_runtime::postgres;

/// The tests of this file one at a time: one counts the scratch databases of this process.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Checks `files` as PostgreSQL migrations on the test server; `None` if it is unreachable.
fn check(test: &str, files: &[(&str, &str)]) -> Option<Checked> {
    common::postgres_admin(test)?;
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("migrations")).unwrap();
    for (name, text) in files {
        fs::write(dir.path().join("migrations").join(name), text).unwrap();
    }
    let config = Config {
        dialects: vec![Dialect::Postgres],
        dev_database_url: Some(common::postgres_url()),
        ..Config::default()
    };
    Some(check_directory(dir.path(), &config))
}

fn findings(checked: &Checked) -> Vec<(Code, String, String)> {
    checked
        .diagnostics
        .iter()
        .map(|d| (d.code, d.position().unwrap_or_default(), d.message.clone()))
        .collect()
}

/// The server's cluster-wide state a migration could change: roles, memberships, settings of
/// roles and databases, the databases, `ALTER SYSTEM`'s file.
fn server_state(admin: &mut postgres::Client) -> Vec<String> {
    [
        "SELECT rolname || ' ' || rolsuper || rolcreatedb || rolcanlogin FROM pg_roles",
        "SELECT roleid::regrole || ' in ' || member::regrole FROM pg_auth_members",
        "SELECT setdatabase || ' ' || setrole || ' ' || array_to_string(setconfig, ',') FROM pg_db_role_setting",
        // Other tests' databases come and go meanwhile; `scratch_databases_do_not_outlive_their_check`
        // follows the check's own.
        "SELECT datname FROM pg_database WHERE datname NOT LIKE 'migrate\\_test\\_%' \
         AND datname NOT LIKE 'migrate\\_check\\_%'",
        "SELECT name || '=' || setting FROM pg_file_settings WHERE sourcefile LIKE '%auto.conf'",
    ]
    .iter()
    .flat_map(|query| {
        let mut rows: Vec<String> = admin
            .query(*query, &[])
            .unwrap()
            .iter()
            .map(|r| r.get::<_, String>(0))
            .collect();
        rows.sort();
        rows
    })
    .collect()
}

/// A migration set that creates a role, takes `postgres`'s superuser away, grants roles, sets a
/// database's and the system's settings and creates a database leaves the server exactly as it
/// was: the replay runs in a transaction that is always rolled back, and what cannot be rolled
/// back is not sent.
#[test]
fn the_check_leaves_the_server_as_it_was() {
    let _serial = serial();
    let Some(mut admin) = common::postgres_admin("the_check_leaves_the_server_as_it_was") else {
        return;
    };
    let before = server_state(&mut admin);
    let checked = check(
        "the_check_leaves_the_server_as_it_was",
        &[
            (
                "1_roles.sql",
                "CREATE ROLE migrate_probe_reader LOGIN;\n\
                 GRANT pg_read_all_data TO migrate_probe_reader;\n\
                 ALTER ROLE migrate_probe_reader SET work_mem = '1MB';\n\
                 ALTER DATABASE postgres SET work_mem = '2MB';\n\
                 CREATE TABLE t (a INT);\n\
                 GRANT SELECT ON t TO migrate_probe_reader;\n\
                 ALTER ROLE postgres NOSUPERUSER;\n",
            ),
            (
                "2_system.sql",
                "-- migrate:no-transaction\n\
                 ALTER SYSTEM SET work_mem = '3MB';\n\
                 CREATE DATABASE migrate_probe_database;\n",
            ),
        ],
    )
    .unwrap();
    let errors: Vec<_> = checked.errors().collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The two that cannot be contained are not sent, and the output says so.
    let parser_only: Vec<String> = checked
        .warnings()
        .filter(|d| d.message.contains("the database check does not run it"))
        .filter_map(|d| d.position())
        .collect();
    assert_eq!(
        parser_only,
        ["migrations/2_system.sql:2:1", "migrations/2_system.sql:3:1"]
    );
    // PostgreSQL ran every statement of the first file, including the two the parser cannot
    // read (`GRANT role TO role`, `ALTER DATABASE ... SET`); of the second, the parser alone
    // judged.
    let statements: Vec<Check> = checked
        .migrations
        .iter()
        .flat_map(|m| m.up.statements.iter().map(|s| s.check))
        .collect();
    assert_eq!(
        statements,
        [
            Check::Parsed,
            Check::Engine,
            Check::Parsed,
            Check::Engine,
            Check::Parsed,
            Check::Parsed,
            Check::Parsed,
            Check::Unchecked,
            Check::Parsed,
        ]
    );
    assert_eq!(server_state(&mut admin), before);
}

/// What the parser cannot read, PostgreSQL judges: valid statements are checked, a statement
/// PostgreSQL refuses is an error at the position the server gives, with its message.
#[test]
fn postgres_judges_what_the_parser_cannot_read() {
    let _serial = serial();
    let Some(checked) = check(
        "postgres_judges_what_the_parser_cannot_read",
        &[
            (
                "1_valid.sql",
                "CREATE TABLE t (a INT PRIMARY KEY, b INT REFERENCES t (a));\n\
                 CREATE STATISTICS t_ab ON a, b FROM t;\n\
                 ALTER TABLE t ALTER CONSTRAINT t_b_fkey DEFERRABLE INITIALLY DEFERRED;\n\
                 ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;\n\
                 CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;\n\
                 ALTER SEQUENCE s RENAME TO s2;\n\
                 ALTER TABLE t ALTER COLUMN a SET (n_distinct = 100);\n",
            ),
            (
                "2_invalid.sql",
                "-- `b` is an integer: no such function\n\
                 CREATE STATISTICS t_bad ON a, lower(b) FROM t;\n",
            ),
        ],
    ) else {
        return;
    };
    let valid: Vec<Check> = checked.migrations[0]
        .up
        .statements
        .iter()
        .map(|s| s.check)
        .collect();
    assert_eq!(
        valid,
        [
            Check::Parsed,
            Check::Engine,
            Check::Engine,
            Check::Engine,
            Check::Engine,
            Check::Engine,
            Check::Engine,
        ]
    );
    let found = findings(&checked);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, Code::Rejected);
    assert_eq!(found[0].1, "migrations/2_invalid.sql:2:31");
    assert!(
        found[0].2.starts_with("PostgreSQL refuses this statement: function lower(integer) does not exist (SQLSTATE 42883)"),
        "{found:#?}"
    );
}

/// A missing `;` the synopses find is reported once, with PostgreSQL's words as a note, and a
/// syntax error after an earlier failure is still an error.
#[test]
fn postgres_confirms_what_needs_no_database() {
    let _serial = serial();
    let Some(checked) = check(
        "postgres_confirms_what_needs_no_database",
        &[
            (
                "1_t.sql",
                "CREATE TABLE t (a INT);
INSERT INTO t (nope) VALUES (1);
",
            ),
            (
                "2_f.sql",
                "CREATE FUNCTION f() RETURNS trigger AS $f$ BEGIN RETURN NEW; END $f$\n\
                 LANGUAGE plpgsql VOLATILE COST 100\n\
                 CREATE TRIGGER t_f BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n",
            ),
        ],
    ) else {
        return;
    };
    let found = findings(&checked);
    assert_eq!(
        found
            .iter()
            .map(|(code, at, message)| (*code, at.as_str(), message.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                Code::Rejected,
                "migrations/1_t.sql:2:16",
                "PostgreSQL refuses this statement: column \"nope\" of relation \"t\" does not exist (SQLSTATE 42703)"
            ),
            (
                Code::Syntax,
                "migrations/2_f.sql:2:35",
                "missing `;` at the end of line 2?"
            ),
        ],
        "{found:#?}"
    );
    assert!(
        checked.diagnostics[1]
            .notes
            .iter()
            .any(|n| n.contains("syntax error at or near \"CREATE\"")),
        "{:#?}",
        checked.diagnostics[1]
    );
}

/// An enum value added by one migration can be used by the next, as in production, where they
/// commit apart; used in the migration that adds it, PostgreSQL refuses it, there as here.
#[test]
fn enum_values_added_by_an_earlier_migration_can_be_used() {
    let _serial = serial();
    let Some(checked) = check(
        "enum_values_added_by_an_earlier_migration_can_be_used",
        &[
            ("1_mood.sql", "CREATE TYPE mood AS ENUM ('sad');\n"),
            ("2_happy.sql", "ALTER TYPE mood ADD VALUE 'happy';\n"),
            (
                "3_use.sql",
                "CREATE TABLE t (m mood NOT NULL DEFAULT 'happy');\n",
            ),
            (
                "4_same.sql",
                "ALTER TYPE mood ADD VALUE 'calm';\nSELECT 'calm'::mood;\n",
            ),
        ],
    ) else {
        return;
    };
    let found = findings(&checked);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].1, "migrations/4_same.sql:2:8");
    assert!(
        found[0].2.contains("unsafe use of new value \"calm\""),
        "{found:#?}"
    );
}

/// The scratch database is dropped when the check fails; one left by a check that was killed
/// (old, with no connection) is dropped by the next check.
#[test]
fn scratch_databases_do_not_outlive_their_check() {
    let _serial = serial();
    let test = "scratch_databases_do_not_outlive_their_check";
    let Some(mut admin) = common::postgres_admin(test) else {
        return;
    };
    let leftover = format!("migrate_check_1_{}_99", std::process::id());
    admin
        .batch_execute(&format!("CREATE DATABASE \"{leftover}\""))
        .unwrap();
    let checked = check(
        test,
        &[("1_bad.sql", "ALTER TABLE missing ADD COLUMN a INT;\n")],
    )
    .unwrap();
    assert_eq!(
        findings(&checked),
        [(
            Code::Rejected,
            "migrations/1_bad.sql:1:1".to_owned(),
            "PostgreSQL refuses this statement: relation \"missing\" does not exist (SQLSTATE 42P01)".to_owned()
        )]
    );
    let own: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE $1",
            &[&format!("migrate\\_check\\_%\\_{}\\_%", std::process::id())],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        own, 0,
        "neither the leftover nor this check's database is left"
    );
}

/// An unreachable server is a `dev-database` error, and the statements stay unchecked.
#[test]
fn an_unreachable_dev_database_is_an_error() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("migrations")).unwrap();
    fs::write(
        dir.path().join("migrations/1_stats.sql"),
        "CREATE STATISTICS s ON a, b FROM t;\n",
    )
    .unwrap();
    let config = Config {
        dialects: vec![Dialect::Postgres],
        dev_database_url: Some("postgres://postgres@127.0.0.1:1/postgres".to_owned()),
        ..Config::default()
    };
    let checked = check_directory(dir.path(), &config);
    let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::DevDatabase, Code::Unchecked, Code::Unchecked]);
    assert!(checked.diagnostics[0].is_error());
}

/// What runs in production must pass here too: a migration's own savepoints, an enum value used
/// after it is added in a migration that runs statement by statement. What the server does not
/// have (another database, named in `ALTER DATABASE`) is the environment's; a deferred
/// constraint that fails when the migration commits is the migration's error.
#[test]
fn postgres_judges_as_production_would() {
    let _serial = serial();
    let Some(checked) = check(
        "postgres_judges_as_production_would",
        &[
            (
                "1_savepoints.sql",
                "CREATE TABLE t (a INT PRIMARY KEY);\n\
                 SAVEPOINT before_seed;\n\
                 INSERT INTO t VALUES (1);\n\
                 ROLLBACK TO SAVEPOINT before_seed;\n\
                 RELEASE SAVEPOINT before_seed;\n\
                 INSERT INTO t VALUES (2);\n",
            ),
            (
                "2_enum.sql",
                "-- migrate:no-transaction\n\
                 CREATE TYPE mood AS ENUM ('sad');\n\
                 ALTER TYPE mood ADD VALUE 'happy';\n\
                 SELECT 'happy'::mood;\n",
            ),
            (
                "3_deferred.sql",
                "CREATE TABLE c (a INT REFERENCES t (a) DEFERRABLE INITIALLY DEFERRED);\n\
                 INSERT INTO c VALUES (42);\n",
            ),
        ],
    ) else {
        return;
    };
    let found = findings(&checked);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, Code::Rejected);
    assert_eq!(found[0].1, "migrations/3_deferred.sql:1:1");
    assert!(
        found[0].2.starts_with("PostgreSQL refuses to commit this migration: insert or update on table \"c\" violates foreign key constraint"),
        "{found:#?}"
    );

    let Some(checked) = check(
        "postgres_judges_as_production_would",
        &[(
            "1_settings.sql",
            "ALTER DATABASE production_app SET statement_timeout = '5s';\n",
        )],
    ) else {
        return;
    };
    let found = findings(&checked);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, Code::Environment);
}
