pub mod secret_names;

use crate::engine::Ctx;
use crate::finding::Finding;

pub fn check(_ctx: &Ctx, _out: &mut Vec<Finding>) {}
