//! End-to-end: the built `migrate` binary against real SQLite files and the PostgreSQL server,
//! its output and exit codes, every bad input, and that a password never shows.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use migrate_runtime::postgres::{Client, NoTls};
use migrate_runtime::rusqlite::Connection;

/// A project directory (no Cargo.toml unless a test writes one) with a `migrations/` folder.
struct Project {
    dir: tempfile::TempDir,
}

/// What one run of the binary did.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    fn fails(self) -> Run {
        assert_eq!(
            self.code, 1,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("RUST_BACKTRACE"),
            "{}",
            self.stderr
        );
        self
    }

    /// Asserts that standard error says `text`.
    fn stderr_has(&self, text: &str) -> &Run {
        says("stderr", &self.stderr, text);
        self
    }

    /// Asserts that standard output says `text`.
    fn stdout_has(&self, text: &str) -> &Run {
        says("stdout", &self.stdout, text);
        self
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn says(stream: &str, output: &str, text: &str) {
    assert!(
        output.contains(text),
        "expected {text:?} on {stream}:\n{output}"
    );
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("migrations")).unwrap();
        Project { dir }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn write(&self, file: &str, sql: &str) {
        fs::write(self.path("migrations").join(file), sql).unwrap();
    }

    fn sqlite_url(&self) -> String {
        format!("sqlite:{}", self.path("app.db").display())
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("MIGRATE_DEV_DATABASE_URL")
            .env("NO_COLOR", "1");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.output().expect("run migrate");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The accounts set: 1 creates a table, 2 adds a column, 3 seeds rows.
    fn accounts(&self) {
        self.write(
            "1_create_accounts.up.sql",
            "CREATE TABLE accounts (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL\n);\n",
        );
        self.write("1_create_accounts.down.sql", "DROP TABLE accounts;\n");
        self.write(
            "2_add_email.up.sql",
            "ALTER TABLE accounts ADD COLUMN email TEXT;\n",
        );
        self.write(
            "2_add_email.down.sql",
            "ALTER TABLE accounts DROP COLUMN email;\n",
        );
        self.write(
            "3_seed.up.sql",
            "INSERT INTO accounts (id, name) VALUES (1, 'ada');\n",
        );
        self.write("3_seed.down.sql", "DELETE FROM accounts WHERE id = 1;\n");
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn new_names_numbers_and_never_clobbers() {
    let project = Project::new();
    let first = project.run(&["new", "Create", "Users", "table"]).ok();
    let created: Vec<&str> = first.stdout.lines().collect();
    assert_eq!(created.len(), 2, "{}", first.stdout);
    let (up, down) = (created[0], created[1]);
    // A UTC timestamp, then the name as the checker wants it.
    let version = up
        .strip_prefix("migrations/")
        .unwrap()
        .split('_')
        .next()
        .unwrap();
    assert_eq!(version.len(), 14, "{up}");
    assert_eq!(
        up,
        format!("migrations/{version}_create_users_table.up.sql")
    );
    assert_eq!(
        down,
        format!("migrations/{version}_create_users_table.down.sql")
    );
    first.stderr_has("named `create_users_table`");

    // Twice in the same second: still a newer version, never the same file.
    let second = project.run(&["new", "add_email"]).ok();
    let second_version: i64 = second.stdout.lines().next().unwrap()["migrations/".len()..]
        .split('_')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(second_version > version.parse().unwrap());
    assert_eq!(files(&project.path("migrations")).len(), 4);
    // The new files check cleanly (with a warning: they have no statements yet).
    let check = project.run(&["check"]).ok();
    check.stderr_has("warning[empty-up]");

    let bad = project.run(&["new", "--", "--", "!!"]).fails();
    bad.stderr_has("error: `-- !!` has no letters or digits");
}

/// In another tool's layout, `new` writes that tool's files, and the set is checked and applied
/// in place.
#[test]
fn other_layouts_are_created_checked_and_applied_in_place() {
    let project = Project::new();
    fs::write(
        project.path("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.0.0\"\n\n[package.metadata.migrate]\nlayout = \"diesel\"\n",
    )
    .unwrap();
    let dir = project.path("migrations/2024-03-13_users");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("up.sql"), "CREATE TABLE users (id INTEGER);\n").unwrap();
    fs::write(dir.join("down.sql"), "DROP TABLE users;\n").unwrap();
    let created = project.run(&["new", "add", "email"]).ok();
    let lines: Vec<&str> = created.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", created.stdout);
    // diesel's `YYYY-MM-DD-HHMMSS_name/{up,down}.sql`, newer than the date-only version.
    let folder = lines[0]
        .strip_prefix("migrations/")
        .and_then(|l| l.strip_suffix("_add_email/up.sql"))
        .unwrap_or_else(|| panic!("{}", lines[0]));
    assert_eq!(folder.len(), "2026-01-01-000000".len(), "{folder}");
    assert_eq!(lines[1], format!("migrations/{folder}_add_email/down.sql"));
    fs::write(
        project.path(lines[0]),
        "ALTER TABLE users ADD COLUMN email TEXT;\n",
    )
    .unwrap();
    fs::write(
        project.path(lines[1]),
        "ALTER TABLE users DROP COLUMN email;\n",
    )
    .unwrap();
    project
        .run(&["check"])
        .ok()
        .stdout_has("checked 2 migrations");
    // A database diesel migrated up to the first migration: its history is taken over, and
    // only the new migration runs.
    let conn = Connection::open(project.path("app.db")).unwrap();
    conn.execute_batch(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20240313');
         CREATE TABLE users (id INTEGER);",
    )
    .unwrap();
    let url = project.sqlite_url();
    let up = project.run(&["up", "--database-url", &url]).ok();
    assert!(
        up.stdout.starts_with(
            "took over 1 migration applied by diesel (__diesel_schema_migrations)\napplied "
        ),
        "{}",
        up.stdout
    );
    up.stdout_has(" add_email");
    assert!(!up.stdout.contains("users"), "{}", up.stdout);
    let status = project.run(&["status", "--database-url", &url]).ok();
    status.stdout_has("2 applied");
    let diesel_rows: i64 = conn
        .query_row("SELECT count(*) FROM __diesel_schema_migrations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(diesel_rows, 1, "diesel's table is left as it was");
    // The same files read as another layout are not migrations.
    project
        .run(&["check", "--layout", "sqlx"])
        .fails()
        .stderr_has("`migrations/2024-03-13_users/` is a directory, not a migration");
    project
        .run(&["check", "--layout", "liquibase"])
        .fails()
        .stderr_has("unknown layout `liquibase`");
}

#[test]
fn new_follows_sequence_numbers_and_the_down_policy() {
    let project = Project::new();
    project.write("0001_init.sql", "CREATE TABLE a (id INTEGER);\n");
    project.write("0002_more.sql", "CREATE TABLE b (id INTEGER);\n");
    let run = project.run(&["new", "--up-only", "third"]).ok();
    assert_eq!(run.stdout.trim(), "migrations/0003_third.sql");

    let run = project
        .run(&["new", "--irreversible", "drops data", "fourth"])
        .ok();
    assert_eq!(run.stdout.trim(), "migrations/0004_fourth.sql");
    let text = fs::read_to_string(project.path("migrations/0004_fourth.sql")).unwrap();
    assert!(
        text.starts_with("-- migrate:irreversible drops data\n"),
        "{text}"
    );

    fs::write(
        project.path("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[package.metadata.migrate]\ndirectory = \"db\"\nrequire-down = true\n",
    )
    .unwrap();
    let refused = project.run(&["new", "--up-only", "fifth"]).fails();
    refused.stderr_has("require-down = true");
    // The configured directory, created on first use.
    let run = project.run(&["new", "fifth"]).ok();
    assert!(
        !run.stdout.starts_with("migrations/") && run.stdout.contains("db/"),
        "{}",
        run.stdout
    );
    assert_eq!(files(&project.path("db")).len(), 2);
}

#[test]
fn check_reports_like_the_build_and_in_json() {
    let project = Project::new();
    project.accounts();
    let clean = project.run(&["check"]).ok();
    clean.stdout_has("checked 3 migrations in migrations");

    project.write("4_broken.sql", "CREATE TABLE b (\n    id INTEGER,\n);\n");
    let broken = project.run(&["check"]).fails();
    broken.stderr_has("error[rejected]: SQLite refuses this statement");
    broken.stderr_has("--> migrations/4_broken.sql:3:1");
    broken.stderr_has("1 error");

    let json = project.run(&["check", "--format", "json"]).fails();
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report["errors"], 1);
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "rejected");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["file"], "migrations/4_broken.sql");
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(3), Some(1))
    );

    // A broken set is never run.
    let up = project
        .run(&["up", "--database-url", &project.sqlite_url()])
        .fails();
    up.stderr_has("error: 1 migration error in migrations: nothing was run");
    assert!(!project.path("app.db").exists());
}

#[test]
fn missing_folder_and_unreadable_file() {
    let project = Project::new();
    let missing = project.run(&["check", "--dir", "nowhere"]).fails();
    missing.stderr_has("migrations directory `nowhere` does not exist");
    let missing = project
        .run(&["up", "--dir", "nowhere", "--database-url", "sqlite:x.db"])
        .fails();
    missing.stderr_has("does not exist");

    std::os::unix::fs::symlink(
        project.path("gone.sql"),
        project.path("migrations/1_dangling.sql"),
    )
    .unwrap();
    let unreadable = project.run(&["check"]).fails();
    unreadable.stderr_has("cannot read `migrations/1_dangling.sql`: No such file or directory");
}

#[test]
fn sqlite_up_status_plan_down_redo() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    let db = ["--database-url", url.as_str()];

    // Status and plan on a database that does not exist yet create nothing.
    let status = project.run(&[&["status"], &db[..]].concat()).ok();
    assert!(status.stdout.ends_with("3 pending\n"), "{}", status.stdout);
    let plan = project.run(&[&["plan"], &db[..]].concat()).ok();
    plan.stdout_has(
        "-- migrations/2_add_email.up.sql:1:1\nALTER TABLE accounts ADD COLUMN email TEXT;",
    );
    assert!(!project.path("app.db").exists());

    let up = project.run(&[&["up", "--to", "2"], &db[..]].concat()).ok();
    up.stdout_has("applied 1 create_accounts (");
    up.stdout_has("applied 2 migrations in");
    let status = project.run(&[&["status"], &db[..]].concat()).ok();
    status.stdout_has(" 2 ");
    assert!(
        status.stdout.ends_with("2 applied, 1 pending\n"),
        "{}",
        status.stdout
    );

    // An older target is refused, and says how to go back.
    let behind = project
        .run(&[&["up", "--to", "1"], &db[..]].concat())
        .fails();
    behind.stderr_has("hint: `migrate down --to 1` reverts to it");

    project.run(&[&["up"], &db[..]].concat()).ok();
    let plan = project
        .run(&[&["plan", "down", "--to", "1"], &db[..]].concat())
        .ok();
    let reverts: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| l.starts_with("-- revert"))
        .collect();
    assert_eq!(reverts.len(), 2, "{}", plan.stdout);
    assert!(
        reverts[0].starts_with("-- revert 3 seed: migrations/3_seed.down.sql"),
        "{}",
        plan.stdout
    );

    let down = project
        .run(&[&["down", "--steps", "2"], &db[..]].concat())
        .ok();
    down.stdout_has("reverted 2 migrations");
    let redo = project.run(&[&["redo"], &db[..]].concat()).ok();
    assert!(
        redo.stdout.contains("reverted 1 create_accounts")
            && redo.stdout.contains("applied 1 create_accounts"),
        "{}",
        redo.stdout
    );
    project.run(&[&["down", "--all"], &db[..]].concat()).ok();
    let conn = Connection::open(project.path("app.db")).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM _migrate_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
}

#[test]
fn baseline_and_refusing_unmanaged_tables() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    let conn = Connection::open(project.path("app.db")).unwrap();
    conn.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);",
    )
    .unwrap();

    let refused = project.run(&["up", "--database-url", &url]).fails();
    refused.stderr_has("the database has tables (accounts) but no history table");
    refused.stderr_has("migrate baseline <VERSION>");

    let baseline = project.run(&["baseline", "2", "--database-url", &url]).ok();
    baseline.stdout_has("recorded 2 migrations as applied, up to 2 add_email; nothing was run");
    let up = project.run(&["up", "--database-url", &url]).ok();
    assert!(
        up.stdout.contains("applied 3 seed") && up.stdout.contains("applied 1 migration in"),
        "{}",
        up.stdout
    );
    let again = project
        .run(&["baseline", "2", "--database-url", &url])
        .fails();
    again.stderr_has("already records 3 migrations");
    let unknown = project
        .run(&["baseline", "7", "--database-url", &url])
        .fails();
    unknown.stderr_has("no migration has version 7");
}

#[test]
fn backup_copies_the_sqlite_file_first() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    project
        .run(&["up", "--to", "1", "--database-url", &url])
        .ok();
    let up = project
        .run(&["up", "--backup", "--database-url", &url])
        .ok();
    let line = up.stdout.lines().next().unwrap();
    let backup = line.split(" to ").nth(1).unwrap();
    assert!(
        line.starts_with("backed up ") && backup.contains("app.db.backup-"),
        "{line}"
    );
    // The copy is the database as it was before: migration 1 only.
    let copy = Connection::open(backup).unwrap();
    let versions: i64 = copy
        .query_row("SELECT count(*) FROM _migrate_history", [], |r| r.get(0))
        .unwrap();
    assert_eq!(versions, 1);
}

#[test]
fn locked_database_times_out_and_says_so() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    project
        .run(&["up", "--to", "1", "--database-url", &url])
        .ok();
    let holder = Connection::open(project.path("app.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let run = project
        .run(&["up", "--lock-timeout", "1s", "--database-url", &url])
        .fails();
    run.stderr_has("waiting for the migration lock, held by another connection");
    run.stderr_has("error: gave up waiting for the migration lock after 1.");
    run.stderr_has("hint: another migrator is at work");
    holder.execute_batch("ROLLBACK").unwrap();
}

#[test]
fn drift_is_refused_with_what_to_do() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    project.run(&["up", "--database-url", &url]).ok();
    project.write(
        "2_add_email.up.sql",
        "ALTER TABLE accounts ADD COLUMN email TEXT NOT NULL DEFAULT '';\n",
    );
    let status = project.run(&["status", "--database-url", &url]).ok();
    status.stdout_has("modified");
    let run = project.run(&["down", "--database-url", &url]).fails();
    run.stderr_has(
        "migration 2 add_email (migrations/2_add_email.up.sql) was modified after it was applied",
    );
    run.stderr_has("--allow-modified");
    assert!(!run.stderr.contains("Migrator::"), "{}", run.stderr);
}

#[test]
fn a_failed_no_transaction_migration_is_resolved_from_the_command_line() {
    let project = Project::new();
    project.write(
        "1_create_a.sql",
        "CREATE TABLE a (id INTEGER PRIMARY KEY);\n",
    );
    project.write(
        "2_create_b.sql",
        "CREATE TABLE b (id INTEGER PRIMARY KEY);\n",
    );
    project.write(
        "3_fill.sql",
        "-- migrate:no-transaction\nINSERT INTO a (id) VALUES (2);\nINSERT INTO a (id) VALUES (1);\n",
    );
    let url = project.sqlite_url();
    // A row the app wrote makes the second statement fail, which no check could know.
    project
        .run(&["up", "--to", "1", "--database-url", &url])
        .ok();
    Connection::open(project.path("app.db"))
        .unwrap()
        .execute_batch("INSERT INTO a (id) VALUES (1)")
        .unwrap();
    let failed = project.run(&["up", "--database-url", &url]).fails();
    failed.stderr_has("applying migration 3 fill failed at migrations/3_fill.sql:3:1");
    failed.stderr_has("before that: applied 2 create_b (these stay done)");
    failed.stderr_has("`migrate resolve 3 applied` or `migrate resolve 3 not-applied`");

    let again = project.run(&["up", "--database-url", &url]).fails();
    again.stderr_has("applying migration 3 fill did not complete (it failed:");
    let status = project.run(&["status", "--database-url", &url]).ok();
    status.stdout_has("incomplete (applying)");

    let wrong = project
        .run(&["resolve", "1", "applied", "--database-url", &url])
        .fails();
    wrong.stderr_has("migration 1 is not an incomplete migration");
    // Its first row went in: undo that and the row in the way by hand, then say so.
    Connection::open(project.path("app.db"))
        .unwrap()
        .execute_batch("DELETE FROM a")
        .unwrap();
    let resolved = project
        .run(&["resolve", "3", "not-applied", "--database-url", &url])
        .ok();
    resolved.stdout_has("recorded migration 3 as not-applied");
    let up = project.run(&["up", "--database-url", &url]).ok();
    up.stdout_has("applied 3 fill");
}

#[test]
fn bad_urls_and_no_url() {
    let project = Project::new();
    project.accounts();
    let none = project.run(&["status"]).fails();
    none.stderr_has("error: no database given");
    none.stderr_has("DATABASE_URL");
    let bad = project
        .run(&["status", "--database-url", "mysql://root:hunter2@db/app"])
        .fails();
    bad.stderr_has("unsupported database URL `mysql://root:***@db/app`");
    assert!(!bad.all().contains("hunter2"));
    let from_env = project
        .run_with(&["status"], &[("DATABASE_URL", "oracle://scott:tiger@db")])
        .fails();
    assert!(
        from_env.stderr.contains("unsupported database URL") && !from_env.all().contains("tiger"),
        "{}",
        from_env.stderr
    );
    let dialect = project
        .run(&[
            "status",
            "--database-url",
            "postgres://u:hunter2@127.0.0.1:1/x",
        ])
        .fails();
    assert!(
        dialect
            .stderr
            .contains("the database is postgres, but the migrations are checked as sqlite only")
            && !dialect.all().contains("hunter2"),
        "{}",
        dialect.stderr
    );
    let missing = project
        .run(&["down", "--database-url", "sqlite:nope.db"])
        .fails();
    missing.stderr_has("the SQLite database `nope.db` does not exist");
    let not_a_database = project.path("garbage.db");
    fs::write(&not_a_database, "this is not a database, it is text").unwrap();
    let garbage = project
        .run(&[
            "up",
            "--database-url",
            &format!("sqlite:{}", not_a_database.display()),
        ])
        .fails();
    garbage.stderr_has("file is not a database");
    let usage = project.run(&["down", "--to", "1", "--steps", "2"]);
    assert_eq!(usage.code, 2, "{}", usage.stderr);
}

/// The server the PostgreSQL tests use: `MIGRATE_TEST_POSTGRES_URL`, by default the local one.
fn postgres_admin() -> Option<(Client, String)> {
    let url = std::env::var("MIGRATE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    match Client::connect(&url, NoTls) {
        Ok(client) => Some((client, url)),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("\n*** SKIPPED: no PostgreSQL server at {url} ({e}) ***\n");
            None
        }
        Err(e) => panic!("no PostgreSQL server at {url} (and CI=true): {e}"),
    }
}

#[test]
fn postgres_end_to_end_never_shows_the_password() {
    let Some((mut admin, admin_url)) = postgres_admin() else {
        return;
    };
    let name = format!("migrate_cli_e2e_{}", std::process::id());
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    // The server trusts local connections, so any password gets in: what matters is that it
    // never shows.
    let secret = "s3cr3t-Pa55word";
    let base = admin_url.rsplit_once('/').unwrap().0.replacen(
        "postgres@",
        &format!("postgres:{secret}@"),
        1,
    );
    let url = format!("{base}/{name}");
    assert!(url.contains(secret), "{url}");

    let project = Project::new();
    project.accounts();
    let db = [
        "--dialect",
        "sqlite,postgres",
        "--database-url",
        url.as_str(),
    ];
    let mut outputs = Vec::new();
    let up = project.run(&[&["up"], &db[..]].concat()).ok();
    up.stdout_has("applied 3 migrations");
    outputs.push(up.all());
    let status = project.run(&[&["status", "-v"], &db[..]].concat()).ok();
    assert!(status.stdout.ends_with("3 applied\n"), "{}", status.stdout);
    outputs.push(status.all());
    outputs.push(
        project
            .run(&[&["down", "--to", "1"], &db[..]].concat())
            .ok()
            .all(),
    );
    outputs.push(project.run(&[&["plan"], &db[..]].concat()).ok().all());
    let backup = project
        .run(&[&["up", "--backup"], &db[..]].concat())
        .fails();
    backup.stderr_has("--backup copies SQLite databases only");
    outputs.push(backup.all());

    // Another migrator holds the lock: the error says who.
    let mut holder = Client::connect(
        &format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0),
        NoTls,
    )
    .unwrap();
    let key = migrate_runtime_lock_key();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .unwrap();
    let locked = project
        .run(&[&["up", "--lock-timeout", "300ms"], &db[..]].concat())
        .fails();
    locked.stderr_has("it is held by PostgreSQL backend pid");
    outputs.push(locked.all());
    drop(holder);

    // Every way connecting can fail.
    let port = url.replacen(":5432/", ":1/", 1);
    let wrong_user = url.replacen("://postgres:", "://nobody_at_all:", 1);
    let no_database = format!("{base}/no_such_database_here");
    let bad_option = format!("{url}?sslmode=sideways");
    for (bad, expected) in [
        (port.as_str(), "cannot connect to PostgreSQL at 127.0.0.1:1"),
        (wrong_user.as_str(), "refused the connection"),
        (
            no_database.as_str(),
            "database \"no_such_database_here\" does not exist",
        ),
        (bad_option.as_str(), "invalid PostgreSQL URL"),
    ] {
        let run = project
            .run(&["status", "--dialect", "postgres", "--database-url", bad])
            .fails();
        assert!(run.stderr.contains(expected), "{bad}: {}", run.stderr);
        outputs.push(run.all());
    }
    let from_env = project
        .run_with(
            &["status", "--dialect", "postgres"],
            &[("DATABASE_URL", port.as_str())],
        )
        .fails();
    outputs.push(from_env.all());
    for output in &outputs {
        assert!(!output.contains(secret), "the password shows:\n{output}");
    }
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
}

/// The advisory lock key of the default history table (`Migrator::advisory_lock_key`).
fn migrate_runtime_lock_key() -> i64 {
    static SET: migrate_runtime::Migrations =
        migrate_runtime::Migrations::__new("_migrate_history", &[]);
    migrate_runtime::Migrator::new(&SET).advisory_lock_key()
}

#[test]
fn odd_inputs_get_clear_errors_not_panics() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    let db = ["--database-url", url.as_str()];

    // A lock timeout beyond what SQLite can count is clamped, not a crash.
    project
        .run(&[&["up", "--to", "1", "--lock-timeout", "30days"], &db[..]].concat())
        .ok();
    let steps = project
        .run(&[&["plan", "up", "--steps", "2"], &db[..]].concat())
        .fails();
    steps.stderr_has("--steps is for `migrate plan down`");
    let missing = project
        .run(&["baseline", "1", "--database-url", "sqlite:none.db"])
        .fails();
    missing.stderr_has("`none.db` does not exist");
    assert!(!project.path("none.db").exists());
    let reason = project.run(&["new", "--irreversible", "  ", "x"]).fails();
    reason.stderr_has("--irreversible needs a reason");

    // A name with a line break stays in its comment: the file is one comment line.
    let made = project
        .run(&["new", "add\nDROP TABLE accounts;", "--up-only"])
        .ok();
    let file = made.stdout.trim();
    assert!(file.ends_with("_add_drop_table_accounts.sql"), "{file}");
    let text = fs::read_to_string(project.path(file)).unwrap();
    assert_eq!(text, "-- add DROP TABLE accounts;\n");
    fs::remove_file(project.path(file)).unwrap();

    // Read-only URLs read, and refuse to write.
    let read_only = format!("{url}?mode=ro");
    project.run(&["status", "--database-url", &read_only]).ok();
    let refused = project.run(&["up", "--database-url", &read_only]).fails();
    refused.stderr_has("read-only (`mode=ro`)");

    // The largest version has no successor.
    project.write("9223372036854775807_last.sql", "SELECT 1;\n");
    let full = project.run(&["new", "after"]).fails();
    full.stderr_has("the largest there is");
}

#[test]
fn status_and_resolve_work_while_a_file_is_broken() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    project.run(&["up", "--database-url", &url]).ok();
    project.write("4_broken.sql", "CREATE TABLE b (\n    id INTEGER,\n);\n");
    let status = project.run(&["status", "--database-url", &url]).ok();
    status.stderr_has("1 migration error in migrations");
    assert!(
        status.stdout.ends_with("3 applied, 1 pending\n"),
        "{}",
        status.stdout
    );
    let json = project
        .run(&["status", "--format", "json", "--database-url", &url])
        .ok();
    let list: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(list[2]["name"], "seed");
    assert_eq!(list[2]["state"], "applied");
    // Resolving reads only the history: the broken file is no obstacle (and 3 is complete).
    let resolve = project
        .run(&["resolve", "3", "applied", "--database-url", &url])
        .fails();
    resolve.stderr_has("migration 3 is not an incomplete migration");
    // Running anything is refused.
    let down = project.run(&["down", "--database-url", &url]).fails();
    down.stderr_has("nothing was run");
}

#[test]
fn grouped_runs_say_applied_only_once_committed_and_redo_refuses_a_gap() {
    let project = Project::new();
    project.accounts();
    let url = project.sqlite_url();
    let db = ["--database-url", url.as_str()];
    let grouped = project.run(&[&["up", "--grouped"], &db[..]].concat()).ok();
    let applied: Vec<&str> = grouped
        .stdout
        .lines()
        .filter(|l| l.starts_with("applied "))
        .collect();
    assert_eq!(applied.len(), 4, "{}", grouped.stdout); // three migrations, and the summary
    project.run(&[&["down", "--all"], &db[..]].concat()).ok();

    // A failing group says nothing was applied.
    project.run(&[&["up", "--to", "1"], &db[..]].concat()).ok();
    Connection::open(project.path("app.db"))
        .unwrap()
        .execute_batch("INSERT INTO accounts (id, name) VALUES (1, 'in the way')")
        .unwrap();
    let failed = project
        .run(&[&["up", "--grouped"], &db[..]].concat())
        .fails();
    assert!(!failed.stdout.contains("applied"), "{}", failed.stdout);
    failed.stderr_has("UNIQUE constraint failed");
    assert!(!failed.stderr.contains("before that"), "{}", failed.stderr);

    // Redo with an older migration pending below the newest (a branch merged late) would apply
    // both: refused.
    let merged = Project::new();
    merged.write("1_a.sql", "CREATE TABLE a (id INTEGER);\n");
    merged.write("3_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    merged.write("3_c.down.sql", "DROP TABLE c;\n");
    let url = merged.sqlite_url();
    merged.run(&["up", "--database-url", &url]).ok();
    merged.write("2_b.sql", "CREATE TABLE b (id INTEGER);\n");
    let redo = merged
        .run(&["redo", "--allow-out-of-order", "--database-url", &url])
        .fails();
    redo.stderr_has("cannot redo migration 3 c: migration 2 b is pending below it");
}

#[test]
fn check_prints_what_the_build_script_prints() {
    let project = Project::new();
    project.accounts();
    project.write("4_broken.sql", "CREATE TABLE b (\n    id INTEGER,\n);\n");
    project.write("5_Bad-Name.sql", "SELECT 1;\n");
    project.write("6_x.sql", "-- migrate:no-transactoin\nSELECT 1;\n");
    let run = project.run(&["check"]).fails();
    // What `migrate_build::run()` prints in a build script, block for block.
    let checked = migrate_build::check_package(project.dir.path(), None, None);
    let expected: Vec<String> = checked.errors().map(|d| d.render()).collect();
    assert_eq!(expected.len(), 3);
    let printed: Vec<&str> = run
        .stderr
        .split("\n\n")
        .filter(|block| block.starts_with("error["))
        .collect();
    assert_eq!(printed, expected);
}
