//! The composition root: what each family of functions works with, built once per cold start
//! from configuration (every missing variable reported together), and the Lambda entry points
//! that serve a function's router with it. Function crates name their family's state and call
//! its `run`; nothing here decides anything.

pub mod support;
