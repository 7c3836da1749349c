//! Attribute paths: where in a value a diagnostic or a plan rule applies.

use std::fmt;

/// One step of an `AttributePath`, as in tfplugin6's `AttributePath.Step`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Attribute(String),
    ElementKeyString(String),
    ElementKeyInt(i64),
}

/// A path into a value, e.g. `scope[0].subscription_ids[2]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AttributePath {
    steps: Vec<PathStep>,
}

impl AttributePath {
    pub fn root() -> Self {
        Self::default()
    }
    pub fn from_steps(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }
    /// The path of a top-level attribute.
    pub fn attr(name: impl Into<String>) -> Self {
        Self {
            steps: vec![PathStep::Attribute(name.into())],
        }
    }
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }
    pub fn is_root(&self) -> bool {
        self.steps.is_empty()
    }
    pub fn join_attr(&self, name: impl Into<String>) -> Self {
        self.join(PathStep::Attribute(name.into()))
    }
    pub fn join_index(&self, index: i64) -> Self {
        self.join(PathStep::ElementKeyInt(index))
    }
    pub fn join_key(&self, key: impl Into<String>) -> Self {
        self.join(PathStep::ElementKeyString(key.into()))
    }
    fn join(&self, step: PathStep) -> Self {
        let mut steps = self.steps.clone();
        steps.push(step);
        Self { steps }
    }
}

impl fmt::Display for AttributePath {
    /// Terraform's own notation: `a.b[0]["k"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(a) if i == 0 => write!(f, "{a}")?,
                PathStep::Attribute(a) => write!(f, ".{a}")?,
                PathStep::ElementKeyString(k) => write!(f, "[{k:?}]")?,
                PathStep::ElementKeyInt(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}
