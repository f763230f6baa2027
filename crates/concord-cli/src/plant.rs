//! `concord check --plant FAULT=ENGINE`: a self-check fault planted in one configuration under its
//! own id, to see that a documented engine's other faults are still caught. For testing Concord
//! itself, so built only with the `plant` feature, which `cargo xtask test` turns on.

use anyhow::{Result, bail};
use concord::engine::Engine;
use concord_self_check::{Fault, Faulty};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Plant {
    fault: Fault,
    engine: String,
}

pub fn parse(text: &str) -> Result<Plant, String> {
    let (name, engine) = text.split_once('=').ok_or_else(|| format!("`{text}` is not FAULT=ENGINE"))?;
    let fault = Fault::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| {
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        format!("no fault named {name}; the faults are {}", names.join(", "))
    })?;
    Ok(Plant { fault, engine: engine.to_string() })
}

/// `engines` with the fault planted in the one it names, if there is a planting.
pub fn planted(plant: Option<&Plant>, mut engines: Vec<Arc<dyn Engine>>) -> Result<Vec<Arc<dyn Engine>>> {
    let Some(plant) = plant else { return Ok(engines) };
    let Some(at) = engines.iter().position(|e| e.id() == plant.engine) else {
        bail!("--plant: no engine {} in this run", plant.engine)
    };
    engines[at] = Arc::new(Faulty::keeping_id(engines[at].clone(), plant.fault));
    Ok(engines)
}
