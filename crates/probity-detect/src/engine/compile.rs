//! Building an [`Engine`] from a [`RuleSet`] and [`Mappings`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::expr::{self, Expr, Interner};
use super::index::{self, Bucket, InstanceId};
use super::view::Resolver;
use super::{BucketId, ChannelBuckets, CompiledRule, Engine, EngineStats, Instance, Routing};
use crate::correlate::CorrelationSet;
use crate::mapping::{Mappings, ProductMapping, Route};
use crate::rule::{FilterRule, LogSource, ProblemKind, Rule, RuleProblem, RuleSet};
use crate::{Error, Result};

/// Where an instance sits in the index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// Events of this channel (lower case) with this event id, or any event id.
    Channel(String, Option<u32>),
    /// Any event of a mapped product (by index in the mappings).
    Product(usize),
    /// Events of no mapped product.
    Unmapped,
    /// Every event.
    Global,
}

/// How a rule's log source resolves against the mappings.
enum Placement {
    Routes(Vec<Route>),
    Product(usize),
    Unmapped,
    Global,
}

impl Engine {
    /// Compiles a rule set with the given mappings. Filters and correlations that name rules not
    /// in the set, and rules whose log source has no mapping, are reported in
    /// [`Engine::problems`]; the only error is an index too big to build.
    pub fn compile(rules: &RuleSet, mappings: &Mappings) -> Result<Engine> {
        let mut builder = Builder::new(mappings);
        let filters_of = builder.match_filters(rules);
        for (index, rule) in rules.rules.iter().enumerate() {
            let filters: Vec<&FilterRule> = filters_of
                .get(&index)
                .map(|list| list.iter().map(|&f| &rules.filters[f]).collect())
                .unwrap_or_default();
            builder.add_rule(index as u32, rule, &filters);
        }
        builder.finish(rules)
    }
}

struct Builder<'m> {
    mappings: &'m Mappings,
    interner: Interner,
    rules: Vec<CompiledRule>,
    instances: Vec<Instance>,
    places: Vec<(Place, InstanceId)>,
    problems: Vec<RuleProblem>,
}

impl<'m> Builder<'m> {
    fn new(mappings: &'m Mappings) -> Self {
        let mut interner = Interner::new();
        interner.field("Channel");
        interner.field("EventID");
        Builder {
            mappings,
            interner,
            rules: Vec::new(),
            instances: Vec::new(),
            places: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// For each rule (by index), the filters (by index) that apply to it.
    fn match_filters(&mut self, rules: &RuleSet) -> HashMap<usize, Vec<usize>> {
        let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
        for (f, filter) in rules.filters.iter().enumerate() {
            let mut matched = 0;
            for (r, rule) in rules.rules.iter().enumerate() {
                let named = filter.rules.is_empty()
                    || filter
                        .rules
                        .iter()
                        .any(|n| rule.info.is_named(n) || rule.info.title == *n);
                if named && logsource_fits(&filter.info.logsource, &rule.info.logsource) {
                    out.entry(r).or_default().push(f);
                    matched += 1;
                }
            }
            for name in &filter.rules {
                let known = rules
                    .rules
                    .iter()
                    .any(|r| r.info.is_named(name) || r.info.title == *name);
                if !known {
                    self.problems.push(problem(
                        &filter.info,
                        ProblemKind::Reference,
                        format!("filter names rule {name:?}, which is not loaded"),
                    ));
                }
            }
            if matched == 0 && filter.rules.is_empty() {
                self.problems.push(problem(
                    &filter.info,
                    ProblemKind::Reference,
                    "filter's log source fits no loaded rule".to_owned(),
                ));
            }
        }
        out
    }

    fn placement(&mut self, rule: &Rule) -> Placement {
        let source = &rule.info.logsource;
        let Some(product) = &source.product else {
            // A category or service with no product (`category: proxy`) names logs of other
            // systems; only a rule with no log source at all is for every event.
            if source.category.is_none() && source.service.is_none() {
                return Placement::Global;
            }
            return Placement::Unmapped;
        };
        let Some(index) = self
            .mappings
            .products
            .iter()
            .position(|p| p.product.eq_ignore_ascii_case(product))
        else {
            return Placement::Unmapped;
        };
        let mapping = &self.mappings.products[index];
        if let Some(routes) = routes_for(mapping, source) {
            return Placement::Routes(routes.to_vec());
        }
        if source.category.is_some() || source.service.is_some() {
            self.problems.push(problem(
                &rule.info,
                ProblemKind::Unmapped,
                format!(
                    "log source {} has no channel mapping; the rule is checked against every {product} event",
                    source
                ),
            ));
        }
        Placement::Product(index)
    }

    fn add_rule(&mut self, index: u32, rule: &Rule, filters: &[&FilterRule]) {
        let placement = self.placement(rule);
        let mut compiled = CompiledRule {
            info: rule.info.clone(),
            instances: Vec::new(),
            routes: Vec::new(),
            placement: Vec::new(),
            standalone: true,
            filters: filters.iter().map(|f| f.info.title.clone()).collect(),
        };
        match placement {
            Placement::Routes(routes) => {
                for (n, route) in routes.iter().enumerate() {
                    let id = self.add_instance(index, Some(n), rule, filters, &route.rename);
                    let places = self.route_places(route, id);
                    compiled
                        .placement
                        .push(describe_places(&places, &route.channels));
                    for place in places {
                        self.places.push((place, id));
                    }
                    compiled.instances.push(id);
                }
                compiled.routes = routes;
            }
            other => {
                let id = self.add_instance(index, None, rule, filters, &BTreeMap::new());
                let (place, words) = match other {
                    Placement::Product(p) => (
                        Place::Product(p),
                        format!("every {} event", self.mappings.products[p].product),
                    ),
                    Placement::Unmapped => {
                        (Place::Unmapped, "events of no mapped product".to_owned())
                    }
                    _ => (Place::Global, "every event".to_owned()),
                };
                self.places.push((place, id));
                compiled.placement.push(words);
                compiled.instances.push(id);
            }
        }
        self.rules.push(compiled);
    }

    fn add_instance(
        &mut self,
        rule: u32,
        route: Option<usize>,
        source: &Rule,
        filters: &[&FilterRule],
        rename: &BTreeMap<String, String>,
    ) -> InstanceId {
        let renamer = |name: &str| rename.get(name).cloned().unwrap_or_else(|| name.to_owned());
        let mut parts = vec![expr::lower(&source.detection, &renamer, &mut self.interner)];
        for filter in filters {
            parts.push(expr::lower(&filter.detection, &renamer, &mut self.interner));
        }
        let expr = expr::simplify(Expr::And(parts));
        let channel = self.interner.find_field("Channel");
        let event_id = self.interner.find_field("EventID");
        let costly = |f| Some(f) == channel || Some(f) == event_id;
        let gate = expr::gate(&expr, &self.interner.leaves, &costly);
        let id = self.instances.len() as InstanceId;
        self.instances.push(Instance {
            rule,
            route,
            expr,
            gate,
        });
        id
    }

    fn route_places(&self, route: &Route, id: InstanceId) -> Vec<Place> {
        let mut event_ids: Vec<Option<u32>> = route.event_ids.iter().map(|&e| Some(e)).collect();
        if event_ids.is_empty() {
            event_ids = self.required_event_ids(id);
        }
        let mut places = Vec::new();
        for channel in &route.channels {
            for event_id in &event_ids {
                places.push(Place::Channel(channel.to_lowercase(), *event_id));
            }
        }
        places
    }

    /// The event ids the instance's own condition requires, or "any".
    fn required_event_ids(&self, id: InstanceId) -> Vec<Option<u32>> {
        let (Some(instance), Some(field)) = (
            self.instances.get(id as usize),
            self.interner.find_field("EventID"),
        ) else {
            return vec![None];
        };
        let Some(values) = expr::required_values(&instance.expr, &self.interner.leaves, field)
        else {
            return vec![None];
        };
        let parsed: Option<BTreeSet<u32>> = values.iter().map(|v| v.trim().parse().ok()).collect();
        match parsed {
            Some(ids) if !values.is_empty() => ids.into_iter().map(Some).collect(),
            _ => vec![None],
        }
    }

    fn finish(mut self, rules: &RuleSet) -> Result<Engine> {
        let resolver = Resolver::new(self.mappings.field_maps.clone());
        let (correlations, correlation_problems) =
            CorrelationSet::compile(&rules.correlations, &self.rules, resolver.clone());
        self.problems.extend(correlation_problems);
        for rule in &mut self.rules {
            rule.standalone = !correlations.silences(&rule.info.id);
        }
        let mut routing = Routing {
            channel_field: self.interner.field("Channel"),
            event_id_field: self.interner.field("EventID"),
            ..Routing::default()
        };
        let mut buckets = BucketSet::default();
        let sets = self.member_sets();
        for (p, product) in self.mappings.products.iter().enumerate() {
            let default = buckets.get(&sets.product_default(p), &self)?;
            let recognise = product
                .recognise_fields
                .iter()
                .map(|f| self.interner.field(f))
                .collect();
            routing.products.push((recognise, default));
        }
        for (channel, (product, spellings)) in channel_products(self.mappings) {
            let default = buckets.get(&sets.channel(&channel, product, None), &self)?;
            let mut by_event_id = HashMap::new();
            for event_id in sets.event_ids(&channel) {
                let members = sets.channel(&channel, product, Some(event_id));
                by_event_id.insert(event_id, buckets.get(&members, &self)?);
            }
            for spelling in spellings {
                let copy = ChannelBuckets {
                    by_event_id: by_event_id.clone(),
                    default,
                };
                routing.channels.insert(spelling, copy);
            }
            routing.channels.insert(
                channel,
                ChannelBuckets {
                    by_event_id,
                    default,
                },
            );
        }
        routing.unrecognised = buckets.get(&sets.unrecognised(), &self)?;
        let stats = EngineStats {
            rules: self.rules.len(),
            instances: self.instances.len(),
            leaves: self.interner.leaves.len(),
            fields: self.interner.field_names.len(),
            buckets: buckets.list.len(),
            patterns: buckets
                .list
                .iter()
                .flat_map(|b| &b.scanners)
                .map(|s| s.patterns)
                .sum(),
            ungated: buckets.list.iter().map(|b| b.always.len()).sum(),
            correlations: correlations.rules().len(),
        };
        let field_plans = self
            .interner
            .field_names
            .iter()
            .map(|name| super::view::FieldPlan::new(name))
            .collect();
        let field_index = self
            .interner
            .field_names
            .iter()
            .enumerate()
            .skip(1)
            .map(|(id, name)| (name.as_str().into(), id as super::expr::FieldId))
            .collect();
        Ok(Engine {
            field_plans,
            field_index,
            rules: self.rules,
            instances: self.instances,
            interner: self.interner,
            gate_slots: buckets.gate_slots as usize,
            buckets: buckets.list,
            routing,
            resolver,
            correlations: Arc::new(correlations),
            problems: self.problems,
            stats,
        })
    }

    fn member_sets(&self) -> MemberSets {
        let mut sets = MemberSets::default();
        for (place, id) in &self.places {
            match place {
                Place::Channel(channel, event_id) => sets
                    .keyed
                    .entry(channel.clone())
                    .or_default()
                    .entry(*event_id)
                    .or_default()
                    .push(*id),
                Place::Product(p) => sets.product.entry(*p).or_default().push(*id),
                Place::Unmapped => sets.unmapped.push(*id),
                Place::Global => sets.global.push(*id),
            }
        }
        sets
    }
}

/// Instances by where they sit, before buckets are made.
#[derive(Default)]
struct MemberSets {
    keyed: BTreeMap<String, BTreeMap<Option<u32>, Vec<InstanceId>>>,
    product: BTreeMap<usize, Vec<InstanceId>>,
    unmapped: Vec<InstanceId>,
    global: Vec<InstanceId>,
}

impl MemberSets {
    fn union(parts: &[&[InstanceId]]) -> Vec<InstanceId> {
        let mut out: Vec<InstanceId> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn product_members(&self, product: Option<usize>) -> &[InstanceId] {
        product
            .and_then(|p| self.product.get(&p))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn product_default(&self, product: usize) -> Vec<InstanceId> {
        Self::union(&[self.product_members(Some(product)), &self.global])
    }

    fn channel(
        &self,
        channel: &str,
        product: Option<usize>,
        event_id: Option<u32>,
    ) -> Vec<InstanceId> {
        let keyed = self.keyed.get(channel);
        let any_id = keyed
            .and_then(|k| k.get(&None))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let this_id = event_id
            .and_then(|e| keyed.and_then(|k| k.get(&Some(e))))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        Self::union(&[this_id, any_id, self.product_members(product), &self.global])
    }

    fn event_ids(&self, channel: &str) -> Vec<u32> {
        self.keyed
            .get(channel)
            .map(|k| k.keys().filter_map(|e| *e).collect())
            .unwrap_or_default()
    }

    fn unrecognised(&self) -> Vec<InstanceId> {
        Self::union(&[&self.unmapped, &self.global])
    }
}

/// Buckets built so far, shared between keys with the same members.
#[derive(Default)]
struct BucketSet {
    list: Vec<Bucket>,
    by_members: HashMap<Vec<InstanceId>, BucketId>,
    gate_slots: u32,
}

impl BucketSet {
    fn get(&mut self, members: &[InstanceId], builder: &Builder<'_>) -> Result<BucketId> {
        if let Some(&id) = self.by_members.get(members) {
            return Ok(id);
        }
        let bucket = index::build_bucket(
            members,
            &builder.instances,
            &builder.interner.leaves,
            self.gate_slots,
        )
        .map_err(Error::Index)?;
        self.gate_slots += bucket.gates.len() as u32;
        let id = self.list.len() as BucketId;
        self.list.push(bucket);
        self.by_members.insert(members.to_vec(), id);
        Ok(id)
    }
}

/// Every channel the mappings name (lower case), with the product it belongs to and the
/// spellings the mappings use for it.
fn channel_products(mappings: &Mappings) -> BTreeMap<String, (Option<usize>, BTreeSet<String>)> {
    let mut out: BTreeMap<String, (Option<usize>, BTreeSet<String>)> = BTreeMap::new();
    for (p, product) in mappings.products.iter().enumerate() {
        for route in product
            .services
            .values()
            .chain(product.categories.values())
            .flatten()
        {
            for channel in &route.channels {
                let entry = out
                    .entry(channel.to_lowercase())
                    .or_insert_with(|| (Some(p), BTreeSet::new()));
                entry.1.insert(channel.clone());
            }
        }
    }
    out
}

fn routes_for<'a>(mapping: &'a ProductMapping, source: &LogSource) -> Option<&'a [Route]> {
    if let Some(category) = &source.category
        && let Some(routes) = mapping.categories.get(category.as_str())
    {
        return Some(routes);
    }
    if let Some(service) = &source.service
        && let Some(routes) = mapping.services.get(service.as_str())
    {
        return Some(routes);
    }
    None
}

/// Whether a filter's log source covers a rule's: every part the filter names is the same.
fn logsource_fits(filter: &LogSource, rule: &LogSource) -> bool {
    let same = |f: &Option<String>, r: &Option<String>| match f {
        None => true,
        Some(f) => r.as_deref().is_some_and(|r| r.eq_ignore_ascii_case(f)),
    };
    same(&filter.product, &rule.product)
        && same(&filter.category, &rule.category)
        && same(&filter.service, &rule.service)
}

fn describe_places(places: &[Place], channels: &[String]) -> String {
    let mut ids = BTreeSet::new();
    let mut any = false;
    for place in places {
        if let Place::Channel(_, event_id) = place {
            match event_id {
                Some(e) => {
                    ids.insert(*e);
                }
                None => any = true,
            }
        }
    }
    let ids_text = if any || ids.is_empty() {
        "any event id".to_owned()
    } else {
        let list: Vec<String> = ids.iter().map(u32::to_string).collect();
        format!("event id {}", list.join(", "))
    };
    format!("channel {} · {ids_text}", channels.join(" | "))
}

fn problem(info: &crate::rule::RuleInfo, kind: ProblemKind, reason: String) -> RuleProblem {
    RuleProblem {
        path: info.source.path.clone(),
        line: Some(info.source.line),
        rule_id: Some(info.id.clone()),
        kind,
        reason,
    }
}
