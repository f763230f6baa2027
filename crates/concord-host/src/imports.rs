//! Every import a plugin may ask for, resolved by name to one host implementation. Backends link
//! what this returns and nothing else, so an unknown import is the same clear failure everywhere.

use crate::kernel::{ENV_MODULE, Kernel, KernelFn, LogLevel};
use concord_engine::wasi::{GuestMemory, LinearMemory, WASI_MODULE, Wasi, WasiFunction};
use concord_engine::{HostCallback, HostFault, HostFunction, Val, ValType};
use concord_engine::{InstanceConfig, Refusal};

/// The per-instance host state every linked function works on.
#[derive(Debug)]
pub struct HostState {
    pub kernel: Kernel,
    pub wasi: Wasi,
}

impl HostState {
    pub fn new(config: &InstanceConfig) -> Self {
        HostState {
            kernel: Kernel::new(config.memory_limit, config.config.clone()).following(config.kernel_rules),
            wasi: Wasi::with_preopens(&config.preopens),
        }
    }
}

type NativeFn = fn(&mut HostState, Option<&mut GuestMemory>, &[Val]) -> Result<Option<Val>, HostFault>;

#[derive(Clone)]
enum Body {
    Kernel(KernelFn),
    Native(NativeFn),
    Wasi(&'static WasiFunction),
    User(HostCallback),
}

/// One resolved import: its signature and what to run.
#[derive(Clone)]
pub struct Import {
    /// The import's field name, which a fault inside it is reported under.
    pub name: String,
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
    /// Whether the function reads or writes the guest's linear memory (WASI does; the kernel does not).
    pub needs_memory: bool,
    body: Body,
}

/// The most parameters or results a host function may have (WASI's widest takes 9).
pub const MAX_ARITY: usize = 16;

impl Import {
    /// The kernel function this import runs, for backends that link it typed. `None` for WASI,
    /// the odd-signature kernel functions and host functions the embedder gave (which take
    /// precedence over a kernel function of the same name).
    pub fn kernel_fn(&self) -> Option<KernelFn> {
        match self.body {
            Body::Kernel(f) => Some(f),
            Body::Native(_) | Body::Wasi(_) | Body::User(_) => None,
        }
    }

    /// Runs the function with arguments converted by the backend, handing each result to `emit`,
    /// without allocating: this is on the path of every kernel call a guest makes.
    pub fn invoke_with(
        &self,
        state: &mut HostState,
        memory: Option<&mut GuestMemory>,
        args: impl Iterator<Item = Val>,
        emit: impl FnMut(usize, Val),
    ) -> Result<(), HostFault> {
        let mut arg_buf = [Val::I32(0); MAX_ARITY];
        let mut count = 0;
        for arg in args {
            *arg_buf.get_mut(count).ok_or_else(|| HostFault::User("too many arguments".into()))? = arg;
            count += 1;
        }
        let mut out_buf = [Val::I32(0); MAX_ARITY];
        let out = out_buf.get_mut(..self.results.len()).ok_or_else(|| HostFault::User("too many results".into()))?;
        for (slot, ty) in out.iter_mut().zip(&self.results) {
            *slot = Val::zero(*ty);
        }
        self.invoke(state, memory, &arg_buf[..count], out).map_err(|fault| fault.within(&self.name))?;
        out.iter().copied().enumerate().for_each({
            let mut emit = emit;
            move |(i, v)| emit(i, v)
        });
        Ok(())
    }

    /// Runs the function. `results` has one slot per declared result.
    fn invoke(
        &self,
        state: &mut HostState,
        memory: Option<&mut GuestMemory>,
        args: &[Val],
        results: &mut [Val],
    ) -> Result<(), HostFault> {
        match &self.body {
            Body::Kernel(f) => {
                if let (Some(value), Some(slot)) = (f.invoke(&mut state.kernel, args)?, results.first_mut()) {
                    *slot = value;
                }
            }
            Body::Native(f) => {
                if let (Some(value), Some(slot)) = (f(state, memory, args)?, results.first_mut()) {
                    *slot = value;
                }
            }
            Body::Wasi(f) => {
                let memory = memory.map(|m| m as &mut dyn LinearMemory);
                if let (Some(value), Some(slot)) = (f.call(&mut state.wasi, memory, args)?, results.first_mut()) {
                    *slot = value;
                }
            }
            Body::User(callback) => {
                let values = callback(&mut state.kernel, args)?;
                if values.len() != results.len() || values.iter().zip(&self.results).any(|(v, t)| v.ty() != *t) {
                    return Err(HostFault::User(format!(
                        "host function returned {values:?}, declared {:?}",
                        self.results
                    )));
                }
                results.copy_from_slice(&values);
            }
        }
        Ok(())
    }
}

/// Finds the host side of `module::name`, or `None` when this host does not provide it.
/// What an instance under `config` links for `module`/`name`: [`resolve`], with WASI left out
/// when the configuration turns it off.
pub fn resolve_for(config: &concord_engine::InstanceConfig, module: &str, name: &str) -> Option<Import> {
    if config.without_wasi && module == WASI_MODULE {
        return None;
    }
    resolve(module, name, &config.host_functions)
}

pub fn resolve(module: &str, name: &str, user: &[HostFunction]) -> Option<Import> {
    if let Some(f) = user.iter().find(|f| f.module == module && f.name == name) {
        return Some(Import {
            name: name.to_string(),
            params: f.params.clone(),
            results: f.results.clone(),
            needs_memory: false,
            body: Body::User(f.callback.clone()),
        });
    }
    let (params, results, needs_memory, body): (&[ValType], &[ValType], bool, NativeFn) = match module {
        ENV_MODULE => {
            if let Some(f) = KernelFn::find(module, name) {
                let (params, results) = (f.params().to_vec(), f.results().to_vec());
                return Some(Import {
                    name: name.to_string(),
                    params,
                    results,
                    needs_memory: false,
                    body: Body::Kernel(f),
                });
            }
            let (params, results, body) = kernel_function(name)?;
            (params, results, false, body)
        }
        WASI_MODULE => {
            let f = concord_engine::wasi::function(name)?;
            return Some(Import {
                name: name.to_string(),
                params: f.params.to_vec(),
                results: f.results.to_vec(),
                needs_memory: true,
                body: Body::Wasi(f),
            });
        }
        _ => return None,
    };
    Some(Import {
        name: name.to_string(),
        params: params.to_vec(),
        results: results.to_vec(),
        needs_memory,
        body: Body::Native(body),
    })
}

type Entry = (&'static [ValType], &'static [ValType], NativeFn);

/// The kernel functions whose signatures no other function shares; the rest are [`KernelFn`]s.
fn kernel_function(name: &str) -> Option<Entry> {
    use ValType::{I32, I64};
    let entry: Entry = match name {
        // Everything is logged (and captured): the lowest level.
        "get_log_level" => (&[], &[I32], |_, _, _| Ok(Some(Val::I32(LogLevel::Trace as i32)))),
        // A conformance host makes no network calls.
        "http_request" => (&[I64, I64], &[I64], |_, _, _| {
            Err(HostFault::kernel(Refusal::Denied, "http_request is not allowed by this host"))
        }),
        "http_status_code" => (&[], &[I32], |_, _, _| Ok(Some(Val::I32(0)))),
        "reset" => (&[], &[], |s, _, _| {
            s.kernel.reset();
            Ok(None)
        }),
        _ => return None,
    };
    Some(entry)
}
