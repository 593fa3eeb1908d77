//! Migrators in separate OS processes, against real databases: several at once on one SQLite file
//! and one PostgreSQL database; a `CREATE INDEX CONCURRENTLY` while another migrator waits; and
//! migrators killed with SIGKILL part-way through. The test binary re-executes itself as the
//! child migrators (`harness = false`: `cargo test --test concurrency [filter]`).

mod common;

use std::collections::BTreeMap;
use std::process::{Child, Command, ExitCode, Output, Stdio};
use std::time::{Duration, Instant};

use migrate_runtime::rusqlite::Connection;
use migrate_runtime::{Migrations, Migrator, postgres};

use common::{PgDb, TestDatabase};

mod concurrent {
    migrate_runtime::migrations!("tests/fixtures/concurrent", build_script = false);
}
mod concurrent_index {
    migrate_runtime::migrations!(
        "tests/fixtures/postgres_concurrent_index",
        dialect = "postgres",
        build_script = false
    );
}
mod long_run {
    migrate_runtime::migrations!(
        "tests/fixtures/postgres_long_run",
        dialect = "postgres",
        build_script = false
    );
}

/// The child's database: a SQLite path or a PostgreSQL URL.
const CHILD_DATABASE: &str = "MIGRATE_TEST_CHILD_DATABASE";
/// The child's migration set.
const CHILD_SET: &str = "MIGRATE_TEST_CHILD_SET";

type Test = fn() -> Result<String, String>;

const TESTS: &[(&str, Test)] = &[
    ("two_processes_migrate_one_sqlite_file", sqlite_processes),
    (
        "eight_processes_migrate_one_postgres_database",
        postgres_processes,
    ),
    (
        "create_index_concurrently_while_another_migrator_waits",
        concurrent_index_while_waiting,
    ),
    ("sigkill_at_random_points_then_rerun", sigkill_then_rerun),
];

fn main() -> ExitCode {
    if let Ok(database) = std::env::var(CHILD_DATABASE) {
        return child(&database, &std::env::var(CHILD_SET).unwrap_or_default());
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in TESTS {
            println!("{name}: test");
        }
        return ExitCode::SUCCESS;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let mut failed = 0;
    for (name, test) in TESTS {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let started = Instant::now();
        match test() {
            Ok(summary) => println!(
                "test {name} ... ok ({summary}; {:.1}s)",
                started.elapsed().as_secs_f64()
            ),
            Err(problem) => {
                println!("test {name} ... FAILED: {problem}");
                failed += 1;
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn set(name: &str) -> &'static Migrations {
    match name {
        "concurrent_index" => &concurrent_index::MIGRATIONS,
        "long_run" => &long_run::MIGRATIONS,
        _ => &concurrent::MIGRATIONS,
    }
}

/// A child migrator: applies everything, prints the versions it applied.
fn child(database: &str, set_name: &str) -> ExitCode {
    let migrator = Migrator::new(set(set_name));
    let result = if database.starts_with("postgres") {
        postgres::Client::connect(database, postgres::NoTls)
            .map_err(|e| e.to_string())
            .and_then(|mut conn| migrator.migrate(&mut conn).map_err(|e| e.to_string()))
    } else {
        Connection::open(database)
            .map_err(|e| e.to_string())
            .and_then(|mut conn| migrator.migrate(&mut conn).map_err(|e| e.to_string()))
    };
    match result {
        Ok(report) => {
            let versions: Vec<String> = report
                .applied
                .iter()
                .map(|a| a.version.to_string())
                .collect();
            println!("applied:{}", versions.join(","));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("child migrator failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn spawn(database: &str, set_name: &str) -> Result<Child, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    Command::new(exe)
        .env(CHILD_DATABASE, database)
        .env(CHILD_SET, set_name)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawn a migrator: {e}"))
}

/// The versions a successful child applied.
fn applied(i: usize, output: &Output) -> Result<Vec<i64>, String> {
    if !output.status.success() {
        return Err(format!(
            "process {i} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let list = stdout
        .lines()
        .find_map(|l| l.strip_prefix("applied:"))
        .ok_or_else(|| format!("process {i} printed no report"))?;
    list.split(',')
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().map_err(|_| format!("bad version {v:?}")))
        .collect()
}

/// Runs `processes` children at once on `database`; checks that together they reported every
/// migration of the concurrent set applied exactly once; returns how many each applied.
fn round(database: &str, processes: usize) -> Result<Vec<usize>, String> {
    let children: Vec<Child> = (0..processes)
        .map(|_| spawn(database, "concurrent"))
        .collect::<Result<_, _>>()?;
    let mut applied_by: BTreeMap<i64, usize> = BTreeMap::new();
    let mut split = Vec::new();
    for (i, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        let versions = applied(i, &output)?;
        split.push(versions.len());
        for version in versions {
            *applied_by.entry(version).or_default() += 1;
        }
    }
    let expected: Vec<i64> = concurrent::MIGRATIONS.iter().map(|m| m.version()).collect();
    let reported: Vec<i64> = applied_by.keys().copied().collect();
    if reported != expected || applied_by.values().any(|&n| n != 1) {
        return Err(format!(
            "each migration must be reported applied exactly once: {applied_by:?}"
        ));
    }
    Ok(split)
}

/// What the concurrent set leaves when every migration ran once: migration 1 creates the log,
/// 2..=20 each write one row to it.
fn check_log(logged: i64, distinct: i64, recorded: i64) -> Result<(), String> {
    if (logged, distinct, recorded) == (19, 19, 20) {
        Ok(())
    } else {
        Err(format!(
            "log rows {logged}, distinct {distinct}, history rows {recorded}"
        ))
    }
}

const LOG_COUNTS: [&str; 3] = [
    "SELECT count(*) FROM apply_log",
    "SELECT count(DISTINCT version) FROM apply_log",
    "SELECT count(*) FROM _migrate_history WHERE state = 'applied'",
];

fn sqlite_processes() -> Result<String, String> {
    const ROUNDS: usize = 5;
    let mut splits = Vec::new();
    for r in 1..=ROUNDS {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("shared.db");
        let path = path.to_str().ok_or("temporary path is not UTF-8")?;
        let split = round(path, 2).map_err(|e| format!("round {r}: {e}"))?;
        let conn = Connection::open(path).map_err(|e| e.to_string())?;
        let [logged, distinct, recorded] = LOG_COUNTS.map(|sql| {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .unwrap_or(-1)
        });
        check_log(logged, distinct, recorded).map_err(|e| format!("round {r}: {e}"))?;
        splits.push(split);
    }
    // SQLite's busy handler tends to let the process holding the lock keep it, so one usually
    // does all the work while the other waits.
    Ok(format!(
        "{ROUNDS} rounds of 2 processes; applied per process: {splits:?}"
    ))
}

fn postgres_processes() -> Result<String, String> {
    const ROUNDS: usize = 3;
    const PROCESSES: usize = 8;
    let mut splits = Vec::new();
    for r in 1..=ROUNDS {
        let Some(db) = PgDb::new("eight_processes_migrate_one_postgres_database") else {
            return Ok("SKIPPED: no PostgreSQL server".to_owned());
        };
        let split = round(&db.url(), PROCESSES).map_err(|e| format!("round {r}: {e}"))?;
        let mut conn = db.connect();
        let [logged, distinct, recorded] = LOG_COUNTS.map(|sql| PgDb::scalar(&mut conn, sql));
        check_log(logged, distinct, recorded).map_err(|e| format!("round {r}: {e}"))?;
        splits.push(split);
    }
    Ok(format!(
        "{ROUNDS} rounds of {PROCESSES} processes; applied per process: {splits:?}"
    ))
}

/// Kills `child` if it has not finished within `limit`.
fn finish(child: Child, limit: Duration, what: &str) -> Result<Output, String> {
    let mut child = child;
    let started = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            return Err(format!(
                "{what} did not finish within {limit:?}: the migrators are deadlocked"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().map_err(|e| e.to_string())
}

/// A migrator runs `CREATE INDEX CONCURRENTLY`, which waits for every open snapshot in the
/// database, while a second migrator waits for the lock. A waiter that kept a snapshot open
/// (a blocking `pg_advisory_lock` call) would deadlock the two; both must finish.
fn concurrent_index_while_waiting() -> Result<String, String> {
    let Some(db) = PgDb::new("create_index_concurrently_while_another_migrator_waits") else {
        return Ok("SKIPPED: no PostgreSQL server".to_owned());
    };
    let url = db.url();
    let mut observer = db.connect();
    let key = Migrator::new(&concurrent_index::MIGRATIONS).advisory_lock_key();
    let first = spawn(&url, "concurrent_index")?;
    // Start the second once the first holds the lock.
    let started = Instant::now();
    while !observer
        .query_one(
            "SELECT count(*) > 0 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid = $1::bigint::oid AND objid = $2::bigint::oid \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&(key >> 32), &(key & 0xffff_ffff)],
        )
        .map_err(|e| e.to_string())?
        .get::<_, bool>(0)
    {
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the first migrator never took the lock".to_owned());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut second = spawn(&url, "concurrent_index")?;
    // Watch for the index build running while the second migrator is still waiting.
    let mut overlapped = false;
    while second.try_wait().map_err(|e| e.to_string())?.is_none()
        && started.elapsed() < Duration::from_secs(60)
    {
        let building: bool = observer
            .query_one(
                "SELECT count(*) > 0 FROM pg_stat_activity \
                 WHERE state = 'active' AND query LIKE 'CREATE INDEX CONCURRENTLY%'",
                &[],
            )
            .map_err(|e| e.to_string())?
            .get(0);
        overlapped |= building;
        std::thread::sleep(Duration::from_millis(5));
    }
    let limit = Duration::from_secs(120);
    let first = finish(first, limit, "the migrator building the index")?;
    let second = finish(second, limit, "the waiting migrator")?;
    let (first, second) = (applied(0, &first)?, applied(1, &second)?);
    if first != [1, 2] || !second.is_empty() {
        return Err(format!("applied: first {first:?}, second {second:?}"));
    }
    if !overlapped {
        return Err(
            "the index build was never seen running while the second migrator waited; \
             the test proved nothing (make migration 1 load more rows)"
                .to_owned(),
        );
    }
    let valid = PgDb::scalar(
        &mut observer,
        "SELECT count(*) FROM pg_index WHERE indexrelid = 'events_kind_payload'::regclass \
         AND indisvalid",
    );
    if valid != 1 {
        return Err("the index is not valid".to_owned());
    }
    Ok("the waiter polled while the index was built; both finished".to_owned())
}

/// A small xorshift generator: random kill points, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

/// A migrator is killed with SIGKILL at a random point of a long run, 20 times. Afterwards the
/// history and the schema agree: each recorded migration's table is there, full; no unrecorded
/// migration left a table; and the next run completes.
fn sigkill_then_rerun() -> Result<String, String> {
    const KILLS: usize = 20;
    let Some(db) = PgDb::new("sigkill_at_random_points_then_rerun") else {
        return Ok("SKIPPED: no PostgreSQL server".to_owned());
    };
    let seed = std::env::var("MIGRATE_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    let mut rng = Rng(seed);
    let url = db.url();
    let mut conn = db.connect();
    let migrator = Migrator::new(&long_run::MIGRATIONS);
    let total = long_run::MIGRATIONS.iter().count() as i64;

    // How long a whole run takes, to kill within it.
    let started = Instant::now();
    migrator.migrate(&mut conn).map_err(|e| e.to_string())?;
    let run = started.elapsed();

    let mut recorded_at_kill = Vec::new();
    for kill in 1..=KILLS {
        // The long run has no down scripts: it is undone by dropping its tables.
        reset(&mut conn, total)?;
        let mut child = spawn(&url, "long_run")?;
        let delay = Duration::from_micros(rng.below(run.as_micros() as u64));
        std::thread::sleep(delay);
        child.kill().map_err(|e| e.to_string())?; // SIGKILL
        child.wait().map_err(|e| e.to_string())?;
        // The server notices the dead connection and rolls its transaction back.
        wait_for_backends_to_go(&mut conn, &db.name)?;

        let recorded = check_agreement(&mut conn, total)
            .map_err(|e| format!("kill {kill} (after {delay:?}; seed {seed}): {e}"))?;
        recorded_at_kill.push(recorded);
        let report = migrator
            .migrate(&mut conn)
            .map_err(|e| format!("kill {kill}: the next run failed: {e}"))?;
        if report.applied.len() as i64 != total - recorded {
            return Err(format!(
                "kill {kill}: the next run applied {} of the {} left",
                report.applied.len(),
                total - recorded
            ));
        }
        check_agreement(&mut conn, total).map_err(|e| format!("kill {kill}, rerun: {e}"))?;
    }
    Ok(format!(
        "{KILLS} kills in a {:.2}s run (seed {seed}); migrations recorded at each kill: {recorded_at_kill:?}",
        run.as_secs_f64()
    ))
}

/// Empties the database of the long run's tables and history, as if nothing had run.
fn reset(conn: &mut postgres::Client, total: i64) -> Result<(), String> {
    let mut sql = String::from("DELETE FROM _migrate_history;");
    for n in 1..=total {
        sql.push_str(&format!("DROP TABLE IF EXISTS t_{n};"));
    }
    conn.batch_execute(&sql).map_err(|e| e.to_string())
}

/// Waits until no other session is connected to the test database.
fn wait_for_backends_to_go(conn: &mut postgres::Client, name: &str) -> Result<(), String> {
    let started = Instant::now();
    loop {
        let others: i64 = conn
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&name],
            )
            .map_err(|e| e.to_string())?
            .get(0);
        if others == 0 {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err("the killed migrator's session did not end".to_owned());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Checks that the history and the tables agree; returns how many migrations are recorded.
fn check_agreement(conn: &mut postgres::Client, total: i64) -> Result<i64, String> {
    let mut recorded = 0;
    for n in 1..=total {
        let row: Option<String> = conn
            .query_opt(
                "SELECT state FROM _migrate_history WHERE version = $1",
                &[&n],
            )
            .map_err(|e| e.to_string())?
            .map(|r| r.get(0));
        let table = format!("t_{n}");
        let exists = PgDb::table_exists(conn, &table);
        match (row.as_deref(), exists) {
            (Some("applied"), true) => {
                let rows = PgDb::scalar(conn, &format!("SELECT count(*) FROM {table}"));
                if rows != 5_000 {
                    return Err(format!(
                        "migration {n} is recorded but {table} has {rows} rows"
                    ));
                }
                recorded += 1;
            }
            (None, false) => {}
            (row, exists) => {
                return Err(format!(
                    "migration {n}: history row {row:?}, table exists: {exists}"
                ));
            }
        }
    }
    Ok(recorded)
}
