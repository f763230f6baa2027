use super::Kernel;
use concord_engine::{HostFault, MemoryLimit};

fn kernel() -> Kernel {
    Kernel::new(Some(MemoryLimit::from_bytes(1024)), Default::default())
}

#[test]
fn a_block_reads_back_what_was_stored() {
    let mut k = kernel();
    let block = k.alloc(16).unwrap();
    k.store_u64(block + 8, 0x0102_0304_0506_0708).unwrap();
    k.store_u8(block, 9).unwrap();
    assert_eq!(k.load_u64(block + 8).unwrap(), 0x0102_0304_0506_0708);
    assert_eq!(k.load_u8(block).unwrap(), 9);
    assert_eq!(k.length(block), 16);
}

#[test]
fn every_out_of_block_access_is_a_fault() {
    let mut k = kernel();
    let block = k.alloc(16).unwrap();
    for offset in [0, block - 1, block + 9, block + 16, u64::MAX - 3, u64::MAX] {
        assert!(matches!(k.load_u64(offset), Err(HostFault::Kernel(_))), "load_u64({offset})");
        assert!(matches!(k.store_u64(offset, 1), Err(HostFault::Kernel(_))), "store_u64({offset})");
    }
    assert!(matches!(k.load_u8(block + 16), Err(HostFault::Kernel(_))));
    assert!(matches!(k.output_set(block, 17), Err(HostFault::Kernel(_))));
    assert!(matches!(k.output_set(block + 8, u64::MAX), Err(HostFault::Kernel(_))));
}

/// Freeing what is not a live block (a block freed twice, a key the host already took and freed,
/// an offset in no block) changes nothing, as in Extism: PDKs free keys after the host took them.
#[test]
fn freed_blocks_are_not_readable_and_are_reused() {
    let mut k = kernel();
    let block = k.alloc(512).unwrap();
    k.free(block).unwrap();
    assert_eq!(k.length(block), 0);
    assert!(k.load_u8(block).is_err());
    k.free(block).unwrap();
    k.free(block + 4).unwrap();
    k.free(0xdead).unwrap();
    // As in Extism's kernel, a freed block is reused only when a new one would not fit the
    // memory the kernel has (here the 1024-byte limit): a stale offset does not name the next block.
    assert_ne!(k.alloc(8).unwrap(), block, "a new block fits beside the freed one");
    assert_eq!(k.alloc(480).unwrap(), block, "a freed block that fits is reused when nothing else does");
    assert_eq!(k.load_u64(block).unwrap(), 0, "a reused block starts zeroed");
}

#[test]
fn the_arena_stays_within_its_limit() {
    let mut k = kernel();
    assert_eq!(k.alloc(2048), Err(HostFault::OutOfMemory));
    assert_eq!(k.alloc(u64::MAX), Err(HostFault::OutOfMemory));
    assert!(k.alloc(512).is_ok());
    // With no limit, an allocation past the 32-bit address space is answered 0, as Extism's is.
    assert_eq!(Kernel::new(None, Default::default()).alloc(1 << 40), Ok(0));
}

#[test]
fn input_reads_are_bounded() {
    let mut k = kernel();
    k.begin_call(b"0123456789");
    assert_eq!(k.input_load_u8(9).unwrap(), b'9');
    assert_eq!(k.input_load_u64(2).unwrap(), u64::from_le_bytes(*b"23456789"));
    assert!(k.input_load_u8(10).is_err());
    assert!(k.input_load_u64(3).is_err());
    assert!(k.input_load_u64(u64::MAX - 2).is_err());
}

#[test]
fn vars_survive_calls_and_config_is_read_only() {
    let mut k = Kernel::new(Some(MemoryLimit::from_bytes(1024)), [("key".to_string(), "value".to_string())].into());
    let key = k.write_block_for_test(b"n");
    let value = k.write_block_for_test(b"42");
    k.var_set(key, value).unwrap();
    k.begin_call(b"");
    let key = k.write_block_for_test(b"n");
    let read = k.var_get(key).unwrap();
    assert_eq!(k.arena().block(read).unwrap(), b"42");
    let config_key = k.write_block_for_test(b"key");
    let config = k.config_get(config_key).unwrap();
    assert_eq!(k.arena().block(config).unwrap(), b"value");
}

impl Kernel {
    fn write_block_for_test(&mut self, bytes: &[u8]) -> u64 {
        concord_engine::KernelAccess::write_block(self, bytes).unwrap()
    }
}

/// Backends link kernel functions typed; the dynamic path through `resolve` is the fallback for
/// one that cannot. Both must run the same function: a block stored through one is read back
/// through the other, and a bad offset is the same typed fault on both.
#[test]
fn the_dynamic_kernel_path_runs_the_typed_functions() {
    use crate::{HostState, resolve};
    use concord_engine::{InstanceConfig, Val};
    let mut state = HostState::new(&InstanceConfig::default().with_memory_limit(MemoryLimit::from_pages(1)));
    let mut call = |name: &str, args: &[Val]| {
        let import = resolve(super::ENV_MODULE, name, &[]).expect("a kernel function");
        assert!(import.kernel_fn().is_some(), "{name} resolves to its typed kernel function");
        let mut result = None;
        import.invoke_with(&mut state, None, args.iter().copied(), |_, v| result = Some(v)).map(|()| result)
    };
    let Ok(Some(Val::I64(block))) = call("alloc", &[Val::I64(16)]) else { panic!("alloc returns an offset") };
    call("store_u64", &[Val::I64(block + 8), Val::I64(0x0102_0304_0506_0708)]).unwrap();
    call("store_u8", &[Val::I64(block), Val::I32(9)]).unwrap();
    assert_eq!(call("load_u64", &[Val::I64(block + 8)]).unwrap(), Some(Val::I64(0x0102_0304_0506_0708)));
    assert_eq!(call("load_u8", &[Val::I64(block)]).unwrap(), Some(Val::I32(9)));
    assert_eq!(call("length", &[Val::I64(block)]).unwrap(), Some(Val::I64(16)));
    assert!(matches!(call("load_u64", &[Val::I64(block + 9)]), Err(HostFault::Kernel(_))));
    assert_eq!(state.kernel.load_u64(block as u64 + 8).unwrap(), 0x0102_0304_0506_0708);
}

/// A host function the embedder gives under a kernel function's name replaces it: backends link
/// what `resolve` returns, so it must not report the kernel function there.
#[test]
fn an_embedder_function_shadows_the_kernel_function_of_the_same_name() {
    use crate::{HostState, resolve};
    use concord_engine::{HostFunction, InstanceConfig, Val, ValType};
    use std::sync::Arc;
    let user = HostFunction {
        module: super::ENV_MODULE.into(),
        name: "input_length".into(),
        params: vec![],
        results: vec![ValType::I64],
        callback: Arc::new(|_, _| Ok(vec![Val::I64(42)])),
    };
    let import = resolve(super::ENV_MODULE, "input_length", std::slice::from_ref(&user)).unwrap();
    assert!(import.kernel_fn().is_none());
    let mut state = HostState::new(&InstanceConfig::default());
    state.kernel.begin_call(b"abc");
    let mut result = None;
    import.invoke_with(&mut state, None, std::iter::empty(), |_, v| result = Some(v)).unwrap();
    assert_eq!(result, Some(Val::I64(42)));
    assert!(resolve(super::ENV_MODULE, "input_length", &[]).unwrap().kernel_fn().is_some());
}

fn refusal<T: std::fmt::Debug>(result: Result<T, HostFault>) -> (String, Option<concord_engine::Refusal>) {
    match result {
        Err(HostFault::Kernel(fault)) => (fault.function.clone(), fault.refusal),
        other => panic!("expected a kernel fault, got {other:?}"),
    }
}

#[test]
fn a_fault_names_its_function_and_what_it_refused() {
    use concord_engine::Refusal::*;
    let mut k = kernel();
    k.begin_call(b"in");
    let block = k.alloc(12).unwrap();
    let freed = k.alloc(8).unwrap();
    k.free(freed).unwrap();
    assert_eq!(refusal(k.load_u8(0)), ("load_u8".into(), Some(Null)));
    assert_eq!(refusal(k.load_u64(block + 8)), ("load_u64".into(), Some(PastEnd)));
    assert_eq!(refusal(k.store_u64(freed, 1)), ("store_u64".into(), Some(Freed)));
    assert_eq!(refusal(k.store_u8(u64::MAX, 1)), ("store_u8".into(), Some(NoBlock)));
    assert_eq!(refusal(k.output_set(block, 13)), ("output_set".into(), Some(PastEnd)));
    assert_eq!(refusal(k.error_set(block + 4)), ("error_set".into(), Some(MidBlock)));
    assert_eq!(refusal(k.log(super::LogLevel::Warn, 3)), ("log_warn".into(), Some(NoBlock)));
    assert_eq!(refusal(k.config_get(freed)), ("config_get".into(), Some(Freed)));
    assert_eq!(refusal(k.input_load_u64(0)), ("input_load_u64".into(), Some(PastInput)));
}

#[test]
fn offset_zero_is_the_empty_block_wherever_a_whole_block_is_read() {
    let mut k = Kernel::new(Some(MemoryLimit::from_bytes(1024)), [(String::new(), "nameless".to_string())].into());
    k.log(super::LogLevel::Info, 0).unwrap();
    assert_eq!(k.logs(), [(super::LogLevel::Info, String::new())]);
    let value = k.config_get(0).unwrap();
    assert_eq!(k.arena().block(value).unwrap(), b"nameless", "the empty key names the config's empty key");
    let stored = concord_engine::KernelAccess::write_block(&mut k, b"v").unwrap();
    k.var_set(0, stored).unwrap();
    let read = k.var_get(0).unwrap();
    assert_eq!(k.arena().block(read).unwrap(), b"v");
    k.var_set(0, 0).unwrap();
    assert_eq!(k.var_get(0).unwrap(), 0, "value offset 0 removes the var");
    assert_eq!(concord_engine::KernelAccess::read_block(&mut k, 0).unwrap(), b"");
}

#[test]
fn keys_values_and_messages_are_taken_and_freed_as_in_extism() {
    let mut k = kernel();
    let key = concord_engine::KernelAccess::write_block(&mut k, b"k").unwrap();
    let value = concord_engine::KernelAccess::write_block(&mut k, b"v").unwrap();
    k.var_set(key, value).unwrap();
    assert_eq!((k.length(key), k.length(value)), (0, 0));
    let key = concord_engine::KernelAccess::write_block(&mut k, b"k").unwrap();
    k.config_get(key).unwrap();
    assert_eq!(k.length(key), 0);
    let message = concord_engine::KernelAccess::write_block(&mut k, b"m").unwrap();
    k.log(super::LogLevel::Error, message).unwrap();
    assert_eq!(k.length(message), 0);
}

/// Every kernel call returns `Result<_, HostFault>`: the error stays as small as it was before
/// faults carried their function and reason, so the common, successful return is not widened.
#[test]
fn a_host_fault_stays_small() {
    assert!(std::mem::size_of::<HostFault>() <= 32, "{} bytes", std::mem::size_of::<HostFault>());
    assert!(std::mem::size_of::<Result<u64, HostFault>>() <= 32);
}

/// Found by replaying kernel sequences past a refused load under Extism's rules: both Extism hosts
/// answer `length_unsafe` of a freed block with 0, not the length it had.
#[test]
fn length_unsafe_of_a_freed_block_is_zero() {
    let mut k = kernel();
    let block = k.alloc(5).unwrap();
    assert_eq!(k.length_unsafe(block), 5);
    k.free(block).unwrap();
    assert_eq!(k.length_unsafe(block), 0);
}

/// The JavaScript SDK's kernel, as the native one follows it (`kernel/sdk.rs`). These pin the
/// model's reading of the SDK's source; the conformance run is what checks it against the SDK.
mod following_the_javascript_sdk {
    use crate::kernel::Kernel;
    use concord_engine::KernelRules;

    fn sdk() -> Kernel {
        let config = [("greeting".to_string(), "hello".to_string())].into();
        Kernel::new(None, config).following(KernelRules::ExtismJs)
    }

    #[test]
    fn offsets_are_block_indices_and_offset_0_is_a_one_byte_block() {
        let mut k = sdk();
        k.begin_call(b"in");
        assert_eq!(k.input_offset().unwrap(), 1 << 48);
        let block = k.alloc(4).unwrap();
        assert_eq!(block, 2 << 48);
        assert_eq!((k.length(0), k.length(7), k.length(block + 3)), (1, 1, 4));
        k.store_u8(block + 3, 9).unwrap();
        assert_eq!(k.load_u8(block + 3).unwrap(), 9);
        assert!(k.load_u8(block + 4).is_err(), "past the block's DataView");
        assert_eq!(k.load_u8(5 << 48).unwrap(), 0, "no block: undefined, 0 as an i32");
        assert!(k.load_u64(5 << 48).is_err(), "no block: undefined, no BigInt");
        k.free(block).unwrap();
        assert_eq!(k.alloc(4).unwrap(), 3 << 48, "never reused");
    }

    #[test]
    fn the_output_is_the_whole_block_and_a_freed_error_is_no_error() {
        let mut k = sdk();
        k.begin_call(b"");
        let block = k.alloc(3).unwrap();
        k.store_u8(block + 1, b'x').unwrap();
        k.output_set(block + 1, 1).unwrap();
        assert_eq!(k.output().unwrap(), b"\0x\0");
        k.error_set(0).unwrap();
        assert_eq!(k.error_message().unwrap().unwrap(), "\0");
        k.free(0).unwrap();
        assert!(k.error_message().is_none());
        assert_eq!(k.output().unwrap(), b"", "the call returns nothing");
    }

    #[test]
    fn a_var_handed_out_in_one_call_is_detached_in_the_next() {
        let mut k = sdk();
        k.begin_call(b"");
        let (key, value) = (k.alloc(1).unwrap(), k.alloc(2).unwrap());
        k.store_u8(key, b'v').unwrap();
        k.var_set(key, value).unwrap();
        let key_again = k.alloc(1).unwrap();
        k.store_u8(key_again, b'v').unwrap();
        assert_ne!(k.var_get(key_again).unwrap(), 0);
        k.begin_call(b"");
        let key = k.alloc(1).unwrap();
        k.store_u8(key, b'v').unwrap();
        assert!(k.var_get(key).is_err(), "the var's buffer went to the main thread");
    }
}
