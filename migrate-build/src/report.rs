//! The report: what each file's statements came to, folded and merged into one list of
//! findings per build, in the order the migrations run.
//!
//! - A statement nothing checked gets one `unchecked` warning, saying why ([`unchecked`]).
//! - On one statement, the schema model's explanation of a refusal becomes a note of the
//!   database's finding, and the database's message a note of a rule's error
//!   ([`finish_file`]).
//! - Each dialect's findings on a file are merged: once if every dialect found it, with the
//!   dialects named otherwise.
//! - Findings are sorted by file, in the order the replay runs them (an up before its down, so
//!   a root cause comes before what follows from it), then by position.

use std::collections::HashMap;

use crate::FileCheck;
use crate::codes::Code;
use crate::config::Config;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::engine::{self, Verdict};
use crate::script::{Check, Script};

/// Reports the statements of one dialect that nothing checked: one warning per statement, and
/// once why the database check did not run, if it did not.
pub(crate) fn unchecked(
    dialect: Dialect,
    index: usize,
    files: &mut [Option<FileCheck>],
    note: Option<String>,
    out: &mut Vec<Diagnostic>,
) {
    let mut unchecked = 0;
    for file in files.iter_mut().flatten() {
        let (script, found) = &mut file.dialects[index];
        for statement in &script.statements {
            if script.allows(Code::Unchecked, Some(statement.bytes.start)) {
                continue;
            }
            let at = Location::span(&script.source, statement.bytes.start..statement.bytes.start);
            let diagnostic = match statement.check {
                Check::UncheckedByDirective => Diagnostic::new(
                    Code::Unchecked,
                    "statement not checked (`-- migrate:unchecked`)",
                )
                .at(at)
                .label("runs as written"),
                // Read by the parser, not run by the database: the parser's verdict stands.
                Check::Parsed => match (&statement.plan, &statement.verdict) {
                    (engine::Plan::Skip { say: true, .. }, Verdict::Skipped(why)) => {
                        Diagnostic::new(
                            Code::Unchecked,
                            format!(
                                "statement checked by the SQL parser only: the database check does not run it ({why})"
                            ),
                        )
                        .at(at)
                        .label("runs as written")
                    }
                    _ => continue,
                },
                Check::Unchecked => {
                    unchecked += 1;
                    // Warnings reach cargo as one line: the message says it all.
                    let why = match &statement.verdict {
                        Verdict::NotRun => "and no database ran it".to_owned(),
                        Verdict::Skipped(why) => {
                            format!("and the database check does not run it ({why})")
                        }
                        Verdict::Undecided(why) => {
                            format!("and the database check could not judge it ({why})")
                        }
                        // Reported already, as accepted, refused, or lacking something.
                        Verdict::Accepted | Verdict::Rejected | Verdict::Environment => continue,
                    };
                    let mut d = Diagnostic::new(
                        Code::Unchecked,
                        format!("statement not checked: the SQL parser cannot read it, {why}"),
                    )
                    .at(at)
                    .label("runs as written");
                    if let Some(parser) = &statement.parser_message {
                        d = d.note(format!("the SQL parser says: {parser}"));
                    }
                    d
                }
                _ => continue,
            };
            found.push(diagnostic);
        }
    }
    if let Some(note) = note
        && unchecked > 0
    {
        let s = if unchecked == 1 { "" } else { "s" };
        out.push(
            Diagnostic::new(
                Code::Unchecked,
                format!(
                    "{unchecked} statement{s} that the SQL parser cannot read went unchecked as {dialect}: {note}"
                ),
            ),
        );
    }
}

/// Finishes one file: findings silenced by `-- migrate:allow` or the configured levels are
/// dropped, what the database said about a statement already reported is folded into that
/// report, and the dialects' findings are merged.
pub(crate) fn finish_file(config: &Config, file: &mut FileCheck, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::with_capacity(file.dialects.len());
    for (script, diagnostics) in &mut file.dialects {
        let mut kept: Vec<Diagnostic> = std::mem::take(diagnostics)
            .into_iter()
            .filter_map(|d| {
                if d.code.is_fatal() {
                    return Some(d);
                }
                let offset = d.location.as_ref().and_then(|l| l.offset());
                if script.allows(d.code, offset) {
                    return None;
                }
                config.level(d)
            })
            .collect();
        fold_rejections(script, &mut kept);
        found.push(kept);
    }
    merge_dialects(&config.dialects, found, out);
}

/// Findings on one statement that say the same thing once:
///
/// - the schema model's explanation of a statement the database refused (`missing-object`,
///   `already-exists`, `still-used`) becomes notes of the `rejected` finding, since where the
///   database ran the statement its verdict stands;
/// - a `rejected` finding on a statement that has another error becomes a note of that error:
///   the rule's message says what to do, the database's confirms it.
fn fold_rejections(script: &Script, found: &mut Vec<Diagnostic>) {
    // Statements are in file order: the one a finding is in is found by bisection.
    let statement_of = |d: &Diagnostic| {
        let offset = d.location.as_ref()?.offset()?;
        let i = script.statements.partition_point(|s| s.bytes.end < offset);
        script
            .statements
            .get(i)
            .filter(|s| s.bytes.start <= offset)
            .map(|_| i)
    };
    let modelled = |c: Code| {
        matches!(
            c,
            Code::MissingObject | Code::AlreadyExists | Code::StillUsed
        )
    };
    let mut i = 0;
    while i < found.len() {
        if !modelled(found[i].code) {
            i += 1;
            continue;
        }
        let statement = statement_of(&found[i]);
        let rejected = statement.and_then(|statement| {
            found
                .iter()
                .position(|d| d.code == Code::Rejected && statement_of(d) == Some(statement))
        });
        match rejected {
            Some(rejected) => {
                let model = found.remove(i);
                let target = if rejected > i { rejected - 1 } else { rejected };
                let d = &mut found[target];
                d.notes.push(model.message);
                if d.help.is_none() {
                    d.help = model.help;
                }
            }
            None => i += 1,
        }
    }
    let mut i = 0;
    while i < found.len() {
        if found[i].code != Code::Rejected {
            i += 1;
            continue;
        }
        let statement = statement_of(&found[i]);
        let other = statement.and_then(|statement| {
            found.iter().position(|d| {
                d.code != Code::Rejected && d.is_error() && statement_of(d) == Some(statement)
            })
        });
        match other {
            Some(other) => {
                let rejected = found.remove(i);
                let target = if other > i { other - 1 } else { other };
                found[target].notes.push(rejected.message);
            }
            None => i += 1,
        }
    }
    // A down the schema model shows to be asymmetric: the up failing again after it is one
    // consequence, a note of the finding that says what differs.
    if found.iter().any(|d| d.code == Code::AsymmetricDown) {
        let (redo, mut kept): (Vec<Diagnostic>, Vec<Diagnostic>) = std::mem::take(found)
            .into_iter()
            .partition(|d| d.code == Code::RedoFails);
        if let Some(first) = kept.iter_mut().find(|d| d.code == Code::AsymmetricDown) {
            first.notes.extend(redo.into_iter().map(|d| d.message));
        }
        *found = kept;
    }
}

/// Merges what each dialect found in one file: a finding of every dialect once, a finding of
/// some with a note naming them.
fn merge_dialects(dialects: &[Dialect], found: Vec<Vec<Diagnostic>>, out: &mut Vec<Diagnostic>) {
    let mut merged: Vec<(Diagnostic, Vec<Dialect>)> = Vec::new();
    // Where each finding is in `merged`, by what tells findings apart, so a file with many is
    // merged in one pass.
    let mut index: std::collections::HashMap<(Code, String, Option<usize>), Vec<usize>> =
        std::collections::HashMap::new();
    for (dialect, diagnostics) in dialects.iter().zip(found) {
        for diagnostic in diagnostics {
            let key = (
                diagnostic.code,
                diagnostic.message.clone(),
                diagnostic.location.as_ref().and_then(|l| l.offset()),
            );
            let same = index
                .get(&key)
                .and_then(|at| at.iter().copied().find(|&i| merged[i].0 == diagnostic));
            match same {
                Some(i) if !merged[i].1.contains(dialect) => merged[i].1.push(*dialect),
                Some(_) => {}
                None => {
                    index.entry(key).or_default().push(merged.len());
                    merged.push((diagnostic, vec![*dialect]));
                }
            }
        }
    }
    for (diagnostic, seen) in merged {
        out.push(if seen.len() == dialects.len() {
            diagnostic
        } else {
            let names: Vec<String> = seen.iter().map(|d| format!("`{d}`")).collect();
            diagnostic.note(format!("checked as {}", names.join(" and ")))
        });
    }
}

/// Orders diagnostics by file, in `run_order` (the files' names as diagnostics show them, in
/// the order the replay runs them), then by position. Findings without a file come first, then
/// those of files outside the run (the configuration, a setup script), by name.
pub(crate) fn sort(diagnostics: &mut [Diagnostic], run_order: &[&str]) {
    let rank: HashMap<&str, usize> = run_order
        .iter()
        .enumerate()
        .rev()
        .map(|(i, file)| (*file, i))
        .collect();
    diagnostics.sort_by_cached_key(|d| {
        let file = d.location.as_ref().map(|l| l.file.clone());
        let order = file
            .as_deref()
            .map(|f| rank.get(f).map_or((1, 0), |&r| (2, r)));
        let position = d.location.as_deref().and_then(Location::line_col);
        let outside = match order {
            Some((1, _)) => file.clone(),
            _ => None,
        };
        (order, outside, position)
    });
}
