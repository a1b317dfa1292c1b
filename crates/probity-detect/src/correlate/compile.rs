//! Correlation rules bound to the engine's compiled rules.

use std::collections::{HashMap, HashSet};

use probity_model::Event;

use crate::engine::CompiledRule;
use crate::engine::view::Resolver;
use crate::rule::{CorrelationRule, ProblemKind, RuleProblem};

/// A correlation rule with its referenced rules resolved.
#[derive(Debug)]
pub(crate) struct BoundCorrelation {
    pub rule: CorrelationRule,
    /// Engine rule indices of the referenced rules, in the order listed.
    pub members: Vec<u32>,
    /// Member ids, for alerts.
    pub member_ids: Vec<String>,
    /// For each member, the field to read for each `group-by` name (aliases applied).
    group_fields: Vec<Vec<String>>,
    /// For each member, the field whose values `value_count` counts.
    value_fields: Vec<Option<String>>,
    resolver: Resolver,
}

impl BoundCorrelation {
    /// The group of an event matched by member `member`: each `group-by` name with its value.
    pub fn group_key(&self, event: &Event, member: usize) -> Vec<(String, String)> {
        let fields = self
            .group_fields
            .get(member)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        self.rule
            .group_by
            .iter()
            .zip(fields)
            .map(|(name, field)| {
                let value = self.resolver.first_text(event, field).unwrap_or_default();
                (name.clone(), value)
            })
            .collect()
    }

    /// The value `value_count` counts, for an event matched by member `member`.
    pub fn counted_value(&self, event: &Event, member: usize) -> Option<String> {
        let field = self.value_fields.get(member)?.as_ref()?;
        self.resolver.first_text(event, field)
    }
}

/// All correlation rules of an engine.
#[derive(Debug, Default)]
pub(crate) struct CorrelationSet {
    rules: Vec<CorrelationRule>,
    bound: Vec<BoundCorrelation>,
    /// Engine rule index → (correlation, member position) pairs using it.
    users: HashMap<u32, Vec<(usize, usize)>>,
    silenced: HashSet<String>,
}

impl CorrelationSet {
    /// Binds correlation rules to compiled rules; those naming unknown rules are reported.
    pub fn compile(
        rules: &[CorrelationRule],
        compiled: &[CompiledRule],
        resolver: Resolver,
    ) -> (CorrelationSet, Vec<RuleProblem>) {
        let mut set = CorrelationSet::default();
        let mut problems = Vec::new();
        for rule in rules {
            match bind(rule, rules, compiled, &resolver) {
                Ok(bound) => {
                    let index = set.bound.len();
                    for (position, &member) in bound.members.iter().enumerate() {
                        set.users.entry(member).or_default().push((index, position));
                        if !rule.generate {
                            set.silenced.insert(bound.member_ids[position].clone());
                        }
                    }
                    set.rules.push(rule.clone());
                    set.bound.push(bound);
                }
                Err((kind, reason)) => problems.push(RuleProblem {
                    path: rule.info.source.path.clone(),
                    line: Some(rule.info.source.line),
                    rule_id: Some(rule.info.id.clone()),
                    kind,
                    reason,
                }),
            }
        }
        (set, problems)
    }

    pub fn len(&self) -> usize {
        self.bound.len()
    }

    pub fn get(&self, index: usize) -> Option<&BoundCorrelation> {
        self.bound.get(index)
    }

    pub fn rules(&self) -> &[CorrelationRule] {
        &self.rules
    }

    /// The (correlation, member) pairs that use an engine rule.
    pub fn users_of(&self, rule: u32) -> &[(usize, usize)] {
        self.users.get(&rule).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether a rule's own matches are meant only for its correlations.
    pub fn silences(&self, rule_id: &str) -> bool {
        self.silenced.contains(rule_id)
    }
}

fn bind(
    rule: &CorrelationRule,
    all: &[CorrelationRule],
    compiled: &[CompiledRule],
    resolver: &Resolver,
) -> Result<BoundCorrelation, (ProblemKind, String)> {
    let mut members = Vec::new();
    let mut member_ids = Vec::new();
    for reference in &rule.rules {
        let found = compiled
            .iter()
            .position(|c| c.info.is_named(reference) || c.info.title == *reference);
        match found {
            Some(index) => {
                members.push(index as u32);
                member_ids.push(compiled[index].info.id.clone());
            }
            None if all.iter().any(|c| c.info.is_named(reference)) => {
                return Err((
                    ProblemKind::Unsupported,
                    format!(
                        "correlation refers to correlation {reference:?}; chained correlations are not supported"
                    ),
                ));
            }
            None => {
                return Err((
                    ProblemKind::Reference,
                    format!("correlation names rule {reference:?}, which is not loaded"),
                ));
            }
        }
    }
    let field_for = |name: &str, member: usize| -> String {
        let member_rule = &compiled[members[member] as usize].info;
        for alias in &rule.aliases {
            if alias.name != name {
                continue;
            }
            for (reference, field) in &alias.fields {
                if member_rule.is_named(reference) || member_rule.title == *reference {
                    return field.clone();
                }
            }
        }
        name.to_owned()
    };
    let group_fields = (0..members.len())
        .map(|m| rule.group_by.iter().map(|g| field_for(g, m)).collect())
        .collect();
    let value_fields = (0..members.len())
        .map(|m| rule.field.as_deref().map(|f| field_for(f, m)))
        .collect();
    Ok(BoundCorrelation {
        rule: rule.clone(),
        members,
        member_ids,
        group_fields,
        value_fields,
        resolver: resolver.clone(),
    })
}
