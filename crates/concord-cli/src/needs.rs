//! What a plugin needs of its host, read from the module alone: each import and who serves it
//! (the kernel, WASI, the embedder's host functions, or nobody), which exports the plugin ABI can
//! call, what starts the guest's runtime, and whether the host refuses the module outright. It
//! tells an embedder what their host must offer before any engine runs.

use concord::engine::InstanceConfig;
use concord::host::{ExportShape, ModuleInfo, PluginAbi, Provider};
use serde::Serialize;

#[derive(Serialize)]
pub struct Needs {
    /// Imports by who serves them, as `module::name`.
    pub kernel: Vec<String>,
    pub wasi: Vec<String>,
    pub host_functions: Vec<String>,
    /// Imports nobody serves under this configuration: the plugin cannot instantiate anywhere.
    pub missing: Vec<String>,
    /// Exports the plugin ABI calls, with their shape.
    pub callable: Vec<String>,
    /// What runs on a new instance, and what runs once before its first call.
    pub initialised_at_instantiation: Vec<String>,
    pub initialised_before_first_call: Vec<String>,
    /// Why the host refuses the module before any call, if it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

impl Needs {
    pub fn of(info: &ModuleInfo, config: &InstanceConfig) -> Self {
        let abi = PluginAbi::of(info);
        let mut needs = Needs {
            kernel: Vec::new(),
            wasi: Vec::new(),
            host_functions: Vec::new(),
            missing: Vec::new(),
            callable: Vec::new(),
            initialised_at_instantiation: abi.at_instantiation().iter().map(|c| c.export.to_string()).collect(),
            initialised_before_first_call: abi.at_first_call().iter().map(|c| c.export.to_string()).collect(),
            refused: abi.refusal().map(|refusal| refusal.to_string()),
        };
        for (import, provider) in info.providers(config) {
            let name = match provider {
                Provider::Kernel | Provider::Wasi => import.name.clone(),
                Provider::HostFunction | Provider::Missing => format!("{}::{}", import.module, import.name),
            };
            match provider {
                Provider::Kernel => needs.kernel.push(name),
                Provider::Wasi => needs.wasi.push(name),
                Provider::HostFunction => needs.host_functions.push(name),
                Provider::Missing => needs.missing.push(name),
            }
        }
        for export in &info.exports {
            match abi.export(export) {
                Ok(ExportShape::Code) => needs.callable.push(format!("{export} () -> i32")),
                Ok(ExportShape::Void) => needs.callable.push(format!("{export} () -> ()")),
                Err(_) => {}
            }
        }
        needs
    }

    pub fn print(&self) {
        let list = |items: &[String]| match items {
            [] => "none".to_string(),
            items => items.join(", "),
        };
        println!("the plugin needs:");
        println!("  kernel (extism:host/env): {}", list(&self.kernel));
        println!("  WASI preview1: {}", list(&self.wasi));
        println!("  host functions: {}", list(&self.host_functions));
        if !self.missing.is_empty() {
            println!("  served by nobody here: {}", self.missing.join(", "));
        }
        println!("  callable exports: {}", list(&self.callable));
        println!(
            "  runtime start: at instantiation {}; before the first call {}",
            list(&self.initialised_at_instantiation),
            list(&self.initialised_before_first_call)
        );
        if let Some(why) = &self.refused {
            println!("  refused by the host: {why}");
        }
        println!();
    }
}
