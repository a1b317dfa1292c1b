//! Setting a typed event field by its ECS or `record.*` name from a text value: the model's
//! [`Event::set`](probity_model::Event::set), with errors as text for dead-letter reasons.

use probity_model::{Event, SETTABLE_FIELDS, is_settable};

/// Every field name [`set_field`] accepts, besides `labels.<name>`.
pub const TARGETS: &[&str] = SETTABLE_FIELDS;

/// Whether [`set_field`] accepts `name`.
pub fn is_known_target(name: &str) -> bool {
    is_settable(name)
}

/// Sets the field `name` of `event` from the text `value` (see [`Event::set`]).
pub fn set_field(event: &mut Event, name: &str, value: &str) -> Result<(), String> {
    event.set(name, value).map_err(|error| error.to_string())
}
