//! What the CLI prints: results on stdout, everything else on stderr; colours only where the
//! stream is a terminal (and `--color`, `NO_COLOR` allow); progress only on a terminal.

use std::sync::Arc;
use std::time::Duration;

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};
use comfy_table::{Cell, ContentArrangement, Table, presets};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use migrate_build::Diagnostic;
use migrate_runtime::{Direction, Event, Migration, MigrationStatus, Migrator, Report, State};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default().bold();
const GOOD: Style = AnsiColor::Green.on_default();
const PENDING: Style = AnsiColor::Yellow.on_default();
const BAD: Style = AnsiColor::Red.on_default();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

pub(crate) struct Out {
    pub(crate) quiet: bool,
    pub(crate) verbose: bool,
    progress: ProgressBar,
}

impl Out {
    pub(crate) fn new(quiet: bool, verbose: bool) -> Out {
        let progress = if quiet {
            ProgressBar::hidden()
        } else {
            // Hidden by indicatif itself when stderr is not a terminal.
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        };
        progress.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Out {
            quiet,
            verbose,
            progress,
        }
    }

    /// A result line, on stdout.
    pub(crate) fn line(&self, text: &str) {
        if !self.quiet {
            self.progress.suspend(|| println!("{text}"));
        }
    }

    /// A file the command made: printed even with `--quiet`, for scripts.
    pub(crate) fn path(&self, path: &str) {
        println!("{path}");
    }

    /// A remark, on stderr.
    pub(crate) fn note(&self, text: &str) {
        if !self.quiet {
            eprintln!("{DIM}note: {text}{DIM:#}");
        }
    }

    /// A verdict that is not a success, on stderr.
    pub(crate) fn status_line(&self, text: &str) {
        eprintln!("{BOLD}{text}{BOLD:#}");
    }

    pub(crate) fn error(&self, message: &str, hint: Option<&str>) {
        self.progress.finish_and_clear();
        eprintln!("{ERROR}error{ERROR:#}: {message}");
        if let Some(hint) = hint {
            eprintln!("{HINT}hint{HINT:#}: {hint}");
        }
    }

    pub(crate) fn diagnostic(&self, diagnostic: &Diagnostic) {
        self.progress
            .suspend(|| eprintln!("{}\n", diagnostic.render_styled()));
    }

    pub(crate) fn json(&self, value: &serde_json::Value) {
        println!("{value:#}");
    }

    /// The migrator, reporting its progress here: a spinner with the elapsed time while a
    /// migration runs or the lock is awaited, a line for each migration done. In a `grouped` run
    /// nothing is done until the group commits: the caller prints the report then.
    pub(crate) fn observe(&self, migrator: Migrator, grouped: bool) -> Migrator {
        let progress = self.progress.clone();
        let (quiet, verbose) = (self.quiet, self.verbose);
        let waited = Arc::new(std::sync::atomic::AtomicBool::new(false));
        migrator.on_event(move |event| match event {
            Event::Waiting { holder } => {
                let text = format!("waiting for the migration lock, held by {holder}");
                if progress.is_hidden() {
                    if !quiet && !waited.swap(true, std::sync::atomic::Ordering::Relaxed) {
                        eprintln!("{text}");
                    }
                } else {
                    progress.reset_elapsed();
                    progress.set_message(text);
                    progress.enable_steady_tick(Duration::from_millis(100));
                }
            }
            Event::TookOver { taken_over } if !quiet => {
                progress.suspend(|| println!("{taken_over}"));
            }
            Event::Started {
                migration,
                direction,
            } => {
                let verb = if *direction == Direction::Up {
                    "applying"
                } else {
                    "reverting"
                };
                progress.reset_elapsed();
                progress.set_message(format!("{verb} {migration}"));
                progress.enable_steady_tick(Duration::from_millis(100));
                if verbose && progress.is_hidden() {
                    eprintln!("{DIM}{verb} {migration}…{DIM:#}");
                }
            }
            Event::Finished {
                migration,
                direction,
                duration,
            } if !quiet && !grouped => {
                let (verb, style) = if *direction == Direction::Up {
                    ("applied", GOOD)
                } else {
                    ("reverted", PENDING)
                };
                progress.suspend(|| {
                    println!(
                        "{style}{verb}{style:#} {migration} {DIM}({}){DIM:#}",
                        human(*duration)
                    );
                });
            }
            _ => {}
        })
    }

    /// One line per migration a run applied or reverted.
    pub(crate) fn report(&self, report: &Report) {
        if self.quiet {
            return;
        }
        for (verb, style, list) in [
            ("applied", GOOD, &report.applied),
            ("reverted", PENDING, &report.reverted),
        ] {
            for done in list {
                println!(
                    "{style}{verb}{style:#} {} {} {DIM}({}){DIM:#}",
                    done.version,
                    done.name,
                    human(done.duration)
                );
            }
        }
    }

    /// The states as JSON: one object per migration.
    pub(crate) fn status_json(&self, status: &[MigrationStatus]) {
        let list: Vec<serde_json::Value> = status
            .iter()
            .map(|s| {
                serde_json::json!({
                    "version": s.version,
                    "name": s.name,
                    "state": s.state.to_string(),
                    "applied_at": s.applied_at,
                    "duration_ms": s.duration.map(|d| d.as_millis() as u64),
                    "error": s.error,
                })
            })
            .collect();
        self.json(&serde_json::Value::Array(list));
    }

    /// Stops the spinner.
    pub(crate) fn finish(&self) {
        self.progress.finish_and_clear();
    }

    /// The last line of `up`, `down` and `redo`.
    pub(crate) fn summary(&self, report: &Report, took: Duration, nothing: &str) {
        let text = match (report.applied.len(), report.reverted.len()) {
            (0, 0) => nothing.to_owned(),
            (applied, 0) => format!(
                "applied {} in {}",
                crate::plural(applied, "migration"),
                human(took)
            ),
            (0, reverted) => format!(
                "reverted {} in {}",
                crate::plural(reverted, "migration"),
                human(took)
            ),
            (applied, reverted) => format!(
                "reverted {} and applied {} in {}",
                crate::plural(reverted, "migration"),
                crate::plural(applied, "migration"),
                human(took)
            ),
        };
        self.line(&text);
    }

    pub(crate) fn status_table(&self, status: &[MigrationStatus]) {
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(
                ["version", "name", "state", "applied at", "took"]
                    .map(|h| Cell::new(format!("{BOLD}{h}{BOLD:#}"))),
            );
        let mut counts: Vec<(String, usize)> = Vec::new();
        for s in status {
            let style = match s.state {
                State::Applied => GOOD,
                State::Pending => PENDING,
                _ => BAD,
            };
            let state = s.state.to_string();
            match counts.iter_mut().find(|(name, _)| *name == state) {
                Some((_, n)) => *n += 1,
                None => counts.push((state.clone(), 1)),
            }
            let applied_at = s
                .applied_at
                .as_deref()
                .map(|at| at.get(..19).unwrap_or(at).replace('T', " ") + " UTC")
                .unwrap_or_default();
            let mut state_text = format!("{style}{state}{style:#}");
            if let Some(error) = &s.error {
                state_text += &format!(": {error}");
            }
            table.add_row([
                Cell::new(s.version),
                Cell::new(&s.name),
                Cell::new(state_text),
                Cell::new(applied_at),
                Cell::new(s.duration.map(human).unwrap_or_default()),
            ]);
        }
        if !status.is_empty() {
            println!("{table}");
        }
        let summary = if counts.is_empty() {
            "no migrations".to_owned()
        } else {
            counts
                .iter()
                .map(|(state, n)| format!("{n} {state}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!("{summary}");
    }

    /// The SQL a run would send, statement by statement, each with where it comes from.
    pub(crate) fn plan(&self, steps: &[(&'static Migration, Direction)]) {
        if steps.is_empty() {
            println!("-- nothing to run");
            return;
        }
        println!(
            "{DIM}-- {} to run, in this order{DIM:#}",
            crate::plural(steps.len(), "migration")
        );
        for (migration, direction) in steps {
            let (verb, script) = match direction {
                Direction::Up => ("apply", Some(migration.up())),
                Direction::Down => ("revert", migration.down()),
            };
            let Some(script) = script else { continue };
            let transaction = if script.runs_in_transaction() {
                "in a transaction"
            } else {
                "outside a transaction (-- migrate:no-transaction)"
            };
            println!();
            println!(
                "{BOLD}-- {verb} {migration}: {}, {transaction}{BOLD:#}",
                script.path()
            );
            for statement in script.statements() {
                println!(
                    "{DIM}-- {}:{}:{}{DIM:#}",
                    script.path(),
                    statement.line,
                    statement.column
                );
                println!("{}", statement.sql);
            }
        }
    }
}

/// A duration for people: `12 ms`, `3.4 s`, `2 min 5 s`.
pub(crate) fn human(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", duration.as_secs_f64())
    } else {
        format!("{} min {} s", ms / 60_000, (ms % 60_000) / 1000)
    }
}
