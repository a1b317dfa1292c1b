//! A rule's condition compiled to a tree over interned leaves (one field, one test), and the
//! analyses the index needs: which literals a rule cannot match without, and which event ids it
//! requires.

use std::collections::{BTreeSet, HashMap};

use crate::matcher::{Anchor, Test};
use crate::rule::condition::{self, Cond};
use crate::rule::detection::{DetectionAst, FieldItem, Selection};

/// An interned field name.
pub(crate) type FieldId = u32;
/// An interned leaf.
pub(crate) type LeafId = u32;

/// The pseudo-field a keyword search runs over: the message and every text in the event.
pub(crate) const KEYWORDS: FieldId = 0;
/// The name shown for [`KEYWORDS`].
pub(crate) const KEYWORDS_NAME: &str = "(keywords)";

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Leaf(LeafId),
    Const(bool),
}

/// One test on one field.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    pub field: FieldId,
    pub test: Test,
    /// Whether the bucket automata find this leaf (it has a literal): then a leaf not found
    /// is false.
    pub scanned: bool,
}

/// Field names and leaves shared by every compiled rule.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    pub field_names: Vec<String>,
    field_ids: HashMap<String, FieldId>,
    pub leaves: Vec<Leaf>,
    leaf_ids: HashMap<(FieldId, String), LeafId>,
}

impl Interner {
    pub fn new() -> Self {
        let mut interner = Interner::default();
        interner.field(KEYWORDS_NAME);
        interner
    }

    /// The id of a field name.
    pub fn field(&mut self, name: &str) -> FieldId {
        if let Some(&id) = self.field_ids.get(name) {
            return id;
        }
        let id = self.field_names.len() as FieldId;
        self.field_names.push(name.to_owned());
        self.field_ids.insert(name.to_owned(), id);
        id
    }

    /// The id of a field name, if any rule uses it.
    pub fn find_field(&self, name: &str) -> Option<FieldId> {
        self.field_ids.get(name).copied()
    }

    fn leaf(&mut self, field: FieldId, test: &Test) -> LeafId {
        let key = (field, test.key());
        if let Some(&id) = self.leaf_ids.get(&key) {
            return id;
        }
        let id = self.leaves.len() as LeafId;
        self.leaves.push(Leaf {
            field,
            test: test.clone(),
            scanned: test.literal().is_some(),
        });
        self.leaf_ids.insert(key, id);
        id
    }
}

/// Compiles a detection to an expression, renaming fields as the route says.
pub(crate) fn lower(
    detection: &DetectionAst,
    rename: &dyn Fn(&str) -> String,
    interner: &mut Interner,
) -> Expr {
    let selections: Vec<(String, Expr)> = detection
        .selections
        .iter()
        .map(|(name, selection)| (name.clone(), lower_selection(selection, rename, interner)))
        .collect();
    simplify(lower_cond(&detection.condition, &selections))
}

fn lower_cond(cond: &Cond, selections: &[(String, Expr)]) -> Expr {
    match cond {
        Cond::And(parts) => Expr::And(parts.iter().map(|p| lower_cond(p, selections)).collect()),
        Cond::Or(parts) => Expr::Or(parts.iter().map(|p| lower_cond(p, selections)).collect()),
        Cond::Not(inner) => Expr::Not(Box::new(lower_cond(inner, selections))),
        Cond::Name(name) => selections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e.clone())
            .unwrap_or(Expr::Const(false)),
        Cond::Of { all, pattern } => {
            let parts: Vec<Expr> = selections
                .iter()
                .filter(|(n, _)| condition::pattern_matches(pattern, n))
                .map(|(_, e)| e.clone())
                .collect();
            if *all {
                Expr::And(parts)
            } else {
                Expr::Or(parts)
            }
        }
    }
}

fn lower_selection(
    selection: &Selection,
    rename: &dyn Fn(&str) -> String,
    interner: &mut Interner,
) -> Expr {
    match selection {
        Selection::AllOf(items) => Expr::And(
            items
                .iter()
                .map(|item| lower_item(item, rename, interner))
                .collect(),
        ),
        Selection::AnyOf(entries) => Expr::Or(
            entries
                .iter()
                .map(|entry| lower_selection(entry, rename, interner))
                .collect(),
        ),
    }
}

fn lower_item(item: &FieldItem, rename: &dyn Fn(&str) -> String, interner: &mut Interner) -> Expr {
    let field = match &item.field {
        Some(name) => interner.field(&rename(name)),
        None => KEYWORDS,
    };
    let values: Vec<Expr> = item
        .values
        .values
        .iter()
        .map(|alternatives| {
            Expr::Or(
                alternatives
                    .iter()
                    .map(|test| Expr::Leaf(intern_test(interner, field, test, rename)))
                    .collect(),
            )
        })
        .collect();
    if item.values.all {
        Expr::And(values)
    } else {
        Expr::Or(values)
    }
}

fn intern_test(
    interner: &mut Interner,
    field: FieldId,
    test: &Test,
    rename: &dyn Fn(&str) -> String,
) -> LeafId {
    if let Test::FieldRef {
        field: other,
        anchor,
        cased,
    } = test
    {
        let renamed = Test::FieldRef {
            field: rename(other),
            anchor: *anchor,
            cased: *cased,
        };
        interner.field(&rename(other));
        return interner.leaf(field, &renamed);
    }
    interner.leaf(field, test)
}

/// Flattens nested `and`/`or`, removes single-child groups and folds constants.
pub(crate) fn simplify(expr: Expr) -> Expr {
    match expr {
        Expr::And(parts) => group(parts, true),
        Expr::Or(parts) => group(parts, false),
        Expr::Not(inner) => match simplify(*inner) {
            Expr::Const(b) => Expr::Const(!b),
            Expr::Not(inner) => *inner,
            other => Expr::Not(Box::new(other)),
        },
        other => other,
    }
}

fn group(parts: Vec<Expr>, is_and: bool) -> Expr {
    let mut out = Vec::with_capacity(parts.len());
    for part in parts {
        match simplify(part) {
            Expr::Const(b) if b == is_and => {}
            Expr::Const(b) => return Expr::Const(b),
            Expr::And(inner) if is_and => out.extend(inner),
            Expr::Or(inner) if !is_and => out.extend(inner),
            other => out.push(other),
        }
    }
    match out.len() {
        0 => Expr::Const(is_and),
        1 => out.remove(0),
        _ if is_and => Expr::And(out),
        _ => Expr::Or(out),
    }
}

/// A set of leaves at least one of which must be true for the expression to be true, made of
/// literals an automaton can find, chosen to be as selective as the expression allows. `None`
/// when no such set exists (the rule must be checked on every event of its bucket).
pub(crate) fn gate(
    expr: &Expr,
    leaves: &[Leaf],
    costly: &dyn Fn(FieldId) -> bool,
) -> Option<Vec<LeafId>> {
    necessary(expr, leaves, costly).map(|(set, _)| set.into_iter().collect())
}

fn necessary(
    expr: &Expr,
    leaves: &[Leaf],
    costly: &dyn Fn(FieldId) -> bool,
) -> Option<(BTreeSet<LeafId>, f64)> {
    match expr {
        Expr::Leaf(id) => {
            let leaf = leaves.get(*id as usize)?;
            let literal = leaf.test.literal()?;
            let mut cost = 1.0 + 16.0 / literal.text.len() as f64;
            if costly(leaf.field) {
                cost += 1000.0;
            }
            Some((BTreeSet::from([*id]), cost))
        }
        Expr::And(parts) => parts
            .iter()
            .filter_map(|p| necessary(p, leaves, costly))
            .min_by(|a, b| a.1.total_cmp(&b.1)),
        Expr::Or(parts) => {
            let mut set = BTreeSet::new();
            let mut cost = 0.0;
            for part in parts {
                let (inner, c) = necessary(part, leaves, costly)?;
                set.extend(inner);
                cost += c;
            }
            Some((set, cost))
        }
        Expr::Const(false) => Some((BTreeSet::new(), 0.0)),
        Expr::Not(_) | Expr::Const(true) => None,
    }
}

/// The values `field` must equal for the expression to be true (from `field: value` tests the
/// condition cannot do without), or `None` when it may have any value.
pub(crate) fn required_values(
    expr: &Expr,
    leaves: &[Leaf],
    field: FieldId,
) -> Option<BTreeSet<String>> {
    match expr {
        Expr::Leaf(id) => {
            let leaf = leaves.get(*id as usize)?;
            match &leaf.test {
                Test::Text {
                    text,
                    anchor: Anchor::Equals,
                    ..
                } if leaf.field == field => Some(BTreeSet::from([text.clone()])),
                _ => None,
            }
        }
        Expr::And(parts) => {
            let mut result: Option<BTreeSet<String>> = None;
            for part in parts {
                if let Some(values) = required_values(part, leaves, field) {
                    result = Some(match result {
                        Some(current) => current.intersection(&values).cloned().collect(),
                        None => values,
                    });
                }
            }
            result
        }
        Expr::Or(parts) => {
            let mut set = BTreeSet::new();
            for part in parts {
                set.extend(required_values(part, leaves, field)?);
            }
            Some(set)
        }
        Expr::Const(false) => Some(BTreeSet::new()),
        Expr::Not(_) | Expr::Const(true) => None,
    }
}

/// Every leaf in the expression.
pub(crate) fn leaves_of(expr: &Expr, out: &mut Vec<LeafId>) {
    match expr {
        Expr::And(parts) | Expr::Or(parts) => {
            for part in parts {
                leaves_of(part, out);
            }
        }
        Expr::Not(inner) => leaves_of(inner, out),
        Expr::Leaf(id) => out.push(*id),
        Expr::Const(_) => {}
    }
}
