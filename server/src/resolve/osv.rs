//! Online advisories from OSV (stub; filled in below).

use super::AdvisorySource;
use crate::config::Config;
use std::sync::Arc;

pub fn advisories_for(config: &Config, _text: &str) -> Option<Arc<dyn AdvisorySource>> {
    if !config.online {
        return None;
    }
    None
}
