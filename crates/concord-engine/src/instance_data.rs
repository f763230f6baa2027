//! State a host function keeps for the life of one plugin instance, such as a host module's own
//! instance: it must outlive calls, differ between instances, and go when the instance goes.

use std::any::Any;

/// Values keyed by their owner (a host module, say), dropped with the plugin instance.
#[derive(Default)]
pub struct InstanceData {
    slots: Vec<(usize, Box<dyn Any + Send>)>,
}

impl InstanceData {
    /// Takes `key`'s value out, so its owner can use it while it also uses the kernel; it puts
    /// the value back with [`InstanceData::insert`]. `None` when there is none, or it is not a `T`.
    pub fn take<T: Any + Send>(&mut self, key: usize) -> Option<T> {
        let index = self.slots.iter().position(|(k, value)| *k == key && value.is::<T>())?;
        let (_, value) = self.slots.swap_remove(index);
        value.downcast::<T>().ok().map(|value| *value)
    }

    pub fn insert<T: Any + Send>(&mut self, key: usize, value: T) {
        self.slots.retain(|(k, _)| *k != key);
        self.slots.push((key, Box::new(value)));
    }
}

impl std::fmt::Debug for InstanceData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.slots.iter().map(|(key, _)| key)).finish()
    }
}
