//! Freeing big collections (a batch's events, evicted groups) off the applying thread.

/// Drops `value` on a blocking thread of the current tokio runtime (inline without one): freeing hundreds of
/// thousands of events takes long enough to hold up the next batch.
pub(crate) fn in_background<T: Send + 'static>(value: T) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn_blocking(move || drop(value))),
        Err(_) => drop(value),
    }
}
