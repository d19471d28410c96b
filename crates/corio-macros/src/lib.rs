//! `#[corio::main]` and `#[corio::test]`: run an `async fn` on a corio runtime.
//!
//! Use them through the `corio` crate (`#[corio::main]`), not directly.
//!
//! Options, separated by commas:
//!
//! | option | meaning |
//! | --- | --- |
//! | `worker_threads = N` | N worker threads (default: one per core; 1 gives asyncio's FIFO order) |
//! | `start_paused = true` | start with the virtual clock paused (time jumps to the next timer when all tasks wait) |
//! | `debug` | debug mode: slow polls are reported with the task's name |
//!
//! Dependencies: `syn` (parsing the function and the options), `quote` and
//! `proc-macro2` (writing the expansion).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ItemFn, Lit, Meta, Token};

/// Runs an `async fn main` on a corio runtime, like `asyncio.run(main())`.
///
/// ```
/// #[corio::main(worker_threads = 2)]
/// async fn main() {
///     corio::sleep(std::time::Duration::from_millis(1)).await;
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into(), false)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Runs an `async fn` test on its own corio runtime.
///
/// ```
/// #[corio::test(worker_threads = 1, start_paused = true)]
/// async fn sleeps_an_hour_instantly() {
///     corio::sleep(std::time::Duration::from_secs(3600)).await;
/// }
/// # fn main() {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args.into(), item.into(), true)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// The runtime settings an attribute asked for.
#[derive(Default)]
struct Options {
    worker_threads: Option<Expr>,
    start_paused: Option<Expr>,
    debug: bool,
}

fn parse_options(args: TokenStream2) -> syn::Result<Options> {
    let metas = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;
    let mut options = Options::default();
    for meta in metas {
        let name = meta
            .path()
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        match (name.as_str(), &meta) {
            ("worker_threads", Meta::NameValue(nv)) => {
                if let Expr::Lit(ExprLit {
                    lit: Lit::Int(n), ..
                }) = &nv.value
                {
                    if n.base10_parse::<usize>()? == 0 {
                        return Err(syn::Error::new_spanned(
                            n,
                            "worker_threads must be at least 1",
                        ));
                    }
                }
                options.worker_threads = Some(nv.value.clone());
            }
            ("start_paused", Meta::NameValue(nv)) => options.start_paused = Some(nv.value.clone()),
            ("debug", Meta::Path(_)) => options.debug = true,
            ("debug", Meta::NameValue(nv)) => match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => options.debug = b.value,
                other => return Err(syn::Error::new_spanned(other, "debug takes true or false")),
            },
            _ => {
                return Err(syn::Error::new_spanned(
                    &meta,
                    "unknown option: expected `worker_threads = N`, `start_paused = true` or `debug`",
                ));
            }
        }
    }
    Ok(options)
}

fn expand(args: TokenStream2, item: TokenStream2, is_test: bool) -> syn::Result<TokenStream2> {
    let options = parse_options(args)?;
    let mut function: ItemFn = syn::parse2(item)?;
    let attribute = if is_test {
        "#[corio::test]"
    } else {
        "#[corio::main]"
    };
    if function.sig.asyncness.take().is_none() {
        return Err(syn::Error::new_spanned(
            function.sig.fn_token,
            format!(
                "{attribute} goes on an `async fn`: write `async fn {}(...)`",
                function.sig.ident
            ),
        ));
    }
    if is_test && !function.sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &function.sig.inputs,
            "a #[corio::test] function takes no arguments",
        ));
    }
    let mut settings = TokenStream2::new();
    if let Some(n) = &options.worker_threads {
        settings.extend(quote! { .worker_threads(#n) });
    }
    if let Some(paused) = &options.start_paused {
        settings.extend(quote! { .start_paused(#paused) });
    }
    if options.debug {
        settings.extend(quote! { .debug(true) });
    }
    let body = &function.block;
    let output = &function.sig.output;
    let span = Span::call_site();
    let runtime = quote_spanned! {span=>
        ::corio::Runtime::builder()
            #settings
            .build()
            .expect("corio could not start its runtime")
    };
    function.block = syn::parse2(quote! {
        {
            let body = async move #body;
            #runtime.block_on(body)
        }
    })?;
    let test_attribute = if is_test {
        quote! { #[::core::prelude::v1::test] }
    } else {
        quote! {}
    };
    let _ = output;
    Ok(quote! {
        #test_attribute
        #function
    })
}
