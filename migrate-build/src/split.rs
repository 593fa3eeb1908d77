//! Splitting a file into statements.
//!
//! The file is tokenized once with sqlparser's tokenizer for the configured dialect, so strings,
//! quoted identifiers, comments and dollar quotes are recognised exactly as the parser will
//! recognise them. A `;` ends a statement unless it sits inside a `BEGIN ... END` body of a
//! `CREATE TRIGGER`, `CREATE FUNCTION` or `CREATE PROCEDURE` (SQLite trigger bodies, PostgreSQL
//! `BEGIN ATOMIC`), where `CASE ... END` is counted too so its `END` does not close the body.
//! Every position stays relative to the file.

use std::ops::Range;

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, TokenizerError, Whitespace};

use crate::dialect::Dialect;
use crate::source::Cursor;

/// A file cut into statements, with the tokens they were cut from.
#[derive(Debug)]
pub(crate) struct Split {
    /// Every token of the file, whitespace and comments included.
    pub tokens: Vec<TokenWithSpan>,
    /// The byte range of each token, parallel to `tokens`.
    pub ranges: Vec<Range<usize>>,
    /// The statements, in file order.
    pub statements: Vec<RawStatement>,
    /// The `BEGIN` of a trigger or function body still open at the end of the file: its token.
    pub unclosed_body: Option<usize>,
}

/// One statement as the splitter found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RawStatement {
    /// Token indices from the statement's first significant token to its last token (the `;`
    /// when there is one).
    pub tokens: Range<usize>,
    /// Byte range of the same text.
    pub bytes: Range<usize>,
}

impl Split {
    /// The single-line comments of the file: token index and the text after the `--`.
    pub fn line_comments(&self) -> impl Iterator<Item = (usize, &str)> {
        self.tokens
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match &t.token {
                Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) => {
                    Some((i, comment.as_str()))
                }
                _ => None,
            })
    }

    /// The uppercased unquoted words a statement starts with, at most `n` of them.
    /// The first `n` unquoted words of a statement, uppercased, skipping everything else
    /// (punctuation, literals, quoted names): `REINDEX (VERBOSE) TABLE CONCURRENTLY t` gives
    /// `REINDEX VERBOSE TABLE CONCURRENTLY T`.
    pub fn words(&self, statement: &RawStatement, n: usize) -> Vec<String> {
        self.tokens[statement.tokens.clone()]
            .iter()
            .filter_map(|t| match &t.token {
                Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
                _ => None,
            })
            .take(n)
            .collect()
    }

    pub fn leading_words(&self, statement: &RawStatement, n: usize) -> Vec<String> {
        self.tokens[statement.tokens.clone()]
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .take(n)
            .map_while(|t| match &t.token {
                Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
                _ => None,
            })
            .collect()
    }
}

/// Tokenizes `text` and cuts it into statements.
pub(crate) fn split(text: &str, dialect: Dialect) -> Result<Split, TokenizerError> {
    let tokens = Tokenizer::new(dialect.parser_dialect(), text)
        .with_unescape(false)
        .tokenize_with_location()?;
    let mut cursor = Cursor::new(text);
    let ranges: Vec<Range<usize>> = tokens.iter().map(|t| cursor.range_of(t.span)).collect();

    let mut statements = Vec::new();
    let mut state = StatementState::default();
    for (i, token) in tokens.iter().enumerate() {
        if matches!(token.token, Token::Whitespace(_) | Token::EOF) {
            continue;
        }
        let start = *state.start.get_or_insert(i);
        if state.depth == 0
            && matches!(&token.token, Token::Word(w) if w.keyword == Keyword::BEGIN && w.quote_style.is_none())
        {
            state.body = Some(i);
        }
        match &token.token {
            Token::SemiColon if state.depth == 0 => {
                statements.push(RawStatement {
                    tokens: start..i + 1,
                    bytes: ranges[start].start..ranges[i].end,
                });
                state = StatementState::default();
            }
            Token::Word(word) if word.quote_style.is_none() => state.word(word.keyword),
            _ => state.words += 1,
        }
        state.last = i;
    }
    let unclosed_body = state.body.filter(|_| state.depth > 0);
    if let Some(start) = state.start {
        statements.push(RawStatement {
            tokens: start..state.last + 1,
            bytes: ranges[start].start..ranges[state.last].end,
        });
    }
    // A lone `;` is an empty statement: drop it rather than hand the parser nothing.
    statements
        .retain(|s| !(s.tokens.len() == 1 && tokens[s.tokens.start].token == Token::SemiColon));
    Ok(Split {
        tokens,
        ranges,
        statements,
        unclosed_body,
    })
}

/// What the splitter tracks inside the current statement.
#[derive(Default)]
struct StatementState {
    start: Option<usize>,
    last: usize,
    /// Significant tokens seen so far.
    words: usize,
    starts_with_create: bool,
    /// Whether this is a `CREATE TRIGGER/FUNCTION/PROCEDURE`, whose `BEGIN` opens a body.
    has_body: bool,
    /// Open `BEGIN`/`CASE` blocks inside the body.
    depth: usize,
    /// The last `BEGIN` seen outside any block: where a body opens.
    body: Option<usize>,
}

impl StatementState {
    fn word(&mut self, keyword: Keyword) {
        if self.words == 0 {
            self.starts_with_create = keyword == Keyword::CREATE;
        } else if self.starts_with_create
            && self.depth == 0
            && self.words < 8
            && matches!(
                keyword,
                Keyword::TRIGGER | Keyword::FUNCTION | Keyword::PROCEDURE
            )
        {
            self.has_body = true;
        }
        match keyword {
            Keyword::BEGIN if self.has_body => self.depth += 1,
            Keyword::CASE if self.depth > 0 => self.depth += 1,
            Keyword::END if self.depth > 0 => self.depth -= 1,
            _ => {}
        }
        self.words += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, dialect: Dialect) -> Vec<&str> {
        let split = split(sql, dialect).unwrap();
        split
            .statements
            .iter()
            .map(|s| &sql[s.bytes.clone()])
            .collect()
    }

    #[test]
    fn splits_on_semicolons() {
        assert_eq!(
            texts(
                "CREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);",
                Dialect::Sqlite
            ),
            ["CREATE TABLE a (x INT);", "INSERT INTO a VALUES (1);"]
        );
    }

    #[test]
    fn last_statement_needs_no_semicolon() {
        assert_eq!(
            texts(
                "SELECT 1;\nSELECT 2\n-- trailing comment\n",
                Dialect::Sqlite
            ),
            ["SELECT 1;", "SELECT 2"]
        );
    }

    #[test]
    fn semicolons_in_strings_identifiers_and_comments_do_not_split() {
        let sql = "INSERT INTO t VALUES ('a;b', \"c;d\"); -- x; y\n/* p; q */ SELECT 1;";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["INSERT INTO t VALUES ('a;b', \"c;d\");", "SELECT 1;"]
        );
    }

    #[test]
    fn dollar_quoted_bodies_do_not_split() {
        let sql = "CREATE FUNCTION f() RETURNS trigger AS $body$\nBEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$body$ LANGUAGE plpgsql;\nSELECT 2;";
        let got = texts(sql, Dialect::Postgres);
        assert_eq!(got.len(), 2);
        assert!(got[0].ends_with("LANGUAGE plpgsql;"));
        assert_eq!(got[1], "SELECT 2;");
    }

    #[test]
    fn trigger_bodies_with_case_stay_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET x = CASE WHEN 1 THEN 2 ELSE 3 END;\n  DELETE FROM c;\nEND;\nSELECT 1;";
        let got = texts(sql, Dialect::Sqlite);
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("CREATE TRIGGER") && got[0].ends_with("END;"));
    }

    #[test]
    fn begin_atomic_function_bodies_stay_whole() {
        let sql =
            "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\nSELECT 2;";
        assert_eq!(texts(sql, Dialect::Postgres).len(), 2);
    }

    #[test]
    fn plain_begin_and_case_do_not_open_blocks() {
        let sql = "BEGIN;\nSELECT CASE WHEN 1 THEN 2 END;\nCOMMIT;";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["BEGIN;", "SELECT CASE WHEN 1 THEN 2 END;", "COMMIT;"]
        );
    }

    #[test]
    fn empty_statements_are_dropped() {
        assert_eq!(texts(";;\n;SELECT 1;;", Dialect::Sqlite), ["SELECT 1;"]);
        assert!(texts("-- only a comment\n", Dialect::Sqlite).is_empty());
    }

    #[test]
    fn offsets_survive_multibyte_text_and_crlf() {
        let sql = "-- größe\r\nINSERT INTO t VALUES ('ü');\r\nSELECT 'é';\r\n";
        assert_eq!(
            texts(sql, Dialect::Sqlite),
            ["INSERT INTO t VALUES ('ü');", "SELECT 'é';"]
        );
    }

    #[test]
    fn unterminated_string_is_a_tokenizer_error_with_its_position() {
        let err = split("SELECT 1;\nSELECT 'oops;\n", Dialect::Sqlite).unwrap_err();
        assert_eq!((err.location.line, err.location.column), (2, 8));
    }
}
