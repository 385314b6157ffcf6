//! Typed, span-carrying views over syntax trees.

pub mod workflow;
