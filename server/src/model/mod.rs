//! Typed, span-carrying views over syntax trees.

pub mod package;
pub mod workflow;
