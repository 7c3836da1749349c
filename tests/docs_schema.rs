//! Every schema attribute (and nested block attribute) of every resource and data source is
//! documented on its Registry page (`docs/resources/<name>.md`, `docs/data-sources/<name>.md`,
//! `<name>` without the `avnm_` prefix), as a bullet starting with the attribute in backticks;
//! and every page has the Registry's parts: front matter, an example, and for resources an
//! import section.

use std::path::Path;

use terraform_provider_avnm::protocol::Block;
use terraform_provider_avnm::{data_sources, resources};

/// Names of every attribute and nested-block attribute of `block`, with their block path.
fn attribute_names(block: &Block, prefix: &str, out: &mut Vec<String>) {
    for a in &block.attributes {
        out.push(format!("{prefix}{}", a.name));
    }
    for b in &block.blocks {
        out.push(format!("{prefix}{}", b.type_name));
        attribute_names(&b.block, &format!("{prefix}{}.", b.type_name), out);
    }
}

/// What is wrong with `page` for a type whose attributes are `names`.
fn problems(page_path: &Path, names: &[String], is_resource: bool) -> Vec<String> {
    let Ok(page) = std::fs::read_to_string(page_path) else {
        return vec![format!("{} is missing", page_path.display())];
    };
    let mut found = Vec::new();
    if !page.starts_with("---\n") || !page.contains("page_title:") {
        found.push(format!("{}: no Registry front matter", page_path.display()));
    }
    if !page.contains("```terraform") {
        found.push(format!("{}: no example", page_path.display()));
    }
    if is_resource && !page.contains("## Import") {
        found.push(format!("{}: no import section", page_path.display()));
    }
    for name in names {
        let leaf = name.rsplit('.').next().unwrap_or(name);
        if !page.contains(&format!("- `{leaf}`")) {
            found.push(format!(
                "{}: attribute `{name}` is not documented",
                page_path.display()
            ));
        }
    }
    found
}

#[test]
fn every_schema_attribute_is_documented() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut all_problems = Vec::new();
    let mut pages = 0;
    for r in resources::all() {
        let mut names = Vec::new();
        attribute_names(&r.schema().block, "", &mut names);
        let page = docs
            .join("resources")
            .join(format!("{}.md", r.type_name().trim_start_matches("avnm_")));
        all_problems.extend(problems(&page, &names, true));
        pages += 1;
    }
    for d in data_sources::all() {
        let mut names = Vec::new();
        attribute_names(&d.schema().block, "", &mut names);
        let page = docs
            .join("data-sources")
            .join(format!("{}.md", d.type_name().trim_start_matches("avnm_")));
        all_problems.extend(problems(&page, &names, false));
        pages += 1;
    }
    assert_eq!(pages, 13, "six resources and seven data sources");
    assert!(
        all_problems.is_empty(),
        "documentation gaps:\n{}",
        all_problems.join("\n")
    );
}

#[test]
fn a_missing_attribute_is_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("x.md");
    std::fs::write(
        &page,
        "---\npage_title: x\n---\n```terraform\n```\n## Import\n- `name` - the name\n",
    )
    .unwrap();
    let names = vec!["name".to_string(), "scope.subscription_ids".to_string()];
    let found = problems(&page, &names, true);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("scope.subscription_ids"));
}
