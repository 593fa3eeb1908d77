//! Diagnostics: what a check found, where, and how to fix it, rendered the way rustc renders its own.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use crate::codes::Code;
pub use crate::codes::Severity;
use crate::source::{SourceFile, line_col};

/// Where a diagnostic points: a file, and optionally a span of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file's path as shown to the user (relative to the manifest directory).
    pub file: String,
    source: Option<Arc<str>>,
    span: Option<Range<usize>>,
    /// The line and column where the span starts.
    at: Option<(u32, u32)>,
    label: Option<String>,
}

impl Location {
    /// A whole file, with no position inside it.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            source: None,
            span: None,
            at: None,
            label: None,
        }
    }

    /// A byte span of a source file's text.
    pub fn span(source: &SourceFile, span: Range<usize>) -> Location {
        let end = span.end.min(source.text.len());
        let start = span.start.min(end);
        Location {
            file: source.display.clone(),
            source: Some(Arc::clone(&source.text)),
            span: Some(start..end),
            at: Some(source.line_col(start)),
            label: None,
        }
    }

    /// A byte span of some text shown under the name `file`.
    pub fn in_text(file: &str, text: &Arc<str>, span: Range<usize>) -> Location {
        let end = span.end.min(text.len());
        let start = span.start.min(end);
        Location {
            file: file.to_owned(),
            source: Some(Arc::clone(text)),
            span: Some(start..end),
            at: Some(line_col(text, start)),
            label: None,
        }
    }

    /// The byte offset the span starts at, if there is a span.
    pub fn offset(&self) -> Option<usize> {
        self.span.as_ref().map(|s| s.start)
    }

    /// The 1-based line and column (in characters) the span starts at, if there is a span.
    pub fn line_col(&self) -> Option<(u32, u32)> {
        self.at
    }
}

/// One finding of the checker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of finding it is.
    pub code: Code,
    /// Whether it fails the build: the code's level, as configured.
    pub severity: Severity,
    /// A short statement of the problem.
    pub message: String,
    /// Where the problem is, when it is in a file.
    pub location: Option<Box<Location>>,
    /// Extra facts worth knowing, shown as `= note:` lines.
    pub notes: Vec<String>,
    /// How to fix it, shown as a `= help:` line.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new finding, at its code's default level.
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_level(),
            message: message.into(),
            location: None,
            notes: Vec::new(),
            help: None,
        }
    }

    /// Points the diagnostic at a location.
    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(Box::new(location));
        self
    }

    /// Labels the span the diagnostic points at.
    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        if let Some(location) = &mut self.location {
            location.label = Some(label.into());
        }
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Whether this diagnostic fails the build.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, or `file` when there is no position, or nothing when there is no file.
    pub fn position(&self) -> Option<String> {
        let location = self.location.as_ref()?;
        Some(match location.line_col() {
            Some((line, column)) => format!("{}:{line}:{column}", location.file),
            None => location.file.clone(),
        })
    }

    /// The full rustc-style rendering: severity and message, `--> file:line:col`, the source
    /// line with a caret, then notes and help. Plain text, no colour.
    pub fn render(&self) -> String {
        self.render_with(Renderer::plain())
    }

    /// [`Diagnostic::render`] with ANSI colours, for a terminal.
    pub fn render_styled(&self) -> String {
        self.render_with(Renderer::styled())
    }

    /// The one-line rendering, `file:line:col: severity[code]: message`, for places that show
    /// one line per finding (cargo's build-script warnings).
    pub fn render_short(&self) -> String {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let code = self.code;
        match self.position() {
            Some(position) => format!("{position}: {severity}[{code}]: {}", self.message),
            None => format!("{severity}[{code}]: {}", self.message),
        }
    }

    fn render_with(&self, renderer: Renderer) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut group = Group::with_title(
            level
                .primary_title(self.message.as_str())
                .id(self.code.name()),
        );
        if let Some(location) = &self.location {
            group = match (&location.source, &location.span) {
                (Some(source), Some(span)) => {
                    let mut annotation = AnnotationKind::Primary.span(span.clone());
                    if let Some(label) = &location.label {
                        annotation = annotation.label(label.as_str());
                    }
                    group.element(
                        Snippet::source(&**source)
                            .path(location.file.as_str())
                            .annotation(annotation),
                    )
                }
                _ => group.element(Origin::path(location.file.as_str())),
            };
        }
        for note in &self.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        renderer.render(&[group])
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn renders_like_rustc_with_position_caret_and_help() {
        let file = SourceFile::new(
            PathBuf::from("/x/0001_a.sql"),
            "migrations/0001_a.sql".into(),
            "CREATE TABLE a (\n  id INT,\n);\n",
        );
        let at = file.text.find(')').unwrap();
        let rendered = Diagnostic::new(Code::Syntax, "syntax error")
            .at(Location::span(&file, at..at + 1))
            .label("expected a column")
            .help("remove the trailing comma")
            .render();
        let expected = "\
error[syntax]: syntax error
 --> migrations/0001_a.sql:3:1
  |
3 | );
  | ^ expected a column
  |
  = help: remove the trailing comma";
        assert_eq!(rendered, expected);
    }

    #[test]
    fn file_only_and_short_forms() {
        let d =
            Diagnostic::new(Code::StrayFile, "stray").at(Location::file("migrations/notes.txt"));
        assert_eq!(d.position().as_deref(), Some("migrations/notes.txt"));
        assert_eq!(
            d.render_short(),
            "migrations/notes.txt: warning[stray-file]: stray"
        );
        assert!(d.render().contains("--> migrations/notes.txt"));
    }
}
