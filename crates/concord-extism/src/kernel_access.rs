use concord_engine::{HostFault, InstanceData, KernelAccess, Refusal};
use extism::CurrentPlugin;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What host functions keep per plugin instance, for which Extism's `CurrentPlugin` has no room:
/// their [`InstanceData`], and the call's input, which Extism does not hand a host function.
#[derive(Default)]
pub struct InstanceSlot {
    pub data: InstanceData,
    pub input: Vec<u8>,
}

/// Every live instance's slot, keyed by the plugin's id; an instance removes its own when dropped.
pub type Instances = Arc<Mutex<HashMap<u128, InstanceSlot>>>;

/// Extism's own kernel, seen through the interface host functions are written against.
pub struct ExtismKernel<'a> {
    pub plugin: &'a mut CurrentPlugin,
    pub slot: &'a mut InstanceSlot,
}

impl ExtismKernel<'_> {
    fn handle(&mut self, offset: u64) -> Result<extism::convert::MemoryHandle, HostFault> {
        self.plugin
            .memory_handle(offset)
            .filter(|h| offset == 0 || !h.is_empty())
            .ok_or_else(|| HostFault::kernel(Refusal::NoBlock, format!("{offset} is not the start of a live block")))
    }
}

fn outside(error: extism::Error) -> HostFault {
    HostFault::kernel(Refusal::OutsideMemory, format!("{error:#}"))
}

impl KernelAccess for ExtismKernel<'_> {
    fn read_block(&mut self, offset: u64) -> Result<Vec<u8>, HostFault> {
        let handle = self.handle(offset)?;
        self.plugin.memory_bytes(handle).map(<[u8]>::to_vec).map_err(outside)
    }

    fn write_block(&mut self, bytes: &[u8]) -> Result<u64, HostFault> {
        let handle = self.plugin.memory_new(bytes).map_err(outside)?;
        Ok(handle.offset())
    }

    fn block_length(&mut self, offset: u64) -> u64 {
        self.plugin.memory_length(offset).unwrap_or(0)
    }

    /// Extism's `memory_alloc` fails only when its kernel cannot grow.
    fn alloc(&mut self, len: u64) -> Result<u64, HostFault> {
        self.plugin.memory_alloc(len).map(|h| h.offset()).map_err(|_| HostFault::OutOfMemory)
    }

    /// `memory_bytes_mut` trusts the handle it is given, so the range is checked against the
    /// block's own length first.
    fn write_into(&mut self, block: u64, at: u64, bytes: &[u8]) -> Result<(), HostFault> {
        let handle = self.handle(block)?;
        let len = handle.len() as u64;
        let end = at.checked_add(bytes.len() as u64).filter(|end| *end <= len).ok_or_else(|| {
            HostFault::kernel(
                Refusal::PastEnd,
                format!("{} bytes at {at} do not fit block {block} of {len} bytes", bytes.len()),
            )
        })?;
        let target = self.plugin.memory_bytes_mut(handle).map_err(outside)?;
        target[at as usize..end as usize].copy_from_slice(bytes);
        Ok(())
    }

    fn free(&mut self, block: u64) -> Result<(), HostFault> {
        match self.plugin.memory_handle(block) {
            Some(handle) if block != 0 => self.plugin.memory_free(handle).map_err(outside),
            _ => Ok(()),
        }
    }

    fn input(&mut self) -> Vec<u8> {
        self.slot.input.clone()
    }

    fn config(&mut self, key: &str) -> Option<String> {
        self.plugin.manifest().config.get(key).cloned()
    }

    fn instance_data(&mut self) -> &mut InstanceData {
        &mut self.slot.data
    }
}
