//! Reconciling what ARM reports with what the configuration said, so that reading back an
//! unchanged object never produces a diff.
//!
//! ARM reports a cleared description as `""` (or leaves it out) and empty collections as `[]`
//! or `{}`, where Terraform's configuration says `null`; and ARM compares resource IDs without
//! regard to case (and, for scope connections, with or without the leading `/`), answering
//! with its own spelling. Each function here takes ARM's value and the prior (or planned)
//! Terraform value and returns the value to store: ARM's facts, in the user's spelling.

use std::collections::BTreeMap;

use serde_json::Value as Json;

/// A string property of an ARM body, `None` when absent or not a string.
pub fn json_str<'a>(body: &'a Json, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer).and_then(Json::as_str)
}

/// A string-array property of an ARM body (absent → empty).
pub fn json_strings(body: &Json, pointer: &str) -> Vec<String> {
    body.pointer(pointer)
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Free text ARM clears to `""`: empty on ARM's side is `null` in Terraform unless the
/// configuration itself said `""`.
pub fn text_from_arm(arm: Option<&str>, prior: Option<&str>) -> Option<String> {
    match arm {
        Some(text) if !text.is_empty() => Some(text.to_string()),
        _ if prior == Some("") => Some(String::new()),
        _ => None,
    }
}

/// The value to send for free text: ARM only clears a description when it is sent as `""`
/// (leaving it out of a PUT body is not reliably a clear across API versions).
pub fn text_to_arm(planned: Option<&str>) -> &str {
    planned.unwrap_or("")
}

/// ARM's tags (absent or `{}` → `null` unless the configuration said `{}`).
pub fn tags_from_arm(
    body: &Json,
    prior: Option<&BTreeMap<String, String>>,
) -> Option<BTreeMap<String, String>> {
    let tags: BTreeMap<String, String> = body
        .get("tags")
        .and_then(Json::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    if tags.is_empty() && prior.is_none_or(|p| !p.is_empty()) {
        None
    } else {
        Some(tags)
    }
}

/// Whether two ARM resource IDs name the same resource: ARM compares them without regard to
/// case and some bodies leave out the leading `/` (scope connections' `resourceId`).
pub fn same_arm_id(a: &str, b: &str) -> bool {
    a.trim_start_matches('/')
        .trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_start_matches('/').trim_end_matches('/'))
}

/// ARM's ID in the prior spelling when it names the same resource, else ARM's own.
pub fn id_from_arm(arm: &str, prior: Option<&str>) -> String {
    match prior {
        Some(p) if same_arm_id(arm, p) => p.to_string(),
        _ => arm.to_string(),
    }
}

/// A set of IDs or names as ARM reports it, each in the prior spelling when the prior set
/// holds it; an empty set is `null` unless the configuration said `[]`.
pub fn id_set_from_arm(arm: Vec<String>, prior: Option<&[String]>) -> Option<Vec<String>> {
    if arm.is_empty() {
        return match prior {
            Some([]) => Some(Vec::new()),
            _ => None,
        };
    }
    let prior = prior.unwrap_or_default();
    Some(
        arm.into_iter()
            .map(|id| {
                prior
                    .iter()
                    .find(|p| same_arm_id(p, &id))
                    .cloned()
                    .unwrap_or(id)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_text_is_null_unless_configured_empty() {
        assert_eq!(text_from_arm(Some(""), None), None);
        assert_eq!(text_from_arm(None, Some("old")), None);
        assert_eq!(text_from_arm(Some(""), Some("")), Some(String::new()));
        assert_eq!(text_from_arm(Some("x"), None), Some("x".into()));
        assert_eq!(text_from_arm(Some("new"), Some("old")), Some("new".into()));
    }

    #[test]
    fn clearing_text_sends_empty_string() {
        assert_eq!(text_to_arm(None), "");
        assert_eq!(text_to_arm(Some("a")), "a");
    }

    #[test]
    fn empty_tags_follow_the_configuration() {
        let none = json!({});
        let empty = json!({"tags": {}});
        let some = json!({"tags": {"env": "prod"}});
        assert_eq!(tags_from_arm(&none, None), None);
        assert_eq!(
            tags_from_arm(&empty, Some(&BTreeMap::new())),
            Some(BTreeMap::new())
        );
        assert_eq!(
            tags_from_arm(&some, None)
                .unwrap()
                .get("env")
                .map(String::as_str),
            Some("prod")
        );
    }

    #[test]
    fn ids_compare_like_arm() {
        assert!(same_arm_id("subscriptions/ABC", "/subscriptions/abc"));
        assert!(!same_arm_id("/subscriptions/abc", "/subscriptions/abd"));
        assert_eq!(
            id_from_arm("subscriptions/ABC", Some("/subscriptions/abc")),
            "/subscriptions/abc"
        );
        assert_eq!(
            id_from_arm("/subscriptions/x", Some("/subscriptions/y")),
            "/subscriptions/x"
        );
    }

    #[test]
    fn id_sets_keep_the_prior_spelling_and_report_new_members() {
        let prior = vec!["/subscriptions/aa".to_string()];
        let got = id_set_from_arm(
            vec!["/SUBSCRIPTIONS/AA".into(), "/subscriptions/bb".into()],
            Some(&prior),
        );
        assert_eq!(
            got,
            Some(vec!["/subscriptions/aa".into(), "/subscriptions/bb".into()])
        );
        assert_eq!(id_set_from_arm(vec![], Some(&prior)), None);
        assert_eq!(id_set_from_arm(vec![], Some(&[])), Some(vec![]));
    }

    #[test]
    fn json_helpers_read_properties() {
        let body = json!({"properties": {"description": "d", "list": ["a", 1, "b"]}});
        assert_eq!(json_str(&body, "/properties/description"), Some("d"));
        assert_eq!(json_str(&body, "/properties/missing"), None);
        assert_eq!(json_strings(&body, "/properties/list"), vec!["a", "b"]);
    }
}
