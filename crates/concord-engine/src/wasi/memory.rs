use crate::host::HostFault;

/// A guest's linear memory during one host call, with every access bounds-checked.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    pub fn new(bytes: &'a mut [u8]) -> Self {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, HostFault> {
        let start = ptr as usize;
        let end = start + len as usize;
        if end > self.bytes.len() {
            return Err(HostFault::kernel(
                crate::Refusal::OutsideMemory,
                format!("guest pointer {ptr}+{len} is outside linear memory ({} bytes)", self.bytes.len()),
            ));
        }
        Ok(start..end)
    }

    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], HostFault> {
        let range = self.range(ptr, len)?;
        Ok(&self.bytes[range])
    }

    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], HostFault> {
        let range = self.range(ptr, len)?;
        Ok(&mut self.bytes[range])
    }

    pub fn write(&mut self, ptr: u32, data: &[u8]) -> Result<(), HostFault> {
        self.slice_mut(ptr, data.len() as u32)?.copy_from_slice(data);
        Ok(())
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, HostFault> {
        Ok(u32::from_le_bytes(self.slice(ptr, 4)?.try_into().expect("4 bytes")))
    }

    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), HostFault> {
        self.write(ptr, &value.to_le_bytes())
    }
}
