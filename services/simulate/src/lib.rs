//! Realistic, correctly signed webhook traffic for all four platforms.
pub mod plan;
pub mod render;
