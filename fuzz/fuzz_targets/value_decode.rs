//! Fuzzes both value decoders against a set of representative types. Any input may be
//! rejected, none may panic, and whatever decodes must survive an encode/decode round trip.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports)]
#[path = "../../src/value/mod.rs"]
mod value;

use value::{Type, json, msgpack};

/// The types to decode against, chosen by the first input byte.
fn types() -> Vec<Type> {
    let block = Type::object([
        ("id", Type::String),
        ("count", Type::Number),
        ("enabled", Type::Bool),
        ("tags", Type::map(Type::String)),
        ("ids", Type::set(Type::String)),
        ("pair", Type::Tuple(vec![Type::String, Type::Number])),
        ("any", Type::Dynamic),
    ]);
    vec![
        Type::Dynamic,
        Type::Number,
        Type::String,
        Type::list(Type::Number),
        Type::map(Type::Dynamic),
        Type::object([
            ("scope", Type::list(block.clone())),
            ("single", block.clone()),
        ]),
        Type::set(block),
    ]
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let types = types();
    let ty = &types[usize::from(selector) % types.len()];

    if let Ok(decoded) = msgpack::decode(payload, ty) {
        let bytes = msgpack::encode(&decoded, ty).expect("a decoded value encodes");
        let again = msgpack::decode(&bytes, ty).expect("an encoded value decodes");
        assert_eq!(again, decoded);
    }
    if let Ok(decoded) = json::decode(payload, ty) {
        // Numbers beyond f64 precision are refused by the JSON encoder; that is fine.
        if let Ok(encoded) = json::encode(&decoded, ty) {
            let again = json::decode(encoded.to_string().as_bytes(), ty).expect("decodes");
            assert_eq!(again, decoded);
        }
    }
});
