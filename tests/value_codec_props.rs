//! Property tests of the cty value codecs: every type round-trips through msgpack (and, when
//! wholly known, through JSON), and no input bytes make a decoder panic.

use std::collections::BTreeMap;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use terraform_provider_avnm::value::{Number, Refinements, Type, Value, json, msgpack, type_json};

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            btree_map("[a-z_]{1,6}", inner, 0..4).prop_map(Type::object),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from_i64),
        any::<u64>().prop_map(Number::from_u64),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        any::<f32>().prop_filter_map("finite", |f| Number::from_f64(f64::from(f))),
        ("-?[0-9]{1,40}(\\.[0-9]{1,40})?", -500i32..500).prop_map(|(digits, exp)| format!(
            "{digits}e{exp}"
        )
        .parse()
        .unwrap()),
    ]
}

/// Refinements that apply to `ty` and survive encoding (cty never sends "definitely null",
/// an empty prefix or refinements of a dynamic unknown).
fn arb_refinements(ty: &Type) -> BoxedStrategy<Refinements> {
    let nullable = prop::option::of(Just(false));
    match ty {
        Type::Dynamic => Just(Refinements::default()).boxed(),
        Type::String => (nullable, prop::option::of("[a-z/]{1,8}"))
            .prop_map(|(nullable, string_prefix)| Refinements {
                nullable,
                string_prefix,
                ..Refinements::default()
            })
            .boxed(),
        Type::Number => (
            nullable,
            prop::option::of((arb_number(), any::<bool>())),
            prop::option::of((arb_number(), any::<bool>())),
        )
            .prop_map(|(nullable, number_lower, number_upper)| Refinements {
                nullable,
                number_lower,
                number_upper,
                ..Refinements::default()
            })
            .boxed(),
        Type::List(_) | Type::Set(_) | Type::Map(_) => (
            nullable,
            prop::option::of(any::<u64>()),
            prop::option::of(any::<u64>()),
        )
            .prop_map(|(nullable, length_lower, length_upper)| Refinements {
                nullable,
                length_lower,
                length_upper,
                ..Refinements::default()
            })
            .boxed(),
        _ => nullable
            .prop_map(|nullable| Refinements {
                nullable,
                ..Refinements::default()
            })
            .boxed(),
    }
}

/// A known (not null, not unknown at the top) value of `ty`.
fn arb_known(ty: &Type) -> BoxedStrategy<Value> {
    match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => any::<String>().prop_map(Value::String).boxed(),
        Type::List(e) => vec(arb_value(e), 0..4).prop_map(Value::List).boxed(),
        Type::Set(e) => vec(arb_value(e), 0..4).prop_map(Value::Set).boxed(),
        Type::Map(e) => btree_map(".{0,6}", arb_value(e), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(types) => types
            .iter()
            .map(arb_value)
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object(attrs, _) => {
            let names: Vec<String> = attrs.keys().cloned().collect();
            attrs
                .values()
                .map(arb_value)
                .collect::<Vec<_>>()
                .prop_map(move |values| {
                    Value::Object(
                        names
                            .iter()
                            .cloned()
                            .zip(values)
                            .collect::<BTreeMap<_, _>>(),
                    )
                })
                .boxed()
        }
        // A dynamic value is a concrete type and a (possibly null or unknown) value of it.
        Type::Dynamic => arb_type()
            .prop_filter("concrete", |t| *t != Type::Dynamic)
            .prop_flat_map(|t| {
                arb_value(&t).prop_map(move |v| Value::Dynamic(t.clone(), Box::new(v)))
            })
            .boxed(),
    }
}

fn arb_value(ty: &Type) -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => arb_refinements(ty).prop_map(Value::Unknown),
        6 => arb_known(ty),
    ]
    .boxed()
}

fn typed_value() -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(|ty| {
        let value = arb_value(&ty);
        (Just(ty), value)
    })
}

/// Replaces unknowns by nulls, so that a value can go through JSON.
fn known(value: Value) -> Value {
    match value {
        Value::Unknown(_) => Value::Null,
        Value::List(v) => Value::List(v.into_iter().map(known).collect()),
        Value::Set(v) => Value::Set(v.into_iter().map(known).collect()),
        Value::Tuple(v) => Value::Tuple(v.into_iter().map(known).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, known(v))).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, known(v))).collect()),
        Value::Dynamic(t, v) => Value::Dynamic(t, Box::new(known(*v))),
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_round_trips_every_type((ty, value) in typed_value()) {
        let bytes = msgpack::encode(&value, &ty).unwrap();
        prop_assert_eq!(msgpack::decode(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn json_round_trips_known_values((ty, value) in typed_value()) {
        let value = known(value);
        // Numbers beyond f64 precision cannot go into serde_json; that refusal is tested
        // elsewhere, here only representable values are compared.
        if let Ok(json) = json::encode(&value, &ty) {
            let decoded = json::decode(json.to_string().as_bytes(), &ty).unwrap();
            prop_assert_eq!(decoded, value);
        }
    }

    #[test]
    fn type_json_round_trips(ty in arb_type()) {
        prop_assert_eq!(type_json::parse(&type_json::to_bytes(&ty)).unwrap(), ty);
    }

    #[test]
    fn number_text_round_trips(n in arb_number()) {
        prop_assert_eq!(n.to_string().parse::<Number>().unwrap(), n);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_decode_never_panics_on_random_bytes(
        ty in arb_type(),
        bytes in vec(any::<u8>(), 0..96),
    ) {
        let _ = msgpack::decode(&bytes, &ty);
    }

    /// Random bytes rarely get past the first marker; corrupting valid encodings reaches
    /// every branch of the decoder.
    #[test]
    fn msgpack_decode_never_panics_on_corrupted_values(
        (ty, value) in typed_value(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = msgpack::encode(&value, &ty).unwrap();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = msgpack::decode(&bytes, &ty);
        let _ = msgpack::decode(&bytes[..cut.index(bytes.len() + 1)], &ty);
    }

    #[test]
    fn json_decode_never_panics_on_random_text(
        ty in arb_type(),
        text in "[\\[\\]{}\",:0-9a-z.eE+\\\\ -]{0,64}",
        bytes in vec(any::<u8>(), 0..32),
    ) {
        let _ = json::decode(text.as_bytes(), &ty);
        let _ = json::decode(&bytes, &ty);
    }

    #[test]
    fn json_decode_never_panics_on_corrupted_values(
        (ty, value) in typed_value(),
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        if let Ok(json) = json::encode(&known(value), &ty) {
            let mut bytes = json.to_string().into_bytes();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let _ = json::decode(&bytes, &ty);
        }
    }
}
