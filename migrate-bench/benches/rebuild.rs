//! How long `cargo build` takes after editing one migration, in an app with a build script and
//! `migrations!()` (the setup the README shows), for 10 and 500 migrations. Prints a table.
//!
//! The app builds into `target/bench-rebuild`, kept between runs: the first run compiles the
//! dependencies once, untimed.
//!
//! ```text
//! cargo bench -p migrate-bench --bench rebuild
//! ```

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use migrate_bench::{median, workload, write_native};

const RUNS: usize = 5;

fn main() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target = workspace.join("target/bench-rebuild");
    println!("| migrations | rebuild after editing one, median of {RUNS} | no-op build |");
    println!("|--:|--:|--:|");
    for count in [10, 500] {
        let app = tempfile::tempdir().unwrap();
        let dir = app.path();
        fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"rebuild_bench_{count}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\nmigrate-runtime = {{ path = {:?} }}\n\n[build-dependencies]\nmigrate-build = {{ path = {:?} }}\n\n[workspace]\n",
                workspace.join("migrate-runtime"),
                workspace.join("migrate-build")
            ),
        )
        .unwrap();
        fs::copy(workspace.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        fs::write(
            dir.join("build.rs"),
            "fn main() {\n    migrate_build::run();\n}\n",
        )
        .unwrap();
        fs::create_dir(dir.join("src")).unwrap();
        fs::write(
            dir.join("src/main.rs"),
            "mod db {\n    migrate_runtime::migrations!();\n}\n\nfn main() {\n    println!(\"{}\", db::MIGRATIONS.len());\n}\n",
        )
        .unwrap();
        let generated = workload(count);
        write_native(&dir.join("migrations"), &generated).unwrap();
        let build = || {
            let started = Instant::now();
            let status = Command::new(env!("CARGO"))
                .args(["build", "--offline", "--quiet"])
                .current_dir(dir)
                .env("CARGO_TARGET_DIR", &target)
                .status()
                .unwrap();
            assert!(status.success());
            started.elapsed().as_secs_f64()
        };
        build(); // dependencies, untimed
        let edited = dir.join("migrations").join(format!(
            "{:04}_{}.up.sql",
            count / 2,
            generated[count / 2 - 1].name
        ));
        let rebuild = median(
            (0..RUNS)
                .map(|i| {
                    let mut sql = fs::read_to_string(&edited).unwrap();
                    sql.push_str(&format!("-- edit {i}\n"));
                    fs::write(&edited, sql).unwrap();
                    build()
                })
                .collect(),
        );
        let no_op = median((0..RUNS).map(|_| build()).collect());
        println!("| {count} | {rebuild:.2} s | {no_op:.2} s |");
    }
}
