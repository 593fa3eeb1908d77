//! The `migrations!()` macro. A thin shim: `migrate-build` finds and checks the migrations, and
//! `expand` turns the result into `const` items, or into one `compile_error!` per problem.
//!
//! Use it through `migrate-runtime`, which re-exports it and defines the types it expands to.

mod expand;

use proc_macro::TokenStream;

/// Embeds the package's migrations; see `migrate_runtime::migrations!`.
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    expand::expand(input.into()).into()
}
