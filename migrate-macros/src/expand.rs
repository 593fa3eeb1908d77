//! From checked migrations to tokens: the build script's generated code when it checked the same
//! directory, or a check of its own.

use std::env;
use std::path::PathBuf;

use migrate_build::{
    BuildScriptSet, Checked, Config, Dialect, Layout, check_directory, generate, package_config,
};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Token};

/// `migrations!()`, `migrations!("dir")`, `migrations!("dir", dialect = "postgres")`,
/// `migrations!("dir", build_script = false)`, `migrations!("dir", layout = "diesel")`.
struct Args {
    directory: Option<LitStr>,
    dialect: Option<Dialect>,
    /// Another layout than `[package.metadata.migrate]` says.
    layout: Option<Layout>,
    /// `Some(false)`: a set the build script does not check, which the macro checks by itself.
    build_script: Option<bool>,
}

const USAGE: &str = "expected `migrations!()`, `migrations!(\"path/to/migrations\")`, or options \
                     after the path: `dialect = \"postgres\"`, `layout = \"diesel\"`, \
                     `build_script = false`";

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Args> {
        let mut args = Args {
            directory: None,
            dialect: None,
            layout: None,
            build_script: None,
        };
        if input.is_empty() {
            return Ok(args);
        }
        args.directory = Some(
            input
                .parse()
                .map_err(|e| syn::Error::new(e.span(), USAGE))?,
        );
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            if key == "dialect" && args.dialect.is_none() {
                let names = Dialect::ALL.map(|d| d.to_string());
                args.dialect = Some(named(input, "dialect", &names, Dialect::from_name)?);
            } else if key == "layout" && args.layout.is_none() {
                let names = Layout::ALL.map(|l| l.as_str().to_owned());
                args.layout = Some(named(input, "layout", &names, Layout::parse)?);
            } else if key == "build_script" && args.build_script.is_none() {
                args.build_script = Some(input.parse::<LitBool>()?.value);
            } else {
                return Err(syn::Error::new(key.span(), USAGE));
            }
        }
        Ok(args)
    }
}

/// A string option's value, one of `names`: `parse` reads it; anything else is an error listing
/// them.
fn named<T>(
    input: ParseStream<'_>,
    what: &str,
    names: &[String],
    parse: impl Fn(&str) -> Option<T>,
) -> syn::Result<T> {
    let value: LitStr = input.parse()?;
    parse(&value.value()).ok_or_else(|| {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        syn::Error::new(
            value.span(),
            format!(
                "unknown {what} `{}`: the {what}s are {}",
                value.value(),
                names.join(", ")
            ),
        )
    })
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
    let mut config = package_config(
        &manifest_dir,
        directory.as_deref(),
        dialects.as_ref().map(|d| &d[..]),
    );
    // Another layout than the build script reads: never the build script's code.
    let mut other_layout = false;
    if let (Ok(config), Some(layout)) = (&mut config, args.layout) {
        other_layout = config.layout != layout;
        config.layout = layout;
    }
    // The build script checked this very directory as these dialects, and wrote the code:
    // include it rather than check every file again on each compile of the crate.
    if let Ok(config) = &config
        && let Some(built) = BuildScriptSet::of_package(&manifest_dir)
    {
        if config.covered_by(&built.key)
            && !other_layout
            && let Some(path) = &built.output
        {
            return quote_spanned!(span=> ::core::include!(#path););
        }
        // The build script checks another set: it would not see this one change, so the two
        // could disagree. Only an explicit `build_script = false` says that is intended.
        if args.build_script != Some(false) {
            let message = mismatch(&built.key, config);
            return quote_spanned!(span=> ::core::compile_error!(#message););
        }
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

/// The error for a call that embeds another set than the build script checks (`key`, as
/// [`migrate_build::Config::build_key`] writes it).
fn mismatch(key: &str, config: &migrate_build::Config) -> String {
    let directory = config.directory.trim_end_matches('/');
    format!(
        "this `migrations!()` embeds {}, but the build script checks {}, so `cargo build` would \
         not check this set or see files added to it; set `directory = \"{directory}\"` (and \
         `dialect`) under `[package.metadata.migrate]` in Cargo.toml, or, for a second set that \
         the macro checks by itself, write `migrations!(\"{directory}\", build_script = false)`",
        Config::describe_key(&config.build_key()),
        Config::describe_key(key),
    )
}
