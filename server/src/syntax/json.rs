//! package.json: owned by the package rules; see `crate::model::package`.

/// Raw JSON text holder until the package.json model lands.
pub struct JsonDoc {
    pub ok: bool,
}

pub fn parse(text: &str) -> JsonDoc {
    JsonDoc {
        ok: serde_json::from_str::<serde_json::Value>(text).is_ok(),
    }
}
