//! chainwarden: one analysis engine behind a language server and a command-line checker.
//!
//! See `ARCHITECTURE.md` at the repository root for where things live.

pub mod cli;
pub mod config;
pub mod engine;
pub mod finding;
pub mod fix;
#[doc(hidden)]
pub mod harness;
pub mod kind;
pub mod lsp;
pub mod memo;
pub mod model;
pub mod resolve;
pub mod rules;
pub mod syntax;
pub mod text;
pub mod workspace;
