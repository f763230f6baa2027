//! What each engine costs, measured once per run on the stream guest.

use super::Progress;
use anyhow::Result;
use concord_engine::Engine;
use concord_report::performance::{Performance, Samples, machine, measure};
use std::sync::Arc;

pub fn measure_all(engines: &[Arc<dyn Engine>], progress: &dyn Progress) -> Result<Performance> {
    let stream = crate::guests::load("stream")?;
    progress.begin(engines.len() as u64, "measuring");
    let costs = engines
        .iter()
        .filter_map(|engine| {
            progress.step(engine.id());
            measure(engine, &stream, &Samples::QUICK)
        })
        .collect();
    progress.end();
    Ok(Performance { machine: machine(), engines: costs })
}
