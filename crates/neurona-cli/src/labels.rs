//! Class labels as the command reads them from tables and model files: integers when every label
//! is one (so that they sort as numbers, as scikit-learn sorts integer labels), text otherwise.

use std::fmt;

use neurona::persist::ModelLabel;
use serde_json::{Value, json};

/// A class label as a model file holds it: text, or an integer (the classes of a table whose
/// labels are all integers, and of a model from the Python package or the Rust crate trained on
/// integers). Integers sort as numbers, before any text, so that a model's classes keep the
/// order its outputs follow.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClassLabel {
    Int(i64),
    Text(String),
}

impl ClassLabel {
    /// A table's label: the integer it spells when `integers` (see [`integer_labels`]), else
    /// the text.
    pub fn parse(text: &str, integers: bool) -> Self {
        match text.parse() {
            Ok(value) if integers => Self::Int(value),
            _ => Self::Text(text.to_owned()),
        }
    }
}

/// Whether a table's labels are read as integers: for a model fitted before (`--warm-start`),
/// when its classes are; for a fresh one, when every label is an integer written plainly (`3`,
/// `-1`; not `03` or `+3`, which would merge with `3`), so that the classes sort as numbers (3
/// before 10), as scikit-learn sorts integer labels.
pub fn integer_labels(labels: &[String], classes: &[ClassLabel]) -> bool {
    if !classes.is_empty() {
        return classes.iter().all(|c| matches!(c, ClassLabel::Int(_)));
    }
    !labels.is_empty() && labels.iter().all(|l| l.parse::<i64>().is_ok_and(|v| v.to_string() == *l))
}

/// The table's labels as the labels of a model with these classes (none yet: a fresh one),
/// and whether they are integers ([`integer_labels`]).
pub fn model_labels(labels: &[String], classes: &[ClassLabel]) -> (Vec<ClassLabel>, bool) {
    let integers = integer_labels(labels, classes);
    (labels.iter().map(|label| ClassLabel::parse(label, integers)).collect(), integers)
}

/// The labels as text, as predictions and reports name them.
pub fn texts(labels: &[ClassLabel]) -> Vec<String> {
    labels.iter().map(ClassLabel::to_string).collect()
}

/// As the label itself (`5`, `"setosa"`): the core's messages show labels with `{:?}`.
impl fmt::Debug for ClassLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(value) => write!(f, "{value}"),
            Self::Text(text) => write!(f, "{text:?}"),
        }
    }
}

impl fmt::Display for ClassLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(value) => write!(f, "{value}"),
            Self::Text(text) => f.write_str(text),
        }
    }
}

impl ModelLabel for ClassLabel {
    fn to_json(&self) -> Value {
        match self {
            Self::Int(value) => json!(value),
            Self::Text(text) => json!(text),
        }
    }

    fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::String(text) => Some(Self::Text(text.clone())),
            other => other.as_i64().map(Self::Int),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_labels_sort_integers_as_numbers_and_round_trip_through_json() {
        let mut labels =
            vec![ClassLabel::Text("b".into()), ClassLabel::Int(10), ClassLabel::Int(-2), ClassLabel::Int(3)];
        labels.sort();
        assert_eq!(texts(&labels), ["-2", "3", "10", "b"]);
        for label in &labels {
            assert_eq!(ClassLabel::from_json(&label.to_json()).as_ref(), Some(label));
        }
        assert_eq!(ClassLabel::from_json(&json!(true)), None);
        assert_eq!(ClassLabel::from_json(&json!(1.5)), None);
    }

    #[test]
    fn labels_are_integers_when_they_all_are_or_the_model_s_classes_are() {
        let texts = |labels: &[&str]| labels.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert!(integer_labels(&texts(&["3", "10", "-1"]), &[]));
        assert!(!integer_labels(&texts(&["3", "03"]), &[]), "03 would merge with 3");
        assert!(!integer_labels(&texts(&["3", "x"]), &[]));
        assert!(!integer_labels(&[], &[]));
        assert!(integer_labels(&texts(&["x"]), &[ClassLabel::Int(0), ClassLabel::Int(1)]));
        assert!(!integer_labels(&texts(&["1"]), &[ClassLabel::Text("1".into())]));
        assert_eq!(ClassLabel::parse("1", true), ClassLabel::Int(1));
        assert_eq!(ClassLabel::parse("1.5", true), ClassLabel::Text("1.5".into()));
        assert_eq!(ClassLabel::parse("1", false), ClassLabel::Text("1".into()));
    }
}
