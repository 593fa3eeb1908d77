//! Real `cargo build`s of a small app that uses migrate, the way a user's app does.
//!
//! - Adding, editing or deleting a migration file is picked up by the next build, with no `touch`
//!   and no clean.
//! - The build script and the `migrations!()` macro (used without a build script) see the same
//!   migrations and report the same diagnostics, character for character.
//!
//! The app builds into its own target directory under cargo's `CARGO_TARGET_TMPDIR`, kept between
//! runs, so only the first run compiles the dependencies.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const WORKSPACE: &str = env!("CARGO_MANIFEST_DIR");

struct App {
    dir: tempfile::TempDir,
}

impl App {
    fn new(name: &str, build_script: bool) -> App {
        let dir = tempfile::tempdir().unwrap();
        let crate_path = |c: &str| Path::new(WORKSPACE).join(c).display().to_string();
        let mut manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nmigrate-runtime = {{ path = {:?} }}\n",
            crate_path("migrate-runtime")
        );
        if !build_script {
            // The macro checks by itself then, with the SQLite check its feature turns on.
            manifest += &format!(
                "migrate-macros = {{ path = {:?}, features = [\"sqlite\"] }}\n",
                crate_path("migrate-macros")
            );
        }
        if build_script {
            manifest += &format!(
                "\n[build-dependencies]\nmigrate-build = {{ path = {:?} }}\n",
                crate_path("migrate-build")
            );
            fs::write(
                dir.path().join("build.rs"),
                "fn main() {\n    migrate_build::run();\n}\n",
            )
            .unwrap();
        }
        manifest += "\n[workspace]\n";
        fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        // The workspace's lock file: the same dependency versions, so nothing is resolved anew.
        fs::copy(
            Path::new(WORKSPACE).join("Cargo.lock"),
            dir.path().join("Cargo.lock"),
        )
        .unwrap();
        fs::create_dir_all(dir.path().join("src")).unwrap();
        fs::write(
            dir.path().join("src/main.rs"),
            "mod db {\n    migrate_runtime::migrations!();\n}\n\nfn main() {\n    for m in db::MIGRATIONS.iter() {\n        println!(\"{} {} {}\", m.version(), m.name(), m.checksum());\n    }\n}\n",
        )
        .unwrap();
        fs::create_dir_all(dir.path().join("migrations")).unwrap();
        App { dir }
    }

    fn write(&self, file: &str, sql: &str) {
        fs::write(self.dir.path().join("migrations").join(file), sql).unwrap();
    }

    fn remove(&self, file: &str) {
        fs::remove_file(self.dir.path().join("migrations").join(file)).unwrap();
    }

    fn cargo(&self, args: &[&str]) -> Output {
        let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("build-test-target");
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(args)
            .arg("--offline")
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", target)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo")
    }

    /// Builds and runs the app: the `version name checksum` lines it prints.
    fn build_and_run(&self) -> Vec<String> {
        let output = self.cargo(&["run", "--quiet"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn added_edited_and_deleted_migrations_are_picked_up_by_the_next_build() {
    let app = App::new("pickup_app", true);
    app.write("1_create_a.sql", "CREATE TABLE a (id INTEGER);\n");
    let first = app.build_and_run();
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(first[0].starts_with("1 create_a v1:"), "{first:?}");

    app.write("2_create_b.sql", "CREATE TABLE b (id INTEGER);\n");
    let added = app.build_and_run();
    assert_eq!(added.len(), 2, "a new file must be picked up: {added:?}");
    assert!(added[1].starts_with("2 create_b v1:"));

    app.write(
        "1_create_a.sql",
        "CREATE TABLE a (id INTEGER, name TEXT);\n",
    );
    let edited = app.build_and_run();
    assert_eq!(edited.len(), 2);
    assert_ne!(edited[0], first[0], "an edited file must be picked up");

    app.remove("2_create_b.sql");
    let deleted = app.build_and_run();
    assert_eq!(
        deleted,
        [edited[0].clone()],
        "a deleted file must be dropped"
    );
}

/// A diesel layout is built in place: its directories embedded, and an edit inside one picked up.
#[test]
fn a_diesel_layout_is_built_in_place() {
    let app = App::new("diesel_layout_app", true);
    let manifest = app.dir.path().join("Cargo.toml");
    let mut text = fs::read_to_string(&manifest).unwrap();
    text += "\n[package.metadata.migrate]\nlayout = \"diesel\"\n";
    fs::write(&manifest, text).unwrap();
    let folder = |name: &str| {
        let dir = app.dir.path().join("migrations").join(name);
        fs::create_dir_all(&dir).unwrap();
        dir
    };
    let first = folder("2017-08-31-230457_create_a");
    fs::write(first.join("up.sql"), "CREATE TABLE a (id INTEGER);\n").unwrap();
    fs::write(first.join("down.sql"), "DROP TABLE a;\n").unwrap();
    let second = folder("20180101000000_create_b");
    fs::write(second.join("up.sql"), "CREATE TABLE b (id INTEGER);\n").unwrap();
    let built = app.build_and_run();
    let listed: Vec<&str> = built
        .iter()
        .map(|line| line.rsplit_once(' ').unwrap().0)
        .collect();
    assert_eq!(
        listed,
        ["20170831230457 create_a", "20180101000000 create_b"]
    );

    fs::write(
        second.join("up.sql"),
        "CREATE TABLE b (id INTEGER, name TEXT);\n",
    )
    .unwrap();
    let edited = app.build_and_run();
    assert_eq!(edited[0], built[0]);
    assert_ne!(
        edited[1], built[1],
        "an edit inside a directory must be picked up"
    );
}

/// Broken migrations of several kinds, for the diagnostics test.
fn break_migrations(app: &App) {
    app.write("1_create_a.sql", "CREATE TABLE a (\n    id INTEGER,\n);\n");
    app.write("2_create_b.sql", "CREATE TABLE b (id INTEGER);\n");
    app.write("02_again.sql", "SELECT 1;\n");
    app.write("3_c.down.sql", "DROP TABLE c;\n");
    app.write("4_directive.sql", "-- migrate:no-transactoin\nSELECT 1;\n");
    app.write("5_Bad-Name.sql", "SELECT 1;\n");
}

#[test]
fn build_script_and_macro_report_the_same_diagnostics() {
    let with_script = App::new("diagnostics_build_script", true);
    break_migrations(&with_script);
    let output = with_script.cargo(&["build"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    // cargo shows the build script's stderr indented by two spaces after `--- stderr`.
    let script_stderr: String = stderr
        .split_once("--- stderr\n")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no build script stderr in:\n{stderr}"))
        .lines()
        .map(|line| line.strip_prefix("  ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n");
    let from_script: Vec<String> = script_stderr
        .split("\n\n")
        .map(str::trim_end)
        .filter(|block| block.starts_with("error["))
        .map(str::to_owned)
        .collect();

    let macro_only = App::new("diagnostics_macro", false);
    break_migrations(&macro_only);
    let output = macro_only.cargo(&["build", "--message-format=json"]);
    assert!(!output.status.success());
    let from_macro: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["reason"] == "compiler-message" && v["message"]["level"] == "error")
        // The macro writes `[code] message`, and rustc puts `error: ` before it.
        .filter_map(|v| {
            let message = v["message"]["message"].as_str()?;
            let (code, rest) = message.strip_prefix('[')?.split_once("] ")?;
            Some(format!("error[{code}]: {rest}"))
        })
        .collect();

    assert_eq!(from_script.len(), 5, "{script_stderr}");
    assert_eq!(from_script, from_macro);
    for expected in [
        "migrations/1_create_a.sql:3:1",
        "duplicate migration version 2",
        "`3_c.down.sql` has no up migration",
        "migrations/4_directive.sql:1:1",
        "`5_Bad-Name.sql`: a migration name is lowercase words joined by `_`",
    ] {
        assert!(
            from_script.iter().any(|d| d.contains(expected)),
            "{expected} in {from_script:#?}"
        );
    }
}

/// What `cargo build` refuses because SQLite does, though the SQL parser reads it: each case a
/// real build of an app with the build script, failing with SQLite's message at its position.
#[test]
fn cargo_build_fails_where_sqlite_would() {
    let app = App::new("sqlite_refusals", true);
    let table = "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT);\n";
    for (sql, position, message) in [
        (
            "ALTER TABLE missing ADD COLUMN x INT;\n",
            "2_change.sql:1:1",
            "no such table: missing",
        ),
        (
            "CREATE TABLE u (id INT) WITH (fillfactor = 70);\n",
            "2_change.sql:1:30",
            "near \"(\": syntax error",
        ),
        (
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS x INT;\n",
            "2_change.sql:1:33",
            "near \"EXISTS\": syntax error",
        ),
        (
            "SELECT 1::int;\n",
            "2_change.sql:1:9",
            "unrecognized token: \":\"",
        ),
        (
            "UPDATE t SET a = 1 LIMIT 1;\n",
            "2_change.sql:1:20",
            "near \"LIMIT\": syntax error",
        ),
        (
            "CREATE INDEX i ON t (a b);\n",
            "2_change.sql:1:24",
            "near \"b\": syntax error",
        ),
    ] {
        app.write("1_create_t.sql", table);
        app.write("2_change.sql", sql);
        let output = app.cargo(&["build"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{sql}");
        assert!(
            stderr.contains(&format!(
                "error[rejected]: SQLite refuses this statement: {message}"
            )) && stderr.contains(&format!("--> migrations/{position}")),
            "{sql}: {stderr}"
        );
    }

    // The foreign-key trap: a table rebuild in a transaction, with foreign keys on.
    app.write(
        "1_create_t.sql",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n\
         CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE);\n",
    );
    app.write(
        "2_change.sql",
        "PRAGMA foreign_keys = OFF;\n\
         CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT);\n\
         INSERT INTO parent_new (id) SELECT id FROM parent;\n\
         DROP TABLE parent;\n\
         ALTER TABLE parent_new RENAME TO parent;\n",
    );
    let output = app.cargo(&["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    for expected in [
        "error[sqlite-foreign-keys]: `PRAGMA foreign_keys` does nothing inside a transaction\n --> migrations/2_change.sql:1:1",
        "error[sqlite-foreign-keys]: dropping `parent`, which `child` references, with foreign keys on\n --> migrations/2_change.sql:4:1",
    ] {
        let found = stderr
            .lines()
            .map(|l| l.strip_prefix("  ").unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(found.contains(expected), "{expected}\nin\n{stderr}");
    }

    // Marked for the runtime to turn foreign keys off, the same rebuild builds.
    app.write(
        "2_change.sql",
        "-- migrate:foreign-keys-off\n\
         CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT);\n\
         INSERT INTO parent_new (id) SELECT id FROM parent;\n\
         DROP TABLE parent;\n\
         ALTER TABLE parent_new RENAME TO parent;\n",
    );
    assert_eq!(app.build_and_run().len(), 2);
}

/// An app whose only dialect is PostgreSQL leaves the SQLite check, and SQLite itself, out of its
/// build script by turning off `migrate-build`'s default features; a SQLite app has it.
#[test]
fn a_postgres_app_does_not_build_sqlite_into_its_build_script() {
    let app = App::new("postgres_only", true);
    let tree = |app: &App| {
        let output = app.cargo(&["tree", "--edges", "build,normal", "--prefix", "none"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert!(tree(&app).contains("libsqlite3-sys"));
    let manifest = app.dir.path().join("Cargo.toml");
    let text = fs::read_to_string(&manifest).unwrap().replace(
        "migrate-build = { path",
        "migrate-build = { default-features = false, features = [\"postgres\"], path",
    );
    fs::write(&manifest, text).unwrap();
    let tree = tree(&app);
    assert!(
        tree.contains("migrate-build") && tree.contains("postgres"),
        "{tree}"
    );
    assert!(!tree.contains("libsqlite3-sys"), "{tree}");
}

#[test]
fn a_macro_call_for_another_set_than_the_build_script_checks_is_an_error() {
    let app = App::new("mismatch_app", true);
    app.write("1_create_a.sql", "CREATE TABLE a (id INTEGER);\n");
    let other = app.dir.path().join("db");
    fs::create_dir_all(&other).unwrap();
    fs::write(
        other.join("1_create_b.sql"),
        "CREATE TABLE b (id INTEGER);\n",
    )
    .unwrap();
    let main = |call: &str| {
        fs::write(
            app.dir.path().join("src/main.rs"),
            format!("mod db {{\n    {call}\n}}\n\nfn main() {{\n    println!(\"{{}}\", db::MIGRATIONS.len());\n}}\n"),
        )
        .unwrap();
    };

    main(r#"migrate_runtime::migrations!("db");"#);
    let output = app.cargo(&["build", "--quiet"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(
            "embeds `db` (as sqlite), but the build script checks `migrations` (as sqlite)"
        ) && stderr.contains(r#"set `directory = "db"`"#)
            && stderr.contains(r#"migrations!("db", build_script = false)"#),
        "{stderr}"
    );

    // A second set, on purpose: the macro checks it by itself.
    main(r#"migrate_runtime::migrations!("db", build_script = false);"#);
    assert_eq!(app.build_and_run(), ["1"]);
}
