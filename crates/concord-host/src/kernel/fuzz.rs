//! Random sequences of kernel operations against a model of the block arena: no panic, no two live
//! blocks overlap, lengths and contents are exact, and every offset outside a live block is refused.

use super::Kernel;
use concord_engine::{HostFault, MemoryLimit};
use proptest::prelude::*;

const LIMIT: u64 = 16 * 1024;

#[derive(Debug, Clone)]
enum Op {
    Alloc(u64),
    Free(usize),
    Store8 {
        block: usize,
        at: u64,
        value: u8,
    },
    Store64 {
        block: usize,
        at: u64,
        value: u64,
    },
    Load8 {
        block: usize,
        at: u64,
    },
    Load64 {
        block: usize,
        at: u64,
    },
    Length(usize),
    /// An arbitrary offset, most likely outside every block.
    Wild(u64),
    Output {
        block: usize,
        at: u64,
        len: u64,
    },
    VarRoundTrip {
        block: usize,
    },
    NewCall(Vec<u8>),
    InputLoad(u64),
}

fn op() -> impl Strategy<Value = Op> {
    let block = 0usize..16;
    let at = 0u64..80;
    prop_oneof![
        4 => (0u64..72).prop_map(Op::Alloc),
        2 => block.clone().prop_map(Op::Free),
        3 => (block.clone(), at.clone(), any::<u8>()).prop_map(|(block, at, value)| Op::Store8 { block, at, value }),
        3 => (block.clone(), at.clone(), any::<u64>()).prop_map(|(block, at, value)| Op::Store64 { block, at, value }),
        3 => (block.clone(), at.clone()).prop_map(|(block, at)| Op::Load8 { block, at }),
        3 => (block.clone(), at.clone()).prop_map(|(block, at)| Op::Load64 { block, at }),
        1 => block.clone().prop_map(Op::Length),
        2 => prop_oneof![any::<u64>(), 0u64..LIMIT * 2].prop_map(Op::Wild),
        1 => (block.clone(), 0u64..16, 0u64..80).prop_map(|(block, at, len)| Op::Output { block, at, len }),
        1 => block.prop_map(|block| Op::VarRoundTrip { block }),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::NewCall),
        1 => (0u64..48).prop_map(Op::InputLoad),
    ]
}

#[derive(Debug, Clone)]
struct ModelBlock {
    offset: u64,
    data: Vec<u8>,
    live: bool,
}

#[derive(Default)]
struct Model {
    blocks: Vec<ModelBlock>,
    input: Vec<u8>,
}

impl Model {
    fn pick(&self, index: usize) -> Option<&ModelBlock> {
        (!self.blocks.is_empty()).then(|| &self.blocks[index % self.blocks.len()])
    }

    fn live_at(&self, offset: u64, len: u64) -> Option<(usize, usize)> {
        self.blocks.iter().enumerate().find_map(|(i, b)| {
            let end = offset.checked_add(len)?;
            (b.live && offset >= b.offset && end <= b.offset + b.data.len() as u64)
                .then(|| (i, (offset - b.offset) as usize))
        })
    }
}

fn is_fault<T: std::fmt::Debug>(result: Result<T, HostFault>) -> bool {
    matches!(result, Err(HostFault::Kernel(_)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_kernel_matches_its_model(ops in proptest::collection::vec(op(), 1..120)) {
        let mut kernel = Kernel::new(Some(MemoryLimit::from_bytes(LIMIT)), Default::default());
        let mut model = Model::default();
        for op in ops {
            match op {
                Op::Alloc(len) => match kernel.alloc(len) {
                    Ok(0) => prop_assert_eq!(len, 0),
                    Ok(offset) => {
                        prop_assert!(len > 0);
                        let end = offset + len;
                        for b in model.blocks.iter().filter(|b| b.live) {
                            prop_assert!(end <= b.offset || offset >= b.offset + b.data.len() as u64, "overlap at {}", offset);
                        }
                        model.blocks.retain(|b| b.offset != offset);
                        model.blocks.push(ModelBlock { offset, data: vec![0; len as usize], live: true });
                        prop_assert_eq!(kernel.length(offset), len);
                    }
                    // Every block is followed by an 8-byte guard.
                    Err(HostFault::OutOfMemory) => prop_assert!(kernel.arena().footprint() + len.next_multiple_of(8) + 8 > LIMIT),
                    Err(other) => prop_assert!(false, "alloc({}) failed: {:?}", len, other),
                },
                Op::Free(i) => if let Some(b) = model.pick(i).cloned() {
                    // Freeing what is not a live block changes nothing, as in Extism.
                    prop_assert!(kernel.free(b.offset).is_ok());
                    let index = i % model.blocks.len();
                    model.blocks[index].live = false;
                },
                Op::Store8 { block, at, value } => if let Some(b) = model.pick(block).cloned() {
                    let offset = b.offset + at;
                    match model.live_at(offset, 1) {
                        Some((i, pos)) => { kernel.store_u8(offset, value).unwrap(); model.blocks[i].data[pos] = value; }
                        None => prop_assert!(is_fault(kernel.store_u8(offset, value))),
                    }
                },
                Op::Store64 { block, at, value } => if let Some(b) = model.pick(block).cloned() {
                    let offset = b.offset + at;
                    match model.live_at(offset, 8) {
                        Some((i, pos)) => {
                            kernel.store_u64(offset, value).unwrap();
                            model.blocks[i].data[pos..pos + 8].copy_from_slice(&value.to_le_bytes());
                        }
                        None => prop_assert!(is_fault(kernel.store_u64(offset, value))),
                    }
                },
                Op::Load8 { block, at } => if let Some(b) = model.pick(block).cloned() {
                    let offset = b.offset + at;
                    match model.live_at(offset, 1) {
                        Some((i, pos)) => prop_assert_eq!(kernel.load_u8(offset).unwrap(), model.blocks[i].data[pos]),
                        None => prop_assert!(is_fault(kernel.load_u8(offset))),
                    }
                },
                Op::Load64 { block, at } => if let Some(b) = model.pick(block).cloned() {
                    let offset = b.offset + at;
                    match model.live_at(offset, 8) {
                        Some((i, pos)) => {
                            let expected = u64::from_le_bytes(model.blocks[i].data[pos..pos + 8].try_into().unwrap());
                            prop_assert_eq!(kernel.load_u64(offset).unwrap(), expected);
                        }
                        None => prop_assert!(is_fault(kernel.load_u64(offset))),
                    }
                },
                Op::Length(i) => if let Some(b) = model.pick(i) {
                    prop_assert_eq!(kernel.length(b.offset), if b.live { b.data.len() as u64 } else { 0 });
                },
                Op::Wild(offset) => {
                    let inside = model.live_at(offset, 1).is_some();
                    prop_assert_eq!(kernel.load_u8(offset).is_ok(), inside);
                    prop_assert_eq!(kernel.load_u64(offset).is_ok(), model.live_at(offset, 8).is_some());
                    if !model.blocks.iter().any(|b| b.live && b.offset == offset) {
                        prop_assert_eq!(kernel.length(offset), 0);
                        prop_assert!(kernel.free(offset).is_ok());
                    }
                },
                Op::Output { block, at, len } => if let Some(b) = model.pick(block).cloned() {
                    let offset = b.offset + at;
                    let valid = model.live_at(offset, len).is_some() && len > 0 || (offset == 0 && len == 0);
                    let result = kernel.output_set(offset, len);
                    prop_assert_eq!(result.is_ok(), valid || (len == 0 && model.live_at(offset, 0).is_some()));
                    if result.is_ok() {
                        let (i, pos) = model.live_at(offset, len).unwrap_or((0, 0));
                        let expected = if len == 0 { Vec::new() } else { model.blocks[i].data[pos..pos + len as usize].to_vec() };
                        prop_assert_eq!(kernel.output(), Ok(expected));
                    }
                },
                Op::VarRoundTrip { block } => if let Some(b) = model.pick(block).cloned() {
                    // A var set from a live block reads back as a new block with the same bytes.
                    let Ok(key) = concord_engine::KernelAccess::write_block(&mut kernel, b"key") else { continue };
                    model.blocks.retain(|m| m.offset != key);
                    model.blocks.push(ModelBlock { offset: key, data: b"key".to_vec(), live: true });
                    // The key may have reused the picked block's offset: judge it as it is now.
                    let Some(b) = model.blocks.iter().rev().find(|m| m.offset == b.offset).cloned() else { continue };
                    if b.live {
                        kernel.var_set(key, b.offset).unwrap();
                        // var_set takes both blocks and frees them, as Extism's does; so does var_get its key.
                        for m in model.blocks.iter_mut().filter(|m| m.offset == key || m.offset == b.offset) {
                            m.live = false;
                        }
                        prop_assert_eq!((kernel.length(key), kernel.length(b.offset)), (0, 0));
                        let Ok(key) = concord_engine::KernelAccess::write_block(&mut kernel, b"key") else { continue };
                        model.blocks.retain(|m| m.offset != key);
                        model.blocks.push(ModelBlock { offset: key, data: b"key".to_vec(), live: false });
                        match kernel.var_get(key) {
                            Ok(0) => prop_assert!(b.data.is_empty()),
                            Ok(read) => {
                                prop_assert_eq!(kernel.arena().block(read).unwrap(), &b.data[..]);
                                model.blocks.retain(|m| m.offset != read);
                                model.blocks.push(ModelBlock { offset: read, data: b.data.clone(), live: true });
                            }
                            Err(fault) => prop_assert_eq!(fault, HostFault::OutOfMemory),
                        }
                    } else {
                        prop_assert!(is_fault(kernel.var_set(key, b.offset)));
                    }
                },
                Op::NewCall(input) => {
                    kernel.begin_call(&input);
                    model = Model { blocks: Vec::new(), input };
                },
                Op::InputLoad(at) => {
                    let expected = model.input.get(at as usize).copied();
                    prop_assert_eq!(kernel.input_load_u8(at).ok(), expected);
                    let expected = model.input.get(at as usize..at as usize + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap()));
                    prop_assert_eq!(kernel.input_load_u64(at).ok(), expected);
                },
            }
        }
    }
}
