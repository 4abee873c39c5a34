//! Realistic, correctly signed webhook traffic for all four platforms.
//!
//! [`script`] draws vendor-neutral chat sessions and agent status changes from a seeded RNG, [`render`]
//! turns them into each vendor's exact JSON, [`sign`] authenticates them as the vendor would, [`traffic`]
//! interleaves many sessions into one delivery stream, and [`driver`] sends it over HTTP at a rate and
//! reports sent/acknowledged/failed and latency percentiles.

pub mod demo;
pub mod driver;
pub mod plan;
pub mod render;
pub mod script;
pub mod sign;
pub mod traffic;

pub use driver::{DriverOptions, Report};
pub use traffic::{Delivery, Traffic};
