//! Directives: SQL comments of the form `-- migrate:<word>` that change how a file is handled.
//!
//! | directive | where | effect |
//! |---|---|---|
//! | `-- migrate:no-transaction` | before the first statement | the file runs outside a transaction |
//! | `-- migrate:foreign-keys-off` | before the first statement | SQLite: foreign keys are off while the file runs, and checked before it commits |
//! | `-- migrate:unchecked` | on its own line right before a statement | neither the parser nor the engine check looks at the statement; it is reported as unchecked |
//! | `-- migrate:irreversible <reason>` | in an up file, before the first statement | the migration cannot be undone, for the reason given: it has no down, and reverting it is an error |
//! | `-- migrate:allow(code, ...)` | on its own line right before a statement (or anywhere in a file without statements) | findings with these codes are not reported for that statement (or file) |
//!
//! A directive is the whole comment: `-- migrate:no-transaction` and nothing else on the line.
//! Anything that looks like one but is not exactly one (`-- MIGRATE:no-transaction`,
//! `-- migrate: no-transaction`, `-- migrate:no-transaction please`, a misspelt word) is an error
//! with the corrected directive, so a directive never silently does nothing. Explanations go on a
//! comment line of their own.

/// A recognised directive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directive {
    /// `-- migrate:no-transaction`
    NoTransaction,
    /// `-- migrate:foreign-keys-off`
    ForeignKeysOff,
    /// `-- migrate:unchecked`
    Unchecked,
    /// `-- migrate:allow(code, ...)`
    Allow,
    /// `-- migrate:irreversible <reason>`
    Irreversible,
}

impl Directive {
    /// Every directive.
    pub const ALL: [Directive; 5] = [
        Directive::NoTransaction,
        Directive::ForeignKeysOff,
        Directive::Unchecked,
        Directive::Allow,
        Directive::Irreversible,
    ];

    /// The word after `migrate:`.
    pub fn word(self) -> &'static str {
        match self {
            Directive::NoTransaction => "no-transaction",
            Directive::ForeignKeysOff => "foreign-keys-off",
            Directive::Unchecked => "unchecked",
            Directive::Allow => "allow",
            Directive::Irreversible => "irreversible",
        }
    }

    /// How the directive is written.
    pub fn usage(self) -> &'static str {
        match self {
            Directive::NoTransaction => "-- migrate:no-transaction",
            Directive::ForeignKeysOff => "-- migrate:foreign-keys-off",
            Directive::Unchecked => "-- migrate:unchecked",
            Directive::Allow => "-- migrate:allow(<code>, ...)",
            Directive::Irreversible => "-- migrate:irreversible <reason>",
        }
    }
}

/// What a single-line comment (the text after `--`) says about directives.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    /// Not a directive: an ordinary comment.
    None,
    /// A directive without arguments.
    Known(Directive),
    /// `-- migrate:allow(...)`, with its codes as written (not yet validated).
    Allow(Vec<&'a str>),
    /// `-- migrate:irreversible <reason>`, with the reason as written.
    Irreversible(&'a str),
    /// Looks like a directive but is not one.
    Bad {
        /// What is wrong.
        problem: String,
        /// The directive that was probably meant, written out.
        suggestion: Option<String>,
    },
}

/// Reads the text of a `--` comment.
pub(crate) fn parse(comment: &str) -> Parsed<'_> {
    let text = comment.trim();
    // `migrate` in any case, then `:` with any spacing: meant as a directive.
    let Some(prefix) = text.get(..7).filter(|p| p.eq_ignore_ascii_case("migrate")) else {
        return Parsed::None;
    };
    let after_word = &text[7..];
    let Some(rest) = after_word.trim_start().strip_prefix(':') else {
        return Parsed::None;
    };
    let exact_prefix = prefix == "migrate" && after_word.starts_with(':');
    let body = rest.trim();
    let body_lower = body.to_ascii_lowercase();
    let word_end = body
        .find(|c: char| c == '(' || c.is_whitespace())
        .unwrap_or(body.len());
    let lowercase =
        prefix == "migrate" && !body[..word_end].bytes().any(|b| b.is_ascii_uppercase());
    // `text` is trimmed, so `rest` differs from `body` only by a space after the `:`.
    let exact_body = rest == body && lowercase;
    let (word, args) = (&body_lower[..word_end], body_lower[word_end..].trim_start());
    let directive = Directive::ALL.into_iter().find(|d| d.word() == word);
    let Some(directive) = directive else {
        let problem = if word.is_empty() {
            "a directive with no word after `migrate:`".to_owned()
        } else {
            format!("unknown directive `migrate:{word}`")
        };
        return Parsed::Bad {
            problem,
            suggestion: suggest(word).map(|d| d.usage().to_owned()),
        };
    };

    let (args_ok, written) = if directive == Directive::Irreversible {
        // The reason is free text, in any case.
        let reason = body[word_end..].trim();
        (
            !reason.is_empty() && body[..word_end] == *word,
            Some(format!(
                "-- migrate:irreversible {}",
                if reason.is_empty() {
                    "<reason>"
                } else {
                    reason
                }
            )),
        )
    } else if directive == Directive::Allow {
        match allow_codes(args) {
            Some((codes, tail)) => {
                let written = format!("-- migrate:allow({})", codes.join(", "));
                (tail.trim().is_empty(), Some(written))
            }
            None => (false, None),
        }
    } else {
        (args.is_empty(), Some(directive.usage().to_owned()))
    };
    if exact_prefix && exact_body && args_ok {
        return match directive {
            Directive::Allow => {
                let open = body.find('(').map_or(body.len(), |i| i + 1);
                let close = body.rfind(')').unwrap_or(body.len()).max(open);
                Parsed::Allow(
                    body[open..close]
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .collect(),
                )
            }
            Directive::Irreversible => Parsed::Irreversible(body[word_end..].trim()),
            other => Parsed::Known(other),
        };
    }
    let problem = if !lowercase {
        "directives are written in lowercase".to_owned()
    } else if !exact_prefix || rest != body {
        "no space is allowed around the `:` of a directive".to_owned()
    } else if directive == Directive::Allow && written.is_none() {
        "`migrate:allow` takes the codes to allow in parentheses".to_owned()
    } else if directive == Directive::Irreversible {
        "`migrate:irreversible` takes the reason the migration cannot be undone".to_owned()
    } else {
        format!("unexpected text after `migrate:{}`", directive.word())
    };
    Parsed::Bad {
        problem,
        suggestion: Some(written.unwrap_or_else(|| directive.usage().to_owned())),
    }
}

/// `(a, b) tail` → the codes and what follows the `)`.
fn allow_codes(args: &str) -> Option<(Vec<&str>, &str)> {
    let inner = args.strip_prefix('(')?;
    let close = inner.find(')')?;
    let codes: Vec<&str> = inner[..close]
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if codes.is_empty() {
        return None;
    }
    Some((codes, &inner[close + 1..]))
}

/// The known directive closest to a misspelt word, if one is close enough to be a likely typo.
pub(crate) fn suggest(word: &str) -> Option<Directive> {
    crate::source::closest(word, Directive::ALL.map(|d| (d, d.word())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(comment: &str) -> (String, Option<String>) {
        match parse(comment) {
            Parsed::Bad {
                problem,
                suggestion,
            } => (problem, suggestion),
            other => panic!("{comment:?} parsed as {other:?}"),
        }
    }

    #[test]
    fn recognises_directives_with_or_without_a_leading_space() {
        assert_eq!(
            parse(" migrate:no-transaction"),
            Parsed::Known(Directive::NoTransaction)
        );
        assert_eq!(
            parse("migrate:unchecked\r\n"),
            Parsed::Known(Directive::Unchecked)
        );
        assert_eq!(
            parse(" migrate:foreign-keys-off"),
            Parsed::Known(Directive::ForeignKeysOff)
        );
        assert_eq!(
            parse(" migrate:allow(unchecked, empty-down)"),
            Parsed::Allow(vec!["unchecked", "empty-down"])
        );
    }

    #[test]
    fn ordinary_comments_are_not_directives() {
        assert_eq!(parse(" migrate this table later"), Parsed::None);
        assert_eq!(parse(" see migrate:docs"), Parsed::None);
        assert_eq!(parse(" migrated: yes"), Parsed::None);
    }

    #[test]
    fn near_misses_are_errors_with_the_directive_meant() {
        let meant = Some("-- migrate:no-transaction".to_owned());
        assert_eq!(
            bad(" MIGRATE:no-transaction"),
            (
                "directives are written in lowercase".to_owned(),
                meant.clone()
            )
        );
        assert_eq!(
            bad(" migrate: no-transaction"),
            (
                "no space is allowed around the `:` of a directive".to_owned(),
                meant.clone()
            )
        );
        assert_eq!(
            bad(" migrate :no-transaction"),
            (
                "no space is allowed around the `:` of a directive".to_owned(),
                meant.clone()
            )
        );
        assert_eq!(
            bad(" migrate:no-transaction please"),
            (
                "unexpected text after `migrate:no-transaction`".to_owned(),
                meant.clone()
            )
        );
        assert_eq!(
            bad(" migrate:no-transaction VACUUM needs it").0,
            "unexpected text after `migrate:no-transaction`"
        );
        assert_eq!(
            bad(" migrate:no-transactions"),
            (
                "unknown directive `migrate:no-transactions`".to_owned(),
                meant
            )
        );
        assert_eq!(
            bad(" Migrate:Allow(Unchecked)").1.as_deref(),
            Some("-- migrate:allow(unchecked)")
        );
        assert_eq!(
            bad(" migrate:allow").0,
            "`migrate:allow` takes the codes to allow in parentheses"
        );
        assert_eq!(bad(" migrate:").1, None);
        assert_eq!(
            parse(" migrate:irreversible Drops the legacy data"),
            Parsed::Irreversible("Drops the legacy data")
        );
        assert_eq!(
            bad(" migrate:irreversible"),
            (
                "`migrate:irreversible` takes the reason the migration cannot be undone".to_owned(),
                Some("-- migrate:irreversible <reason>".to_owned())
            )
        );
        assert_eq!(suggest("uncheked"), Some(Directive::Unchecked));
        assert_eq!(suggest("vacuum"), None);
    }
}
