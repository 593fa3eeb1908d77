//! What `cargo build` costs a user of migrate (a build script and `migrations!()`, the setup the
//! README shows), against the same app without migrations. Prints a table of medians.
//!
//! - after editing one migration (the middle one; a `SELECT` added): the build script checks
//!   again (parser, and SQLite from the edited migration on), the crate compiles again;
//! - after `touch src/main.rs`: the crate compiles again, the macro includes what the build
//!   script wrote (nothing is checked again), as for any edit of the app's code;
//! - a no-op build.
//!
//! The apps build into `target/bench-rebuild`, kept between runs: the first build compiles the
//! dependencies once, untimed. `--cold` also times a first build in an empty target directory
//! with and without the SQLite check compiled into the build script (minutes).
//!
//! ```text
//! cargo bench -p migrate-bench --bench rebuild [-- --cold]
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use migrate_bench::{median, workload, write_native};

const RUNS: usize = 5;

/// An app in a temporary directory.
struct App {
    dir: tempfile::TempDir,
    target: PathBuf,
}

impl App {
    /// `migrations`: `None` for an app without migrate at all.
    fn new(
        name: &str,
        migrations: Option<&[(String, String)]>,
        target: &Path,
        features: &str,
    ) -> App {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path();
        let mut manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\n"
        );
        let main = if migrations.is_some() {
            manifest += &format!(
                "migrate-runtime = {{ path = {:?} }}\n\n[build-dependencies]\nmigrate-build = {{ path = {:?}{features} }}\n",
                workspace.join("migrate-runtime"),
                workspace.join("migrate-build")
            );
            fs::write(
                path.join("build.rs"),
                "fn main() {\n    migrate_build::run();\n}\n",
            )
            .unwrap();
            "mod db {\n    migrate_runtime::migrations!();\n}\n\nfn main() {\n    println!(\"{}\", db::MIGRATIONS.len());\n}\n"
        } else {
            "fn main() {\n    println!(\"no migrations\");\n}\n"
        };
        manifest += "\n[workspace]\n";
        fs::write(path.join("Cargo.toml"), manifest).unwrap();
        fs::copy(workspace.join("Cargo.lock"), path.join("Cargo.lock")).unwrap();
        fs::create_dir(path.join("src")).unwrap();
        fs::write(path.join("src/main.rs"), main).unwrap();
        fs::create_dir(path.join("migrations")).unwrap();
        for (file, sql) in migrations.unwrap_or_default() {
            fs::write(path.join("migrations").join(file), sql).unwrap();
        }
        App {
            dir,
            target: target.to_owned(),
        }
    }

    fn build(&self) -> f64 {
        let started = Instant::now();
        let output = Command::new(env!("CARGO"))
            .args(["build", "--offline", "--quiet"])
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("MIGRATE_DEV_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        started.elapsed().as_secs_f64()
    }

    fn touch(&self, file: &str) {
        let path = self.dir.path().join(file);
        let text = fs::read(&path).unwrap();
        fs::write(&path, text).unwrap();
    }

    fn edit(&self, file: &str, i: usize) {
        let path = self.dir.path().join(file);
        let mut text = fs::read_to_string(&path).unwrap();
        // A statement the check runs, so that its SQLite check replays from this migration on
        // (a comment between statements reaches no database, and would be free).
        text.push_str(&format!("SELECT {i};\n"));
        fs::write(&path, text).unwrap();
    }
}

/// The files of a directory: names and contents, in name order.
fn read_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

fn generated(count: usize) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    write_native(dir.path(), &workload(count)).unwrap();
    read_files(dir.path())
}

/// A table and a 5 MB seed of it, one `INSERT` per row.
fn seed() -> Vec<(String, String)> {
    let mut sql =
        String::from("CREATE TABLE words (id INTEGER PRIMARY KEY, word TEXT NOT NULL);\n");
    let mut i = 0;
    while sql.len() < 5_000_000 {
        i += 1;
        sql +=
            &format!("INSERT INTO words (id, word) VALUES ({i}, 'word number {i} of the seed');\n");
    }
    vec![("1_seed_words.sql".to_owned(), sql)]
}

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target = workspace.join("target/bench-rebuild");
    if std::env::args().any(|a| a == "--cold") {
        cold(workspace);
    }
    println!("| app | edit one migration | `touch src/main.rs` | no-op build |\n|---|--:|--:|--:|");
    let none = App::new("rebuild_none", None, &target, "");
    none.build();
    let touch = median(
        (0..RUNS)
            .map(|_| {
                none.touch("src/main.rs");
                none.build()
            })
            .collect(),
    );
    let no_op = median((0..RUNS).map(|_| none.build()).collect());
    println!("| without migrate | – | {touch:.2} s | {no_op:.2} s |");
    let reference = read_files(&workspace.join("migrations"));
    for (label, files) in [
        ("migrate, no migrations", Vec::new()),
        ("the reference app's 9 migrations (as SQLite)", reference),
        ("500 migrations", generated(500)),
        ("a 5 MB seed migration", seed()),
    ] {
        let app = App::new("rebuild_app", Some(&files), &target, "");
        app.build(); // dependencies, untimed
        let mut names: Vec<&String> = files
            .iter()
            .map(|(f, _)| f)
            .filter(|f| !f.contains(".down."))
            .collect();
        names.sort();
        let edit = match names.get(names.len() / 2) {
            Some(name) => {
                let edited = format!("migrations/{name}");
                let seconds = median(
                    (0..RUNS)
                        .map(|i| {
                            app.edit(&edited, i);
                            app.build()
                        })
                        .collect(),
                );
                format!("{seconds:.2} s")
            }
            None => "–".to_owned(),
        };
        let touch = median(
            (0..RUNS)
                .map(|_| {
                    app.touch("src/main.rs");
                    app.build()
                })
                .collect(),
        );
        let no_op = median((0..RUNS).map(|_| app.build()).collect());
        println!("| {label} | {edit} | {touch:.2} s | {no_op:.2} s |");
    }
}

/// A first build in an empty target directory, with and without the SQLite check (which
/// compiles SQLite into the build script), of an app with the reference app's migrations.
fn cold(workspace: &Path) {
    let files: Vec<(String, String)> = generated(10);
    println!("| first build (empty target directory) | seconds |\n|---|--:|");
    for (label, features) in [
        ("with the SQLite check (default features)", ""),
        (
            "without it (`default-features = false`)",
            ", default-features = false",
        ),
    ] {
        let target = tempfile::tempdir().unwrap();
        let app = App::new("cold_app", Some(&files), target.path(), features);
        let seconds = app.build();
        println!("| {label} | {seconds:.1} |");
    }
    let _ = workspace;
    println!();
}
