//! Typed, span-carrying views over syntax trees.

pub mod caching;
pub mod compose;
pub mod contexts;
pub mod dependabot;
pub mod dockerfile;
pub mod expr;
pub mod job_facts;
pub mod package;
pub mod repo_code;
pub mod taint;
pub mod workflow;
