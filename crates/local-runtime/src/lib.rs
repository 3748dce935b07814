//! Runs a function binary as Lambda runs it, on this machine: a local Runtime API
//! ([`runtime_api`]) and the process around it ([`process`]), timed from start to first poll and
//! from each event to its answer.

pub mod process;
pub mod runtime_api;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
