//! What the verdict compares for the suites whose observers live below it: a spec command's
//! observation (`concord-wast`) and a generated module's (`concord-fuzz`). A case's observation is
//! [`crate::observation::Observation`], beside the trait.

use crate::verdict::Observed;

impl Observed for concord_wast::Observed {
    fn agrees_with(&self, other: &Self) -> bool {
        self == other
    }

    /// Commands an engine could not run are left out of the parties.
    fn unsupported(&self) -> Option<&str> {
        None
    }

    fn detail(&self) -> String {
        self.to_string()
    }
}

impl Observed for concord_fuzz::Observation {
    fn agrees_with(&self, other: &Self) -> bool {
        self == other
    }

    /// An engine that could not take part is left out of a module's observations.
    fn unsupported(&self) -> Option<&str> {
        None
    }

    fn detail(&self) -> String {
        match &self.refused {
            Some(why) => why.clone(),
            None => format!("instantiated, {} steps", self.steps.len()),
        }
    }
}
