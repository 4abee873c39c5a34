//! The availability projection (being written).
