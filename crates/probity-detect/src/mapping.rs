//! Log source and field mappings, kept as YAML data (`mappings/*.yml`, built in with
//! `include_str!`): which channels and event ids a Sigma `logsource` means, and where a Sigma
//! field is found in events of another shape (Winlogbeat's ECS documents).
//!
//! A mapping file is one of two kinds. A *product mapping* has `product:`, `recognise:`,
//! `services:` and `categories:` (see `mappings/windows.yml`). A *field map* has `when:`,
//! `prefixes:` and `fields:` (see `mappings/ecs.yml`). Files given with
//! [`Mappings::add_yaml`] add to (and for the same names replace) the built-in ones.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::{Error, Result};

const WINDOWS: &str = include_str!("../mappings/windows.yml");
const ECS: &str = include_str!("../mappings/ecs.yml");

/// One way a log source is produced: events from these channels with these event ids, where
/// Sigma field names are renamed as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// Channels (Windows event logs) whose events this route covers.
    pub channels: Vec<String>,
    /// Empty: any event id on those channels.
    pub event_ids: Vec<u32>,
    /// Sigma field name → the name events on this route use.
    pub rename: BTreeMap<String, String>,
}

/// How one product's log sources map onto channels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductMapping {
    /// The product name rules use (`windows`).
    pub product: String,
    /// An event is of this product when it has any of these fields.
    pub recognise_fields: Vec<String>,
    /// Routes for each `logsource.service`.
    pub services: BTreeMap<String, Vec<Route>>,
    /// Routes for each `logsource.category`.
    pub categories: BTreeMap<String, Vec<Route>>,
}

/// Where Sigma fields are found in events of another shape.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldMap {
    /// The map applies to events whose original fields have any of these top-level keys.
    pub when: Vec<String>,
    /// Objects (dotted paths) whose keys are Sigma field names.
    pub prefixes: Vec<String>,
    /// Sigma field → paths to try, in order.
    pub fields: BTreeMap<String, Vec<String>>,
}

/// All the mappings an engine compiles with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mappings {
    /// Log source mappings, one per product.
    pub products: Vec<ProductMapping>,
    /// Field maps for event shapes other than the flat EVTX one.
    pub field_maps: Vec<FieldMap>,
}

impl Mappings {
    /// The built-in mappings: Windows channels (Security, System, Sysmon, PowerShell and the
    /// other services SigmaHQ rules name) and Winlogbeat's ECS field names.
    pub fn builtin() -> Result<Self> {
        let mut mappings = Mappings::default();
        mappings.add_yaml("builtin windows.yml", WINDOWS)?;
        mappings.add_yaml("builtin ecs.yml", ECS)?;
        Ok(mappings)
    }

    /// No mappings: rules are matched against every event, by their field names only.
    pub fn none() -> Self {
        Mappings::default()
    }

    /// Adds a mapping file's content (`origin` names it in errors).
    pub fn add_yaml(&mut self, origin: &str, text: &str) -> Result<()> {
        let fail = |reason: String| Error::Mapping {
            origin: origin.to_owned(),
            reason,
        };
        // Size and nesting first: the YAML reader's time grows with the square of the nesting.
        probity_model::policy_text::check_policy_text(
            text,
            probity_model::policy_text::MAX_POLICY_BYTES,
        )
        .map_err(fail)?;
        let raw: RawMapping = serde_yaml_ng::from_str(text).map_err(|e| fail(e.to_string()))?;
        if let Some(product) = raw.product {
            let mapping = product_mapping(product, raw.recognise, raw.services, raw.categories)
                .map_err(fail)?;
            self.add_product(mapping);
            return Ok(());
        }
        if raw.fields.is_empty() && raw.prefixes.is_empty() {
            return Err(fail(
                "a mapping needs `product:` (log sources) or `fields:`/`prefixes:` (field map)"
                    .into(),
            ));
        }
        self.field_maps.push(FieldMap {
            when: raw.when,
            prefixes: raw.prefixes,
            fields: raw
                .fields
                .into_iter()
                .map(|(k, v)| (k, v.into_vec()))
                .collect(),
        });
        Ok(())
    }

    fn add_product(&mut self, mapping: ProductMapping) {
        let Some(existing) = self
            .products
            .iter_mut()
            .find(|p| p.product == mapping.product)
        else {
            self.products.push(mapping);
            return;
        };
        existing.recognise_fields.extend(mapping.recognise_fields);
        existing.services.extend(mapping.services);
        existing.categories.extend(mapping.categories);
    }

    /// The product mapping for a rule's product.
    pub fn product(&self, name: &str) -> Option<&ProductMapping> {
        self.products
            .iter()
            .find(|p| p.product.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    product: Option<String>,
    #[serde(default)]
    recognise: Option<RawRecognise>,
    #[serde(default)]
    services: BTreeMap<String, RawServiceRoute>,
    #[serde(default)]
    categories: BTreeMap<String, Vec<RawRoute>>,
    #[serde(default)]
    when: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
    #[serde(default)]
    fields: BTreeMap<String, OneOrMany<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecognise {
    #[serde(default)]
    fields: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawServiceRoute {
    Channels(OneOrMany<String>),
    Routes(Vec<RawRoute>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    channel: OneOrMany<String>,
    #[serde(default)]
    event_id: Option<OneOrMany<u32>>,
    #[serde(default)]
    rename: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

fn route(raw: RawRoute) -> std::result::Result<Route, String> {
    let channels = raw.channel.into_vec();
    if channels.is_empty() {
        return Err("a route names no channel".into());
    }
    Ok(Route {
        channels,
        event_ids: raw.event_id.map(OneOrMany::into_vec).unwrap_or_default(),
        rename: raw.rename,
    })
}

fn product_mapping(
    product: String,
    recognise: Option<RawRecognise>,
    services: BTreeMap<String, RawServiceRoute>,
    categories: BTreeMap<String, Vec<RawRoute>>,
) -> std::result::Result<ProductMapping, String> {
    let mut mapping = ProductMapping {
        product,
        recognise_fields: recognise.map(|r| r.fields).unwrap_or_default(),
        ..ProductMapping::default()
    };
    for (name, raw) in services {
        let routes = match raw {
            RawServiceRoute::Channels(channels) => vec![Route {
                channels: channels.into_vec(),
                ..Route::default()
            }],
            RawServiceRoute::Routes(routes) => routes
                .into_iter()
                .map(route)
                .collect::<std::result::Result<_, _>>()?,
        };
        mapping.services.insert(name, routes);
    }
    for (name, raw) in categories {
        let routes = raw
            .into_iter()
            .map(route)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        mapping.categories.insert(name, routes);
    }
    Ok(mapping)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_mappings_load() {
        let mappings = Mappings::builtin().unwrap();
        let windows = mappings.product("windows").unwrap();
        let process = &windows.categories["process_creation"];
        assert_eq!(process.len(), 2);
        assert_eq!(process[1].rename["Image"], "NewProcessName");
        assert_eq!(windows.services["security"][0].channels, vec!["Security"]);
        assert_eq!(
            mappings.field_maps[0].fields["CommandLine"],
            vec!["process.command_line"]
        );
    }

    #[test]
    fn bad_mapping_is_an_error() {
        let mut mappings = Mappings::none();
        assert!(mappings.add_yaml("x", "nonsense: 1").is_err());
        assert!(
            mappings
                .add_yaml("x", "product: p\ncategories: {c: [{event_id: 1}]}")
                .is_err()
        );
    }

    /// A deeply nested mapping file is refused before it is parsed (audit 2, defect 3).
    #[test]
    fn a_deeply_nested_mapping_is_refused_before_it_is_parsed() {
        let deep = format!(
            "product: p\ncategories: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let error = Mappings::none()
            .add_yaml("m.yml", &deep)
            .unwrap_err()
            .to_string();
        assert!(error.contains("m.yml"), "{error}");
        assert!(error.contains("nested more than 64 deep"), "{error}");
    }
}
