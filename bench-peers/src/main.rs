//! migrate against sqlx, refinery and diesel_migrations, measured in one run on one machine.
//!
//! One generator writes the same N migrations in each tool's layout into `apps/<tool>/migrations`.
//! Each app embeds them the way its tool's documentation says (migrate: build script and
//! `migrations!()`; the others: their embedding macro, and a build script that tells cargo to
//! watch the directory) and, run as `<app> migrate <url>`, prints how long applying took, timed
//! inside the process around the tool's one call. Rounds interleave the tools, in a rotating
//! order, so that a machine's slow spell falls on all of them.
//!
//! - **apply**: from scratch, on a new SQLite file and on a new PostgreSQL database, one
//!   transaction per migration (each tool's default); migrate also grouped (all in one
//!   transaction). Beside them, the limit: every up file as one batch in one transaction, with no
//!   bookkeeping.
//! - **no-op start**: the same call again, with everything applied: what every start of an app
//!   costs.
//! - **rebuild**: `cargo build`, release and debug, after editing one migration's SQL (the middle
//!   one, and the newest: the one a developer is writing), after adding one, after `touch` of
//!   one migration (as a checkout does), and after `touch src/main.rs` (what every compile of
//!   the crate that embeds them costs).
//!
//! It prints medians with min and max, and the ratio of migrate to the best peer and to the limit,
//! and writes the table to `bench-peers/results-<N>.md`.
//!
//! ```text
//! cargo run --release --manifest-path bench-peers/Cargo.toml -- [--migrations 500] [--rounds 3]
//!     [--tools migrate,diesel] [--skip-rebuild] [--skip-apply]
//! ```
//!
//! `--takeover` instead checks that migrate takes the peers' histories over (see `takeover.rs`).
//!
//! The PostgreSQL server is `MIGRATE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), a user that may create databases.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod takeover;

/// The tools, as their apps are named under `apps/`.
const TOOLS: [&str; 4] = ["migrate", "diesel", "refinery", "sqlx"];

struct Options {
    migrations: usize,
    /// The tools measured (all by default; `--tools migrate,diesel` for a quick look).
    tools: Vec<&'static str>,
    rounds: usize,
    apply: bool,
    rebuild: bool,
}

fn options() -> Options {
    let mut options = Options {
        migrations: 500,
        tools: TOOLS.to_vec(),
        rounds: 3,
        apply: true,
        rebuild: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> usize {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match arg.as_str() {
            "--migrations" => options.migrations = number("--migrations"),
            "--rounds" => options.rounds = number("--rounds").max(1),
            "--skip-apply" => options.apply = false,
            "--skip-rebuild" => options.rebuild = false,
            "--tools" => {
                let list = args.next().expect("--tools takes a list");
                if let Some(unknown) = list.split(',').find(|l| !TOOLS.contains(l)) {
                    panic!("unknown tool {unknown}: the tools are {}", TOOLS.join(", "));
                }
                options.tools = TOOLS
                    .into_iter()
                    .filter(|t| list.split(',').any(|l| l == *t))
                    .collect();
            }
            other => panic!(
                "unknown argument {other}: --migrations N, --rounds N, --tools a,b, --skip-apply, --skip-rebuild"
            ),
        }
    }
    options
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn app_dir(tool: &str) -> PathBuf {
    root().join("apps").join(tool)
}

fn target_dir() -> PathBuf {
    root().join("target").join("apps")
}

// ---------------------------------------------------------------------------------------------
// The migrations, in every layout.

/// Migration `i` (from 1): its name, up SQL and down SQL. Portable SQL: a table with an index and
/// a row; every fifth migration also adds a column to the table before it.
fn migration(i: usize) -> (String, String, String) {
    let mut up = format!(
        "CREATE TABLE t{i} (\n    id INTEGER PRIMARY KEY,\n    name TEXT NOT NULL,\n    note TEXT,\n    created_at TEXT\n);\n\
         CREATE INDEX t{i}_name ON t{i} (name);\n\
         INSERT INTO t{i} (id, name) VALUES (1, 'first');\n"
    );
    let mut down = format!("DROP INDEX t{i}_name;\nDROP TABLE t{i};\n");
    if i.is_multiple_of(5) && i > 1 {
        let previous = i - 1;
        up += &format!("ALTER TABLE t{previous} ADD COLUMN extra TEXT;\n");
        down = format!("ALTER TABLE t{previous} DROP COLUMN extra;\n{down}");
    }
    (format!("table_{i}"), up, down)
}

/// Where a tool keeps the up file of migration `i` in `dir`, and where its down file (if it has
/// one).
fn files(dir: &Path, tool: &str, i: usize, name: &str) -> (PathBuf, Option<PathBuf>) {
    let version = format!("{i:05}");
    match tool {
        "migrate" | "sqlx" => (
            dir.join(format!("{version}_{name}.up.sql")),
            Some(dir.join(format!("{version}_{name}.down.sql"))),
        ),
        "refinery" => (dir.join(format!("V{i}__{name}.sql")), None),
        "diesel" => {
            let folder = dir.join(format!("{version}_{name}"));
            (folder.join("up.sql"), Some(folder.join("down.sql")))
        }
        other => unreachable!("{other}"),
    }
}

fn write_migration(tool: &str, i: usize) {
    write_migration_in(&app_dir(tool).join("migrations"), tool, i);
}

fn write_migration_in(dir: &Path, tool: &str, i: usize) {
    let (name, up, down) = migration(i);
    let (up_path, down_path) = files(dir, tool, i, &name);
    fs::create_dir_all(up_path.parent().unwrap()).unwrap();
    fs::write(&up_path, up).unwrap();
    if let Some(down_path) = down_path {
        fs::write(down_path, down).unwrap();
    }
}

fn remove_migration(tool: &str, i: usize) {
    remove_migration_in(&app_dir(tool).join("migrations"), tool, i);
}

fn remove_migration_in(dir: &Path, tool: &str, i: usize) {
    let (name, _, _) = migration(i);
    let (up_path, down_path) = files(dir, tool, i, &name);
    fs::remove_file(&up_path).unwrap();
    if let Some(down_path) = down_path {
        fs::remove_file(down_path).unwrap();
    }
    if tool == "diesel" {
        fs::remove_dir(up_path.parent().unwrap()).unwrap();
    }
}

fn generate(count: usize) {
    for tool in TOOLS {
        let dir = app_dir(tool).join("migrations");
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for i in 1..=count {
            write_migration(tool, i);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Building and running the apps.

fn cargo_build(tool: &str, release: bool) -> f64 {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .arg("build")
        .arg("--quiet")
        .current_dir(app_dir(tool))
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("MIGRATE_DEV_DATABASE_URL")
        .env_remove("RUSTFLAGS");
    if release {
        command.arg("--release");
    }
    let started = Instant::now();
    let output = command.output().expect("run cargo");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        output.status.success(),
        "building {tool} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    seconds
}

/// Runs a release app and returns the seconds it printed.
fn run_app(tool: &str, args: &[&str]) -> f64 {
    let binary = target_dir().join("release").join(format!("peer-{tool}"));
    let output = Command::new(&binary)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", binary.display()));
    assert!(
        output.status.success(),
        "{tool} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{tool} printed no time"))
}

struct Postgres {
    admin: postgres::Client,
    base: String,
}

impl Postgres {
    fn connect() -> Postgres {
        let url = std::env::var("MIGRATE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let admin = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("no PostgreSQL server at {url}: {e}"));
        let base = url
            .rsplit_once('/')
            .map_or(url.clone(), |(base, _)| base.to_owned());
        Postgres { admin, base }
    }

    /// A new, empty database: its URL.
    fn fresh(&mut self, name: &str) -> String {
        self.drop(name);
        self.admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        format!("{}/{name}", self.base)
    }

    fn drop(&mut self, name: &str) {
        self.admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
    }
}

/// Every sample, by measurement and then by tool (or `limit`).
type Samples = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

fn record(samples: &mut Samples, what: &str, who: &str, seconds: f64) {
    samples
        .entry(what.to_owned())
        .or_default()
        .entry(who.to_owned())
        .or_default()
        .push(seconds);
}

fn rotated(tools: &[&'static str], round: usize) -> Vec<&'static str> {
    let mut order = tools.to_vec();
    order.rotate_left(round % tools.len().max(1));
    order
}

fn measure_apply(options: &Options, samples: &mut Samples) {
    let mut pg = Postgres::connect();
    let scratch = root().join("target").join("scratch");
    fs::create_dir_all(&scratch).unwrap();
    for round in 0..options.rounds {
        eprintln!("apply, round {} of {}", round + 1, options.rounds);
        for tool in rotated(&options.tools, round) {
            let mut runs: Vec<(&str, Vec<&str>)> = vec![(tool, vec![])];
            if tool == "migrate" {
                runs.push(("migrate grouped", vec!["grouped"]));
                runs.push(("limit", vec![]));
            }
            for (who, extra) in runs {
                let command = if who == "limit" { "limit" } else { "migrate" };
                // Applies on `url`, a new database, then starts again on it (the limit has no
                // bookkeeping to start from).
                let mut measure = |database: &str, url: &str| {
                    let args: Vec<&str> = [command, url]
                        .into_iter()
                        .chain(extra.iter().copied())
                        .collect();
                    record(
                        samples,
                        &format!("{database}: apply"),
                        who,
                        run_app(tool, &args),
                    );
                    if who != "limit" {
                        record(
                            samples,
                            &format!("{database}: no-op start"),
                            who,
                            run_app(tool, &args),
                        );
                    }
                };
                let file = scratch.join(format!("{}.db", who.replace(' ', "_")));
                let _ = fs::remove_file(&file);
                measure("SQLite", &file.display().to_string());
                let _ = fs::remove_file(&file);
                let name = format!("peer_bench_{}", who.replace(' ', "_"));
                let url = pg.fresh(&name);
                measure("PostgreSQL", &url);
                pg.drop(&name);
            }
        }
    }
}

fn measure_rebuild(options: &Options, samples: &mut Samples) {
    let edits = [
        ("one migration", options.migrations.div_ceil(2)),
        ("the newest migration", options.migrations),
    ];
    let added = options.migrations + 1;
    for round in 0..options.rounds {
        eprintln!("rebuild, round {} of {}", round + 1, options.rounds);
        for tool in rotated(&options.tools, round) {
            for (release, profile) in [(true, "release"), (false, "debug")] {
                cargo_build(tool, release);
                // Edit a migration's SQL: one more index on its table, named for the round, so
                // that what the database runs changes (a comment alone would not).
                for (which, edited) in edits {
                    let (name, up, _) = migration(edited);
                    let (up_path, _) =
                        files(&app_dir(tool).join("migrations"), tool, edited, &name);
                    fs::write(
                        &up_path,
                        format!("{up}CREATE INDEX t{edited}_round{round} ON t{edited} (note);\n"),
                    )
                    .unwrap();
                    record(
                        samples,
                        &format!("rebuild after editing {which} ({profile})"),
                        tool,
                        cargo_build(tool, release),
                    );
                    fs::write(&up_path, up).unwrap();
                    cargo_build(tool, release);
                }
                // Add one.
                write_migration(tool, added);
                record(
                    samples,
                    &format!("rebuild after adding one migration ({profile})"),
                    tool,
                    cargo_build(tool, release),
                );
                remove_migration(tool, added);
                cargo_build(tool, release);
                // Touch one migration: same content, new modification time.
                let (name, _, _) = migration(edits[0].1);
                let (up_path, _) =
                    files(&app_dir(tool).join("migrations"), tool, edits[0].1, &name);
                let text = fs::read(&up_path).unwrap();
                fs::write(&up_path, text).unwrap();
                record(
                    samples,
                    &format!("rebuild after `touch` of one migration ({profile})"),
                    tool,
                    cargo_build(tool, release),
                );
                // Touch the code that embeds them.
                let main = app_dir(tool).join("src/main.rs");
                let text = fs::read(&main).unwrap();
                fs::write(&main, text).unwrap();
                record(
                    samples,
                    &format!("rebuild after `touch src/main.rs` ({profile})"),
                    tool,
                    cargo_build(tool, release),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The table.

fn stats(samples: &[f64]) -> (f64, f64, f64) {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    (median, sorted[0], sorted[n - 1])
}

fn show(seconds: f64) -> String {
    if seconds < 0.001 {
        format!("{:.3} ms", seconds * 1000.0)
    } else if seconds < 1.0 {
        format!("{:.1} ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2} s")
    }
}

fn cell(samples: Option<&Vec<f64>>) -> String {
    match samples {
        Some(s) if !s.is_empty() => {
            let (median, min, max) = stats(s);
            if s.len() == 1 {
                show(median)
            } else {
                format!("{} ({}–{})", show(median), show(min), show(max))
            }
        }
        _ => "–".to_owned(),
    }
}

fn table(options: &Options, samples: &Samples) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} migrations, {} round{} interleaved; median (min–max). Ratios compare medians: migrate \
         to the best peer (below 1 is faster), and to the limit (every up file as one batch in one \
         transaction, no bookkeeping).\n",
        options.migrations,
        options.rounds,
        if options.rounds == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "| | migrate | migrate grouped | diesel | refinery | sqlx | limit | migrate ÷ best peer | migrate ÷ limit | grouped ÷ limit |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|");
    let order = [
        "SQLite: apply",
        "SQLite: no-op start",
        "PostgreSQL: apply",
        "PostgreSQL: no-op start",
        "rebuild after editing one migration (release)",
        "rebuild after editing one migration (debug)",
        "rebuild after editing the newest migration (release)",
        "rebuild after editing the newest migration (debug)",
        "rebuild after adding one migration (release)",
        "rebuild after adding one migration (debug)",
        "rebuild after `touch` of one migration (release)",
        "rebuild after `touch` of one migration (debug)",
        "rebuild after `touch src/main.rs` (release)",
        "rebuild after `touch src/main.rs` (debug)",
    ];
    for what in order {
        let Some(row) = samples.get(what) else {
            continue;
        };
        let median = |who: &str| row.get(who).filter(|s| !s.is_empty()).map(|s| stats(s).0);
        let best_peer = ["diesel", "refinery", "sqlx"]
            .into_iter()
            .filter_map(median)
            .min_by(f64::total_cmp);
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}x", a / b),
            _ => "–".to_owned(),
        };
        let _ = writeln!(
            out,
            "| {what} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(row.get("migrate")),
            cell(row.get("migrate grouped")),
            cell(row.get("diesel")),
            cell(row.get("refinery")),
            cell(row.get("sqlx")),
            cell(row.get("limit")),
            ratio(median("migrate"), best_peer),
            ratio(median("migrate"), median("limit")),
            ratio(median("migrate grouped"), median("limit")),
        );
    }
    out
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--takeover") {
        takeover::run();
        return;
    }
    let options = options();
    eprintln!(
        "generating {} migrations in each layout",
        options.migrations
    );
    generate(options.migrations);
    eprintln!("building the apps (untimed)");
    for &tool in &options.tools {
        cargo_build(tool, true);
        if options.rebuild {
            cargo_build(tool, false);
        }
    }
    let mut samples = Samples::new();
    if options.apply {
        measure_apply(&options, &mut samples);
    }
    if options.rebuild {
        measure_rebuild(&options, &mut samples);
    }
    let table = table(&options, &samples);
    println!("{table}");
    let path: &Path = &root().join(format!("results-{}.md", options.migrations));
    let mut tools = if options.tools.len() == TOOLS.len() {
        String::new()
    } else {
        format!(" --tools {}", options.tools.join(","))
    };
    if !options.apply {
        tools += " --skip-apply";
    }
    if !options.rebuild {
        tools += " --skip-rebuild";
    }
    let machine = format!(
        "Measured by `cargo run --release --manifest-path bench-peers/Cargo.toml -- --migrations {} --rounds {}{tools}` on {} cores.\n\n",
        options.migrations,
        options.rounds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    fs::write(
        path,
        format!(
            "# migrate and its peers, {} migrations\n\n{machine}{table}",
            options.migrations
        ),
    )
    .unwrap();
    eprintln!("wrote {}", path.display());
}
