use concord_engine::{HostFault, KernelAccess, Refusal};
use extism::CurrentPlugin;

/// Extism's own kernel, seen through the interface host functions are written against.
pub struct ExtismKernel<'a>(pub &'a mut CurrentPlugin);

impl KernelAccess for ExtismKernel<'_> {
    fn read_block(&mut self, offset: u64) -> Result<Vec<u8>, HostFault> {
        let handle =
            self.0.memory_handle(offset).filter(|h| offset == 0 || !h.is_empty()).ok_or_else(|| {
                HostFault::kernel(Refusal::NoBlock, format!("{offset} is not the start of a live block"))
            })?;
        self.0
            .memory_bytes(handle)
            .map(<[u8]>::to_vec)
            .map_err(|e| HostFault::kernel(Refusal::OutsideMemory, format!("{e:#}")))
    }

    fn write_block(&mut self, bytes: &[u8]) -> Result<u64, HostFault> {
        let handle =
            self.0.memory_new(bytes).map_err(|e| HostFault::kernel(Refusal::OutsideMemory, format!("{e:#}")))?;
        Ok(handle.offset())
    }
}
