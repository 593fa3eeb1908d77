//! From checked migrations to tokens.

use std::env;
use std::path::PathBuf;

use migrate_build::{Checked, Dialect, Script, check_package};
use proc_macro2::{Literal, Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// `migrations!()`, `migrations!("dir")`, `migrations!("dir", dialect = "postgres")`.
struct Args {
    directory: Option<LitStr>,
    dialect: Option<Dialect>,
}

const USAGE: &str = "expected `migrations!()`, `migrations!(\"path/to/migrations\")` or \
                     `migrations!(\"path/to/migrations\", dialect = \"postgres\")`";

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Args> {
        let mut args = Args {
            directory: None,
            dialect: None,
        };
        if input.is_empty() {
            return Ok(args);
        }
        args.directory = Some(
            input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), USAGE))?,
        );
        if input.is_empty() {
            return Ok(args);
        }
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            return Ok(args);
        }
        let key: Ident = input.parse()?;
        if key != "dialect" {
            return Err(syn::Error::new(key.span(), USAGE));
        }
        input.parse::<Token![=]>()?;
        let value: LitStr = input.parse()?;
        args.dialect = Some(Dialect::from_name(&value.value()).ok_or_else(|| {
            syn::Error::new(
                value.span(),
                format!(
                    "unknown dialect `{}`: the dialects are {}",
                    value.value(),
                    Dialect::ALL.map(|d| format!("`{d}`")).join(" and ")
                ),
            )
        })?);
        let _ = input.parse::<Option<Token![,]>>()?;
        if !input.is_empty() {
            return Err(input.error(USAGE));
        }
        Ok(args)
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
    let dialects = args.dialect.map(|d| [d]);
    let checked = check_package(
        &manifest_dir,
        directory.as_deref(),
        dialects.as_ref().map(|d| &d[..]),
    );
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
