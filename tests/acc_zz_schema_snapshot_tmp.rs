//! Temporary: dumps every schema to a file, to compare before/after a refactor.
use std::fmt::Write;
use terraform_provider_avnm::protocol::Block;
use terraform_provider_avnm::{data_sources, resources};

fn dump(block: &Block, indent: &str, out: &mut String) {
    writeln!(out, "{indent}block desc={:?} deprecated={}", block.description, block.deprecated).unwrap();
    for a in &block.attributes {
        writeln!(out, "{indent}  {:?} desc={:?} sens={} depr={} cou={:?} validators={:?}", a, a.description, a.sensitive, a.deprecated, a.computed_on_update, a.validators.iter().map(|v| v.description).collect::<Vec<_>>()).unwrap();
    }
    for b in &block.blocks {
        writeln!(out, "{indent}  nested {} {:?} min={:?} max={:?} rr={}", b.type_name, b.nesting, b.min_items, b.max_items, b.requires_replace).unwrap();
        dump(&b.block, &format!("{indent}    "), out);
    }
}

#[test]
fn dump_schemas() {
    let mut out = String::new();
    for r in resources::all() {
        let s = r.schema();
        writeln!(out, "resource {} v{}", r.type_name(), s.version).unwrap();
        dump(&s.block, "", &mut out);
    }
    for d in data_sources::all() {
        let s = d.schema();
        writeln!(out, "data {} v{}", d.type_name(), s.version).unwrap();
        dump(&s.block, "", &mut out);
    }
    std::fs::write(std::env::var("SCHEMA_DUMP").unwrap(), out).unwrap();
}
