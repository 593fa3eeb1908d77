//! From checked migrations to tokens: the build script's generated code when it checked the same
//! directory, or a check of its own.

use std::env;
use std::path::PathBuf;

use migrate_build::{
    Checked, Dialect, KEY_VAR, OUTPUT_VAR, check_directory, generate, package_config,
};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
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
    let config = package_config(
        &manifest_dir,
        directory.as_deref(),
        dialects.as_ref().map(|d| &d[..]),
    );
    // The build script checked this very directory as these dialects, and wrote the code:
    // include it rather than check every file again on each compile of the crate.
    if let Ok(config) = &config
        && env::var(KEY_VAR).is_ok_and(|key| key == config.build_key())
        && let Ok(path) = env::var(OUTPUT_VAR)
    {
        return quote_spanned!(span=> ::core::include!(#path););
    }
    let checked = match config {
        Ok(config) => check_directory(&manifest_dir, &config),
        Err(diagnostics) => Checked {
            directory: manifest_dir.join(migrate_build::config::DEFAULT_DIRECTORY),
            config: Default::default(),
            migrations: Vec::new(),
            diagnostics,
        },
    };
    if checked.has_errors() {
        // One compile_error! per problem: rustc reports them all. The message is the rendered
        // diagnostic without its leading `error[code]: `, which rustc replaces with its own
        // `error: `; the code goes first.
        let errors = checked.errors().map(|d| {
            let rendered = d.render();
            let head = format!("error[{}]: ", d.code);
            let message = match rendered.strip_prefix(&head) {
                Some(rest) => format!("[{}] {rest}", d.code),
                None => rendered,
            };
            quote_spanned!(span=> ::core::compile_error!(#message);)
        });
        return quote!(#(#errors)*);
    }
    match generate(&checked).parse::<TokenStream>() {
        Ok(tokens) => tokens,
        Err(error) => {
            let message = format!("migrations!() generated invalid code: {error}");
            quote_spanned!(span=> ::core::compile_error!(#message);)
        }
    }
}
