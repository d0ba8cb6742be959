//! Reading JSON text without building a tree where a tree is not needed: object keys borrowed from
//! the text, an object's chosen top-level fields (the rest skipped unparsed), and an object
//! rewritten in the compact form `serde_json::Value`'s `to_string` gives, in one pass.
//!
//! Parsing a payload into a `Value` builds an index map per object with a hashed entry per key:
//! for the decision view's 2M decisions with 20 inputs each that was most of the work of finding
//! and auditing them.
//!
//! Each reader here fails exactly where a parse into `Value` would, or gives up (None) so that the
//! caller parses the slow way: values it skips are still parsed strictly (numbers in range, escapes,
//! the nesting limit), and an object key that `Value` parsing treats specially (serde_json's raw
//! value token) makes it give up.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// The key serde_json's `raw_value` feature gives a meaning of its own: an object whose first key
/// it is parses into a `Value` as the JSON text its value holds. The readers here give up on it.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// True for the key a `Value` parse treats specially (see [`RAW_VALUE_TOKEN`]).
pub fn is_raw_value_token(key: &str) -> bool {
    key == RAW_VALUE_TOKEN
}

/// Gives up on a key a `Value` parse would treat specially.
fn ordinary<E: de::Error>(key: &str) -> Result<(), E> {
    if is_raw_value_token(key) {
        return Err(E::custom("serde_json's raw value token as a key"));
    }
    Ok(())
}

/// A value skipped but parsed as strictly as a `Value` parse would (nothing is built: text
/// without escapes is borrowed).
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Strict)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Strict)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            ordinary(&key)?;
            map.next_value_seed(Strict)?;
        }
        Ok(())
    }
}

/// An object key, borrowed from the text unless it had escapes.
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(v.to_string().into()))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// An object's fields in order, each value as its JSON text (repeated keys kept as they come),
/// checked for syntax only: for text this crate wrote (a decision's stored inputs), whose values
/// each parse.
pub struct Entries<'de>(pub Vec<(Key<'de>, &'de RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(EntriesVisitor)
    }
}

/// The object's top-level fields that `keep` names, as `serde_json::from_str::<Value>` gives them
/// (a repeated key keeps its last value); the other fields are parsed as strictly but not built.
/// None when the text is not a JSON object a `Value` parse would read as one.
pub fn object_fields(text: &str, keep: &dyn Fn(&str) -> bool) -> Option<Map<String, Value>> {
    struct Keeping<'k>(&'k dyn Fn(&str) -> bool);
    impl<'de> Visitor<'de> for Keeping<'_> {
        type Value = Map<String, Value>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut kept = Map::new();
            while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                ordinary(&key)?;
                if (self.0)(&key) {
                    kept.insert(key.into_owned(), map.next_value()?);
                } else {
                    map.next_value_seed(Strict)?;
                }
            }
            Ok(kept)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let kept = de.deserialize_map(Keeping(keep)).ok()?;
    de.end().ok()?;
    Some(kept)
}

/// What a top-level value of an object is, as DuckDB's `json_type` tells the kinds apart that the
/// input catalogue counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Number,
    /// Text or a boolean.
    OtherScalar,
    /// Null, an object or an array.
    NotScalar,
}

impl ValueKind {
    /// The kind of a value's JSON text, from its first character (the text is not checked).
    pub fn of_text(text: &str) -> ValueKind {
        match text.as_bytes().first() {
            Some(b'{' | b'[' | b'n') | None => ValueKind::NotScalar,
            Some(b'"' | b't' | b'f') => ValueKind::OtherScalar,
            Some(_) => ValueKind::Number,
        }
    }
}

/// An object rewritten as `serde_json::Value`'s `to_string` writes it (no spaces, strings escaped
/// the same way, numbers as their parsed value prints), with each top-level key's kind. None when
/// the text is not exactly one JSON object, when an object in it repeats a key (a parsed `Value`
/// keeps the key's first place and last value), nests deeper than [`COMPACT_DEPTH`] or has a key
/// a `Value` parse treats specially: the caller parses those the slow way.
pub fn compact_object(text: &str) -> Option<(String, Vec<(String, ValueKind)>)> {
    let mut out = Vec::with_capacity(text.len());
    let mut top = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    de.deserialize_map(Writing {
        out: &mut out,
        top: Some(&mut top),
        depth: 0,
    })
    .ok()?;
    de.end().ok()?;
    // serde_json writes UTF-8 (text it read as UTF-8, escaped).
    Some((String::from_utf8(out).ok()?, top))
}

/// How deep [`compact_object`] follows arrays and objects before it gives up: well inside
/// serde_json's limit (128) even for text that sat a few levels down in a larger document.
pub const COMPACT_DEPTH: usize = 100;

/// Writes the value it reads to `out`; at the top level also notes each key's kind.
struct Writing<'o> {
    out: &'o mut Vec<u8>,
    top: Option<&'o mut Vec<(String, ValueKind)>>,
    /// Arrays and objects this value sits in.
    depth: usize,
}

/// Gives up past [`COMPACT_DEPTH`].
fn too_deep<E: de::Error>(depth: usize) -> Result<(), E> {
    if depth >= COMPACT_DEPTH {
        return Err(E::custom("nested too deep to write in one pass"));
    }
    Ok(())
}

impl Writing<'_> {
    fn push_json<T: serde::Serialize + ?Sized>(&mut self, v: &T) {
        write_json(self.out, v);
    }
}

/// A nested value written to the same output, at a depth.
struct Nested<'o>(&'o mut Vec<u8>, usize);

/// Writes a scalar (a number, text) as serde_json does.
fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    // Writing to memory cannot fail, and numbers and text always serialize.
    serde_json::to_writer(out, v).expect("a scalar serializes");
}

impl<'de> DeserializeSeed<'de> for Nested<'_> {
    type Value = ValueKind;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ValueKind, D::Error> {
        d.deserialize_any(Writing {
            out: self.0,
            top: None,
            depth: self.1,
        })
    }
}

/// A repeated key: the caller falls back to a parsed `Value`.
fn repeated<E: de::Error>() -> E {
    E::custom("repeated key")
}

impl<'de> Visitor<'de> for Writing<'_> {
    type Value = ValueKind;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(mut self, v: bool) -> Result<ValueKind, E> {
        self.push_json(&v);
        Ok(ValueKind::OtherScalar)
    }
    fn visit_i64<E>(mut self, v: i64) -> Result<ValueKind, E> {
        self.push_json(&v);
        Ok(ValueKind::Number)
    }
    fn visit_u64<E>(mut self, v: u64) -> Result<ValueKind, E> {
        self.push_json(&v);
        Ok(ValueKind::Number)
    }
    fn visit_f64<E>(mut self, v: f64) -> Result<ValueKind, E> {
        // As `Value` does: through its Number, so a value it cannot hold prints as null.
        match serde_json::Number::from_f64(v) {
            Some(n) => self.push_json(&n),
            None => self.out.extend_from_slice(b"null"),
        }
        Ok(ValueKind::Number)
    }
    fn visit_str<E>(mut self, v: &str) -> Result<ValueKind, E> {
        self.push_json(v);
        Ok(ValueKind::OtherScalar)
    }
    fn visit_unit<E>(self) -> Result<ValueKind, E> {
        self.out.extend_from_slice(b"null");
        Ok(ValueKind::NotScalar)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueKind, A::Error> {
        too_deep(self.depth)?;
        self.out.push(b'[');
        let mut first = true;
        loop {
            let at = self.out.len();
            if !first {
                self.out.push(b',');
            }
            if seq
                .next_element_seed(Nested(self.out, self.depth + 1))?
                .is_none()
            {
                self.out.truncate(at);
                break;
            }
            first = false;
        }
        self.out.push(b']');
        Ok(ValueKind::NotScalar)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ValueKind, A::Error> {
        let Writing {
            out,
            mut top,
            depth,
        } = self;
        too_deep(depth)?;
        out.push(b'{');
        // Keys seen so far: a list for the usual few, a set past that.
        let mut seen: Vec<Cow<'de, str>> = Vec::new();
        let mut many: Option<foldhash::HashSet<Cow<'de, str>>> = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            ordinary(&key)?;
            let repeats = match &many {
                Some(set) => set.contains(&key),
                None => seen.contains(&key),
            };
            if repeats {
                return Err(repeated());
            }
            if !seen.is_empty() || many.is_some() {
                out.push(b',');
            }
            write_json(out, key.as_ref());
            out.push(b':');
            let kind = map.next_value_seed(Nested(out, depth + 1))?;
            if let Some(top) = top.as_deref_mut() {
                top.push((key.to_string(), kind));
            }
            match &mut many {
                Some(set) => {
                    set.insert(key);
                }
                None if seen.len() < 16 => seen.push(key),
                None => {
                    let mut set: foldhash::HashSet<Cow<'de, str>> = seen.drain(..).collect();
                    set.insert(key);
                    many = Some(set);
                }
            }
        }
        out.push(b'}');
        Ok(ValueKind::NotScalar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: what parsing to a `Value` and printing it gives.
    fn via_value(text: &str) -> String {
        serde_json::from_str::<Value>(text).unwrap().to_string()
    }

    #[test]
    fn compact_objects_are_written_as_a_parsed_value_prints_them() {
        for text in [
            r#"{"a": 1, "b" : 2.50, "c":"caf\u00e9", "d": [1, 2.0, {"x": null}], "e": true}"#,
            r#"{"big": 18446744073709551615, "neg": -9223372036854775808, "exp": 1e3, "tiny": 5e-324}"#,
            r#"{"esc": "tab\there \"q\" \\ \/ \u0001 \ud83d\ude00", "k\u0065y": {}}"#,
            r#"{ "nested" : { "deep" : [ [ ], { } , "s" ] } , "f": -0.0, "g": 1.0E+2 }"#,
            "{}",
        ] {
            let (compact, _) = compact_object(text).expect("an object without repeated keys");
            assert_eq!(compact, via_value(text), "{text}");
        }
    }

    #[test]
    fn compact_object_notes_the_kind_of_each_top_level_value() {
        let (_, kinds) = compact_object(
            r#"{"n": 1.5, "s": "x", "b": false, "z": null, "o": {"n": 1}, "a": [1]}"#,
        )
        .unwrap();
        let expected = [
            ("n", ValueKind::Number),
            ("s", ValueKind::OtherScalar),
            ("b", ValueKind::OtherScalar),
            ("z", ValueKind::NotScalar),
            ("o", ValueKind::NotScalar),
            ("a", ValueKind::NotScalar),
        ];
        let kinds: Vec<(&str, ValueKind)> = kinds.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(kinds, expected);
    }

    #[test]
    fn compact_object_leaves_repeated_keys_and_non_objects_to_the_caller() {
        assert!(compact_object(r#"{"a": 1, "a": 2}"#).is_none());
        assert!(compact_object(r#"{"o": {"a": 1, "b": 2, "a": 3}}"#).is_none());
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        let text = format!("{{{}}}", many.join(", "));
        assert_eq!(compact_object(&text).unwrap().0, via_value(&text));
        let text = format!("{{{}, \"k3\": 0}}", many.join(", "));
        assert!(compact_object(&text).is_none());
        // Where a `Value` parse fails or reads the text its own way, so the caller's slow path
        // decides: out of range, a lone surrogate, serde_json's raw value token, deep nesting.
        assert!(compact_object(r#"{"x": 1e400}"#).is_none());
        assert!(compact_object(r#"{"x": "\ud800"}"#).is_none());
        assert!(compact_object(r#"{"a": {"$serde_json::private::RawValue": "1"}}"#).is_none());
        let nested = |n: usize| format!(r#"{{"a": {}{}}}"#, "[".repeat(n), "]".repeat(n));
        assert!(compact_object(&nested(COMPACT_DEPTH)).is_none());
        assert_eq!(
            compact_object(&nested(20)).unwrap().0,
            via_value(&nested(20))
        );
        assert!(compact_object("[1, 2]").is_none());
        assert!(compact_object("12").is_none());
        assert!(compact_object(r#"{"a": 1} trailing"#).is_none());
        assert!(compact_object(r#"{"a": }"#).is_none());
    }

    #[test]
    fn object_fields_keeps_the_named_fields_as_a_parsed_value_has_them() {
        let text =
            r#"{"a": {"x": [1, 2]}, "b": "skip \u00e9 me", "c": 2.50, "a": {"y": 1}, "d": null}"#;
        let parsed: Value = serde_json::from_str(text).unwrap();
        let kept = object_fields(text, &|k| k != "b").unwrap();
        let mut expected = parsed.as_object().unwrap().clone();
        expected.remove("b");
        assert_eq!(kept, expected);
        assert!(object_fields("[1]", &|_| true).is_none());
        assert!(object_fields(r#"{"a": 1, "b": [1,}"#, &|k| k == "a").is_none());
        assert!(object_fields(r#"{"a": 1} x"#, &|_| true).is_none());
        // A skipped field a `Value` parse rejects makes the whole text fail, as it does there.
        let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
        for skipped in [
            "1e400",
            r#""\ud800""#,
            r#"{"$serde_json::private::RawValue": 0}"#,
            deep.as_str(),
        ] {
            let text = format!(r#"{{"a": 1, "b": {skipped}}}"#);
            assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
            assert!(object_fields(&text, &|k| k == "a").is_none(), "{text}");
        }
    }
}
