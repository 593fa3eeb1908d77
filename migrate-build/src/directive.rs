//! Directives: SQL comments of the form `-- migrate:<word>` that change how a file is handled.
//!
//! | directive | where | effect |
//! |---|---|---|
//! | `-- migrate:no-transaction` | before the first statement | the file runs outside a transaction |
//! | `-- migrate:unchecked` | on its own line right before a statement | the statement is not parsed; it is reported as unchecked |
//!
//! Text after the word, separated by whitespace, is a free comment:
//! `-- migrate:no-transaction VACUUM cannot run in a transaction`. Any other word after
//! `migrate:` is an error, so a misspelt directive never silently does nothing.

/// A recognised directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `-- migrate:no-transaction`
    NoTransaction,
    /// `-- migrate:unchecked`
    Unchecked,
}

impl Directive {
    /// Every directive.
    pub const ALL: [Directive; 2] = [Directive::NoTransaction, Directive::Unchecked];

    /// The word after `migrate:`.
    pub fn word(self) -> &'static str {
        match self {
            Directive::NoTransaction => "no-transaction",
            Directive::Unchecked => "unchecked",
        }
    }
}

/// What a single-line comment (the text after `--`) says about directives.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    /// Not a directive: an ordinary comment.
    None,
    /// A known directive.
    Known(Directive),
    /// `migrate:` followed by a word that is not a directive.
    Unknown(&'a str),
}

/// Reads the text of a `--` comment.
pub(crate) fn parse(comment: &str) -> Parsed<'_> {
    let Some(rest) = comment.trim_start().strip_prefix("migrate:") else {
        return Parsed::None;
    };
    let word = rest.split(char::is_whitespace).next().unwrap_or("");
    match Directive::ALL.into_iter().find(|d| d.word() == word) {
        Some(directive) => Parsed::Known(directive),
        None => Parsed::Unknown(word),
    }
}

/// The known directive closest to a misspelt word, if one is close enough to be a likely typo.
pub(crate) fn suggest(word: &str) -> Option<Directive> {
    Directive::ALL
        .into_iter()
        .map(|d| (strsim::normalized_damerau_levenshtein(word, d.word()), d))
        .filter(|(score, _)| *score >= 0.6)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_directives_with_or_without_space_and_with_trailing_text() {
        assert_eq!(
            parse(" migrate:no-transaction"),
            Parsed::Known(Directive::NoTransaction)
        );
        assert_eq!(
            parse("migrate:unchecked"),
            Parsed::Known(Directive::Unchecked)
        );
        assert_eq!(
            parse(" migrate:no-transaction  VACUUM needs it\r"),
            Parsed::Known(Directive::NoTransaction)
        );
    }

    #[test]
    fn ordinary_comments_are_not_directives() {
        assert_eq!(parse(" migrate this table later"), Parsed::None);
        assert_eq!(parse(" see migrate:docs"), Parsed::None);
    }

    #[test]
    fn unknown_words_are_reported_with_a_suggestion() {
        assert_eq!(
            parse(" migrate:no-transactions"),
            Parsed::Unknown("no-transactions")
        );
        assert_eq!(parse(" migrate:"), Parsed::Unknown(""));
        assert_eq!(suggest("no_transaction"), Some(Directive::NoTransaction));
        assert_eq!(suggest("uncheked"), Some(Directive::Unchecked));
        assert_eq!(suggest("vacuum"), None);
    }
}
