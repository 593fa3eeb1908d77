//! The kinds of object the schema model knows, and sets of them: what a statement may change,
//! what a refusal of the database may depend on.

/// The kinds of object, as a bit set: which kinds a statement may change without the model
/// knowing how.
pub(crate) type Kinds = u16;

/// One kind of object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Kind {
    Table = 1,
    View = 2,
    Index = 4,
    Sequence = 8,
    Type = 16,
    Function = 32,
    Trigger = 64,
    Schema = 128,
}

impl Kind {
    pub(crate) const ALL: Kinds = 255;
    /// The kinds that share one namespace in both databases: tables, views, indexes, sequences.
    pub(crate) const RELATIONS: Kinds =
        Kind::Table as Kinds | Kind::View as Kinds | Kind::Index as Kinds | Kind::Sequence as Kinds;

    pub(crate) fn bit(self) -> Kinds {
        self as Kinds
    }

    /// The set of `kinds`.
    pub(crate) fn set(kinds: &[Kind]) -> Kinds {
        kinds.iter().fold(0, |all, k| all | k.bit())
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::View => "view",
            Kind::Index => "index",
            Kind::Sequence => "sequence",
            Kind::Type => "type",
            Kind::Function => "function",
            Kind::Trigger => "trigger",
            Kind::Schema => "schema",
        }
    }
}
