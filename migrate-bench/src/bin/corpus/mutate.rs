//! The mutation check: syntax errors no database accepts, put into copies of corpus files,
//! several per part. Each must be reported as an error at the line it is on, with and without
//! a PostgreSQL server for the check (`MIGRATE_DEV_DATABASE_URL`), however many errors the part
//! has before it.
//!
//! The mutations, by kind, each at a statement chosen by position (never by what the checker
//! makes of it):
//!
//! - a misspelt keyword: two letters of a statement's command swapped (`CREATE` → `CRAETE`), or
//!   of the keyword after it (`INTO` → `ITNO`);
//! - a missing closing parenthesis: a `CREATE TABLE`'s last `)` removed;
//! - a missing `;` between two statements on different lines;
//! - on SQLite, a PostgreSQL-only form: `ALTER TABLE t ADD COLUMN IF NOT EXISTS ...` after a
//!   statement that creates `t`.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use migrate_build::{Dialect, Script};

use crate::{FileId, Part, read_part};

/// What kind of mistake a mutation makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Misspelt,
    NoClosingParenthesis,
    NoSemicolon,
    ForeignForm,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Misspelt => "a misspelt keyword",
            Kind::NoClosingParenthesis => "a missing closing parenthesis",
            Kind::NoSemicolon => "a missing `;`",
            Kind::ForeignForm => "a PostgreSQL-only form in a SQLite file",
        }
    }
}

/// A mutation put into a file.
pub struct Injected {
    /// The file, relative to the corpus root, as the report names it.
    pub file: String,
    /// The 1-based line the mistake is on.
    pub line: u32,
    pub kind: Kind,
    /// The mutated line, for the report.
    pub text: String,
}

/// Keywords that follow a command, worth misspelling as the second word.
const SECOND: &[&str] = &[
    "TABLE",
    "INTO",
    "INDEX",
    "FROM",
    "VIEW",
    "TRIGGER",
    "SEQUENCE",
    "TYPE",
    "FUNCTION",
    "UNIQUE",
    "COLUMN",
    "EXTENSION",
    "SCHEMA",
];

/// Puts up to `count` mutations into files of `scripts` (each a file of the part, as the report
/// names it, and its checked script), in the copy of the corpus at `copy`: one per file, in
/// files spread evenly over the part, the kinds in turn.
pub fn inject(
    scripts: &[(String, &Script)],
    copy: &Path,
    dialect: Dialect,
    count: usize,
) -> Vec<Injected> {
    let candidates: Vec<&(String, &Script)> = scripts
        .iter()
        .filter(|(file, script)| !file.ends_with(" (down)") && !script.statements.is_empty())
        .collect();
    let kinds: &[Kind] = match dialect {
        Dialect::Sqlite => &[
            Kind::Misspelt,
            Kind::NoClosingParenthesis,
            Kind::NoSemicolon,
            Kind::ForeignForm,
        ],
        _ => &[
            Kind::Misspelt,
            Kind::NoClosingParenthesis,
            Kind::NoSemicolon,
        ],
    };
    let count = count.min(candidates.len());
    let mut injected = Vec::new();
    for i in 0..count {
        let (file, script) = candidates[i * candidates.len() / count];
        let path = copy.join(file);
        let Ok(raw) = fs::read_to_string(&path) else {
            continue;
        };
        // The first kind that applies to the file, starting with this turn's.
        let mutation = (0..kinds.len())
            .map(|k| kinds[(i + k) % kinds.len()])
            .find_map(|kind| mutate(kind, &raw, script, i).map(|m| (kind, m)));
        let Some((kind, (text, offset))) = mutation else {
            continue;
        };
        fs::write(&path, &text).expect("write a mutated file");
        let line = text[..offset].matches('\n').count() + 1;
        let line_start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
        let line_text = text[line_start..]
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        injected.push(Injected {
            file: file.clone(),
            line: u32::try_from(line).unwrap_or(u32::MAX),
            kind,
            text: line_text,
        });
    }
    injected
}

/// Mutated files per part: about 200 over the corpus's parts.
const MUTATIONS_PER_PART: usize = 12;

/// The mutation check over `parts`: prints what it found, and returns how many
/// mutations were not reported as an error at their line.
pub fn check(root: &Path, parts: &[&Part], url: Option<&str>) -> usize {
    let mut results: BTreeMap<(Kind, &str), (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut files = 0;
    for part in parts {
        let read = read_part(root, part, None);
        let scripts: Vec<(FileId, &migrate_build::Script)> = read
            .checked
            .migrations
            .iter()
            .zip(&read.sources)
            .flat_map(|(migration, source)| {
                std::iter::once((source.up.clone(), &migration.up)).chain(
                    source
                        .down
                        .as_ref()
                        .zip(migration.down.as_ref())
                        .map(|((file, _), script)| (file.clone(), script)),
                )
            })
            .collect();
        let copy = tempfile::tempdir().expect("temporary directory");
        copy_dir(&root.join(part.dir), &copy.path().join(part.dir));
        let injected = inject(&scripts, copy.path(), part.dialect, MUTATIONS_PER_PART);
        files += injected.len();
        // PostgreSQL parts with and without a server for the check.
        let servers: Vec<Option<&str>> = match (part.dialect, url) {
            (Dialect::Postgres, Some(url)) => vec![None, Some(url)],
            _ => vec![None],
        };
        for server in servers {
            let setting = if server.is_some() {
                "with a dev database"
            } else {
                "without"
            };
            let mutated = read_part(copy.path(), part, server);
            for injection in &injected {
                let found = mutated.checked.diagnostics.iter().any(|d| {
                    d.is_error()
                        && mutated.file_of(d).trim_end_matches(" (down)") == injection.file
                        && d.location
                            .as_ref()
                            .and_then(|l| l.line_col())
                            .is_some_and(|(line, _)| line == injection.line)
                });
                let entry = results.entry((injection.kind, setting)).or_default();
                entry.0 += 1;
                if found {
                    entry.1 += 1;
                } else {
                    misses.push(format!(
                        "{} · {}:{} ({}, {setting}): `{}`",
                        part.name,
                        injection.file,
                        injection.line,
                        injection.kind.name(),
                        injection.text
                    ));
                }
            }
        }
    }
    println!("\nmutation check: {files} files, one certain syntax error each");
    println!("| mutation | check | injected | errors at their line |");
    println!("|---|---|--:|--:|");
    for ((kind, setting), (injected, found)) in &results {
        println!("| {} | {setting} | {injected} | {found} |", kind.name());
    }
    println!(
        "mutations not reported as an error at their line: {}",
        misses.len()
    );
    for miss in &misses {
        println!("  {miss}");
    }
    misses.len()
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create directory");
    for entry in fs::read_dir(from).expect("read directory").flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            fs::copy(&path, &target).expect("copy file");
        }
    }
}

/// The file's text with one mistake of `kind` in it, and the byte where the mistake is; `None`
/// when the file has no place for one. `turn` picks among the places.
fn mutate(kind: Kind, raw: &str, script: &Script, turn: usize) -> Option<(String, usize)> {
    let bom = script.source.bom_len;
    let statements = &script.statements;
    let middle = statements.len() / 2;
    match kind {
        Kind::Misspelt => {
            let statement = &statements[middle];
            let text = script.text(statement);
            let words = leading_words(text);
            // The command's first word, or on every other turn the keyword after it.
            let (start, word) = match words.get(1) {
                Some((at, w))
                    if turn % 2 == 1 && SECOND.contains(&w.to_ascii_uppercase().as_str()) =>
                {
                    (*at, w.clone())
                }
                _ => words.first().cloned()?,
            };
            if word.len() < 4 || !word.is_ascii() {
                return None;
            }
            let bytes = word.as_bytes();
            if bytes[1] == bytes[2] {
                return None;
            }
            let misspelt = format!("{}{}{}{}", &word[..1], &word[2..3], &word[1..2], &word[3..]);
            let at = bom + statement.bytes.start + start;
            Some((
                format!("{}{misspelt}{}", &raw[..at], &raw[at + word.len()..]),
                at,
            ))
        }
        Kind::NoClosingParenthesis => {
            let statement = statements.iter().find(|s| {
                let words = leading_words(script.text(s));
                let upper: Vec<String> =
                    words.iter().map(|(_, w)| w.to_ascii_uppercase()).collect();
                upper.first().is_some_and(|w| w == "CREATE")
                    && upper.iter().take(4).any(|w| w == "TABLE")
            })?;
            let close = last_code_paren(script.text(statement))?;
            let at = bom + statement.bytes.start + close;
            let text = format!("{}{}", &raw[..at], &raw[at + 1..]);
            // Where the statement now visibly ends: this line, unless nothing is left on it.
            let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
            let line_end = text[at..].find('\n').map_or(text.len(), |n| at + n);
            let blank = text[line_start..line_end].trim().is_empty();
            // The start of the last character before the line, not a byte inside it.
            let at = if blank {
                let before = text[..line_start].trim_end();
                before.char_indices().next_back().map_or(0, |(i, _)| i)
            } else {
                at
            };
            Some((text, at))
        }
        Kind::NoSemicolon => {
            // A statement ending in `;`, with the next one on a later line.
            let pairs = statements.windows(2).enumerate().filter(|(_, pair)| {
                let text = script.text(&pair[0]);
                text.ends_with(';') && pair[0].line < pair[1].line
            });
            let candidates: Vec<usize> = pairs.map(|(i, _)| i).collect();
            let first = &statements[*candidates.get(candidates.len() / 2)?];
            let at = bom + first.bytes.end - 1;
            Some((format!("{}{}", &raw[..at], &raw[at + 1..]), at))
        }
        Kind::ForeignForm => {
            let (statement, table) = statements.iter().find_map(|s| {
                let words = leading_words(script.text(s));
                let upper: Vec<String> =
                    words.iter().map(|(_, w)| w.to_ascii_uppercase()).collect();
                (upper.len() >= 3 && upper[0] == "CREATE" && upper[1] == "TABLE")
                    .then(|| words.get(2).map(|(_, w)| w.clone()))
                    .flatten()
                    .filter(|w| {
                        !matches!(w.to_ascii_uppercase().as_str(), "IF" | "TEMP" | "TEMPORARY")
                    })
                    .map(|table| (s, table))
            })?;
            let at = bom + statement.bytes.end;
            let line = format!("\nALTER TABLE {table} ADD COLUMN IF NOT EXISTS mutated INTEGER;");
            Some((format!("{}{line}{}", &raw[..at], &raw[at..]), at + 1))
        }
    }
}

/// The words a statement starts with, up to the first punctuation, with their offsets.
fn leading_words(text: &str) -> Vec<(usize, String)> {
    let mut words = Vec::new();
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let rest = &text[at..];
        if rest.starts_with("--") {
            at += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            at += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if bytes[at].is_ascii_whitespace() {
            at += 1;
        } else if bytes[at].is_ascii_alphabetic() || bytes[at] == b'_' {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            words.push((at, rest[..len].to_owned()));
            at += len;
        } else {
            break;
        }
    }
    words
}

/// The offset of the last `)` of a statement outside strings, quoted names, comments and
/// dollar quotes.
fn last_code_paren(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut last = None;
    let mut at = 0;
    while at < bytes.len() {
        let rest = &text[at..];
        let skip = if rest.starts_with("--") {
            rest.find('\n').unwrap_or(rest.len())
        } else if rest.starts_with("/*") {
            rest.find("*/").map_or(rest.len(), |e| e + 2)
        } else if bytes[at] == b'\'' || bytes[at] == b'"' {
            let quote = bytes[at] as char;
            rest[1..].find(quote).map_or(rest.len(), |e| e + 2)
        } else if bytes[at] == b'$' {
            // `$tag$ ... $tag$`.
            match rest[1..].find('$') {
                Some(e)
                    if rest[1..e + 1]
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_') =>
                {
                    let tag = &rest[..e + 2];
                    rest[tag.len()..]
                        .find(tag)
                        .map_or(rest.len(), |end| tag.len() + end + tag.len())
                }
                _ => 1,
            }
        } else {
            if bytes[at] == b')' {
                last = Some(at);
            }
            rest.chars().next().map_or(1, char::len_utf8)
        };
        at += skip;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_parenthesis_of_code_is_found() {
        assert_eq!(
            last_code_paren("CREATE TABLE t (a TEXT DEFAULT ')') -- )\n;"),
            Some(34)
        );
        assert_eq!(last_code_paren("SELECT $x$ ) $x$, (1)"), Some(20));
        assert_eq!(
            leading_words("-- c\nINSERT INTO t"),
            [
                (5, "INSERT".to_owned()),
                (12, "INTO".to_owned()),
                (17, "t".to_owned())
            ]
        );
    }
}
