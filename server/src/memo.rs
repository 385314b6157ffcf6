//! Results of pure parses kept by their input text, for the language server: on each keystroke
//! the workflow is analysed again, and its unchanged `run:` scripts and `if:` conditions are
//! found here instead of being parsed again. Off unless [`enable`] is called (the CLI parses
//! each text once, where keeping them would only cost).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Keep parse results from now on (the language server calls this at start).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Parse results by input text. When it holds `limit` entries it starts again empty, so what it
/// keeps is bounded and what an open document uses comes back on its next analysis.
pub struct Memo<V> {
    entries: Mutex<HashMap<Box<str>, Arc<V>>>,
    limit: usize,
}

impl<V> Memo<V> {
    pub fn new(limit: usize) -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
            limit,
        }
    }

    /// `parse(text)`, or the result kept from an earlier call with the same text.
    pub fn get(&self, text: &str, parse: impl FnOnce(&str) -> V) -> Arc<V> {
        if !ENABLED.load(Ordering::Relaxed) {
            return Arc::new(parse(text));
        }
        // A panic elsewhere while the lock was held leaves the map intact; keep using it.
        let lock = || self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(kept) = lock().get(text) {
            return kept.clone();
        }
        let value = Arc::new(parse(text));
        let mut entries = lock();
        if entries.len() >= self.limit {
            entries.clear();
        }
        entries.insert(text.into(), value.clone());
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_results_by_text_within_its_limit() {
        enable();
        let memo = Memo::new(2);
        let calls = std::cell::Cell::new(0);
        let parse = |t: &str| {
            calls.set(calls.get() + 1);
            t.len()
        };
        assert_eq!(*memo.get("abc", parse), 3);
        assert_eq!(*memo.get("abc", parse), 3);
        assert_eq!(calls.get(), 1);
        memo.get("de", parse);
        memo.get("f", parse); // full: starts again
        memo.get("abc", parse);
        assert_eq!(calls.get(), 4);
    }
}
