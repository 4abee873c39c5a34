//! The unread projection (being written).
