//! What can go wrong in the footprint engine: bad factor data, bad device input, missing factors.
//! Every message says what is wrong and how to fix it.

use std::fmt;

use thiserror::Error;

/// One problem in a factor file, at a dotted key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorIssue {
    /// e.g. `classes.laptop.embodied.gwp.source`.
    pub key: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for FactorIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}. Fix: {}.", self.key, self.problem, self.fix)
    }
}

#[derive(Debug, Error)]
pub enum FootprintError {
    #[error("cannot read the factor file {file}: {reason}")]
    ReadFactors { file: String, reason: String },

    #[error("{}", render_issues(.origin, .issues))]
    InvalidFactors {
        /// The file (or `built-in`) the mistakes are in.
        origin: String,
        issues: Vec<FactorIssue>,
    },

    #[error("unknown asset class \"{given}\". Fix: use one of {}", .known.join(", "))]
    UnknownClass { given: String, known: Vec<String> },

    #[error(
        "the factor set has no embodied factor for class {class}. Fix: give the device a class \
         that has one, or add [classes.{class}] with its embodied gwp, lifespan, power and \
         use_ratio (each with a source) to the file named by [footprint] factors_file"
    )]
    NoClassFactor { class: String },

    #[error(
        "no model \"{name}\" in the factor set. Fix: add [models.\"{name}\"] to the file named by \
         [footprint] factors_file, or leave the model out to use the class factors"
    )]
    UnknownModel { name: String },

    #[error(
        "no electricity factor for \"{zone}\" in {}. Fix: {fix}", .datasets.join(", ")
    )]
    NoElectricityFactor {
        zone: String,
        datasets: Vec<String>,
        fix: String,
    },

    #[error("unknown electricity dataset \"{given}\". Fix: use one of {}", .known.join(", "))]
    UnknownDataset { given: String, known: Vec<String> },

    #[error("{field} = {value} {problem}. Fix: {fix}")]
    InvalidInput {
        field: &'static str,
        value: String,
        problem: String,
        fix: String,
    },
}

fn render_issues(origin: &str, issues: &[FactorIssue]) -> String {
    let mut s = format!(
        "{origin}: {} problem{} in the factor set:",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" }
    );
    for i in issues {
        s.push_str(&format!("\n  - {i}"));
    }
    s
}
