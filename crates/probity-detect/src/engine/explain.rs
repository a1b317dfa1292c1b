//! The compiled form of a rule as stable text: for golden tests and `probity rules lint
//! --explain`.

use std::fmt::Write as _;

use super::Engine;
use super::expr::{Expr, LeafId};
use crate::{Error, Result};

impl Engine {
    /// The compiled form of the rule with this id, name or title: its routes (channels and
    /// event ids), field renames, filters, condition tree and literal gate.
    pub fn explain(&self, rule: &str) -> Result<String> {
        let index = self
            .find_rule(rule)
            .ok_or_else(|| Error::UnknownRule(rule.to_owned()))?;
        let compiled = &self.rules[index];
        let info = &compiled.info;
        let mut out = String::new();
        let _ = writeln!(out, "rule {}", info.id);
        let _ = writeln!(out, "title: {}", info.title);
        let _ = writeln!(out, "level: {}", info.level);
        let _ = writeln!(out, "logsource: {}", info.logsource);
        if !compiled.standalone {
            let _ = writeln!(out, "reports: only through a correlation");
        }
        for filter in &compiled.filters {
            let _ = writeln!(out, "filter: {filter}");
        }
        for (n, &id) in compiled.instances.iter().enumerate() {
            let Some(instance) = self.instances.get(id as usize) else {
                continue;
            };
            let place = compiled.placement.get(n).map(String::as_str).unwrap_or("");
            let _ = writeln!(out, "route {}: {place}", n + 1);
            if let Some(route) = instance.route.and_then(|r| compiled.routes.get(r)) {
                for (from, to) in &route.rename {
                    let _ = writeln!(out, "  rename: {from} -> {to}");
                }
            }
            let _ = writeln!(out, "  condition:");
            self.render_expr(&instance.expr, 2, &mut out);
            match &instance.gate {
                Some(gate) => {
                    let _ = writeln!(out, "  gate: any of");
                    let mut lines: Vec<String> =
                        gate.iter().map(|&leaf| self.render_leaf(leaf)).collect();
                    lines.sort();
                    for line in lines {
                        let _ = writeln!(out, "    {line}");
                    }
                }
                None => {
                    let _ = writeln!(out, "  gate: none (checked on every event of its route)");
                }
            }
        }
        Ok(out)
    }

    fn render_expr(&self, expr: &Expr, depth: usize, out: &mut String) {
        let indent = "  ".repeat(depth);
        match expr {
            Expr::And(parts) | Expr::Or(parts) => {
                let word = if matches!(expr, Expr::And(_)) {
                    "and"
                } else {
                    "or"
                };
                let _ = writeln!(out, "{indent}{word}");
                for part in parts {
                    self.render_expr(part, depth + 1, out);
                }
            }
            Expr::Not(inner) => {
                let _ = writeln!(out, "{indent}not");
                self.render_expr(inner, depth + 1, out);
            }
            Expr::Leaf(id) => {
                let _ = writeln!(out, "{indent}{}", self.render_leaf(*id));
            }
            Expr::Const(b) => {
                let _ = writeln!(out, "{indent}{b}");
            }
        }
    }

    fn render_leaf(&self, id: LeafId) -> String {
        let Some(leaf) = self.interner.leaves.get(id as usize) else {
            return "?".to_owned();
        };
        let field = self
            .interner
            .field_names
            .get(leaf.field as usize)
            .map(String::as_str)
            .unwrap_or("?");
        format!("{field} {}", leaf.test.key())
    }
}
