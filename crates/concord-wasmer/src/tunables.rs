//! Wasmer has no store limiter: a memory limit is a `Tunables` that lowers every memory's maximum
//! to the limit, and refuses a memory whose minimum is already above it.

use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use wasmer::sys::vm::{MemoryError, MemoryStyle, TableStyle, VMMemory, VMMemoryDefinition, VMTable, VMTableDefinition};
use wasmer::sys::{BaseTunables, Tunables};
use wasmer::{MemoryType, Pages, TableType};

pub struct LimitingTunables {
    pub base: BaseTunables,
    pub limit: Pages,
    /// Set when a memory was refused because its minimum exceeds the limit.
    pub refused: Arc<AtomicBool>,
}

impl LimitingTunables {
    fn adjust(&self, ty: &MemoryType) -> MemoryType {
        let mut adjusted = *ty;
        adjusted.maximum = Some(ty.maximum.map_or(self.limit, |max| max.min(self.limit)));
        adjusted
    }

    fn check(&self, ty: &MemoryType) -> Result<(), MemoryError> {
        if ty.minimum > self.limit {
            self.refused.store(true, Ordering::Relaxed);
            return Err(MemoryError::Generic(format!(
                "memory minimum {} pages exceeds the limit of {} pages",
                ty.minimum.0, self.limit.0
            )));
        }
        Ok(())
    }
}

impl Tunables for LimitingTunables {
    fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
        self.base.memory_style(&self.adjust(memory))
    }

    fn table_style(&self, table: &TableType) -> TableStyle {
        self.base.table_style(table)
    }

    fn create_host_memory(&self, ty: &MemoryType, style: &MemoryStyle) -> Result<VMMemory, MemoryError> {
        self.check(ty)?;
        self.base.create_host_memory(&self.adjust(ty), style)
    }

    unsafe fn create_vm_memory(
        &self,
        ty: &MemoryType,
        style: &MemoryStyle,
        vm_definition_location: NonNull<VMMemoryDefinition>,
    ) -> Result<VMMemory, MemoryError> {
        self.check(ty)?;
        // SAFETY: forwarded unchanged from the caller, who upholds the trait's contract.
        unsafe { self.base.create_vm_memory(&self.adjust(ty), style, vm_definition_location) }
    }

    fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
        self.base.create_host_table(ty, style)
    }

    unsafe fn create_vm_table(
        &self,
        ty: &TableType,
        style: &TableStyle,
        vm_definition_location: NonNull<VMTableDefinition>,
    ) -> Result<VMTable, String> {
        // SAFETY: forwarded unchanged from the caller, who upholds the trait's contract.
        unsafe { self.base.create_vm_table(ty, style, vm_definition_location) }
    }
}
