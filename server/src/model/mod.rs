//! Typed, span-carrying views over syntax trees.
