//! The Rust code `migrations!()` expands to, as text: the build script writes it under `OUT_DIR`
//! once per build, and the macro includes that file (or, used without the build script, parses
//! the same text itself).
//!
//! One `pub const V<version>_<NAME>: &Migration` per migration, and `pub static MIGRATIONS`.
//! Each file's SQL is `include_str!`ed, so rustc tracks it; statement positions are computed
//! here, so nothing is parsed at run time.

use std::fmt::Write;

use crate::{Checked, Script};

/// The items for a checked migration set. Call only when it has no errors.
pub fn generate(checked: &Checked) -> String {
    let mut out = String::new();
    let mut names = Vec::with_capacity(checked.migrations.len());
    for m in &checked.migrations {
        let ident = format!("V{}_{}", m.version_text, m.name.to_ascii_uppercase());
        let down = match &m.down {
            Some(down) => format!("::core::option::Option::Some({})", script(down)),
            None => "::core::option::Option::None".to_owned(),
        };
        let mut extra = match &m.up.irreversible {
            Some(reason) => format!(".__irreversible({reason:?})"),
            None => String::new(),
        };
        if let Some(version) = &m.recorded_version {
            let _ = write!(extra, ".__recorded_version({version:?})");
        }
        if let Some(checksum) = &m.recorded_checksum {
            let _ = write!(extra, ".__recorded_checksum({checksum:?})");
        }
        let _ = writeln!(
            out,
            "#[doc = {doc:?}]\npub const {ident}: &::migrate_runtime::Migration = \
             &::migrate_runtime::Migration::__new({version}, {name:?}, {checksum:?}, {up}, {down}){extra};",
            doc = format!("`{}`", m.up.source.display),
            version = m.version,
            name = m.name,
            checksum = m.checksum,
            up = script(&m.up),
        );
        names.push(ident);
    }
    let _ = writeln!(
        out,
        "/// Every migration, in version order.\npub static MIGRATIONS: ::migrate_runtime::Migrations = \
         ::migrate_runtime::Migrations::__new({table:?}, &[{list}]){after};",
        table = checked.config.table,
        list = names.join(", "),
        after = match checked.config.layout.predecessor() {
            Some(variant) => format!(".__after(::migrate_runtime::Predecessor::{variant})"),
            None => String::new(),
        },
    );
    out
}

/// A `Script` whose SQL is `include_str!`ed, with its statement positions.
fn script(script: &Script) -> String {
    let Some(path) = script.source.path.to_str() else {
        let message = format!(
            "migration path is not UTF-8: {}",
            script.source.path.display()
        );
        return format!("::core::compile_error!({message:?})");
    };
    // A byte string: one token for rustc, however many statements the file has.
    let mut positions = String::from("b\"");
    for byte in script.statement_positions() {
        let _ = write!(positions, "\\x{byte:02x}");
    }
    positions.push('"');
    format!(
        "::migrate_runtime::Script::__new({display:?}, ::core::include_str!({path:?}), {transaction}, {foreign_keys_off}, {positions})",
        display = script.source.display,
        transaction = script.transaction,
        foreign_keys_off = script.foreign_keys_off,
    )
}
