//! The model's replay: every migration's up in version order, and each down in the state its up
//! left, compared with the state before the up.

use std::collections::HashMap;

use sqlparser::ast::{ObjectNamePart, Statement as Ast};

use super::apply::Finding;
use super::symmetry;
use super::{Kind, Model};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::engine::{Step, Verdict};
use crate::script::{Check, Script};

/// Replays `steps` in the model of `dialect` (after the check setup script, if any), and
/// returns its findings per file. `gap`: the version from which a migration is missing.
pub(crate) fn replay(
    dialect: Dialect,
    steps: &[Step<'_>],
    setup: Option<&str>,
    gap: Option<i64>,
) -> Vec<(usize, Diagnostic)> {
    let mut model = with_setup(dialect, setup);
    let later = Later::new(&model, steps);
    let mut out = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        if gap.is_some_and(|gap| step.version >= gap) {
            model.open(Kind::ALL);
        }
        let (up_file, up) = step.up;
        let open = model.open;
        let reported = out.len();
        model.begin();
        run(&mut model, (up, up_file, false), &later, index, &mut out);
        let up_journal = model.end();
        let Some((down_file, down)) = step.down else {
            continue;
        };
        let (open_after_up, foreign_after_up, path_after_up) =
            (model.open, model.foreign_code, model.search_path.clone());
        model.begin();
        run(&mut model, (down, down_file, true), &later, index, &mut out);
        let down_journal = model.end();
        // A statement the model says the database refuses: what the files leave is not what
        // they mean to, and the errors say so already.
        let model_refused = out.len() > reported;
        // A file the database refused is reported already; what it would have left is not
        // known.
        let refused = |script: &Script| {
            script
                .statements
                .iter()
                .any(|s| matches!(s.check, Check::Invalid) || s.verdict == Verdict::Rejected)
        };
        // An empty down is reported as such (`empty-down`): the migration is irreversible in
        // practice, and listing all it leaves would say it again.
        if !refused(up) && !refused(down) && !model_refused && !down.statements.is_empty() {
            for difference in symmetry::compare(&model, &up_journal, &down_journal, open) {
                out.push((down_file, asymmetry(up, down, difference)));
            }
        }
        // Back to the state the up left: the next migration runs after it, and what the down
        // made unknown is the down's alone.
        model.restore(down_journal);
        model.open = open_after_up;
        model.foreign_code = foreign_after_up;
        model.search_path = path_after_up;
    }
    out
}

/// A model of the schema the check setup script makes (what the real database has that the
/// migrations do not create); all unknown if the parser cannot read it.
fn with_setup(dialect: Dialect, setup: Option<&str>) -> Model {
    let mut model = Model::new(dialect);
    if let Some(setup) = setup {
        match sqlparser::parser::Parser::parse_sql(dialect.parser_dialect(), setup) {
            Ok(statements) => {
                for statement in &statements {
                    model.apply(statement, &statement.to_string(), &mut Vec::new());
                }
            }
            Err(_) => {
                model.open(Kind::ALL);
                model.foreign_code = true;
            }
        }
    }
    model
}

/// The model's facts after each up, in order (downs are not run), after the setup SQL.
pub(crate) fn facts_after_each(
    dialect: Dialect,
    ups: &[&Script],
    setup: Option<&str>,
) -> Vec<super::Facts> {
    let mut model = with_setup(dialect, setup);
    ups.iter()
        .map(|script| {
            model.in_transaction = script.transaction;
            for statement in &script.statements {
                let text = script.text(statement);
                match &statement.ast {
                    Some(ast) => model.apply(ast, text, &mut Vec::new()),
                    None => model.unknown(text),
                }
            }
            model.end_of_file();
            model.facts()
        })
        .collect()
}

/// Applies a file's statements, reporting what the model finds where the database did not
/// judge the statement (a statement the database accepted is fine, whatever the model says).
/// `file`: the script, its index, and whether it is a down.
fn run(
    model: &mut Model,
    (script, file, down): (&Script, usize, bool),
    later: &Later,
    step: usize,
    out: &mut Vec<(usize, Diagnostic)>,
) {
    let mut findings = Vec::new();
    model.in_transaction = script.transaction;
    for (i, statement) in script.statements.iter().enumerate() {
        model.current = i;
        model.accepted = statement.verdict == Verdict::Accepted;
        let text = script.text(statement);
        // A statement with an error is applied as written: what it means to do is what the
        // next statements expect.
        match &statement.ast {
            Some(ast) => model.apply(ast, text, &mut findings),
            None => model.unknown(text),
        }
        for finding in findings.drain(..) {
            if statement.verdict == Verdict::Accepted {
                continue;
            }
            let at = Place {
                script,
                statement: i,
                down,
                step,
            };
            out.push((file, diagnostic(model, &at, later, finding)));
        }
    }
    model.end_of_file();
}

/// The label of a use before the migration that creates what it uses.
const LATER: &str = "used before the migration that creates it";

/// Where a finding is: the file, the statement, whether the file is a down, and the step.
struct Place<'a> {
    script: &'a Script,
    statement: usize,
    down: bool,
    step: usize,
}

fn diagnostic(model: &Model, at: &Place<'_>, later: &Later, finding: Finding) -> Diagnostic {
    let (script, step) = (at.script, at.step);
    let statement = &script.statements[at.statement];
    let span = finding
        .span
        .and_then(|s| script.source.range_of(s))
        .filter(|r| statement.bytes.start <= r.start && r.end <= statement.bytes.end)
        .unwrap_or(statement.bytes.start..statement.bytes.start);
    let mut message = finding.message;
    let mut label = finding.label;
    let mut help = finding.help;
    if let Some((kind, name)) = &finding.missing {
        if let Some(file) = later.after(*kind, name, step) {
            message = format!("{message} yet: it is created by a later migration, `{file}`");
            label = Some(LATER.to_owned());
            help = Some(format!(
                "give this migration a version after `{file}`'s, or move the statement there \
                 (migrations run in version order: two branches merged out of order?)"
            ));
        } else if help.is_none()
            && let Some(meant) = model.similar(*kind, name)
        {
            help = Some(format!("did you mean `{meant}`?"));
        }
    }
    if at.down && finding.code == Code::MissingObject && label.as_deref() != Some(LATER) {
        message = format!("{message}: neither the up nor an earlier migration creates it");
    }
    let mut d = Diagnostic::new(finding.code, message).at(Location::span(&script.source, span));
    if let Some(label) = label {
        d = d.label(label);
    }
    if let Some(help) = help {
        d = d.help(help);
    }
    d
}

fn asymmetry(up: &Script, down: &Script, difference: symmetry::Difference) -> Diagnostic {
    let at = match down.statements.first() {
        Some(s) => Location::span(&down.source, s.bytes.start..s.bytes.start),
        None => Location::file(&down.source.display),
    };
    let file = down
        .source
        .display
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(&down.source.display);
    let mut d = Diagnostic::new(
        Code::AsymmetricDown,
        format!("`{file}` {}", difference.message),
    )
    .at(at)
    .label("this down does not undo its up");
    if let Some(i) = difference.up_statement
        && let Some(s) = up.statements.get(i)
    {
        d = d.note(format!(
            "the up changes it at {}:{}:{}",
            up.source.display, s.line, s.column
        ));
    }
    match difference.cannot_undo {
        Some(why) => d.note(why).help(
            "no down can undo it: if that is acceptable, put `-- migrate:allow(asymmetric-down)` \
             on the line before the down's first statement; otherwise mark the up \
             `-- migrate:irreversible <reason>` and delete the down",
        ),
        None => d.help(
            "make the down undo exactly what the up does, so reverting leaves the schema as it was",
        ),
    }
}

/// Which later migration creates each name, to tell an ordering error from a typo.
struct Later {
    creates: HashMap<(Kind, String), Vec<(usize, String)>>,
}

impl Later {
    fn new(model: &Model, steps: &[Step<'_>]) -> Later {
        let mut creates: HashMap<(Kind, String), Vec<(usize, String)>> = HashMap::new();
        for (index, step) in steps.iter().enumerate() {
            let script = step.up.1;
            for statement in &script.statements {
                let Some(ast) = &statement.ast else { continue };
                let created = match &**ast {
                    Ast::CreateTable(c) => Some((Kind::Table, &c.name)),
                    Ast::CreateView(c) => Some((Kind::View, &c.name)),
                    Ast::CreateIndex(c) => c.name.as_ref().map(|n| (Kind::Index, n)),
                    Ast::CreateSequence { name, .. } => Some((Kind::Sequence, name)),
                    Ast::CreateType { name, .. } => Some((Kind::Type, name)),
                    Ast::CreateFunction(c) => Some((Kind::Function, &c.name)),
                    Ast::CreateTrigger(c) => Some((Kind::Trigger, &c.name)),
                    _ => None,
                };
                let Some((kind, name)) = created else {
                    continue;
                };
                let Some(ident) = name.0.last().and_then(ObjectNamePart::as_ident) else {
                    continue;
                };
                creates
                    .entry((kind, model.normalize(ident)))
                    .or_default()
                    .push((index, script.source.display.clone()));
            }
        }
        Later { creates }
    }

    /// The first file after step `step` that creates `name` as `kind`.
    fn after(&self, kind: Kind, name: &str, step: usize) -> Option<&str> {
        let kinds: &[Kind] = if kind == Kind::Table {
            &[Kind::Table, Kind::View]
        } else {
            std::slice::from_ref(&kind)
        };
        kinds
            .iter()
            .filter_map(|k| self.creates.get(&(*k, name.to_owned())))
            .flatten()
            .filter(|(index, _)| *index > step)
            .min_by_key(|(index, _)| *index)
            .map(|(_, file)| file.as_str())
    }
}
