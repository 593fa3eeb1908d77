//! From checked migrations to tokens.

use std::env;
use std::path::PathBuf;

use migrate_build::{Checked, Script, check_package};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;
use syn::parse::{Parse, ParseStream};

/// `migrations!()` or `migrations!("dir")`.
struct Args {
    directory: Option<LitStr>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Args> {
        if input.is_empty() {
            return Ok(Args { directory: None });
        }
        let directory: LitStr = input.parse()?;
        if !input.is_empty() {
            return Err(
                input.error("expected `migrations!()` or `migrations!(\"path/to/migrations\")`")
            );
        }
        Ok(Args {
            directory: Some(directory),
        })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(input) {
        Ok(args) => args,
        Err(error) => return error.to_compile_error(),
    };
    let span = args
        .directory
        .as_ref()
        .map_or_else(Span::call_site, LitStr::span);
    let Some(manifest_dir) = env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from) else {
        return quote_spanned!(span=> ::core::compile_error!("migrations!() needs CARGO_MANIFEST_DIR: build with cargo"););
    };
    let directory = args.directory.as_ref().map(LitStr::value);
    let checked = check_package(&manifest_dir, directory.as_deref());
    if checked.has_errors() {
        // One compile_error! per problem: rustc reports them all. The message is the rendered
        // diagnostic without its leading `error: `, which rustc adds itself.
        let errors = checked.errors().map(|d| {
            let rendered = d.render();
            let message = rendered.strip_prefix("error: ").unwrap_or(&rendered);
            quote_spanned!(span=> ::core::compile_error!(#message);)
        });
        return quote!(#(#errors)*);
    }
    generate(&checked)
}

/// `pub const V<version>_<NAME>: &Migration` per migration, and `pub static MIGRATIONS`.
fn generate(checked: &Checked) -> TokenStream {
    let mut items = Vec::with_capacity(checked.migrations.len());
    let mut names = Vec::with_capacity(checked.migrations.len());
    for m in &checked.migrations {
        let ident = format_ident!("V{}_{}", m.version_text, m.name.to_ascii_uppercase());
        let doc = format!("`{}`", m.up.source.display);
        let version = Literal::i64_unsuffixed(m.version);
        let name = &m.name;
        let checksum = &m.checksum;
        let up = script(&m.up);
        let down = match &m.down {
            Some(down) => {
                let down = script(down);
                quote!(::core::option::Option::Some(#down))
            }
            None => quote!(::core::option::Option::None),
        };
        items.push(quote! {
            #[doc = #doc]
            pub const #ident: &::migrate_runtime::Migration =
                &::migrate_runtime::Migration::__new(#version, #name, #checksum, #up, #down);
        });
        names.push(ident);
    }
    let table = &checked.config.table;
    quote! {
        #(#items)*
        /// Every migration, in version order.
        pub static MIGRATIONS: ::migrate_runtime::Migrations =
            ::migrate_runtime::Migrations::__new(#table, &[#(#names),*]);
    }
}

/// A `Script` whose SQL is `include_str!`ed, so rustc tracks the file and rebuilds when it
/// changes, with statement positions computed at build time.
fn script(script: &Script) -> TokenStream {
    let Some(path) = script.source.path.to_str() else {
        let message = format!(
            "migration path is not UTF-8: {}",
            script.source.path.display()
        );
        return quote!(::core::compile_error!(#message));
    };
    let display = &script.source.display;
    let transaction = script.transaction;
    let statements = script.statement_positions().map(|position| {
        let [start, end, line, column] = position.map(Literal::u32_unsuffixed);
        quote!([#start, #end, #line, #column])
    });
    quote! {
        ::migrate_runtime::Script::__new(#display, ::core::include_str!(#path), #transaction, &[#(#statements),*])
    }
}
