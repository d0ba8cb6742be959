//! Axon Framework's XStream XML as JSON: the payloads and `<meta-data>` that Axon's
//! `XStreamSerializer` writes into `domain_event_entry` (and `snapshot_event_entry`), read back
//! into JSON values an importer can map. This module owns the reading of that XML and nothing
//! else: which column holds it, and what the rest of the row means, is decided by the caller.
//!
//! The shapes follow `tests/fixtures/formats/axon-xstream/SHAPES.md`: the root element names the
//! type and is not a key; child elements become keys under their decoded names (XStream writes `$`
//! as `_-` and `_` as `__`); a name repeated among siblings becomes an array; text stays a string
//! (XML has no numbers). What the plain rule would lose is kept: attributes as `"@name"` keys,
//! XStream's `reference="../x"` resolved to a copy of what it points to, and the position of
//! `<null/>` items in a collection (see [`payload_to_json`]).
//!
//! The XML is untrusted: nesting deeper than 256 elements, a DOCTYPE (and with it any entity
//! definition) and entities other than XML's five and numeric character references are refused,
//! and references may neither copy more than a fixed number of values nor nest the JSON beyond
//! twice that depth. Elements are read and converted without recursion.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use serde_json::{Map, Value};

/// The deepest element nesting read; deeper documents are refused rather than risk the stack.
const MAX_DEPTH: usize = 256;
/// The deepest JSON that references may build (a copy placed deeper than its original).
const MAX_VALUE_DEPTH: usize = 2 * MAX_DEPTH;
/// How many JSON values references may copy in all, beyond the document's own.
const MAX_COPIED: usize = 200_000;

/// True when text looks like XML (after leading whitespace/BOM it starts with '<').
pub fn looks_like_xml(text: &str) -> bool {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .starts_with('<')
}

/// An XStream payload as JSON: the root element is the type and is not a key; its children become keys.
///
/// - Element names are decoded with [`decode_name`]. A child element becomes a key; a name that
///   repeats among siblings becomes an array in document order (the order between *different*
///   names is not kept: `<a/><b/><a/>` gives `{"a":[…,…],"b":…}`).
/// - An element with only text becomes that text as a string (entities unescaped, CDATA read as
///   text); an empty element becomes `""` (so an empty collection is `""`). Values stay strings.
/// - Attributes are kept as `"@name"` keys, before the children: `<location class="X">…` gives
///   `{"@class":"X",…}`. An element with attributes and text becomes `{"@attr":…,"#text":…}`;
///   with attributes and nothing else, just the attributes. Text beside child elements (XStream
///   writes none) is kept as `"#text"` unless it is only whitespace (pretty-printed indentation).
/// - `reference="…"` (XStream's XPath relative to the referring element, with `..` steps and
///   `[n]` indices, or absolute from `/`; XStream's `id` mode is read too) is resolved to a copy of
///   the referenced element's JSON merged after `"@reference"`:
///   `{"@reference":"../hiringManager","name":"M. Chen"}`. XStream only references what it has
///   already written, so only an element that closed before the reference resolves: a path that
///   does not resolve, that points at an element the reference sits inside (a cycle) or forward,
///   keeps just `{"@reference":…}` (with any other attributes).
/// - `<null/>` (XStream's null item; an empty element named `null` without attributes) becomes
///   JSON `null` at its position. When its siblings all share one name it joins their array, so
///   `<string>a</string><null/><string>b</string>` gives `{"string":["a",null,"b"]}` (an array
///   even with one other item); otherwise nulls collect under the key `"null"`. A `<null/>` root
///   is `null`.
///
/// Errors name the problem and its byte position: XML that is not well-formed (for instance cut
/// off), text that is not XML, a DOCTYPE, an entity other than the predefined and numeric ones,
/// nesting deeper than 256 levels, references that copy more than 200 000 JSON values in all or
/// nest the JSON deeper than 512 levels. Nothing here recurses, so hostile input cannot overflow
/// the stack.
pub fn payload_to_json(xml: &str) -> Result<Value, String> {
    let doc = Doc::parse(xml, "payload")?;
    let mut values = build(&doc, "payload", |_| false)?;
    Ok(values[0].take().unwrap_or(Value::Null))
}

/// Axon's `<meta-data>` map: each <entry>'s first child's text is the key, the second child's text the value
/// (`<meta-data/>` is an empty object). Values stay strings. Also accepts a non-map root by falling back to payload_to_json.
///
/// The root is read as a map when all its child elements are `<entry>` elements of exactly two
/// child elements each (any root name: Axon 2–5 write `meta-data`, XStream's own maps `map`…).
/// A value that is not text (`<null/>`, a nested object) is converted as in [`payload_to_json`];
/// a key that is not text is written as its JSON. Attributes of the root, if any, are kept as
/// `"@name"` keys. Any other root is read as [`payload_to_json`] reads it; if that gives no object,
/// its text becomes `{"#text": …}` (an empty element or `<null/>` gives `{}`).
pub fn metadata_to_json(xml: &str) -> Result<Map<String, Value>, String> {
    let doc = Doc::parse(xml, "meta-data")?;
    let root = &doc.nodes[0];
    let is_map = root.text.trim().is_empty()
        && root.children.iter().all(|&c| {
            let n = &doc.nodes[c];
            n.name == "entry" && n.children.len() == 2
        });
    if is_map {
        // The root and its entries are not built: their children are the keys and values.
        let mut values = build(&doc, "meta-data", |id| {
            doc.nodes[id].parent.is_none_or(|p| p == 0)
        })?;
        let mut out = Map::new();
        for (k, v) in &root.attrs {
            out.insert(format!("@{}", decode_name(k)), Value::String(v.clone()));
        }
        for &entry in &root.children {
            let pair = &doc.nodes[entry].children;
            let key = match values[pair[0]].take() {
                Some(Value::String(s)) => s,
                Some(Value::Object(m)) if m.get("#text").is_some_and(Value::is_string) => {
                    m["#text"].as_str().unwrap_or_default().to_string()
                }
                other => other.unwrap_or(Value::Null).to_string(),
            };
            let value = values[pair[1]].take().unwrap_or(Value::Null);
            out.insert(key, value);
        }
        return Ok(out);
    }
    let mut values = build(&doc, "meta-data", |_| false)?;
    Ok(match values[0].take().unwrap_or(Value::Null) {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        Value::String(s) if s.is_empty() => Map::new(),
        other => {
            let mut m = Map::new();
            m.insert("#text".to_string(), other);
            m
        }
    })
}

/// XStream's XML-friendly element name decoded: `_-` -> `$`, `__` -> `_`.
///
/// XStream's `_.XXXX` (four hex digits: a character not allowed in XML names) is decoded too;
/// an `_` that starts none of these stays as it is.
pub fn decode_name(name: &str) -> String {
    if !name.contains('_') {
        return name.to_string();
    }
    let b = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'_' {
            match b.get(i + 1) {
                Some(b'-') => {
                    out.push('$');
                    i += 2;
                    continue;
                }
                Some(b'_') => {
                    out.push('_');
                    i += 2;
                    continue;
                }
                Some(b'.') => {
                    if let Some((c, used)) = hex_char(&name[i..]) {
                        out.push(c);
                        i += used;
                        continue;
                    }
                }
                _ => {}
            }
        }
        // Copy one whole character (names may hold any Unicode letters).
        let ch = name[i..]
            .chars()
            .next()
            .expect("i is on a character boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The character of an `_.XXXX` escape at the start of `s` (two for a UTF-16 surrogate pair) and
/// the bytes it used, or None when `s` starts no valid one.
fn hex_char(s: &str) -> Option<(char, usize)> {
    let unit = |s: &str| -> Option<u32> {
        let hex = s.strip_prefix("_.")?.get(..4)?;
        if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(hex, 16).ok()
    };
    let first = unit(s)?;
    if (0xD800..0xDC00).contains(&first) {
        let second = unit(&s[6..])?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return char::from_u32(c).map(|c| (c, 12));
    }
    char::from_u32(first).map(|c| (c, 6))
}

/// One element of a parsed document.
struct Node {
    /// The name as written (still encoded): reference paths use these names.
    name: String,
    /// Attributes as written (names still encoded), values unescaped.
    attrs: Vec<(String, String)>,
    /// All text directly inside the element, entities and CDATA resolved.
    text: String,
    children: Vec<usize>,
    parent: Option<usize>,
}

/// A parsed document: its elements in document order, the root first.
struct Doc {
    nodes: Vec<Node>,
    /// Element ids in the order they close: children before their parent.
    closed: Vec<usize>,
}

impl Doc {
    /// Reads `xml` into elements; `what` names it in errors ("payload", "meta-data").
    fn parse(xml: &str, what: &str) -> Result<Doc, String> {
        let malformed = |problem: &str, at: u64| -> String {
            format!("{what} XML is not well-formed: {problem} at byte {at}")
        };
        let mut reader = Reader::from_str(xml);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.allow_dangling_amp = false;
        config.allow_unmatched_ends = false;
        config.expand_empty_elements = false;

        let mut nodes: Vec<Node> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut closed: Vec<usize> = Vec::new();
        loop {
            let at = reader.buffer_position();
            let event = match reader.read_event() {
                Ok(e) => e,
                Err(e) => return Err(malformed(&e.to_string(), reader.error_position())),
            };
            match event {
                Event::Start(e) => {
                    let id = Self::open(&mut nodes, &open, &e, at, what)?;
                    open.push(id);
                }
                Event::Empty(e) => {
                    closed.push(Self::open(&mut nodes, &open, &e, at, what)?);
                }
                Event::End(_) => {
                    closed.extend(open.pop());
                }
                Event::Text(t) => {
                    let text = t.xml10_content();
                    Self::add_text(&mut nodes, &open, &text, at, what)?;
                }
                Event::CData(c) => {
                    let text = c.xml10_content();
                    Self::add_text(&mut nodes, &open, &text, at, what)?;
                }
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        match r.resolve_char_ref() {
                            Ok(Some(c)) => c,
                            _ => {
                                return Err(malformed(
                                    &format!("the character reference &{}; is not valid", &*r),
                                    at,
                                ))
                            }
                        }
                    } else {
                        match &*r {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => {
                                return Err(format!(
                                    "{what} XML uses the entity &{other};, which is refused (only XML's five and numeric references are read), at byte {at}"
                                ))
                            }
                        }
                    };
                    let mut buf = [0u8; 4];
                    Self::add_text(&mut nodes, &open, c.encode_utf8(&mut buf), at, what)?;
                }
                Event::DocType(_) => {
                    return Err(format!(
                        "{what} XML has a DOCTYPE, which is refused (no entity definitions are read), at byte {at}"
                    ))
                }
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
                Event::Eof => {
                    if let Some(&inner) = open.last() {
                        return Err(malformed(
                            &format!("element <{}> is not closed", nodes[inner].name),
                            xml.len() as u64,
                        ));
                    }
                    if nodes.is_empty() {
                        return Err(format!(
                            "{what} is not XML: no root element at byte {}",
                            xml.len()
                        ));
                    }
                    return Ok(Doc { nodes, closed });
                }
            }
        }
    }

    /// Adds the element `e` (starting at byte `at`) inside the innermost open one.
    fn open(
        nodes: &mut Vec<Node>,
        open: &[usize],
        e: &BytesStart<'_>,
        at: u64,
        what: &str,
    ) -> Result<usize, String> {
        if open.is_empty() && !nodes.is_empty() {
            return Err(format!(
                "{what} XML is not well-formed: a second root element at byte {at}"
            ));
        }
        if open.len() >= MAX_DEPTH {
            return Err(format!(
                "{what} XML nests elements deeper than {MAX_DEPTH} levels at byte {at}"
            ));
        }
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| {
                format!("{what} XML is not well-formed: {err} in a tag at byte {at}")
            })?;
            let value = a.normalized_value(XmlVersion::Implicit1_0).map_err(|err| {
                format!("{what} XML is not well-formed: {err} in an attribute at byte {at}")
            })?;
            attrs.push((a.key.as_ref().to_string(), value.into_owned()));
        }
        let parent = open.last().copied();
        let id = nodes.len();
        nodes.push(Node {
            name: e.name().as_ref().to_string(),
            attrs,
            text: String::new(),
            children: Vec::new(),
            parent,
        });
        if let Some(p) = parent {
            nodes[p].children.push(id);
        }
        Ok(id)
    }

    /// Adds text to the innermost open element; outside the root only whitespace is allowed.
    fn add_text(
        nodes: &mut [Node],
        open: &[usize],
        text: &str,
        at: u64,
        what: &str,
    ) -> Result<(), String> {
        match open.last() {
            Some(&inner) => nodes[inner].text.push_str(text),
            None => {
                let lead = text.len() - text.trim_start().len();
                if lead < text.len() {
                    let at = at + lead as u64;
                    return Err(if nodes.is_empty() {
                        format!("{what} is not XML: text before the root element at byte {at}")
                    } else {
                        format!("{what} XML is not well-formed: text after the root element at byte {at}")
                    });
                }
            }
        }
        Ok(())
    }

    /// True for XStream's null item: an empty `<null/>` without attributes.
    fn is_null_item(&self, id: usize) -> bool {
        let n = &self.nodes[id];
        n.name == "null" && n.attrs.is_empty() && n.children.is_empty() && n.text.is_empty()
    }

    /// True when element `outer` is `inner` or encloses it.
    fn encloses(&self, outer: usize, inner: usize) -> bool {
        let mut at = Some(inner);
        while let Some(id) = at {
            if id == outer {
                return true;
            }
            at = self.nodes[id].parent;
        }
        false
    }
}

/// Finds the elements XStream's references point to, in time linear in the document.
struct Paths<'d> {
    doc: &'d Doc,
    /// The children of an element (`None`: the document) with one name, in document order.
    by_name: HashMap<(Option<usize>, &'d str), Vec<usize>>,
    /// The first element with an `id` attribute of each value (XStream's ID_REFERENCES mode).
    by_id: HashMap<&'d str, usize>,
}

impl<'d> Paths<'d> {
    fn new(doc: &'d Doc) -> Self {
        let mut by_name: HashMap<(Option<usize>, &str), Vec<usize>> = HashMap::new();
        let mut by_id = HashMap::new();
        for (id, node) in doc.nodes.iter().enumerate() {
            by_name
                .entry((node.parent, node.name.as_str()))
                .or_default()
                .push(id);
            if let Some((_, v)) = node.attrs.iter().find(|(k, _)| k == "id") {
                by_id.entry(v.as_str()).or_insert(id);
            }
        }
        Paths {
            doc,
            by_name,
            by_id,
        }
    }

    /// The element a reference written on element `from` points to: XStream's XPath, else an
    /// element whose `id` is the reference.
    fn resolve(&self, from: usize, path: &str) -> Option<usize> {
        self.xpath(from, path)
            .or_else(|| self.by_id.get(path).copied())
    }

    /// XStream's XPath: steps separated by `/`, `..` for the parent, `name` or `name[n]` (n from
    /// 1) for a child; relative to `from`, or absolute when it starts with `/`.
    fn xpath(&self, from: usize, path: &str) -> Option<usize> {
        if path.is_empty() {
            return None;
        }
        // None stands for the document, whose one child is the root.
        let (mut at, steps) = match path.strip_prefix('/') {
            Some(rest) => (None, rest),
            None => (Some(from), path),
        };
        for step in steps.split('/') {
            match step {
                "" | "." => {}
                ".." => at = self.doc.nodes[at?].parent,
                _ => {
                    let (name, index) = match step.strip_suffix(']') {
                        Some(s) => {
                            let (name, n) = s.split_once('[')?;
                            (name, n.trim().parse::<usize>().ok()?)
                        }
                        None => (step, 1),
                    };
                    let same_name = self.by_name.get(&(at, name))?;
                    at = Some(*same_name.get(index.checked_sub(1)?)?);
                }
            }
        }
        at
    }
}

/// The JSON of every element, built in closing order (children before parents, an element
/// XStream references before the reference), without recursion. Elements for which `skip` is true
/// are not built: their children's values stay in the result.
fn build(
    doc: &Doc,
    what: &str,
    skip: impl Fn(usize) -> bool,
) -> Result<Vec<Option<Value>>, String> {
    let n = doc.nodes.len();
    // XStream writes a reference only to an element it has written before: one that starts
    // earlier and is not an enclosing element (that would be a cycle). Only such targets resolve.
    let mut target_of: Vec<Option<usize>> = vec![None; n];
    let mut is_target = vec![false; n];
    let mut paths = None;
    for (id, node) in doc.nodes.iter().enumerate() {
        if let Some((_, path)) = node.attrs.iter().find(|(k, _)| k == "reference") {
            let target = paths
                .get_or_insert_with(|| Paths::new(doc))
                .resolve(id, path)
                .filter(|&t| t < id && !doc.encloses(t, id));
            if let Some(t) = target {
                target_of[id] = Some(t);
                is_target[t] = true;
            }
        }
    }
    let mut values: Vec<Option<Value>> = (0..n).map(|_| None).collect();
    let mut copies: Vec<Option<Value>> = (0..n).map(|_| None).collect();
    // JSON values per element and the depth of its JSON, to bound what references copy.
    let mut size = vec![1usize; n];
    let mut height = vec![1usize; n];
    let mut copied = 0usize;
    for &id in &doc.closed {
        if skip(id) {
            continue;
        }
        let node = &doc.nodes[id];
        let value = if doc.is_null_item(id) {
            Value::Null
        } else if node.children.is_empty() && node.attrs.is_empty() {
            Value::String(node.text.clone())
        } else {
            let mut obj = Map::new();
            for (k, v) in &node.attrs {
                obj.insert(format!("@{}", decode_name(k)), Value::String(v.clone()));
            }
            for &c in &node.children {
                size[id] = size[id].saturating_add(size[c]);
                height[id] = height[id].max(height[c] + 1);
            }
            add_children(doc, id, &mut values, &mut obj);
            let keep_text = if node.children.is_empty() {
                !node.text.is_empty()
            } else {
                !node.text.trim().is_empty()
            };
            if keep_text {
                obj.insert("#text".to_string(), Value::String(node.text.clone()));
            }
            if let Some(t) = target_of[id] {
                copied = copied.saturating_add(size[t]);
                if copied > MAX_COPIED {
                    return Err(too_many_copies(what));
                }
                size[id] = size[id].saturating_add(size[t]);
                height[id] = height[id].max(height[t]);
                if height[id] > MAX_VALUE_DEPTH {
                    return Err(format!(
                        "{what} XML has references that nest its JSON deeper than {MAX_VALUE_DEPTH} levels"
                    ));
                }
                match copies[t].clone() {
                    Some(Value::Object(copy)) => {
                        for (k, v) in copy {
                            obj.entry(k).or_insert(v);
                        }
                    }
                    Some(Value::String(s)) if !s.is_empty() => {
                        obj.entry("#text").or_insert(Value::String(s));
                    }
                    _ => {}
                }
            }
            Value::Object(obj)
        };
        if is_target[id] {
            // Kept for the references that follow; counted like a copy.
            copied = copied.saturating_add(size[id]);
            if copied > MAX_COPIED {
                return Err(too_many_copies(what));
            }
            copies[id] = Some(value.clone());
        }
        values[id] = Some(value);
    }
    Ok(values)
}

fn too_many_copies(what: &str) -> String {
    format!("{what} XML has references that copy more than {MAX_COPIED} values")
}

/// Moves the values of the children of `id` into `obj` under their decoded names.
fn add_children(doc: &Doc, id: usize, values: &mut [Option<Value>], obj: &mut Map<String, Value>) {
    let children = &doc.nodes[id].children;
    // Null items join the array of their siblings when those all share one name.
    let mut names = children
        .iter()
        .filter(|&&c| !doc.is_null_item(c))
        .map(|&c| doc.nodes[c].name.as_str());
    let has_nulls = children.iter().any(|&c| doc.is_null_item(c));
    let null_joins = match names.next() {
        Some(first) if has_nulls && names.all(|n| n == first) => Some(decode_name(first)),
        _ => None,
    };
    for &c in children {
        let key = if doc.is_null_item(c) {
            null_joins.clone().unwrap_or_else(|| "null".to_string())
        } else {
            decode_name(&doc.nodes[c].name)
        };
        let value = values[c].take().unwrap_or(Value::Null);
        let always_array = null_joins.as_deref() == Some(key.as_str());
        // An element's own JSON is never an array, so an array here is one built for a name.
        match obj.get_mut(&key) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, value]);
            }
            None => {
                let value = if always_array {
                    Value::Array(vec![value])
                } else {
                    value
                };
                obj.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CSV: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/formats/axon-xstream/domain_event_entry.convert_from.csv"
    );

    /// The fixture's rows by column name.
    fn rows() -> Vec<std::collections::HashMap<String, String>> {
        let mut reader = csv::Reader::from_path(CSV).expect("fixture CSV opens");
        let headers = reader.headers().expect("header row").clone();
        reader
            .records()
            .map(|r| {
                let r = r.expect("a CSV record");
                headers
                    .iter()
                    .zip(r.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect()
            })
            .collect()
    }

    /// Equal including key order.
    fn same(got: &Value, want: &Value) {
        assert_eq!(got.to_string(), want.to_string());
    }

    const TRACE: &str = "d3a10001-7c4e-4f1a-9b2d-5e6f7a8b9c01";

    #[test]
    fn xstream_fixture_rows_become_the_expected_json() {
        let expected_payloads = [
            json!({"candidateId":"candidate-7f3a","fullName":"Ada Okafor","email":"ada@example.org","registeredAt":"2024-04-01T09:47:51.238Z"}),
            // Row 2: a repeated name is an array; `resume__id` is decoded.
            json!({"candidateId":"candidate-7f3a","resume_id":"res-7f3a-1","skills":{"string":["kubernetes","go","postgres"]},"yearsExperience":"9","confidence":"0.87","parserVersion":"2.3.1"}),
            // Row 3: a one-item list is not an array; entities are unescaped.
            json!({"candidateId":"candidate-7f3a","requisitionId":"req-204","outcome":"ADVANCE","score":"0.82","reasons":{"string":"9 years Go & Kubernetes"},"model":{"name":"screener","version":"1.4.0"},"notes":"salary expectation < band max"}),
            json!({"model":"screener","version":"1.4.0","trainingCutoff":"2024-01-31","approvedBy":"human/mlops-chen"}),
            // Row 5: the class attribute is kept, the reference resolved and kept.
            json!({"requisitionId":"req-204","title":"Senior Platform Engineer","location":{"@class":"com.acme.hiring.requisition.RemoteLocation","timezone":"Europe/Berlin"},"hiringManager":{"name":"M. Chen"},"approver":{"@reference":"../hiringManager","name":"M. Chen"},"budget":"98000.00"}),
            // Row 6: the null item keeps its place, the empty list is "", the map is entry pairs.
            json!({"candidateId":"candidate-7f3a","at":"2024-04-10T12:00:00Z","panel":{"string":["m.chen",null,"r.osei"]},"observers":"","scores":{"entry":[{"string":"technical","int":"4"},{"string":"culture","int":"5"}]},"remote":"true"}),
        ];
        let expected_metadata = [
            json!({"traceId":TRACE,"correlationId":TRACE}),
            json!({"traceId":TRACE,"correlationId":TRACE}),
            json!({"traceId":TRACE,"retryCount":"2","correlationId":"d3a10002-7c4e-4f1a-9b2d-5e6f7a8b9c02"}),
            json!({}),
            json!({"traceId":"d3a10005-7c4e-4f1a-9b2d-5e6f7a8b9c05","correlationId":"d3a10005-7c4e-4f1a-9b2d-5e6f7a8b9c05","tenant":"acme-eu"}),
            json!({"traceId":TRACE,"correlationId":"d3a10003-7c4e-4f1a-9b2d-5e6f7a8b9c03"}),
            json!({"traceId":TRACE,"correlationId":"d3a10006-7c4e-4f1a-9b2d-5e6f7a8b9c06"}),
        ];
        let rows = rows();
        assert_eq!(rows.len(), 7);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row["global_index"], (i + 1).to_string());
            let (payload, meta) = (&row["payload"], &row["meta_data"]);
            assert!(looks_like_xml(payload) && looks_like_xml(meta));
            same(
                &Value::Object(metadata_to_json(meta).unwrap()),
                &expected_metadata[i],
            );
            match expected_payloads.get(i) {
                Some(want) => same(&payload_to_json(payload).unwrap(), want),
                None => {
                    // Row 7 is cut off inside `</currency>`: the error names the unclosed tag's start.
                    let err = payload_to_json(payload).unwrap_err();
                    let at = payload.len() - "</cur".len();
                    assert!(err.starts_with("payload XML is not well-formed: "), "{err}");
                    assert!(err.ends_with(&format!(" at byte {at}")), "{err}");
                }
            }
            // The root element's decoded name is the stored payload type.
            let root = &Doc::parse(payload, "payload")
                .map(|d| d.nodes[0].name.clone())
                .unwrap_or_else(|_| payload[1..payload.find('>').unwrap()].to_string());
            assert_eq!(decode_name(root), row["payload_type"]);
        }
    }

    #[test]
    fn xstream_names_decode() {
        assert_eq!(
            decode_name("com.acme.hiring.screening.ScreeningEvents_-CandidateScreened"),
            "com.acme.hiring.screening.ScreeningEvents$CandidateScreened"
        );
        assert_eq!(decode_name("resume__id"), "resume_id");
        assert_eq!(decode_name("a___-b"), "a_$b");
        assert_eq!(decode_name("x_.0024y_z"), "x$y_z");
        assert_eq!(decode_name("_.d83d_.de00é"), "\u{1F600}é");
        assert_eq!(decode_name("plain"), "plain");
        same(
            &payload_to_json("<a_-b><resume__id>r</resume__id></a_-b>").unwrap(),
            &json!({"resume_id":"r"}),
        );
    }

    #[test]
    fn xstream_attributes_text_and_entities() {
        let xml = "<e><amount currency=\"EUR\">98000.00</amount><tag kind=\"a &amp; b\"/>\
                   <s>&#65;&#x42;&quot;&apos;&gt;<![CDATA[<raw> & ]]></s><blank>  </blank></e>";
        same(
            &payload_to_json(xml).unwrap(),
            &json!({"amount":{"@currency":"EUR","#text":"98000.00"},"tag":{"@kind":"a & b"},
                    "s":"AB\"'><raw> & ","blank":"  "}),
        );
        // A root with only text is that text; `<null/>` as the root is null.
        same(
            &payload_to_json("<string>hi</string>").unwrap(),
            &json!("hi"),
        );
        same(&payload_to_json("<null/>").unwrap(), &Value::Null);
    }

    #[test]
    fn xstream_pretty_printed_reads_like_compact() {
        let xml = "\u{feff}<?xml version=\"1.0\"?>\n<com.acme.E>\n  <!-- c -->\n  <list>\n    <string>a</string>\n    <null/>\n  </list>\n  <name>x</name>\n</com.acme.E>\n";
        assert!(looks_like_xml(xml));
        same(
            &payload_to_json(xml).unwrap(),
            &json!({"list":{"string":["a",null]},"name":"x"}),
        );
    }

    #[test]
    fn xstream_null_items_keep_their_place() {
        same(
            &payload_to_json(
                "<e><l><null/><null/></l><m><null/></m><x><a>1</a><null/><b>2</b></x></e>",
            )
            .unwrap(),
            &json!({"l":{"null":[null,null]},"m":{"null":null},"x":{"a":"1","null":null,"b":"2"}}),
        );
        // A map entry whose value is null keeps key then null.
        same(
            &metadata_to_json("<meta-data><entry><string>k</string><null/></entry></meta-data>")
                .unwrap()
                .into(),
            &json!({"k":null}),
        );
    }

    #[test]
    fn xstream_references_resolve_by_path_index_and_id() {
        let xml = "<r><list><p><n>a</n></p><p><n>b</n></p></list>\
                   <x reference=\"../list/p[2]\"/><y reference=\"/r/list/p\"/>\
                   <z reference=\"../nowhere\"/><w><v reference=\"../..\"/></w>\
                   <o id=\"7\"><n>c</n></o><q reference=\"7\"/><self reference=\".\"/>\
                   <fwd reference=\"../later\"/><later><n>d</n></later></r>";
        same(
            &payload_to_json(xml).unwrap(),
            &json!({
                "list":{"p":[{"n":"a"},{"n":"b"}]},
                "x":{"@reference":"../list/p[2]","n":"b"},
                "y":{"@reference":"/r/list/p","n":"a"},
                "z":{"@reference":"../nowhere"},
                "w":{"v":{"@reference":"../.."}},
                "o":{"@id":"7","n":"c"},
                "q":{"@reference":"7","@id":"7","n":"c"},
                "self":{"@reference":"."},
                "fwd":{"@reference":"../later"},
                "later":{"n":"d"}
            }),
        );
        // A reference to a reference is followed too.
        same(
            &payload_to_json(
                "<r><a><n>1</n></a><b reference=\"../a\"/><c reference=\"../b\"/></r>",
            )
            .unwrap(),
            &json!({"a":{"n":"1"},"b":{"@reference":"../a","n":"1"},"c":{"@reference":"../b","n":"1"}}),
        );
    }

    #[test]
    fn xstream_references_cannot_blow_up() {
        // Each level references the previous one twice: 2^40 copies if nothing stopped it.
        let mut xml = String::from("<r><l0><v>x</v></l0>");
        for i in 1..=40 {
            xml.push_str(&format!(
                "<l{i}><a reference=\"../../l{p}\"/><b reference=\"../../l{p}\"/></l{i}>",
                p = i - 1
            ));
        }
        xml.push_str("</r>");
        let err = payload_to_json(&xml).unwrap_err();
        assert!(err.contains("references that copy more than"), "{err}");
    }

    #[test]
    fn xstream_many_references_resolve_in_linear_time() {
        // 20 000 siblings and 20 000 references to the last of them: an index, not a scan each.
        let mut xml = String::from("<r>");
        for i in 0..20_000 {
            xml.push_str(&format!("<c><n>{i}</n></c>"));
        }
        xml.push_str(&"<x reference=\"../c[20000]\"/>".repeat(20_000));
        xml.push_str("</r>");
        let v = payload_to_json(&xml).unwrap();
        let xs = v["x"].as_array().unwrap();
        assert_eq!(xs.len(), 20_000);
        same(
            &xs[19_999],
            &json!({"@reference":"../c[20000]","n":"19999"}),
        );
    }

    #[test]
    fn xstream_reference_chains_cannot_nest_without_bound() {
        // Each link is 200 elements deep and copies the link before it: 2 000 levels of JSON.
        let mut xml = String::from("<r><c0>end</c0>");
        for i in 1..=10 {
            xml.push_str(&format!("<c{i}>"));
            xml.push_str(&"<d>".repeat(200));
            let up = "../".repeat(202);
            xml.push_str(&format!("<prev reference=\"{up}c{}\"/>", i - 1));
            xml.push_str(&"</d>".repeat(200));
            xml.push_str(&format!("</c{i}>"));
        }
        xml.push_str("</r>");
        let err = payload_to_json(&xml).unwrap_err();
        assert!(
            err.contains("nest its JSON deeper than 512 levels"),
            "{err}"
        );
    }

    #[test]
    fn xstream_metadata_forms() {
        assert!(metadata_to_json("<meta-data/>").unwrap().is_empty());
        same(
            &metadata_to_json("<map><entry><string>n</string><int>2</int></entry><entry><string>l</string><list><string>a</string></list></entry></map>")
                .unwrap()
                .into(),
            &json!({"n":"2","l":{"string":"a"}}),
        );
        // Not a map: read as a payload.
        same(
            &metadata_to_json("<com.acme.Meta><a>1</a></com.acme.Meta>")
                .unwrap()
                .into(),
            &json!({"a":"1"}),
        );
        same(
            &metadata_to_json("<string>x</string>").unwrap().into(),
            &json!({"#text":"x"}),
        );
        assert!(metadata_to_json("<meta-data><entry>")
            .unwrap_err()
            .starts_with("meta-data XML is not well-formed: "));
    }

    #[test]
    fn xstream_refuses_what_is_not_xml_or_hostile() {
        let err = payload_to_json("{\"a\":1}").unwrap_err();
        assert_eq!(
            err,
            "payload is not XML: text before the root element at byte 0"
        );
        assert!(!looks_like_xml("{\"a\":1}") && !looks_like_xml(""));
        assert_eq!(
            payload_to_json("  ").unwrap_err(),
            "payload is not XML: no root element at byte 2"
        );
        assert_eq!(
            payload_to_json("<a/><b/>").unwrap_err(),
            "payload XML is not well-formed: a second root element at byte 4"
        );
        assert_eq!(
            payload_to_json("<a><b></a>").unwrap_err(),
            "payload XML is not well-formed: ill-formed document: expected `</b>`, but `</a>` was found at byte 6"
        );
        assert_eq!(
            payload_to_json("<a><b/>").unwrap_err(),
            "payload XML is not well-formed: element <a> is not closed at byte 7"
        );
        // DOCTYPE (and the entities it could define) is refused.
        let bomb = "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><lolz>&lol2;</lolz>";
        assert_eq!(
            payload_to_json(bomb).unwrap_err(),
            "payload XML has a DOCTYPE, which is refused (no entity definitions are read), at byte 0"
        );
        assert_eq!(
            payload_to_json("<a>&nbsp;</a>").unwrap_err(),
            "payload XML uses the entity &nbsp;, which is refused (only XML's five and numeric references are read), at byte 3"
        );
        assert!(payload_to_json("<a b=\"&ext;\"/>")
            .unwrap_err()
            .starts_with("payload XML is not well-formed: "));
    }

    #[test]
    fn xstream_nesting_deeper_than_256_is_refused() {
        let nested = |n: usize| "<a>".repeat(n) + "x" + &"</a>".repeat(n);
        assert!(payload_to_json(&nested(256)).is_ok());
        assert_eq!(
            payload_to_json(&nested(257)).unwrap_err(),
            format!(
                "payload XML nests elements deeper than 256 levels at byte {}",
                256 * 3
            )
        );
        // A million levels: refused early, no stack overflow.
        assert!(payload_to_json(&nested(1_000_000))
            .unwrap_err()
            .contains("deeper than 256"));
    }
}
