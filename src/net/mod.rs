//! Network-level models between the kernel's [`crate::engine::Transport`] seam and the world:
//! how long each message travels.

mod latency;
mod matrix;

pub use latency::{LINK_TABLE, LatencyModel, Law, LinkLatency};
pub use matrix::{MAX_MATRIX_NODES, Matrix};
