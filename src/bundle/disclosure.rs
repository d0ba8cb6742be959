//! Selective disclosure under one root: how an event becomes a Merkle leaf that commits to each of
//! its values through a salted hash, so a bundle may withhold, pseudonymize or erase fields and
//! still verify against the root signed for the whole case.
//!
//! An event (the canonical JSON of its envelope and payload) is cut into fields: every scalar,
//! and every empty object or array, at its RFC 6901 JSON Pointer `p`, with its JSON text (`vtext`,
//! the exact bytes of the value, carried as text and never re-serialised by a verifier). Then
//!
//! ```text
//! c(salt, p, v)   = SHA-256("C" || salt || u32be(len p) || p || vtext)
//! leaf data       = "E" || u32be(n) || for each field, sorted by the bytes of p: u32be(len p) || p || c
//! leaf            = SHA-256(0x00 || leaf data)          (RFC 6962's leaf; the tree is merkle.rs)
//! ```
//!
//! Each field's 16-byte salt is `SHA-256("S" || K || u64be(nonce) || p)[0..16]`, where `nonce` is
//! the event's `seq` (public: only distinct per event, as a PRF's input) and `K` the key of the field's
//! pattern (its pointer with array positions written `*`) within the event's source (the import it
//! came from). Nonces and keys are HMAC-SHA256 under the case's disclosure key (kept in the case,
//! never in a bundle), so every export of a case gives an event the same salts, leaf and root,
//! however it is redacted.
//!
//! A line of a bundle (canonical JSON) carries the event's `nonce` (its seq) and `source`; `disclosed`:
//! pointer -> vtext of each value shown as it was; `salts`: pointer -> salt of disclosed fields
//! whose key the bundle does not carry; `withheld`, `pseudonymized`, `erased`: pointer ->
//! commitment of each value not shown; `pseudonyms`: pointer -> what is shown in a pseudonymized
//! value's place (signed with the manifest, not committed by the root, which commits to originals).
//! `events/salt-keys.json` carries a key only where that gives away nothing the bundle does not
//! show: the bundle holds every event of the source, and no rule of its profile or erasure could
//! hide a field of that pattern (the export fails rather than break this). A key thus opens only
//! values this bundle shows, of events it holds (a source, once imported, never gains events); a
//! single salt goes only with a field shown.
//!
//! Like SD-JWT's disclosures (salt, name, value), but the digests are bound per event by a Merkle
//! leaf instead of an array in a signed token. A field disclosed later (`bundle reveal`) is its
//! vtext and salt, checked against the commitment the redacted bundle carries.

use std::collections::{BTreeMap, HashMap};

use hmac::{Hmac, Mac};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::merkle::Hash;
use super::redact::ERASED;

/// The first byte of what is hashed into a salt, a commitment and an event leaf's data: one byte,
/// so most fields' hashes fit SHA-256's one 64-byte block, and none is 0x00 or 0x01 (the tree's
/// leaf and node prefixes).
pub const SALT_TAG: u8 = b'S';
pub const FIELD_TAG: u8 = b'C';
pub const EVENT_TAG: u8 = b'E';
/// Tags of the HMAC inputs only the exporter, which holds the case's key, computes.
const KEY_TAG: &[u8] = b"casefile/key/v1\0";

pub type Salt = [u8; 16];
/// An event's nonce: its `seq`, which no other event of the case has.
pub type Nonce = i64;
/// The salt key of one field pattern within one source.
pub type SaltKey = [u8; 16];

/// How a field of an event reads in a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum FieldState {
    /// Shown as it was, with its salt: checked against its commitment.
    Disclosed,
    /// Not shown: only its commitment.
    Withheld,
    /// A pseudonym shown in its place; its commitment is of the original.
    Pseudonymized,
    /// Blanked under data-protection law; its commitment is of the original.
    Erased,
}

impl FieldState {
    /// The key of the line's map holding fields in this state.
    pub fn key(self) -> &'static str {
        match self {
            FieldState::Disclosed => "disclosed",
            FieldState::Withheld => "withheld",
            FieldState::Pseudonymized => "pseudonymized",
            FieldState::Erased => "erased",
        }
    }
}

fn len_prefixed(h: &mut Sha256, p: &str) {
    h.update((p.len() as u32).to_be_bytes());
    h.update(p.as_bytes());
}

fn first16(d: &[u8]) -> [u8; 16] {
    d[..16].try_into().expect("16 of 32 bytes")
}

/// The salt of field `p` of the event with `nonce`, under its pattern's key (`p` last, so
/// unprefixed: key and nonce are 16 and 8 bytes).
pub fn salt(key: &SaltKey, nonce: Nonce, p: &str) -> Salt {
    let mut h = Sha256::new();
    h.update([SALT_TAG]);
    h.update(key);
    h.update(nonce.to_be_bytes());
    h.update(p.as_bytes());
    first16(&h.finalize())
}

/// The commitment to field `p` holding the JSON text `vtext`.
pub fn commitment(salt: &Salt, p: &str, vtext: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([FIELD_TAG]);
    h.update(salt);
    len_prefixed(&mut h, p);
    h.update(vtext);
    h.finalize().into()
}

fn leaf_of_sorted(fields: &[(&str, Hash)]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update([EVENT_TAG]);
    h.update((fields.len() as u32).to_be_bytes());
    for (p, c) in fields {
        len_prefixed(&mut h, p);
        h.update(c);
    }
    h.finalize().into()
}

/// RFC 6901: `~` is written `~0` and `/` is written `~1` in a pointer's segment.
fn push_segment(ptr: &mut String, segment: &str) {
    ptr.push('/');
    for ch in segment.chars() {
        match ch {
            '~' => ptr.push_str("~0"),
            '/' => ptr.push_str("~1"),
            c => ptr.push(c),
        }
    }
}

/// An event's fields: pointer -> JSON text, sorted by pointer.
pub type Fields = BTreeMap<String, String>;

/// Cuts a JSON value into its fields: each scalar and each empty object or array at its pointer.
pub fn flatten(v: &Value) -> Fields {
    fn walk(v: &Value, ptr: &mut String, out: &mut Fields) {
        match v {
            Value::Object(map) if !map.is_empty() => {
                for (k, child) in map {
                    let len = ptr.len();
                    push_segment(ptr, k);
                    walk(child, ptr, out);
                    ptr.truncate(len);
                }
            }
            Value::Array(items) if !items.is_empty() => {
                for (i, child) in items.iter().enumerate() {
                    let len = ptr.len();
                    push_segment(ptr, &i.to_string());
                    walk(child, ptr, out);
                    ptr.truncate(len);
                }
            }
            leaf => {
                out.insert(ptr.clone(), super::canonical_string(leaf));
            }
        }
    }
    let mut out = Fields::new();
    walk(v, &mut String::new(), &mut out);
    out
}

/// A pointer's pattern: array positions (all-digit segments) read as `*`, so 10,000 events'
/// `/payload/items/0/sku` and `/payload/items/1/sku` share one key and one row of a summary.
pub fn pattern(p: &str) -> std::borrow::Cow<'_, str> {
    // Most pointers have no digit at all.
    let digit_segment = p.bytes().any(|b| b.is_ascii_digit())
        && p.split('/')
            .any(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if !digit_segment {
        return std::borrow::Cow::Borrowed(p);
    }
    std::borrow::Cow::Owned(
        p.split('/')
            .map(|s| {
                if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                    "*"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// The secrets every salt of a case derives from (the exporter's side).
pub struct CaseKey(Vec<u8>);

impl CaseKey {
    pub fn new(key: Vec<u8>) -> CaseKey {
        CaseKey(key)
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// The key of field pattern `pattern` in source `source`.
    pub fn salt_key(&self, source: i64, pattern: &str) -> SaltKey {
        let mut mac = self.mac();
        mac.update(KEY_TAG);
        mac.update(&source.to_be_bytes());
        mac.update(&(pattern.len() as u32).to_be_bytes());
        mac.update(pattern.as_bytes());
        first16(&mac.finalize().into_bytes())
    }
}

/// What could hide a field: the profile's rules and the erasure markers' fields, read loosely (a
/// field is "maybe hidden" when any segment of its pointer is the name a rule or marker ends with,
/// at any depth: the rule hides that field and what is under it), so a key is carried only for
/// fields nothing could hide.
#[derive(Debug, Default, Clone)]
pub struct MaybeHidden {
    names: std::collections::HashSet<String>,
    /// Everything under these pointers (a rule such as `payload.*`).
    under: Vec<String>,
}

impl MaybeHidden {
    /// From dotted paths (`payload.contacts.*.email`, `actor`) of profiles and erasure markers.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> MaybeHidden {
        let mut out = MaybeHidden::default();
        for path in paths {
            let mut segments: Vec<&str> = path.split('.').collect();
            let top = segments.first().copied().unwrap_or_default();
            if top == "payload" || top == "metadata" {
                segments.remove(0);
            }
            // What the rule hides is its last named segment and everything under it (a `*`
            // after it reaches into that, no further out).
            let Some(last) = segments.iter().rev().find(|s| **s != "*") else {
                out.under.push(format!("/{top}"));
                continue;
            };
            if last.bytes().all(|b| b.is_ascii_digit()) {
                // A position in an array: patterns read every position as `*`.
                out.names.insert("*".into());
                continue;
            }
            let mut escaped = String::new();
            push_segment(&mut escaped, last);
            out.names.insert(escaped[1..].to_string());
        }
        out
    }

    pub fn covers(&self, p: &str) -> bool {
        self.under.iter().any(|u| at_or_under(p, u)) || p.split('/').any(|s| self.names.contains(s))
    }
}

/// Salts the fields of a bundle's events: keys derived once per source and pattern, and which of
/// them the bundle may carry.
pub struct Salter {
    key: CaseKey,
    /// Sources every event of which is in the bundle.
    whole_sources: std::collections::HashSet<i64>,
    maybe_hidden: MaybeHidden,
    keys: std::sync::RwLock<HashMap<i64, HashMap<String, SaltKey>>>,
}

impl Salter {
    pub fn new(
        key: CaseKey,
        whole_sources: std::collections::HashSet<i64>,
        maybe_hidden: MaybeHidden,
    ) -> Salter {
        Salter {
            key,
            whole_sources,
            maybe_hidden,
            keys: Default::default(),
        }
    }

    fn salt_key(&self, source: i64, pattern: &str) -> SaltKey {
        if let Some(k) = self
            .keys
            .read()
            .expect("the keys' lock is never poisoned")
            .get(&source)
            .and_then(|m| m.get(pattern))
        {
            return *k;
        }
        let k = self.key.salt_key(source, pattern);
        self.keys
            .write()
            .expect("the keys' lock is never poisoned")
            .entry(source)
            .or_default()
            .insert(pattern.to_string(), k);
        k
    }

    /// Whether the bundle carries the key of `pattern` in `source`.
    fn carried(&self, source: i64, pattern: &str) -> bool {
        self.whole_sources.contains(&source) && !self.maybe_hidden.covers(pattern)
    }

    /// The line and leaf of event `seq` from `source`, as it was (`original`) and as shown.
    pub fn line(
        &self,
        seq: i64,
        source: i64,
        original: &Fields,
        shown: &Fields,
    ) -> Result<(Line, Hash), String> {
        let nonce = seq;
        Line::new(original, shown, source, nonce, |p| {
            let pattern = pattern(p);
            let key = self.salt_key(source, &pattern);
            (salt(&key, nonce, p), self.carried(source, &pattern))
        })
    }

    /// The leaf of an event as every bundle of it, redacted or not, signs it.
    pub fn event_leaf(&self, seq: i64, source: i64, event: &Value) -> Hash {
        let fields = flatten(event);
        self.line(seq, source, &fields, &fields)
            .expect("nothing is hidden")
            .1
    }

    /// The keys the bundle carries (`events/salt-keys.json`).
    pub fn carried_keys(&self) -> SaltKeysFile {
        let keys = self.keys.read().expect("the keys' lock is never poisoned");
        let mut out = SaltKeysFile::new();
        for (source, patterns) in keys.iter() {
            if !self.whole_sources.contains(source) {
                continue;
            }
            let carried: BTreeMap<String, String> = patterns
                .iter()
                .filter(|(p, _)| self.carried(*source, p))
                .map(|(p, k)| (p.clone(), hex::encode(k)))
                .collect();
            if !carried.is_empty() {
                out.insert(source.to_string(), carried);
            }
        }
        out
    }
}

/// The salt keys a bundle carries (`events/salt-keys.json`): source -> pattern -> key (hex).
pub type SaltKeysFile = BTreeMap<String, BTreeMap<String, String>>;

/// The salt keys a verifier reads, by source and pattern.
#[derive(Debug, Default, Clone)]
pub struct SaltKeys(HashMap<i64, foldhash::HashMap<String, SaltKey>>);

impl SaltKeys {
    pub fn parse(bytes: &[u8]) -> Result<SaltKeys, String> {
        let file: SaltKeysFile = serde_json::from_slice(bytes)
            .map_err(|e| format!("it is not a map of sources to keys ({e})"))?;
        let mut out = HashMap::new();
        for (source, keys) in file {
            let id: i64 = source
                .parse()
                .map_err(|_| format!("`{source}` is not a source number"))?;
            let mut map = foldhash::HashMap::default();
            for (pattern, key) in keys {
                let key = hex16(&key).ok_or_else(|| {
                    format!("the key of `{pattern}` in source {source} is not 16 bytes of hex")
                })?;
                map.insert(pattern, key);
            }
            out.insert(id, map);
        }
        Ok(SaltKeys(out))
    }

    fn get(&self, source: i64, pattern: &str) -> Option<&SaltKey> {
        self.0.get(&source)?.get(pattern)
    }
}

/// `p` is the pointer `r` or one under it (`/a/b` is under `/a`, `/ab` is not).
fn at_or_under(p: &str, r: &str) -> bool {
    p == r || (p.starts_with(r) && p.as_bytes().get(r.len()) == Some(&b'/'))
}

/// The pointer of the nearest field of `fields` at `p` or above it (`/a/b/c`, `/a/b`, `/a`).
pub(crate) fn at_or_above<'a>(fields: &'a Fields, p: &str) -> Option<(&'a str, &'a str)> {
    let mut q = p;
    loop {
        if let Some((k, v)) = fields.get_key_value(q) {
            return Some((k.as_str(), v.as_str()));
        }
        q = &q[..q.rfind('/')?];
        if q.is_empty() {
            return None;
        }
    }
}

/// One bundle line: the event's fields as the bundle presents them, with what proves them. The
/// fields are in the order of their keys, so serde writes the line as canonical JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    #[serde(deserialize_with = "sorted_map")]
    pub disclosed: Fields,
    #[serde(
        default,
        deserialize_with = "sorted_map",
        skip_serializing_if = "Fields::is_empty"
    )]
    pub erased: Fields,
    /// The event's nonce (its `seq`).
    pub nonce: Nonce,
    #[serde(
        default,
        deserialize_with = "sorted_map",
        skip_serializing_if = "Fields::is_empty"
    )]
    pub pseudonymized: Fields,
    #[serde(
        default,
        deserialize_with = "sorted_map",
        skip_serializing_if = "Fields::is_empty"
    )]
    pub pseudonyms: Fields,
    #[serde(
        default,
        deserialize_with = "sorted_map",
        skip_serializing_if = "Fields::is_empty"
    )]
    pub salts: Fields,
    /// The source (import) the event came from, whose salt keys apply.
    pub source: i64,
    #[serde(
        default,
        deserialize_with = "sorted_map",
        skip_serializing_if = "Fields::is_empty"
    )]
    pub withheld: Fields,
}

/// A map of strings whose keys must be strictly increasing by their bytes, as canonical JSON writes
/// them: a key twice (which JSON parsers resolve differently) or out of order is refused.
fn sorted_map<'de, D: Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
    struct Sorted;
    impl<'de> Visitor<'de> for Sorted {
        type Value = Fields;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of strings with keys in byte order, each once")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
            let mut out = Fields::new();
            let mut last: Option<String> = None;
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                if last.as_ref().is_some_and(|l| l.as_bytes() >= k.as_bytes()) {
                    return Err(serde::de::Error::custom(format!(
                        "the key `{k}` is repeated or out of order"
                    )));
                }
                last = Some(k.clone());
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Sorted)
}

fn hex16(text: &str) -> Option<[u8; 16]> {
    hex::decode(text).ok()?.try_into().ok()
}

fn hex32(text: &str) -> Option<Hash> {
    hex::decode(text).ok()?.try_into().ok()
}

/// A text of a line, borrowed from it unless it had escapes.
struct Text<'a>(std::borrow::Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Text<'a>, E> {
                Ok(Text(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V(std::marker::PhantomData))
    }
}

/// Pairs of a line's map, kept in order; keys must be strictly increasing by their bytes.
#[derive(Default)]
struct Pairs<'a>(Vec<(Text<'a>, Text<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Pairs<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of strings with keys in byte order, each once")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'a>, A::Error> {
                let mut out: Vec<(Text<'a>, Text<'a>)> = Vec::with_capacity(32);
                while let Some((k, v)) = map.next_entry::<Text<'a>, Text<'a>>()? {
                    if out
                        .last()
                        .is_some_and(|(l, _)| l.0.as_bytes() >= k.0.as_bytes())
                    {
                        return Err(serde::de::Error::custom(format!(
                            "the key `{}` is repeated or out of order",
                            k.0
                        )));
                    }
                    out.push((k, v));
                }
                Ok(Pairs(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// A line as verification reads it: borrowed, in order, never copied into maps.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineView<'a> {
    #[serde(borrow)]
    disclosed: Pairs<'a>,
    #[serde(borrow, default)]
    erased: Pairs<'a>,
    nonce: Nonce,
    #[serde(borrow, default)]
    pseudonymized: Pairs<'a>,
    #[serde(borrow, default)]
    #[allow(dead_code)]
    pseudonyms: Pairs<'a>,
    #[serde(borrow, default)]
    salts: Pairs<'a>,
    source: i64,
    #[serde(borrow, default)]
    withheld: Pairs<'a>,
}

/// The leaf of a bundle line, read as verification reads it (the fields' states counted into
/// `tally`): what `Line::parse(..).leaf(..)` gives, without building the line.
pub fn leaf_of_line(bytes: &[u8], keys: &SaltKeys, tally: &mut Tally) -> Result<Hash, String> {
    let view: LineView =
        serde_json::from_slice(bytes).map_err(|e| format!("it is not a bundle line ({e})"))?;
    let nonce = view.nonce;
    let salts = &view.salts;
    let mut fields: Vec<(&str, FieldState, Hash)> = Vec::with_capacity(view.disclosed.0.len() + 4);
    let source_keys = keys.0.get(&view.source);
    let mut given = salts.0.iter().peekable();
    for (p, v) in &view.disclosed.0 {
        let p = p.0.as_ref();
        // Both lists are in byte order: a given salt is met in step.
        let salt = match given.peek() {
            Some((q, s)) if q.0 == p => {
                let salt = hex16(&s.0)
                    .ok_or_else(|| format!("the salt of `{p}` is not 16 bytes of hex"))?;
                given.next();
                salt
            }
            _ => {
                let key = source_keys
                    .and_then(|m| m.get(pattern(p).as_ref()))
                    .ok_or_else(|| {
                        format!(
                            "the disclosed field `{p}` has no salt and the bundle no key for it"
                        )
                    })?;
                salt(key, nonce, p)
            }
        };
        fields.push((
            p,
            FieldState::Disclosed,
            commitment(&salt, p, v.0.as_bytes()),
        ));
    }
    if let Some((q, _)) = given.next() {
        return Err(format!(
            "it has a salt for `{}`, which it does not disclose",
            q.0
        ));
    }
    for (state, pairs) in [
        (FieldState::Withheld, &view.withheld),
        (FieldState::Pseudonymized, &view.pseudonymized),
        (FieldState::Erased, &view.erased),
    ] {
        for (p, c) in &pairs.0 {
            let c = hex32(&c.0).ok_or_else(|| {
                format!(
                    "the commitment of the {} field `{}` is not 32 bytes of hex",
                    state.key(),
                    p.0
                )
            })?;
            fields.push((p.0.as_ref(), state, c));
        }
    }
    if fields.len() > view.disclosed.0.len() {
        fields.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    }
    if let Some(w) = fields.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("the field `{}` is given twice", w[0].0));
    }
    tally.add(&fields);
    let pairs: Vec<(&str, Hash)> = fields.iter().map(|(p, _, c)| (*p, *c)).collect();
    Ok(leaf_of_sorted(&pairs))
}

impl Line {
    /// The line of an event whose original fields are `original` and which the bundle presents as
    /// `shown` (after redaction), and its leaf. `salt_of(p)` gives a field's salt and whether the
    /// bundle carries its key (then the line needs not carry the salt); a field hidden although
    /// its key is carried is an error (the key would give its salt away), naming the field.
    pub fn new(
        original: &Fields,
        shown: &Fields,
        source: i64,
        nonce: Nonce,
        salt_of: impl Fn(&str) -> (Salt, bool),
    ) -> Result<(Line, Hash), String> {
        let mut line = Line {
            nonce,
            source,
            ..Line::default()
        };
        let mut committed = Vec::with_capacity(original.len());
        for (p, v) in original {
            let state = match at_or_above(shown, p) {
                None => FieldState::Withheld,
                Some((q, s)) if q == p && s == v => FieldState::Disclosed,
                // A dropped envelope field reads null; a dropped field's object or array can be
                // left empty.
                Some((_, "null")) => FieldState::Withheld,
                Some((q, "{}" | "[]")) if q != p => FieldState::Withheld,
                Some((_, s))
                    if s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) == Some(ERASED) =>
                {
                    FieldState::Erased
                }
                Some((q, s)) => {
                    line.pseudonyms.insert(q.to_string(), s.to_string());
                    FieldState::Pseudonymized
                }
            };
            let (salt, keyed) = salt_of(p);
            let c = commitment(&salt, p, v.as_bytes());
            committed.push((p.as_str(), c));
            let hidden = match state {
                FieldState::Disclosed => {
                    line.disclosed.insert(p.clone(), v.clone());
                    if !keyed {
                        line.salts.insert(p.clone(), hex::encode(salt));
                    }
                    continue;
                }
                FieldState::Withheld => &mut line.withheld,
                FieldState::Pseudonymized => &mut line.pseudonymized,
                FieldState::Erased => &mut line.erased,
            };
            if keyed {
                return Err(p.clone());
            }
            hidden.insert(p.clone(), hex::encode(c));
        }
        // A BTreeMap's order is its keys' byte order: already the leaf's.
        let leaf = leaf_of_sorted(&committed);
        Ok((line, leaf))
    }

    /// The line as canonical JSON (keys sorted at every level, no whitespace).
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a line serializes")
    }

    pub fn parse(bytes: &[u8]) -> Result<Line, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("it is not a bundle line ({e})"))
    }

    /// The salt of disclosed field `p`: the line's own, else from the bundle's key.
    fn salt_of(&self, keys: &SaltKeys, p: &str) -> Result<Salt, String> {
        match self.salts.get(p) {
            Some(text) => {
                hex16(text).ok_or_else(|| format!("the salt of `{p}` is not 16 bytes of hex"))
            }
            None => keys
                .get(self.source, &pattern(p))
                .map(|key| salt(key, self.nonce, p))
                .ok_or_else(|| {
                    format!("the disclosed field `{p}` has no salt and the bundle no key for it")
                }),
        }
    }

    /// Each field's pointer, state and commitment, recomputed from value and salt where disclosed;
    /// an error names what does not fit (a salt missing or extra, a field in two states, bad hex).
    pub fn commitments(&self, keys: &SaltKeys) -> Result<Vec<(&str, FieldState, Hash)>, String> {
        if let Some(p) = self.salts.keys().find(|p| !self.disclosed.contains_key(*p)) {
            return Err(format!(
                "it has a salt for `{p}`, which it does not disclose"
            ));
        }
        let mut out = Vec::with_capacity(
            self.disclosed.len()
                + self.withheld.len()
                + self.pseudonymized.len()
                + self.erased.len(),
        );
        for (p, v) in &self.disclosed {
            let salt = self.salt_of(keys, p)?;
            out.push((
                p.as_str(),
                FieldState::Disclosed,
                commitment(&salt, p, v.as_bytes()),
            ));
        }
        for (state, map) in [
            (FieldState::Withheld, &self.withheld),
            (FieldState::Pseudonymized, &self.pseudonymized),
            (FieldState::Erased, &self.erased),
        ] {
            for (p, c) in map {
                let c = hex32(c).ok_or_else(|| {
                    format!(
                        "the commitment of the {} field `{p}` is not 32 bytes of hex",
                        state.key()
                    )
                })?;
                out.push((p.as_str(), state, c));
            }
        }
        out.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(format!("the field `{}` is given twice", w[0].0));
        }
        Ok(out)
    }

    /// The event's Merkle leaf.
    pub fn leaf(&self, keys: &SaltKeys) -> Result<Hash, String> {
        let fields: Vec<(&str, Hash)> = self
            .commitments(keys)?
            .into_iter()
            .map(|(p, _, c)| (p, c))
            .collect();
        Ok(leaf_of_sorted(&fields))
    }

    /// The event id, when disclosed.
    pub fn event_id(&self) -> Option<String> {
        serde_json::from_str(self.disclosed.get("/event_id")?).ok()
    }

    /// This line with every disclosed field's salt written in it, so it proves itself without the
    /// bundle's keys (what `bundle prove` hands out).
    pub fn standalone(&self, keys: &SaltKeys) -> Result<Line, String> {
        let mut out = self.clone();
        for p in self.disclosed.keys() {
            let salt = self.salt_of(keys, p)?;
            out.salts.insert(p.clone(), hex::encode(salt));
        }
        Ok(out)
    }

    /// This line with only the fields at or under `reveal` disclosed (each with its salt) and the
    /// others withheld: what `bundle reveal` hands over. Fields that are not disclosed here cannot
    /// be revealed from it.
    pub fn revealing(&self, keys: &SaltKeys, reveal: &[String]) -> Result<Line, String> {
        let whole = self.standalone(keys)?;
        let commitments = whole.commitments(keys)?;
        let mut out = Line {
            nonce: self.nonce,
            source: self.source,
            ..Line::default()
        };
        if let Some(r) = reveal
            .iter()
            .find(|r| !commitments.iter().any(|(p, _, _)| at_or_under(p, r)))
        {
            return Err(format!("the event has no field `{r}`"));
        }
        for (p, state, c) in commitments {
            // The event's id always goes with what is revealed: it ties the fields to the event.
            if p == "/event_id" || reveal.iter().any(|r| at_or_under(p, r)) {
                if state != FieldState::Disclosed {
                    return Err(format!(
                        "`{p}` is {} in this bundle; reveal it from a bundle that discloses it",
                        state.key()
                    ));
                }
                out.disclosed
                    .insert(p.to_string(), whole.disclosed[p].clone());
                out.salts.insert(p.to_string(), whole.salts[p].clone());
            } else {
                out.withheld.insert(p.to_string(), hex::encode(c));
            }
        }
        Ok(out)
    }
}

/// A field path as a person writes it (`payload.applicant.name`) or as a pointer
/// (`/payload/applicant/name`), as a pointer.
pub fn pointer(path: &str) -> String {
    if path.starts_with('/') || path.is_empty() {
        return path.to_string();
    }
    let mut ptr = String::new();
    for segment in path.split('.') {
        push_segment(&mut ptr, segment);
    }
    ptr
}

/// How many fields of the bundle were in each state, per pointer with array positions read as `*`
/// (so 10,000 events' `/payload/items/0/sku` and `/payload/items/1/sku` count together).
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DisclosureSummary {
    /// Events whose every field is disclosed.
    #[ts(type = "number")]
    pub events_whole: u64,
    /// Events with a field withheld, pseudonymized or erased.
    #[ts(type = "number")]
    pub events_redacted: u64,
    /// Per pointer pattern, how many events do not disclose it, by state.
    pub fields: Vec<FieldStates>,
}

#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldStates {
    pub pointer: String,
    #[ts(type = "number")]
    pub withheld: u64,
    #[ts(type = "number")]
    pub pseudonymized: u64,
    #[ts(type = "number")]
    pub erased: u64,
}

/// Gathers a summary line by line (only a redacted line's fields are looked at one by one).
#[derive(Debug, Default)]
pub struct Tally {
    pub events_whole: u64,
    pub events_redacted: u64,
    /// Withheld, pseudonymized, erased.
    by_pointer: BTreeMap<String, [u64; 3]>,
}

impl Tally {
    pub fn add(&mut self, states: &[(&str, FieldState, Hash)]) {
        if states.iter().all(|s| s.1 == FieldState::Disclosed) {
            self.events_whole += 1;
            return;
        }
        self.events_redacted += 1;
        for (p, state, _) in states {
            let i = match state {
                FieldState::Disclosed => continue,
                FieldState::Withheld => 0,
                FieldState::Pseudonymized => 1,
                FieldState::Erased => 2,
            };
            self.by_pointer.entry(pattern(p).into_owned()).or_default()[i] += 1;
        }
    }

    pub fn merge(&mut self, other: Tally) {
        self.events_whole += other.events_whole;
        self.events_redacted += other.events_redacted;
        for (p, counts) in other.by_pointer {
            let mine = self.by_pointer.entry(p).or_default();
            for (m, c) in mine.iter_mut().zip(counts) {
                *m += c;
            }
        }
    }

    pub fn summary(self) -> DisclosureSummary {
        DisclosureSummary {
            events_whole: self.events_whole,
            events_redacted: self.events_redacted,
            fields: self
                .by_pointer
                .into_iter()
                .map(|(pointer, c)| FieldStates {
                    pointer,
                    withheld: c[0],
                    pseudonymized: c[1],
                    erased: c[2],
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::merkle;
    use serde_json::json;

    const KEY: SaltKey = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
    const NONCE: Nonce = 5;
    const SOURCE: i64 = 3;

    fn event() -> Value {
        json!({"event_id": "e-1", "payload": {"a/b": 1.5, "t~x": 2, "list": [true, null], "empty": {}, "name": "Zoë"}})
    }

    /// The event as a redaction would show it: a field dropped, one pseudonymized, one erased.
    fn redacted() -> Value {
        json!({"event_id": "e-1", "payload": {"a/b": 1.5, "t~x": "pseu-0011", "empty": {}, "name": "[erased]"}})
    }

    /// The bundle's keys when it carries KEY for every pattern of SOURCE.
    fn carried_keys() -> SaltKeys {
        let patterns = [
            "/event_id",
            "/payload/a~1b",
            "/payload/empty",
            "/payload/list/*",
            "/payload/name",
            "/payload/t~0x",
        ];
        let file: SaltKeysFile = [(
            SOURCE.to_string(),
            patterns
                .iter()
                .map(|p| (p.to_string(), hex::encode(KEY)))
                .collect(),
        )]
        .into();
        SaltKeys::parse(&serde_json::to_vec(&file).unwrap()).unwrap()
    }

    /// A line of `shown` under KEY and NONCE; `keyed` says the bundle carries the keys.
    fn line_of(shown: &Value, keyed: bool) -> Result<(Line, Hash), String> {
        Line::new(&flatten(&event()), &flatten(shown), SOURCE, NONCE, |p| {
            (salt(&KEY, NONCE, p), keyed)
        })
    }

    /// The vectors were computed by a separate implementation (Python's hashlib, from the
    /// construction as written in ARCHITECTURE.md) over fields written out by hand.
    #[test]
    fn a_known_event_gives_the_salt_commitment_and_leaf_an_outside_implementation_computes() {
        let fields = flatten(&event());
        let by_hand: Vec<(&str, &str)> = vec![
            ("/event_id", "\"e-1\""),
            ("/payload/a~1b", "1.5"),
            ("/payload/empty", "{}"),
            ("/payload/list/0", "true"),
            ("/payload/list/1", "null"),
            ("/payload/name", "\"Zoë\""),
            ("/payload/t~0x", "2"),
        ];
        let got: Vec<(&str, &str)> = fields
            .iter()
            .map(|(p, v)| (p.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, by_hand);
        let s = salt(&KEY, NONCE, "/event_id");
        assert_eq!(hex::encode(s), "e12aa50e4b2ee3dd52d5b9711a261cbe");
        assert_eq!(
            hex::encode(commitment(&s, "/event_id", b"\"e-1\"")),
            "925fcf8bd52028956340af0fb7ff4d912575f5202c9737eb311ba6e9c5deb407"
        );
        let expected = "07f6d9d2e40b095e5919f19c55eebc0f5ea959bab763f0566672b24091dc666b";
        // With the salts in the line, and with the keys in the bundle instead.
        let (line, leaf) = line_of(&event(), false).unwrap();
        assert_eq!(hex::encode(leaf), expected);
        assert_eq!(
            hex::encode(line.leaf(&SaltKeys::default()).unwrap()),
            expected
        );
        assert_eq!(line.salts.len(), 7);
        let (keyed, _) = line_of(&event(), true).unwrap();
        assert!(keyed.salts.is_empty());
        assert_eq!(hex::encode(keyed.leaf(&carried_keys()).unwrap()), expected);
        assert!(
            keyed.leaf(&SaltKeys::default()).is_err(),
            "no salt and no key"
        );
        assert_eq!(pattern("/payload/list/1"), "/payload/list/*");
    }

    /// The bundle's README gives a test vector for whoever checks a bundle without Casefile.
    #[test]
    fn the_readme_of_every_bundle_gives_the_salt_and_commitment_the_code_computes() {
        let readme = crate::bundle::export::README;
        let s = salt(&KEY, NONCE, "/event_id");
        assert!(readme.contains(&format!("key {}", hex::encode(KEY))));
        assert!(readme.contains(&format!("nonce {NONCE}")));
        assert!(readme.contains(&format!("salt {}", hex::encode(s))));
        let c = commitment(&s, "/event_id", b"\"e-1\"");
        assert!(
            readme.contains(&format!("c {}", hex::encode(c))),
            "{readme}"
        );
    }

    #[test]
    fn a_whole_and_a_redacted_line_of_one_event_have_the_same_leaf() {
        let (whole, leaf) = line_of(&event(), true).unwrap();
        let (line, redacted_leaf) = line_of(&redacted(), false).unwrap();
        assert_eq!(redacted_leaf, leaf);
        assert_eq!(
            line.withheld.keys().collect::<Vec<_>>(),
            ["/payload/list/0", "/payload/list/1"]
        );
        assert_eq!(
            line.pseudonymized.keys().collect::<Vec<_>>(),
            ["/payload/t~0x"]
        );
        assert_eq!(line.pseudonyms["/payload/t~0x"], "\"pseu-0011\"");
        assert_eq!(line.erased.keys().collect::<Vec<_>>(), ["/payload/name"]);
        assert_eq!(line.salts.len(), line.disclosed.len());
        // Written and read back, it gives the same leaf, and nothing of the hidden values.
        let bytes = line.to_bytes();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(!text.contains("Zo") && !text.contains("true"), "{text}");
        assert_eq!(
            Line::parse(&bytes)
                .unwrap()
                .leaf(&SaltKeys::default())
                .unwrap(),
            leaf
        );
        assert_eq!(Line::parse(&whole.to_bytes()).unwrap(), whole);
        // A line is canonical JSON.
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(crate::bundle::canonical_string(&value), text);
        // A field hidden whose key the bundle would carry is refused, naming it.
        assert_eq!(line_of(&redacted(), true).unwrap_err(), "/payload/list/0");
    }

    #[test]
    fn an_object_pseudonymized_or_erased_whole_commits_to_each_value_under_it() {
        let original = flatten(&json!({"p": {"who": {"first": "Ann", "last": "Lee"}}}));
        let of = |shown: &Value| {
            Line::new(&original, &flatten(shown), SOURCE, NONCE, |p| {
                (salt(&KEY, NONCE, p), false)
            })
            .unwrap()
        };
        let (whole, leaf) = of(&json!({"p": {"who": {"first": "Ann", "last": "Lee"}}}));
        let (erased, l2) = of(&json!({"p": {"who": "[erased]"}}));
        let (pseudo, l3) = of(&json!({"p": {"who": "pseu-1"}}));
        assert_eq!((l2, l3), (leaf, leaf));
        assert_eq!(erased.erased.len(), 2);
        assert_eq!(pseudo.pseudonymized.len(), 2);
        assert_eq!(pseudo.pseudonyms.keys().collect::<Vec<_>>(), ["/p/who"]);
        assert_eq!(whole.disclosed.len(), 2);
        // A dropped envelope field reads null: withheld, not pseudonymized.
        let original = flatten(&json!({"actor": "u-7", "event_id": "e"}));
        let salt_of = |p: &str| (salt(&KEY, NONCE, p), false);
        let (dropped, l4) = Line::new(
            &original,
            &flatten(&json!({"actor": null, "event_id": "e"})),
            SOURCE,
            NONCE,
            salt_of,
        )
        .unwrap();
        assert_eq!(dropped.withheld.keys().collect::<Vec<_>>(), ["/actor"]);
        assert_eq!(
            l4,
            Line::new(&original, &original, SOURCE, NONCE, salt_of)
                .unwrap()
                .1
        );
    }

    /// Dropping a field can leave its object empty: the field is withheld, not pseudonymized.
    #[test]
    fn a_field_dropped_from_an_object_it_leaves_empty_is_withheld() {
        let original = flatten(&json!({"metadata": {"ip": "10.0.0.1"}, "items": ["a"]}));
        let shown = flatten(&json!({"metadata": {}, "items": []}));
        let (line, _) = Line::new(&original, &shown, SOURCE, NONCE, |p| {
            (salt(&KEY, NONCE, p), false)
        })
        .unwrap();
        assert_eq!(
            line.withheld.keys().collect::<Vec<_>>(),
            ["/items/0", "/metadata/ip"]
        );
        assert!(line.pseudonymized.is_empty() && line.pseudonyms.is_empty());
    }

    /// Every element of a disclosure changed alone: value, salt, key, nonce, source, commitment,
    /// pointer, a field moved between states, added or removed. Each gives another leaf or is
    /// refused.
    #[test]
    fn every_element_of_a_disclosure_mutated_changes_the_leaf_or_is_refused() {
        let keys = carried_keys();
        let (whole, leaf) = line_of(&event(), true).unwrap();
        let (line, _) = line_of(&redacted(), false).unwrap();
        // Both readings of a line: into a Line, and verification's borrowed one.
        let read = |l: &Line, k: &SaltKeys| {
            let viewed = leaf_of_line(&l.to_bytes(), k, &mut Tally::default());
            let parsed = l.leaf(k);
            assert_eq!(viewed.is_ok(), parsed.is_ok(), "{viewed:?} {parsed:?}");
            if let (Ok(a), Ok(b)) = (&viewed, &parsed) {
                assert_eq!(a, b);
            }
            parsed
        };
        assert_eq!(read(&whole, &keys).unwrap(), leaf);
        assert_eq!(read(&line, &keys).unwrap(), leaf);
        let differs = |l: &Line, k: &SaltKeys, what: &str| {
            if let Ok(got) = read(l, k) {
                assert_ne!(got, leaf, "{what} kept the leaf")
            }
        };
        let refused =
            |l: &Line, what: &str| assert!(read(l, &keys).is_err(), "{what} was accepted");
        let flip = |hex: &mut String| {
            let last = hex.pop().unwrap();
            hex.push(if last == '0' { '1' } else { '0' });
        };

        let mut m = line.clone();
        m.disclosed.insert("/payload/a~1b".into(), "1.50".into());
        differs(&m, &keys, "a value written differently");
        let mut m = whole.clone();
        m.disclosed.insert("/event_id".into(), "\"e-2\"".into());
        differs(&m, &keys, "a value changed under a carried key");
        let mut m = line.clone();
        flip(m.salts.get_mut("/event_id").unwrap());
        differs(&m, &keys, "a salt");
        let mut other_key = carried_keys();
        other_key
            .0
            .get_mut(&SOURCE)
            .unwrap()
            .insert("/event_id".into(), [9; 16]);
        differs(&whole, &other_key, "a carried key");
        let mut m = whole.clone();
        m.nonce += 1;
        differs(&m, &keys, "the nonce");
        let mut m = whole.clone();
        m.source = SOURCE + 1;
        refused(&m, "another source (no keys)");
        let mut m = line.clone();
        flip(m.withheld.get_mut("/payload/list/0").unwrap());
        differs(&m, &keys, "a withheld field's commitment");
        let mut m = line.clone();
        let c = m.erased.remove("/payload/name").unwrap();
        m.erased.insert("/payload/nam".into(), c);
        differs(&m, &keys, "an erased field's pointer");
        let mut m = line.clone();
        let v = m.disclosed.remove("/event_id").unwrap();
        let s = m.salts.remove("/event_id").unwrap();
        m.disclosed.insert("/event_ids".into(), v);
        m.salts.insert("/event_ids".into(), s);
        differs(&m, &keys, "a disclosed field's pointer");
        let mut m = line.clone();
        m.withheld.remove("/payload/list/1");
        differs(&m, &keys, "a field removed");
        let mut m = line.clone();
        m.withheld.insert("/payload/extra".into(), "00".repeat(32));
        differs(&m, &keys, "a field added");
        let mut m = line.clone();
        let c = m.erased.remove("/payload/name").unwrap();
        m.withheld.insert("/payload/name".into(), c);
        assert_eq!(
            read(&m, &keys).unwrap(),
            leaf,
            "a state is a presentation, not a commitment"
        );
        let mut m = line.clone();
        m.erased.remove("/payload/name");
        m.disclosed.insert("/payload/name".into(), "\"Bob\"".into());
        m.salts.insert("/payload/name".into(), "00".repeat(16));
        differs(&m, &keys, "an erased value replaced by a guess");

        let mut m = line.clone();
        m.salts.insert("/payload/list/0".into(), "00".repeat(16));
        refused(&m, "a salt of a withheld field");
        let mut m = line.clone();
        m.withheld.insert("/event_id".into(), "00".repeat(32));
        refused(&m, "a field in two states");
        let mut m = line.clone();
        m.withheld.insert("/payload/list/0".into(), "zz".into());
        refused(&m, "a commitment that is not hex");
        // Keys repeated or out of order, which parsers resolve differently, are refused.
        let text = String::from_utf8(whole.to_bytes()).unwrap();
        let twice = text.replacen(
            "{\"/event_id\":\"\\\"e-1\\\"\",",
            "{\"/event_id\":\"\\\"e-1\\\"\",\"/event_id\":\"\\\"e-9\\\"\",",
            1,
        );
        assert_ne!(twice, text);
        assert!(Line::parse(twice.as_bytes()).is_err());
        assert!(Line::parse(br#"{"disclosed":{"/b":"1","/a":"2"},"nonce":1,"source":1}"#).is_err());
        assert!(Line::parse(br#"{"disclosed":{},"nonce":1,"source":1,"extra":1}"#).is_err());
        // A map given as null, or `disclosed` missing, is refused by both readers.
        for bad in [
            &br#"{"disclosed":{},"nonce":1,"source":1,"withheld":null}"#[..],
            br#"{"nonce":1,"source":1}"#,
        ] {
            assert!(Line::parse(bad).is_err());
            assert!(leaf_of_line(bad, &keys, &mut Tally::default()).is_err());
        }
    }

    #[test]
    fn an_event_proven_in_a_tree_fails_when_its_audit_path_is_mutated() {
        let salter = Salter::new(
            CaseKey::new(vec![7; 32]),
            Default::default(),
            Default::default(),
        );
        let events = [
            json!({"event_id": "a"}),
            event(),
            json!({"event_id": "c", "x": [1]}),
        ];
        let leaves: Vec<Hash> = events
            .iter()
            .enumerate()
            .map(|(i, e)| salter.event_leaf(i as i64, SOURCE, e))
            .collect();
        let root = merkle::root_of(&leaves);
        let mut path = merkle::inclusion_proof(&leaves, 1);
        assert!(merkle::verify_inclusion(&leaves[1], 1, 3, &path, &root));
        path[0][5] ^= 1;
        assert!(!merkle::verify_inclusion(&leaves[1], 1, 3, &path, &root));
    }

    #[test]
    fn a_field_revealed_later_checks_against_the_commitment_a_redacted_line_kept() {
        let keys = carried_keys();
        let (whole, leaf) = line_of(&event(), true).unwrap();
        let (line, _) = line_of(&redacted(), false).unwrap();
        let revealed = whole.revealing(&keys, &[pointer("payload.name")]).unwrap();
        // The event's id goes with it, tying the field to the event.
        assert_eq!(
            revealed.disclosed.keys().collect::<Vec<_>>(),
            ["/event_id", "/payload/name"]
        );
        assert_eq!(revealed.disclosed["/payload/name"], "\"Zoë\"");
        // It proves itself: no keys needed.
        assert_eq!(revealed.leaf(&SaltKeys::default()).unwrap(), leaf);
        // The revealed value and salt give the very commitment the redacted line carries.
        let salt = hex16(&revealed.salts["/payload/name"]).unwrap();
        assert_eq!(
            hex::encode(commitment(&salt, "/payload/name", "\"Zoë\"".as_bytes())),
            line.erased["/payload/name"]
        );
        // A whole object reveals what is under it; what a bundle does not disclose it cannot reveal.
        assert_eq!(
            whole
                .revealing(&keys, &["/payload/list".into()])
                .unwrap()
                .disclosed
                .len(),
            3
        );
        assert!(line.revealing(&keys, &["/payload/name".into()]).is_err());
        assert!(whole.revealing(&keys, &["/payload/nope".into()]).is_err());
        assert_eq!(pointer("payload.a/b"), "/payload/a~1b");
    }

    /// A key goes into a bundle only for a source it holds whole and a field nothing could hide.
    #[test]
    fn keys_are_carried_only_for_whole_sources_and_fields_no_rule_names() {
        let maybe = MaybeHidden::new([
            "payload.contacts.*.email",
            "actor",
            "name",
            "payload.items.0",
            "payload.inputs.income",
        ]);
        assert!(maybe.covers("/payload/contacts/*/email") && maybe.covers("/actor"));
        assert!(maybe.covers("/payload/name") && maybe.covers("/payload/who/name"));
        assert!(
            maybe.covers("/payload/inputs/income/monthly"),
            "under what a rule hides"
        );
        assert!(!maybe.covers("/payload/inputs/score"), "beside it");
        assert!(
            maybe.covers("/payload/lines/*/qty"),
            "a position named makes every position maybe hidden"
        );
        assert!(!maybe.covers("/payload/amount") && !maybe.covers("/event_id"));
        assert!(MaybeHidden::new(["payload.*"]).covers("/payload/x/y"));
        let salter = Salter::new(CaseKey::new(vec![1; 32]), [1].into(), maybe);
        let e = json!({"event_id": "e", "actor": "u", "payload": {"amount": 3}});
        let shown = json!({"event_id": "e", "actor": null, "payload": {"amount": 3}});
        let (in_whole, _) = salter.line(1, 1, &flatten(&e), &flatten(&shown)).unwrap();
        let (in_part, _) = salter.line(2, 2, &flatten(&e), &flatten(&shown)).unwrap();
        assert!(in_whole.salts.is_empty() && in_whole.withheld.contains_key("/actor"));
        assert_eq!(in_part.salts.len(), in_part.disclosed.len());
        let carried = salter.carried_keys();
        assert_eq!(carried.keys().collect::<Vec<_>>(), ["1"]);
        assert!(
            carried["1"].contains_key("/payload/amount") && !carried["1"].contains_key("/actor")
        );
    }
}
