//! Tag → commit resolution: the built-in table, and (only when enabled) the GitHub API.
