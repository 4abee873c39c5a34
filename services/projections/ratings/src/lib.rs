//! The ratings projection (being written).
