//! Field values of one event, looked up once per field and kept for every rule that asks.

use probity_model::{Event, FieldValue};
use serde_json::Value;

use super::expr::{FieldId, KEYWORDS};
use super::fasthash::FastMap;
use crate::mapping::FieldMap;
use crate::matcher::Text;

/// The most values one field (or the keyword pseudo-field) gives.
const MAX_VALUES: usize = 4096;

/// Finds a Sigma field's values in an event: by its own name among the original fields, then
/// through the field maps that apply to the event's shape, then among the typed fields and as a
/// dotted path into nested original fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolver {
    field_maps: Vec<FieldMap>,
}

impl Resolver {
    pub fn new(field_maps: Vec<FieldMap>) -> Self {
        Resolver { field_maps }
    }

    /// The field maps that apply to this event.
    pub fn maps_for<'r>(&'r self, event: &Event) -> Vec<&'r FieldMap> {
        let mut maps = Vec::new();
        for map in &self.field_maps {
            if map.when.is_empty() || map.when.iter().any(|k| event.original.contains_key(k)) {
                maps.push(map);
            }
        }
        maps
    }

    /// Appends the values of a field to `out`. `spaced` says whether the event has original
    /// field names with spaces (looked for only then).
    pub fn resolve<'e>(
        &self,
        event: &'e Event,
        maps: &[&FieldMap],
        plan: &FieldPlan,
        spaced: bool,
        out: &mut Vec<Text<'e>>,
    ) {
        let name = plan.name.as_str();
        if let Some(value) = event.original.get(name) {
            push_json(value, out);
            return;
        }
        for map in maps {
            for prefix in &map.prefixes {
                if let Some(value) = nested(&event.original, prefix).and_then(|v| v.get(name)) {
                    push_json(value, out);
                    return;
                }
            }
            if let Some(paths) = map.fields.get(name) {
                for path in paths {
                    if let Some(value) = event.get(path) {
                        push_field(value, out);
                        return;
                    }
                }
            }
        }
        if plan.typed_or_dotted
            && let Some(value) = event.get(name)
        {
            push_field(value, out);
            return;
        }
        if spaced && let Some(value) = spaced_name(event, name) {
            push_json(value, out);
        }
    }

    /// The first value of a field as text, if it has one.
    pub fn first_text(&self, event: &Event, name: &str) -> Option<String> {
        let maps = self.maps_for(event);
        let mut out = Vec::new();
        let plan = FieldPlan::new(name);
        self.resolve(event, &maps, &plan, has_spaced_keys(event), &mut out);
        out.into_iter()
            .find(|t| !t.is_null)
            .map(|t| t.as_str().to_owned())
    }
}

/// How to look up one field, worked out once when the engine is compiled.
#[derive(Debug, Clone)]
pub(crate) struct FieldPlan {
    pub name: String,
    /// The name is a typed ECS field or a dotted path: ask the event model too.
    pub typed_or_dotted: bool,
}

impl FieldPlan {
    pub fn new(name: &str) -> Self {
        FieldPlan {
            name: name.to_owned(),
            typed_or_dotted: name.contains('.')
                || probity_model::is_settable(name)
                || name == "message",
        }
    }
}

/// Whether any original field name has a space in it.
pub(crate) fn has_spaced_keys(event: &Event) -> bool {
    event.original.keys().any(|k| k.contains(' '))
}

/// Windows Defender and some other providers name their data with spaces (`Threat Name`);
/// Sigma rules write the name without them (`ThreatName`).
fn spaced_name<'e>(event: &'e Event, name: &str) -> Option<&'e Value> {
    if name.contains(' ') {
        return None;
    }
    event
        .original
        .iter()
        .filter(|(key, _)| key.len() > name.len() && key.contains(' '))
        .find(|(key, _)| key.chars().filter(|c| *c != ' ').eq(name.chars()))
        .map(|(_, value)| value)
}

fn nested<'a>(map: &'a serde_json::Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = map.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

fn push_json<'e>(value: &'e Value, out: &mut Vec<Text<'e>>) {
    match value {
        Value::Array(items) => {
            for item in items.iter().take(MAX_VALUES) {
                push_scalar(item, out);
            }
        }
        other => push_scalar(other, out),
    }
}

fn push_scalar<'e>(value: &'e Value, out: &mut Vec<Text<'e>>) {
    out.push(match value {
        Value::String(s) => Text::borrowed(s),
        Value::Number(n) => Text::display(n),
        Value::Bool(b) => Text::borrowed(if *b { "true" } else { "false" }),
        Value::Null => Text::null(),
        other => Text::owned(other.to_string()),
    });
}

fn push_field<'e>(value: FieldValue<'e>, out: &mut Vec<Text<'e>>) {
    match value {
        FieldValue::Str(s) => out.push(Text::borrowed(s)),
        FieldValue::Int(i) => out.push(Text::display(&i)),
        FieldValue::List(items) => {
            out.extend(items.into_iter().map(Text::borrowed));
        }
        FieldValue::Json(value) => push_json(value, out),
    }
}

/// Every text in the event, for keyword searches: the message, then every string and number in
/// the original fields.
fn keyword_texts<'e>(event: &'e Event, out: &mut Vec<Text<'e>>) {
    if let Some(message) = &event.message {
        out.push(Text::borrowed(message));
    }
    // Nested values are rare in flat events: the stack allocates only when there are some.
    let mut nested: Vec<&'e Value> = Vec::new();
    for value in event.original.values() {
        push_keyword(value, out, &mut nested);
    }
    while let Some(value) = nested.pop() {
        if out.len() >= MAX_VALUES {
            return;
        }
        push_keyword(value, out, &mut nested);
    }
}

fn push_keyword<'e>(value: &'e Value, out: &mut Vec<Text<'e>>, nested: &mut Vec<&'e Value>) {
    match value {
        Value::String(s) => out.push(Text::borrowed(s)),
        Value::Number(n) => out.push(Text::display(n)),
        Value::Array(items) => nested.extend(items.iter()),
        Value::Object(map) => nested.extend(map.values()),
        Value::Bool(_) | Value::Null => {}
    }
}

/// The deepest nesting walked for keyword text.
const MAX_KEYWORD_DEPTH: usize = 32;
/// The most keyword text gathered from one event, in bytes.
const MAX_KEYWORD_BYTES: usize = 4 * 1024 * 1024;

/// Every text in the event (as [`keyword_texts`] gives them) joined by NULs into `out`, for
/// keyword automata that look for `contains` literals in one pass.
pub(crate) fn join_keyword_texts(event: &Event, out: &mut String) {
    out.clear();
    if let Some(message) = &event.message {
        out.push_str(message);
        out.push('\0');
    }
    for value in event.original.values() {
        append_keyword(value, out, 0);
    }
}

fn append_keyword(value: &Value, out: &mut String, depth: usize) {
    if out.len() > MAX_KEYWORD_BYTES {
        return;
    }
    match value {
        Value::String(s) => out.push_str(s),
        Value::Number(n) => push_number(n, out),
        Value::Array(items) if depth < MAX_KEYWORD_DEPTH => {
            for item in items {
                append_keyword(item, out, depth + 1);
            }
            return;
        }
        Value::Object(map) if depth < MAX_KEYWORD_DEPTH => {
            for item in map.values() {
                append_keyword(item, out, depth + 1);
            }
            return;
        }
        _ => return,
    }
    out.push('\0');
}

/// Writes a JSON number as text, whole numbers without the formatting machinery.
fn push_number(number: &serde_json::Number, out: &mut String) {
    let (negative, magnitude) = match (number.as_u64(), number.as_i64()) {
        (Some(u), _) => (false, u),
        (None, Some(i)) => (true, i.unsigned_abs()),
        _ => {
            out.push_str(&number.to_string());
            return;
        }
    };
    if negative {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = magnitude;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in &digits[at..] {
        out.push(char::from(digit));
    }
}

/// Per-event stamps saying which fields have been looked up, kept between events so that
/// nothing is cleared per event.
#[derive(Debug, Default)]
pub(crate) struct FieldSlots {
    stamp: Vec<u32>,
    position: Vec<u32>,
    /// Fields found by name in the event's original fields (flat events): stamp, and position
    /// in the view's `raws` ([`SPACED`] set when found under a name with spaces).
    raw_stamp: Vec<u32>,
    raw_position: Vec<u32>,
}

/// Marks a raw position found under a name with spaces (`Threat Name` for `ThreatName`).
const SPACED: u32 = 1 << 31;

impl FieldSlots {
    pub fn ensure(&mut self, fields: usize) {
        if self.stamp.len() < fields {
            self.stamp.resize(fields, 0);
            self.position.resize(fields, 0);
            self.raw_stamp.resize(fields, 0);
            self.raw_position.resize(fields, 0);
        }
    }

    pub fn clear(&mut self) {
        self.stamp.iter_mut().for_each(|s| *s = 0);
        self.raw_stamp.iter_mut().for_each(|s| *s = 0);
    }
}

/// Buffers a view fills, kept between events so that a view allocates nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct Buffers {
    ranges: Vec<(u32, u32)>,
    texts: Vec<Text<'static>>,
    raws: Vec<&'static Value>,
    despaced: String,
}

/// Empties a vector and gives its allocation a new element type of the same layout (the
/// standard library collects in place then), here the same type with another lifetime.
#[allow(clippy::unnecessary_filter_map)]
fn retype<T, U>(items: Vec<T>) -> Vec<U> {
    // Dropping every element is the point; `filter_map` is what may change the type.
    items.into_iter().filter_map(|_| None).collect()
}

/// One event's field values, looked up on first use.
pub(crate) struct View<'e, 'a> {
    pub event: &'e Event,
    resolver: &'a Resolver,
    maps: Vec<&'a FieldMap>,
    plans: &'a [FieldPlan],
    spaced: Option<bool>,
    slots: &'a mut FieldSlots,
    stamp: u32,
    /// Start and end in `texts` of each looked-up field, by slot position.
    ranges: Vec<(u32, u32)>,
    texts: Vec<Text<'e>>,
    /// Flat events: every original field the engine knows, found in one pass.
    direct: bool,
    raws: Vec<&'e Value>,
    despaced: String,
}

impl<'e, 'a> View<'e, 'a> {
    pub fn new(
        event: &'e Event,
        resolver: &'a Resolver,
        plans: &'a [FieldPlan],
        index: &FastMap<Box<str>, FieldId>,
        slots: &'a mut FieldSlots,
        stamp: u32,
        buffers: Buffers,
    ) -> Self {
        slots.ensure(plans.len());
        let Buffers {
            mut ranges,
            texts,
            raws,
            despaced,
        } = buffers;
        ranges.clear();
        let maps = resolver.maps_for(event);
        let mut view = View {
            event,
            direct: maps.is_empty(),
            maps,
            resolver,
            plans,
            spaced: None,
            slots,
            stamp,
            ranges,
            texts: retype(texts),
            raws: retype(raws),
            despaced,
        };
        if view.direct {
            view.index_original(index);
        }
        view
    }

    /// Finds, in one pass over the event's original fields, every one the engine knows by
    /// name (or by its name without spaces).
    fn index_original(&mut self, index: &FastMap<Box<str>, FieldId>) {
        let event = self.event;
        for (key, value) in &event.original {
            if let Some(&field) = index.get(key.as_str()) {
                self.set_raw(field, value, 0);
                continue;
            }
            if !key.contains(' ') {
                continue;
            }
            self.despaced.clear();
            self.despaced.extend(key.chars().filter(|c| *c != ' '));
            if let Some(&field) = index.get(self.despaced.as_str()) {
                self.set_raw(field, value, SPACED);
            }
        }
    }

    fn set_raw(&mut self, field: FieldId, value: &'e Value, flag: u32) {
        let i = field as usize;
        let Some(stamp) = self.slots.raw_stamp.get_mut(i) else {
            return;
        };
        if *stamp == self.stamp && flag == SPACED {
            return;
        }
        *stamp = self.stamp;
        self.slots.raw_position[i] = self.raws.len() as u32 | flag;
        self.raws.push(value);
    }

    /// Gives back the buffers, emptied, for the next event.
    pub fn into_buffers(self) -> Buffers {
        Buffers {
            ranges: self.ranges,
            texts: retype(self.texts),
            raws: retype(self.raws),
            despaced: self.despaced,
        }
    }

    /// The values of a field (`None` when the event does not have it).
    pub fn values(&mut self, field: FieldId) -> Option<&[Text<'e>]> {
        let index = field as usize;
        let position = if self.slots.stamp.get(index) == Some(&self.stamp) {
            self.slots.position[index] as usize
        } else {
            self.look_up(field)
        };
        let (start, end) = self.ranges[position];
        if start == end {
            return None;
        }
        Some(&self.texts[start as usize..end as usize])
    }

    fn look_up(&mut self, field: FieldId) -> usize {
        let start = self.texts.len();
        if field == KEYWORDS {
            keyword_texts(self.event, &mut self.texts);
        } else if self.direct {
            self.look_up_direct(field);
        } else if let Some(plan) = self.plans.get(field as usize) {
            let spaced = *self
                .spaced
                .get_or_insert_with(|| has_spaced_keys(self.event));
            self.resolver
                .resolve(self.event, &self.maps, plan, spaced, &mut self.texts);
        }
        let position = self.ranges.len();
        self.ranges.push((start as u32, self.texts.len() as u32));
        if let Some(slot) = self.slots.stamp.get_mut(field as usize) {
            *slot = self.stamp;
            self.slots.position[field as usize] = position as u32;
        }
        position
    }

    /// A flat event's field: by its own name, else a typed field or dotted path, else by its
    /// name with spaces.
    fn look_up_direct(&mut self, field: FieldId) {
        let i = field as usize;
        let raw =
            (self.slots.raw_stamp.get(i) == Some(&self.stamp)).then(|| self.slots.raw_position[i]);
        if let Some(position) = raw.filter(|p| p & SPACED == 0) {
            push_json(self.raws[position as usize], &mut self.texts);
            return;
        }
        if let Some(plan) = self.plans.get(i)
            && plan.typed_or_dotted
            && let Some(value) = self.event.get(&plan.name)
        {
            push_field(value, &mut self.texts);
            return;
        }
        if let Some(position) = raw {
            push_json(self.raws[(position & !SPACED) as usize], &mut self.texts);
        }
    }

    /// The values of a field by name (for `fieldref`), looked up without caching.
    pub fn values_by_name(&self, name: &str) -> Option<Vec<Text<'e>>> {
        let mut out = Vec::new();
        let plan = FieldPlan::new(name);
        self.resolver.resolve(
            self.event,
            &self.maps,
            &plan,
            has_spaced_keys(self.event),
            &mut out,
        );
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retyping_keeps_the_allocation() {
        let mut texts: Vec<Text<'static>> = Vec::with_capacity(64);
        texts.push(Text::borrowed("x"));
        let capacity = texts.capacity();
        let texts: Vec<Text<'_>> = retype(texts);
        assert!(texts.is_empty());
        assert_eq!(texts.capacity(), capacity);
    }
}
