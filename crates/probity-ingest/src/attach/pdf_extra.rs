//! The text a PDF holds besides its pages' content: its document information (the Info
//! dictionary and the XMP metadata stream), the values of its form fields (AcroForm and XFA),
//! the comments of its annotations and the titles of its bookmarks. A PDF reader shows all of them (the document
//! properties, the filled-in form, the comments pane, the bookmarks pane), and each is where
//! words of interest are written: a form of a person's details filled in and sent on, a
//! protective marking set as the document's subject or keywords or stamped in a header comment.
//!
//! Each is read after the pages, under a line naming it, as the other readers name the parts
//! they read (`[sheet NAME]`, `[file NAME]`):
//!
//! - `[document information]`: `Key: value` for each text entry of the Info dictionary, `Title`,
//!   `Author`, `Subject` and `Keywords` first, then the others as written (`Creator`,
//!   `Producer`, keys a writer or a labelling tool added, `Classification`), dates (`D:2024…`)
//!   left out;
//!   then the properties of the XMP metadata (`dc:title: value`) whose values the Info
//!   dictionary did not already give, dates, identifiers and the PDF/A and editing-history
//!   schemas left out;
//! - `[form fields]`: `name: value` for each field that has a value (`name` the field's full
//!   name, its parents' names joined by dots, with its description for the user in brackets where
//!   it has one: `Text1 (Date of birth): 12/03/1980`); check boxes and radio buttons by their
//!   chosen state, `Off` left out; a signature by its signature dictionary (`signed by NAME;
//!   reason: …; location: …; contact: …`), and so the signatures of the catalog's `/Perms`
//!   (a certification, usage rights) that no field gave (`DocMDP (certification signature):
//!   signed by NAME`); a field with no value of its own or its parents' by
//!   the text its appearance shows ([`Extra::appearance_text`]); widgets on the pages that the
//!   form's field tree does not reach are read too;
//! - `[annotations]`: `page N Subtype by Author (subject): comment` for each annotation with a
//!   comment (`/Contents`, and its rich text `/RC` where that says something else) or a stamp
//!   name, else the text its appearance shows (a free-text box whose words are only drawn),
//!   pop-ups that repeat their parent's comment left out;
//! - `[XFA form data]`: `path: value` for each element holding text in the data of an XFA form
//!   (the `datasets` packet of the form's `/XFA`; a dynamic XFA form's page may show only a line
//!   asking for a reader that draws it), `path` the element names below the data's root joined
//!   by dots; values the form fields already gave left out;
//! - `[bookmarks]`: each bookmark's title, indented two spaces a level.
//!
//! Text strings are decoded as the PDF standard has them: UTF-16BE after its byte-order mark
//! (language marks taken out), UTF-8 after its own, otherwise PDFDocEncoding; UTF-16LE after its
//! mark is read too, as PDF readers read it, and so is UTF-8 without a mark ([`text_string`]).
//! Hex strings reach here as their bytes.
//!
//! Nothing here runs unbounded: the field tree, the chains of bookmarks and the parent chain of
//! a widget are walked without recursion, each object at most once (a loop in them ends there),
//! at most [`MAX_DEPTH`] levels deep and [`MAX_ITEMS`] items in each part (both noted past
//! them); annotations are read on the pages that are read ([`crate::Limits::max_pdf_pages`]);
//! streams (XMP, a long field value) are inflated within the attachment's decompression budget
//! and [`MAX_STREAM_BYTES`] each; the clock is checked before each part and every
//! [`CLOCK_EVERY`] items.
//!
//! An appearance's text is what its normal appearance stream (`/AP /N`) shows, read as a page's
//! content is read without its fonts ([`super::pdf::text_without_fonts`]: text in a Western
//! script, not glyph ids), but for the strings in a composite font (`/Type0`) of its resources
//! with a `ToUnicode` CMap, whose glyph ids are read by that map as lopdf reads a page's
//! ([`super::pdf::text_shown`]), with the forms it draws (`Do`) [`MAX_APPEARANCE_DEPTH`] deep
//! and [`MAX_APPEARANCE_FORMS`] streams at most, each stream and CMap inflated within the budget
//! as the others are.

use std::collections::HashSet;
use std::rc::Rc;

use lopdf::{Dictionary, Document, Object, ObjectId};
use quick_xml::Reader;
use quick_xml::events::Event;

use super::TextOut;

/// Most items (fields, annotations, bookmarks, metadata entries) read in each part.
pub(super) const MAX_ITEMS: usize = 10_000;
/// Deepest nesting of form fields or bookmarks read.
pub(super) const MAX_DEPTH: usize = 64;
/// Largest stream (XMP metadata, a field value or rich text held in a stream) inflated.
pub(super) const MAX_STREAM_BYTES: usize = 4 << 20;
/// Longest full name of a form field kept (field names are words, not text).
const MAX_NAME_BYTES: usize = 1024;
/// Items read between two looks at the clock.
const CLOCK_EVERY: usize = 256;
/// Most objects visited in the field tree (nodes without a value included).
const MAX_FIELD_NODES: usize = 200_000;
/// Deepest nesting of forms drawn by an appearance stream read.
const MAX_APPEARANCE_DEPTH: usize = 4;
/// Most streams read for one appearance.
const MAX_APPEARANCE_FORMS: usize = 16;

/// The text of the five parts, each under its heading, after what `out` holds; `budget` is what
/// is left of the attachment's decompression budget.
pub(super) fn read(document: &Document, budget: &mut usize, out: &mut TextOut<'_>) {
    let mut reader = Extra {
        document,
        budget,
        out,
        stopped: false,
    };
    reader.read_all();
}

/// One part's lines, gathered before they are written under its heading.
struct Part {
    heading: &'static str,
    lines: Vec<String>,
    bytes: usize,
    /// The most bytes gathered: the attachment's text limit, past which nothing would be kept.
    room: usize,
    /// Whether an item was left out because the part had [`MAX_ITEMS`] already.
    over: bool,
}

impl Part {
    fn new(heading: &'static str, room: usize) -> Self {
        Self {
            heading,
            lines: Vec::new(),
            bytes: 0,
            room,
            over: false,
        }
    }

    /// Whether the part takes no more lines.
    fn is_full(&self) -> bool {
        self.over || self.bytes > self.room
    }

    /// Adds a line; false when the part is full and the walk feeding it should stop.
    fn add(&mut self, line: String) -> bool {
        if self.bytes > self.room {
            return false;
        }
        if self.lines.len() >= MAX_ITEMS {
            self.over = true;
            return false;
        }
        self.bytes += line.len() + 1;
        self.lines.push(line);
        true
    }

    /// Writes the part under its heading, if it has lines, and notes the items left out.
    fn write(self, what: &str, out: &mut TextOut<'_>) {
        if self.over {
            out.note(format!(
                "PDF has more than {MAX_ITEMS} {what}; only the first {MAX_ITEMS} were read"
            ));
        }
        if self.lines.is_empty() {
            return;
        }
        out.heading(self.heading);
        for line in &self.lines {
            if out.is_full() {
                return;
            }
            out.push(line);
            out.push("\n");
        }
    }
}

struct Extra<'d, 'b, 'o, 'l> {
    document: &'d Document,
    budget: &'b mut usize,
    out: &'o mut TextOut<'l>,
    /// Whether the time limit was reached (noted once; nothing more is read).
    stopped: bool,
}

impl<'d> Extra<'d, '_, '_, '_> {
    fn read_all(&mut self) {
        let room = self.out.cap();
        let pages: Vec<ObjectId> = self
            .document
            .get_pages()
            .into_values()
            .take(self.out.limits.max_pdf_pages)
            .collect();

        let mut information = Part::new("document information", room);
        if !self.out_of_time("before its document information") {
            self.information(&mut information);
        }
        information.write("document information entries", self.out);

        // The widgets on the pages that the field tree does not reach are read with the fields,
        // so the annotations are gathered first and written after them.
        let mut fields = Part::new("form fields", room);
        let mut visited = HashSet::new();
        if !self.out_of_time("before its form fields") {
            self.fields(&mut fields, &mut visited);
        }
        let mut annotations = Part::new("annotations", room);
        if !self.out_of_time("before its annotations") {
            self.annotations(&pages, &mut annotations, &mut fields, &visited);
        }
        if !self.out_of_time("before its signatures") {
            self.permissions(&mut fields);
        }
        let mut xfa = Part::new("XFA form data", room);
        if !self.out_of_time("before its XFA form data") {
            self.xfa(&mut xfa, &fields);
        }
        fields.write("form fields", self.out);
        annotations.write("annotations", self.out);
        xfa.write("XFA form data values", self.out);

        let mut bookmarks = Part::new("bookmarks", room);
        if !self.out_of_time("before its bookmarks") {
            self.bookmarks(&mut bookmarks);
        }
        bookmarks.write("bookmarks", self.out);
    }

    /// [`TextOut::out_of_time`], noted once.
    fn out_of_time(&mut self, stopped_at: &str) -> bool {
        if self.stopped {
            return true;
        }
        self.stopped = self.out.out_of_time(stopped_at);
        self.stopped
    }

    /// Whether to stop after `count` items: every [`CLOCK_EVERY`], the clock is read.
    fn clock(&mut self, count: usize, stopped_at: &str) -> bool {
        count.is_multiple_of(CLOCK_EVERY) && count > 0 && self.out_of_time(stopped_at)
    }

    /// The object a value refers to (itself when it is no reference); none for one not in the
    /// file or a chain of references past lopdf's limit.
    fn resolve(&self, object: &'d Object) -> Option<(Option<ObjectId>, &'d Object)> {
        self.document.dereference(object).ok()
    }

    fn dictionary(&self, object: &'d Object) -> Option<(Option<ObjectId>, &'d Dictionary)> {
        match self.resolve(object)? {
            (id, Object::Dictionary(dictionary)) => Some((id, dictionary)),
            (id, Object::Stream(stream)) => Some((id, &stream.dict)),
            _ => None,
        }
    }

    fn entry(&self, dictionary: &'d Dictionary, key: &[u8]) -> Option<&'d Object> {
        let object = dictionary.get(key).ok()?;
        self.resolve(object).map(|(_, object)| object)
    }

    /// A text entry of a dictionary, decoded; a string held in a stream is read too, within the
    /// budget.
    fn text(&mut self, dictionary: &'d Dictionary, key: &[u8]) -> Option<String> {
        let text = match self.entry(dictionary, key)? {
            Object::String(bytes, _) => text_string(bytes),
            Object::Stream(stream) => text_string(&self.inflate(stream)?),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// A stream's content, inflated within [`MAX_STREAM_BYTES`] and the budget, which it is
    /// charged to; none (noted) when it does not fit or does not inflate.
    fn inflate(&mut self, stream: &lopdf::Stream) -> Option<Vec<u8>> {
        let limit = (*self.budget).min(MAX_STREAM_BYTES);
        match stream.decompressed_content_with_limit(limit) {
            Ok(content) => {
                *self.budget = self.budget.saturating_sub(content.len());
                Some(content)
            }
            Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                ..
            })) => {
                self.out.note(format!(
                    "a stream of its metadata, form or annotations inflates past {limit} bytes (the limit for one, or what is left of the decompression budget) and was not read"
                ));
                None
            }
            Err(error) => {
                self.out.note(format!(
                    "a stream of its metadata, form or annotations could not be read: {error}"
                ));
                None
            }
        }
    }

    fn catalog_entry(&self, key: &[u8]) -> Option<&'d Object> {
        let catalog = self.document.catalog().ok()?;
        self.entry(catalog, key)
    }

    /// The Info dictionary's text entries, then the XMP metadata's properties not given there.
    fn information(&mut self, part: &mut Part) {
        let mut seen: HashSet<String> = HashSet::new();
        let info = self
            .document
            .trailer
            .get(b"Info")
            .ok()
            .and_then(|info| self.dictionary(info));
        if let Some((_, info)) = info {
            let first: [&[u8]; 4] = [b"Title", b"Author", b"Subject", b"Keywords"];
            let rest = info.iter().map(|(key, _)| key.as_slice()).filter(|key| {
                !first.contains(key) && !matches!(*key, b"CreationDate" | b"ModDate")
            });
            let keys: Vec<&[u8]> = first.into_iter().chain(rest).collect();
            for key in keys {
                if let Some(value) = self.text(info, key)
                    && !is_pdf_date(&value)
                {
                    let line = format!("{}: {value}", String::from_utf8_lossy(key));
                    seen.insert(value);
                    if !part.add(line) {
                        return;
                    }
                }
            }
        }
        let Some(Object::Stream(stream)) = self.catalog_entry(b"Metadata") else {
            return;
        };
        let Some(xml) = self.inflate(stream) else {
            return;
        };
        let xml = String::from_utf8_lossy(&xml);
        if let Err(error) = xmp_properties(&xml, &mut |name, value| {
            if seen.insert(value.to_owned()) {
                part.add(format!("{name}: {value}"))
            } else {
                !part.is_full()
            }
        }) {
            self.out.note(format!(
                "its XMP metadata is damaged ({error}); read up to there"
            ));
        }
    }

    /// The form's fields with a value, walking `/Fields` and each field's `/Kids`; `visited`
    /// gets every object reached.
    fn fields(&mut self, part: &mut Part, visited: &mut HashSet<ObjectId>) {
        let Some(form) = self
            .catalog_entry(b"AcroForm")
            .and_then(|form| self.dictionary(form))
        else {
            return;
        };
        let Some(Object::Array(roots)) = self.entry(form.1, b"Fields") else {
            return;
        };
        // Depth first, in the order written: a stack of (field, its parent's full name, depth).
        // The parent's name is shared by its kids, not copied for each.
        let root_name: Rc<str> = Rc::from("");
        // With each, whether a parent of it had a value (its widgets' appearances show that).
        let mut stack: Vec<(&'d Object, Rc<str>, usize, bool)> = roots
            .iter()
            .rev()
            .map(|root| (root, Rc::clone(&root_name), 0, false))
            .collect();
        let mut nodes = 0usize;
        let mut too_deep = false;
        while let Some((object, parent, depth, valued)) = stack.pop() {
            nodes += 1;
            if nodes > MAX_FIELD_NODES || self.clock(nodes, "in its form fields") {
                break;
            }
            let Some((id, field)) = self.dictionary(object) else {
                continue;
            };
            if let Some(id) = id
                && !visited.insert(id)
            {
                continue;
            }
            let name = match self.text(field, b"T") {
                Some(own) => Rc::from(full_name(&parent, &own)),
                None => parent,
            };
            let mut value = self.field_value(field);
            if value.is_none() && !valued {
                value = self.appearance_text(field);
            }
            let valued = valued || value.is_some();
            if let Some(value) = value {
                let label = self.field_label(field, &name);
                if !part.add(format!("{label}: {value}")) {
                    return;
                }
            }
            if let Some(Object::Array(kids)) = self.entry(field, b"Kids") {
                if depth + 1 >= MAX_DEPTH {
                    too_deep |= !kids.is_empty();
                    continue;
                }
                for kid in kids.iter().rev() {
                    stack.push((kid, Rc::clone(&name), depth + 1, valued));
                }
            }
        }
        if nodes > MAX_FIELD_NODES {
            self.out.note(format!(
                "its form has more than {MAX_FIELD_NODES} field objects; only the first were read"
            ));
        }
        if too_deep {
            self.out.note(format!(
                "its form fields are nested more than {MAX_DEPTH} deep; the deeper ones were not read"
            ));
        }
    }

    /// The values of an XFA form's data (the `datasets` packet of the form's `/XFA`, a stream of
    /// the whole XML form or an array of its packets by name): `path: value` for each element
    /// holding text, `path` the names of the elements holding it below the data's root, joined
    /// by dots. A value a form field already gave (`fields`, the same form written both ways) is
    /// left out.
    fn xfa(&mut self, part: &mut Part, fields: &Part) {
        let Some((_, form)) = self
            .catalog_entry(b"AcroForm")
            .and_then(|form| self.dictionary(form))
        else {
            return;
        };
        let stream = match self.entry(form, b"XFA") {
            Some(Object::Stream(stream)) => stream,
            Some(Object::Array(packets)) => {
                let mut datasets = None;
                for pair in packets.chunks(2).take(MAX_ITEMS) {
                    if let [name, stream] = pair
                        && let Some((_, Object::String(name, _))) = self.resolve(name)
                        && name.as_slice() == b"datasets"
                        && let Some((_, Object::Stream(stream))) = self.resolve(stream)
                    {
                        datasets = Some(stream);
                        break;
                    }
                }
                let Some(stream) = datasets else {
                    return;
                };
                stream
            }
            _ => return,
        };
        let Some(xml) = self.inflate(stream) else {
            return;
        };
        let given: HashSet<&str> = fields
            .lines
            .iter()
            .filter_map(|line| line.split_once(": ").map(|(_, value)| value))
            .collect();
        let xml = String::from_utf8_lossy(&xml);
        if let Err(error) = xfa_data(&xml, &mut |path, value| {
            if given.contains(value) {
                return !part.is_full();
            }
            part.add(format!("{path}: {value}"))
        }) {
            self.out.note(format!(
                "its XFA form data is damaged ({error}); read up to there"
            ));
        }
    }

    /// A field's name as shown: its full name, with its description for the user (`/TU`)
    /// where it has one that says something else.
    fn field_label(&mut self, field: &'d Dictionary, name: &str) -> String {
        let name = if name.is_empty() { "(unnamed)" } else { name };
        match self.text(field, b"TU") {
            Some(user) if user != name => format!("{name} ({user})"),
            _ => name.to_owned(),
        }
    }

    /// A field's own value: text, a chosen state (`Off` is none), or the choices of a list.
    fn field_value(&mut self, field: &'d Dictionary) -> Option<String> {
        let value = match self.entry(field, b"V")? {
            Object::Array(items) => {
                let mut chosen = Vec::new();
                for item in items.iter().take(MAX_ITEMS) {
                    if let Some((_, item)) = self.resolve(item)
                        && let Some(text) = simple_value(item)
                    {
                        chosen.push(text);
                    }
                }
                chosen.join(", ")
            }
            Object::Stream(stream) => text_string(&self.inflate(stream)?),
            Object::Dictionary(signature) => self.signature(signature)?,
            other => simple_value(other)?,
        };
        (!value.is_empty()).then_some(value)
    }

    /// The signatures of the catalog's `/Perms` (a certification, `/DocMDP`, and usage rights,
    /// `/UR3`), each read as a signature field's value is (`DocMDP (certification signature):
    /// signed by NAME; …`), where no field gave the same: a certification's signature dictionary
    /// is a signature field's value too, but one a field does not name was not read.
    fn permissions(&mut self, part: &mut Part) {
        let Some((_, perms)) = self
            .catalog_entry(b"Perms")
            .and_then(|perms| self.dictionary(perms))
        else {
            return;
        };
        for (key, value) in perms.iter().take(MAX_ITEMS) {
            let Some((_, signature)) = self.dictionary(value) else {
                continue;
            };
            let Some(said) = self.signature(signature) else {
                continue;
            };
            let given = part.lines.iter().any(|line| {
                line.strip_suffix(said.as_str())
                    .is_some_and(|name| name.ends_with(": "))
            });
            if given {
                continue;
            }
            let what = match key.as_slice() {
                b"DocMDP" => "certification signature",
                b"UR" | b"UR3" => "usage rights signature",
                _ => "signature",
            };
            let key = String::from_utf8_lossy(key);
            if !part.add(format!("{key} ({what}): {said}")) {
                return;
            }
        }
    }

    /// A signature field's value, its signature dictionary: who signed (`/Name`), why, where and
    /// how to reach them, as far as it says; the signature itself is not read.
    fn signature(&mut self, signature: &'d Dictionary) -> Option<String> {
        let mut said = Vec::new();
        let keys: [(&[u8], &str); 4] = [
            (b"Name", "signed by "),
            (b"Reason", "reason: "),
            (b"Location", "location: "),
            (b"ContactInfo", "contact: "),
        ];
        for (key, label) in keys {
            if let Some(text) = self.text(signature, key) {
                said.push(format!("{label}{}", text.trim()));
            }
        }
        (!said.is_empty()).then(|| said.join("; "))
    }

    /// The text an annotation's or widget's normal appearance (`/AP /N`, a stream; a widget's
    /// dictionary of states, a check box's, is passed over) shows, with the forms it draws.
    fn appearance_text(&mut self, annotation: &'d Dictionary) -> Option<String> {
        let (_, appearance) = self.dictionary(annotation.get(b"AP").ok()?)?;
        let Some(Object::Stream(normal)) = self.entry(appearance, b"N") else {
            return None;
        };
        let mut texts: Vec<String> = Vec::new();
        let mut stack: Vec<(&'d lopdf::Stream, usize)> = vec![(normal, 0)];
        let mut read = 0usize;
        while let Some((stream, depth)) = stack.pop() {
            read += 1;
            if read > MAX_APPEARANCE_FORMS {
                break;
            }
            let Some(content) = self.inflate(stream) else {
                continue;
            };
            let fonts = self.fonts(stream);
            let document = self.document;
            let mut unicode = |name: &[u8]| {
                let fonts = fonts?;
                super::pdf::unicode_font(document, fonts, name, &mut |cmap| self.inflate(cmap))
            };
            if let Some(text) = super::pdf::text_shown(&content, &mut unicode) {
                let text = text.trim();
                if !text.is_empty() {
                    texts.push(text.to_owned());
                }
            }
            if depth + 1 >= MAX_APPEARANCE_DEPTH {
                continue;
            }
            let drawn = self.forms_drawn(stream, &content);
            stack.extend(drawn.into_iter().rev().map(|form| (form, depth + 1)));
        }
        (!texts.is_empty()).then(|| texts.join("\n"))
    }

    /// The fonts of an appearance stream's resources (`/Font`), where it has any.
    fn fonts(&self, stream: &'d lopdf::Stream) -> Option<&'d Dictionary> {
        let (_, resources) = self.dictionary(stream.dict.get(b"Resources").ok()?)?;
        let (_, fonts) = self.dictionary(resources.get(b"Font").ok()?)?;
        Some(fonts)
    }

    /// The forms (`/Subtype /Form` XObjects) a stream's `content` draws (`/NAME Do`), by its
    /// resources, in the order drawn.
    fn forms_drawn(&self, stream: &'d lopdf::Stream, content: &[u8]) -> Vec<&'d lopdf::Stream> {
        let Some((_, resources)) = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|r| self.dictionary(r))
        else {
            return Vec::new();
        };
        let Some((_, xobjects)) = resources
            .get(b"XObject")
            .ok()
            .and_then(|x| self.dictionary(x))
        else {
            return Vec::new();
        };
        let Ok(content) = lopdf::content::Content::decode(content) else {
            return Vec::new();
        };
        let mut forms = Vec::new();
        for operation in &content.operations {
            if operation.operator != "Do" || forms.len() >= MAX_APPEARANCE_FORMS {
                continue;
            }
            let Some(Object::Name(name)) = operation.operands.first() else {
                continue;
            };
            if let Some(Object::Stream(form)) = self.entry(xobjects, name)
                && matches!(form.dict.get(b"Subtype"), Ok(Object::Name(kind)) if kind.as_slice() == b"Form")
            {
                forms.push(form);
            }
        }
        forms
    }

    /// Each read page's annotations with a comment, into `part`; widgets with a value that the
    /// field tree did not reach (`visited`), into `fields`.
    fn annotations(
        &mut self,
        pages: &[ObjectId],
        part: &mut Part,
        fields: &mut Part,
        visited: &HashSet<ObjectId>,
    ) {
        let mut count = 0usize;
        let mut seen: HashSet<ObjectId> = HashSet::new();
        for (index, page_id) in pages.iter().enumerate() {
            let number = index + 1;
            let Ok(page) = self.document.get_dictionary(*page_id) else {
                continue;
            };
            let Some(Object::Array(entries)) = self.entry(page, b"Annots") else {
                continue;
            };
            // A comment its pop-up repeats is written once, with its parent.
            let mut written: Vec<String> = Vec::new();
            for entry in entries {
                count += 1;
                if self.clock(count, &format!("in the annotations of page {number}")) {
                    return;
                }
                if part.is_full() {
                    return;
                }
                let Some((id, annotation)) = self.dictionary(entry) else {
                    continue;
                };
                if let Some(id) = id
                    && !seen.insert(id)
                {
                    continue;
                }
                let subtype = match self.entry(annotation, b"Subtype") {
                    Some(Object::Name(name)) => String::from_utf8_lossy(name).into_owned(),
                    _ => "annotation".to_owned(),
                };
                if subtype == "Widget" {
                    if !fields.is_full() && id.is_none_or(|id| !visited.contains(&id)) {
                        self.orphan_widget(annotation, fields);
                    }
                    continue;
                }
                let Some((line, said)) = self.annotation_line(number, &subtype, annotation) else {
                    continue;
                };
                if subtype == "Popup" && written.contains(&said) {
                    continue;
                }
                written.push(said);
                if !part.add(line) {
                    return;
                }
            }
        }
    }

    /// `page N Subtype by Author (subject): comment`, for an annotation with a comment or a
    /// stamp's name, and the comment alone.
    fn annotation_line(
        &mut self,
        number: usize,
        subtype: &str,
        annotation: &'d Dictionary,
    ) -> Option<(String, String)> {
        let contents = self.text(annotation, b"Contents");
        let rich = self
            .text(annotation, b"RC")
            .map(|xml| rich_text(&xml))
            .filter(|rich| !rich.is_empty() && Some(rich) != contents.as_ref());
        let stamp = match (subtype, self.entry(annotation, b"Name")) {
            ("Stamp", Some(Object::Name(name))) => Some(String::from_utf8_lossy(name).into_owned()),
            _ => None,
        };
        let mut said: Vec<String> = [stamp, contents, rich].into_iter().flatten().collect();
        if said.is_empty() && !matches!(subtype, "Popup" | "Link") {
            said.extend(self.appearance_text(annotation));
        }
        if said.is_empty() {
            return None;
        }
        let mut line = format!("page {number} {subtype}");
        if let Some(author) = self.text(annotation, b"T") {
            line.push_str(" by ");
            line.push_str(&author);
        }
        if let Some(subject) = self.text(annotation, b"Subj") {
            line.push_str(" (");
            line.push_str(&subject);
            line.push(')');
        }
        let said = said.join("\n");
        line.push_str(": ");
        line.push_str(&said);
        Some((line, said))
    }

    /// A widget the field tree does not reach: its value (its own or a parent's, else the text
    /// its appearance shows), named by the chain of its parents, into the form fields.
    fn orphan_widget(&mut self, widget: &'d Dictionary, fields: &mut Part) {
        let mut names: Vec<String> = Vec::new();
        let mut value = None;
        let mut label = None;
        let mut node = widget;
        let mut ids: HashSet<ObjectId> = HashSet::new();
        for _ in 0..MAX_DEPTH {
            if value.is_none() {
                value = self.field_value(node);
            }
            if label.is_none() {
                label = self.text(node, b"TU");
            }
            if let Some(name) = self.text(node, b"T") {
                names.push(full_name("", &name));
            }
            let Some((id, parent)) = node.get(b"Parent").ok().and_then(|p| self.dictionary(p))
            else {
                break;
            };
            if id.is_some_and(|id| !ids.insert(id)) {
                break;
            }
            node = parent;
        }
        // A widget with no value of its own or its parents' shows what it holds.
        if value.is_none() {
            value = self.appearance_text(widget);
        }
        let Some(value) = value else {
            return;
        };
        let name = names
            .iter()
            .rev()
            .fold(String::new(), |parent, own| full_name(&parent, own));
        let name = if name.is_empty() {
            "(unnamed)".to_owned()
        } else {
            name
        };
        let name = match label {
            Some(label) if label != name => format!("{name} ({label})"),
            _ => name,
        };
        fields.add(format!("{name}: {value}"));
    }

    /// The bookmarks' titles, depth first as a reader lists them, indented by level.
    fn bookmarks(&mut self, part: &mut Part) {
        let Some((_, outlines)) = self
            .catalog_entry(b"Outlines")
            .and_then(|outlines| self.dictionary(outlines))
        else {
            return;
        };
        let Some(first) = outlines.get(b"First").ok() else {
            return;
        };
        let mut visited: HashSet<ObjectId> = HashSet::new();
        // A stack of (bookmark, level): a bookmark's children are read before its next sibling.
        let mut stack: Vec<(&'d Object, usize)> = vec![(first, 0)];
        let mut count = 0usize;
        let mut too_deep = false;
        while let Some((object, level)) = stack.pop() {
            count += 1;
            if self.clock(count, "in its bookmarks") {
                return;
            }
            let Some((id, bookmark)) = self.dictionary(object) else {
                continue;
            };
            if let Some(id) = id
                && !visited.insert(id)
            {
                continue;
            }
            if let Some(title) = self.text(bookmark, b"Title") {
                let indent = "  ".repeat(level);
                if !part.add(format!("{indent}{title}")) {
                    return;
                }
            }
            if let Ok(next) = bookmark.get(b"Next") {
                stack.push((next, level));
            }
            if let Ok(child) = bookmark.get(b"First") {
                if level + 1 >= MAX_DEPTH {
                    too_deep = true;
                } else {
                    stack.push((child, level + 1));
                }
            }
        }
        if too_deep {
            self.out.note(format!(
                "its bookmarks are nested more than {MAX_DEPTH} deep; the deeper ones were not read"
            ));
        }
    }
}

/// A field's full name: its parent's, a dot and its own, at most [`MAX_NAME_BYTES`] (a name
/// past it ends `…`), so that a long name shared by many fields is not copied whole for each.
fn full_name(parent: &str, own: &str) -> String {
    let mut name = String::with_capacity(parent.len() + own.len() + 1);
    name.push_str(parent);
    if !parent.is_empty() {
        name.push('.');
    }
    name.push_str(own);
    if name.len() > MAX_NAME_BYTES {
        name.truncate(name.floor_char_boundary(MAX_NAME_BYTES));
        name.push('…');
    }
    name
}

/// Whether an Info entry's value is a PDF date (`D:20220414132421+05'24'`), which writers
/// leave under names of their own (`SourceModified`) besides the two standard ones.
fn is_pdf_date(value: &str) -> bool {
    value
        .strip_prefix("D:")
        .is_some_and(|rest| rest.len() >= 4 && rest.bytes().take(4).all(|b| b.is_ascii_digit()))
}

/// A field value that is text or a name (a check box's or radio button's state; `Off` is
/// none).
fn simple_value(object: &Object) -> Option<String> {
    match object {
        Object::String(bytes, _) => Some(text_string(bytes)),
        Object::Name(name) if name.as_slice() != b"Off" => {
            Some(String::from_utf8_lossy(name).into_owned())
        }
        _ => None,
    }
}

/// The XMP properties with text values, as `(prefix:name, value)`, in the order written, until
/// `property` says to stop; the properties that hold dates, identifiers, formats and the
/// schemas of PDF/A, editing history and pages are left out ([`is_machine_property`]).
fn xmp_properties(xml: &str, property: &mut dyn FnMut(&str, &str) -> bool) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    // The elements open, by qualified name.
    let mut walk = Walk::default();
    loop {
        let event = walk.next(&mut reader)?;
        // Text ends where an element starts or ends.
        if let Some(value) = walk.text_ended(&event)
            && let Some(name) = walk.open.iter().rev().find(|name| !is_container(name))
            && !is_machine_property(name)
            && !property(name, &value)
        {
            return Ok(());
        }
        match &event {
            Event::Start(element) | Event::Empty(element) => {
                for attribute in element.attributes().flatten() {
                    let name = attribute.key.as_ref().to_owned();
                    if is_markup_attribute(&name) || is_machine_property(&name) {
                        continue;
                    }
                    let Ok(value) = attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    else {
                        continue;
                    };
                    let value = clean(&value);
                    if !value.is_empty() && !property(&name, &value) {
                        return Ok(());
                    }
                }
                if matches!(event, Event::Start(_)) {
                    walk.enter(element.name().as_ref().to_owned());
                }
            }
            Event::Eof => return Ok(()),
            other => walk.pass(other),
        }
    }
}

/// An XML walk's open elements (deeper than [`MAX_DEPTH`] counted, not kept) and the text
/// gathered since the last tag.
#[derive(Default)]
struct Walk {
    open: Vec<String>,
    deeper: usize,
    text: String,
}

impl Walk {
    /// The next event of `reader`, an error saying where.
    fn next<'x>(&self, reader: &mut Reader<&'x [u8]>) -> Result<Event<'x>, String> {
        reader
            .read_event()
            .map_err(|error| format!("XML error near byte {}: {error}", reader.buffer_position()))
    }

    /// At a tag or the end, the text gathered since the last, cleaned, if any (it is taken).
    fn text_ended(&mut self, event: &Event<'_>) -> Option<String> {
        if !matches!(
            event,
            Event::Start(_) | Event::End(_) | Event::Empty(_) | Event::Eof
        ) {
            return None;
        }
        let value = clean(&self.text);
        self.text.clear();
        (!value.is_empty()).then_some(value)
    }

    /// An element opened.
    fn enter(&mut self, name: String) {
        if self.open.len() < MAX_DEPTH {
            self.open.push(name);
        } else {
            self.deeper += 1;
        }
    }

    /// An element closed, or text gathered (within [`MAX_DEPTH`]); other events pass.
    fn pass(&mut self, event: &Event<'_>) {
        match event {
            Event::End(_) => {
                if self.deeper > 0 {
                    self.deeper -= 1;
                } else {
                    self.open.pop();
                }
            }
            Event::Text(content) if self.deeper == 0 => {
                self.text.push_str(&content.xml10_content());
            }
            Event::CData(content) if self.deeper == 0 => {
                self.text.push_str(&content.xml10_content());
            }
            Event::GeneralRef(reference) if self.deeper == 0 => {
                self.text.push_str(&super::zip::entity_text(reference));
            }
            _ => {}
        }
    }
}

/// The values of an XFA form's data in `xml` (its `datasets` packet, or the whole XML form
/// holding one), each given to `value` with the path of element names to it below the data's
/// root (`xfa:data`), until that says stop. Text outside `xfa:datasets` (the form's template,
/// its configuration) and the data's description are not values.
fn xfa_data(xml: &str, value: &mut dyn FnMut(&str, &str) -> bool) -> Result<(), String> {
    let mut reader = Reader::from_str(xml);
    // The elements open, by local name.
    let mut walk = Walk::default();
    // Where in the open elements the data's root is: values are below it.
    let data_at = |open: &[String]| {
        open.windows(2)
            .position(|pair| pair[0] == "datasets" && pair[1] == "data")
            .map(|at| at + 2)
    };
    loop {
        let event = walk.next(&mut reader)?;
        if let Some(found) = walk.text_ended(&event)
            && let Some(at) = data_at(&walk.open)
            && let Some(path) = walk.open.get(at..).filter(|path| !path.is_empty())
            && !value(&path.join("."), &found)
        {
            return Ok(());
        }
        match &event {
            Event::Start(element) => walk.enter(element.local_name().into_inner().to_owned()),
            Event::Eof => return Ok(()),
            other => walk.pass(other),
        }
    }
}

/// The elements of XMP that hold properties rather than being one: the packet, RDF's
/// description, lists and their items.
fn is_container(name: &str) -> bool {
    matches!(
        name,
        "x:xmpmeta"
            | "x:xapmeta"
            | "rdf:RDF"
            | "rdf:Description"
            | "rdf:Alt"
            | "rdf:Bag"
            | "rdf:Seq"
            | "rdf:li"
            | "rdf:value"
    )
}

/// Attributes of the markup, not properties: namespaces, RDF's own, languages.
fn is_markup_attribute(name: &str) -> bool {
    name == "xmlns"
        || name.starts_with("xmlns:")
        || name.starts_with("rdf:")
        || name.starts_with("xml:")
        || name.starts_with("x:")
}

/// XMP properties that hold no words: dates, identifiers, the file's format and PDF version,
/// and the schemas of PDF/A conformance, editing history, page sizes and fonts.
fn is_machine_property(name: &str) -> bool {
    const SCHEMAS: [&str; 16] = [
        "xmpMM:",
        "stEvt:",
        "stRef:",
        "stVer:",
        "stFnt:",
        "stDim:",
        "xmpG:",
        "xmpGImg:",
        "xmpTPg:",
        "pdfaid:",
        "pdfuaid:",
        "pdfaExtension:",
        "pdfaSchema:",
        "pdfaProperty:",
        "pdfaType:",
        "pdfaField:",
    ];
    let local = name.rsplit(':').next().unwrap_or(name);
    SCHEMAS.iter().any(|schema| name.starts_with(schema))
        || local.ends_with("Date")
        || local.ends_with("ID")
        || local.ends_with("Id")
        || matches!(name, "dc:format" | "pdf:PDFVersion" | "pdf:Trapped")
}

/// The text of an annotation's rich text (XHTML), paragraphs on lines of their own; markup that
/// is not XML is read as the text it is.
fn rich_text(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Text(content)) => text.push_str(&content.xml10_content()),
            Ok(Event::CData(content)) => text.push_str(&content.xml10_content()),
            Ok(Event::GeneralRef(reference)) => {
                text.push_str(&super::zip::entity_text(&reference));
            }
            Ok(Event::End(end)) if matches!(end.local_name().as_ref(), "p" | "div") => {
                text.push('\n');
            }
            Ok(Event::Empty(empty)) if empty.local_name().as_ref() == "br" => text.push('\n'),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(_) => {
                // Not XML after all: the comment as written.
                return clean(xml);
            }
        }
    }
    clean(&text)
}

/// A PDF text string decoded: UTF-16BE after its byte-order mark, UTF-16LE after its own (not
/// the standard's, but written and read), UTF-8 after its own, otherwise PDFDocEncoding, except
/// bytes that are UTF-8 with letters past ASCII (writers put UTF-8 without its mark in titles,
/// as pypdf reads them; PDFDocEncoding text is hardly ever valid UTF-8: `Ã` before a dagger or
/// a bullet); then [`clean`].
pub(super) fn text_string(bytes: &[u8]) -> String {
    let decoded: String = if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        utf16(rest, u16::from_be_bytes)
    } else if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        String::from_utf8_lossy(rest).into_owned()
    } else if !bytes.is_ascii()
        && let Ok(utf8) = std::str::from_utf8(bytes)
    {
        utf8.to_owned()
    } else {
        bytes
            .iter()
            .filter_map(|&byte| pdf_doc_char(byte))
            .collect()
    };
    clean(&without_language_marks(&decoded))
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let (units, _) = bytes.as_chunks::<2>();
    char::decode_utf16(units.iter().map(|&pair| unit(pair)))
        .map(|c| c.unwrap_or('\u{fffd}'))
        .collect()
}

/// A Unicode text string with its language marks (a code between two ESC characters,
/// `\u{1b}en\u{1b}`) taken out.
fn without_language_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\u{1b}') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        rest = match after.find('\u{1b}') {
            Some(end) => &after[end + 1..],
            None => after,
        };
    }
    out.push_str(rest);
    out
}

/// Line breaks as `\n` (form fields write `\r`), other control characters as spaces, trimmed.
fn clean(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let cleaned: String = text
        .chars()
        .map(|c| match c {
            '\r' => '\n',
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    cleaned.trim().to_owned()
}

/// A byte of PDFDocEncoding (ISO 32000-2, annex D): Latin-1 but for the accents at 0x18-0x1F
/// and the punctuation, ligatures and letters at 0x80-0xA0; bytes it leaves undefined are none.
fn pdf_doc_char(byte: u8) -> Option<char> {
    let c = match byte {
        0x09 | 0x0a | 0x0d => char::from(byte),
        0x00..=0x17 | 0x7f | 0x9f | 0xad => return None,
        0x18 => '\u{02d8}',
        0x19 => '\u{02c7}',
        0x1a => '\u{02c6}',
        0x1b => '\u{02d9}',
        0x1c => '\u{02dd}',
        0x1d => '\u{02db}',
        0x1e => '\u{02da}',
        0x1f => '\u{02dc}',
        0x80 => '\u{2022}',
        0x81 => '\u{2020}',
        0x82 => '\u{2021}',
        0x83 => '\u{2026}',
        0x84 => '\u{2014}',
        0x85 => '\u{2013}',
        0x86 => '\u{0192}',
        0x87 => '\u{2044}',
        0x88 => '\u{2039}',
        0x89 => '\u{203a}',
        0x8a => '\u{2212}',
        0x8b => '\u{2030}',
        0x8c => '\u{201e}',
        0x8d => '\u{201c}',
        0x8e => '\u{201d}',
        0x8f => '\u{2018}',
        0x90 => '\u{2019}',
        0x91 => '\u{201a}',
        0x92 => '\u{2122}',
        0x93 => '\u{fb01}',
        0x94 => '\u{fb02}',
        0x95 => '\u{0141}',
        0x96 => '\u{0152}',
        0x97 => '\u{0160}',
        0x98 => '\u{0178}',
        0x99 => '\u{017d}',
        0x9a => '\u{0131}',
        0x9b => '\u{0142}',
        0x9c => '\u{0153}',
        0x9d => '\u{0161}',
        0x9e => '\u{017e}',
        0xa0 => '\u{20ac}',
        _ => char::from(byte),
    };
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_are_decoded_by_their_byte_order_mark_else_as_pdf_doc_encoding() {
        // UTF-16BE with a language mark, as Acrobat writes a non-Latin title.
        let mut utf16be = vec![0xfe, 0xff, 0x00, 0x1b, 0x00, b'e', 0x00, b'n', 0x00, 0x1b];
        for unit in "Łódź OFFICIAL".encode_utf16() {
            utf16be.extend(unit.to_be_bytes());
        }
        assert_eq!(text_string(&utf16be), "Łódź OFFICIAL");
        let mut utf16le = vec![0xff, 0xfe];
        for unit in "Zoë".encode_utf16() {
            utf16le.extend(unit.to_le_bytes());
        }
        assert_eq!(text_string(&utf16le), "Zoë");
        assert_eq!(text_string("\u{feff}Café".as_bytes()), "Café");
        // PDFDocEncoding: 0x84 is an em dash, 0x8d and 0x8e curly quotes, 0xa0 the euro sign,
        // 0xe9 é as in Latin-1.
        assert_eq!(
            text_string(b"Caf\xe9 \x84 \x8dquoted\x8e \xa05"),
            "Café — “quoted” €5"
        );
        // An odd byte and an unpaired surrogate do not stop the rest.
        assert_eq!(text_string(b"\xfe\xff\xd8\x00\x00A\x00B\x00"), "\u{fffd}AB");
        // UTF-8 without its mark, as a Japanese Word document's title was written; text in
        // PDFDocEncoding that is not UTF-8 stays so.
        assert_eq!(
            text_string("Microsoft Word - 電話会議.docx".as_bytes()),
            "Microsoft Word - 電話会議.docx"
        );
        assert_eq!(text_string(b"Zo\xeb \xc3\x84"), "Zoë Ã—");
        // A form field's line breaks.
        assert_eq!(text_string(b"line one\rline two\r\n"), "line one\nline two");
    }

    /// The table agrees with lopdf's PDFDocEncoding on every byte both define.
    #[test]
    fn pdf_doc_encoding_agrees_with_lopdf() {
        let mut compared = 0;
        for byte in 0x18..=0xffu8 {
            let ours = pdf_doc_char(byte);
            let theirs =
                lopdf::decode_text_string(&Object::string_literal(vec![byte])).unwrap_or_default();
            let theirs = theirs.chars().next();
            if let (Some(ours), Some(theirs)) = (ours, theirs) {
                assert_eq!(ours, theirs, "byte {byte:#04x}");
                compared += 1;
            }
        }
        // All but the bytes one of the two leaves undefined (0x7f, 0x9f, 0xad).
        assert!(compared >= 228, "{compared}");
    }

    #[test]
    fn xmp_properties_leave_out_dates_identifiers_and_history() {
        let xmp = r#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" pdf:Producer="Writer &amp; Co" pdf:PDFVersion="1.7" xmp:CreateDate="2026-01-01" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<dc:title xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Alt><rdf:li xml:lang="x-default">Custody list</rdf:li></rdf:Alt></dc:title>
<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Seq><rdf:li>Sam Lane</rdf:li><rdf:li>Ada Price</rdf:li></rdf:Seq></dc:creator>
<xmpMM:DocumentID xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/">uuid:1234</xmpMM:DocumentID>
<pdfx:Classification xmlns:pdfx="http://ns.adobe.com/pdfx/1.3/">OFFICIAL-SENSITIVE</pdfx:Classification>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>"#;
        let mut found = Vec::new();
        xmp_properties(xmp, &mut |name, value| {
            found.push(format!("{name}: {value}"));
            true
        })
        .unwrap();
        assert_eq!(
            found,
            [
                "pdf:Producer: Writer & Co",
                "dc:title: Custody list",
                "dc:creator: Sam Lane",
                "dc:creator: Ada Price",
                "pdfx:Classification: OFFICIAL-SENSITIVE",
            ]
        );
        // Damaged XML keeps what came before the damage.
        let mut found = Vec::new();
        let cut = "<x:xmpmeta><dc:title>Kept</dc:title><dc:subject>Lost</dc:title>";
        let result = xmp_properties(cut, &mut |name, value| {
            found.push(format!("{name}: {value}"));
            true
        });
        assert!(result.is_err());
        assert_eq!(found, ["dc:title: Kept"]);
    }

    #[test]
    fn rich_text_is_read_as_its_paragraphs() {
        let rc = r#"<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml"><p>OFFICIAL-SENSITIVE</p><p>Do not forward &amp; do not print</p></body>"#;
        assert_eq!(
            rich_text(rc),
            "OFFICIAL-SENSITIVE\nDo not forward & do not print"
        );
        assert_eq!(rich_text("plain <b words"), "plain <b words");
    }
}
