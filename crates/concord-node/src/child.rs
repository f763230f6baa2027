//! One child running an engine's host script in its runtime, spoken to in JSON lines. A request
//! waits for its answer with patience; a child that dies, stops answering or prints garbage is
//! killed and reported, and the next request starts a fresh one.

mod remote_memory;

use crate::protocol::{
    CallAnswer, FromChild, Hello, KernelAnswer, KernelRequest, KernelValue, MemoryAhead, Request, ToChild, WireVal,
};
use crate::runtime::Runtime;
use crate::wire::WireFault;
use crate::{Host, Patience};
use concord_engine::wasi::{LinearMemory, Wasi};
use concord_engine::{HostFault, HostFunction, InstanceData, KernelAccess, Outcome, PipeFault, Refusal, Val, ValType};
use remote_memory::RemoteMemory;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why a request got no answer.
#[derive(Debug, Clone)]
pub struct ChildGone {
    pub why: String,
    /// Whether the wait ran out (the child was alive but had not answered).
    pub unanswered: bool,
}

impl ChildGone {
    fn new(why: impl Into<String>) -> Self {
        ChildGone { why: why.into(), unanswered: false }
    }
}

pub struct Child {
    /// The runtime's name, for messages: "the Node process".
    name: &'static str,
    process: std::process::Child,
    stdin: ChildStdin,
    lines: Receiver<std::io::Result<String>>,
    /// The end of what the child wrote to stderr, for the report when it dies.
    stderr: Arc<Mutex<Vec<u8>>>,
}

const STDERR_KEPT: usize = 4096;

/// The embedder's functions for the instance a request runs on, its per-instance data, and its
/// WASI, which runs here for a host script that forwards WASI calls (V8's).
pub struct HostSide<'a> {
    pub functions: &'a [HostFunction],
    pub data: &'a mut InstanceData,
    pub wasi: Option<&'a mut Wasi>,
}

impl Child {
    pub fn spawn(runtime: &Runtime, host: &Host) -> Result<Child, ChildGone> {
        let mut process = runtime
            .command(host.main)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ChildGone::new(format!("cannot start {}: {e}", runtime.program.display())))?;
        let stdin = process.stdin.take().expect("piped");
        let stdout = process.stdout.take().expect("piped");
        let mut stderr_pipe = process.stderr.take().expect("piped");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let end = line.is_err();
                if sender.send(line).is_err() || end {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let kept = stderr.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 1024];
            while let Ok(n) = stderr_pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                kept.extend_from_slice(&chunk[..n]);
                let excess = kept.len().saturating_sub(STDERR_KEPT);
                kept.drain(..excess);
            }
        });
        let mut child = Child { name: runtime.name, process, stdin, lines, stderr };
        child.request(&Hello {}, None, Patience { wait: Duration::from_secs(30), deadline_ends_child: false })?;
        Ok(child)
    }

    /// Whether the process has ended.
    pub fn exited(&mut self) -> bool {
        !matches!(self.process.try_wait(), Ok(None))
    }

    fn gone(&mut self, why: &str) -> ChildGone {
        let _ = self.process.kill();
        let _ = self.process.wait();
        std::thread::sleep(Duration::from_millis(10));
        let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        let tail = String::from_utf8_lossy(&stderr);
        let tail = tail.trim();
        match tail.is_empty() {
            true => ChildGone::new(why),
            false => ChildGone::new(format!("{why}; it printed: {}", tail.lines().last().unwrap_or_default())),
        }
    }

    fn write(&mut self, message: &impl serde::Serialize) -> Result<(), ChildGone> {
        let mut line = serde_json::to_vec(message).expect("JSON");
        line.push(b'\n');
        self.stdin.write_all(&line).and_then(|()| self.stdin.flush()).map_err(|e| {
            let why = format!("the {} process stopped reading ({e})", self.name);
            self.gone(&why)
        })
    }

    fn read(&mut self, until: Instant) -> Result<FromChild, ChildGone> {
        self.read_planted(until, None)
    }

    /// Reads an answer, with a planted `fault` done to it.
    fn read_planted(&mut self, until: Instant, fault: Option<PipeFault>) -> Result<FromChild, ChildGone> {
        let wait = until.saturating_duration_since(Instant::now());
        let unanswered = |child: &mut Child| ChildGone {
            unanswered: true,
            ..child.gone(&format!("the {} process did not answer within {} ms", child.name, wait.as_millis()))
        };
        if fault == Some(PipeFault::AnswerLate) {
            return Err(unanswered(self));
        }
        let mut line = match self.lines.recv_timeout(wait) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => return Err(self.gone(&format!("reading from the {} process failed ({e})", self.name))),
            Err(RecvTimeoutError::Timeout) => return Err(unanswered(self)),
            Err(RecvTimeoutError::Disconnected) => return Err(self.gone(&format!("the {} process exited", self.name))),
        };
        if fault == Some(PipeFault::DropsByte) && !line.is_empty() {
            let mut middle = line.len() / 2;
            while !line.is_char_boundary(middle) {
                middle -= 1;
            }
            line.remove(middle);
        }
        serde_json::from_str(&line).map_err(|_| {
            let shown: String = line.chars().take(80).collect();
            self.gone(&format!(
                "the {} process printed something that is not a message of the pipe: {shown:?}",
                self.name
            ))
        })
    }

    /// Sends `request` and returns its answer, serving the host calls the Wasm makes meanwhile.
    /// An `error` answer (the host script itself failed) or an answer of another shape than the
    /// request's is returned as `Err` too, the child kept.
    pub fn request<R: Request>(
        &mut self,
        request: &R,
        host: Option<HostSide<'_>>,
        patience: Patience,
    ) -> Result<R::Answer, ChildGone> {
        self.request_planted(request, host, patience, None)
    }

    /// [`Self::request`], with a planted `fault` done to the first line that answers it.
    pub fn request_planted<R: Request>(
        &mut self,
        request: &R,
        mut host: Option<HostSide<'_>>,
        patience: Patience,
        mut fault: Option<PipeFault>,
    ) -> Result<R::Answer, ChildGone> {
        let until = Instant::now() + patience.wait;
        self.write(request)?;
        loop {
            match self.read_planted(until, fault.take())? {
                FromChild::HostCall { function, args } => {
                    let answer = self.serve_host_call(function, args, host.as_mut(), until)?;
                    self.write(&ToChild::HostAnswer(answer))?;
                }
                FromChild::WasiCall { name, args, memory_size, ahead } => {
                    let wasi = host.as_mut().and_then(|h| h.wasi.as_deref_mut());
                    let answer = self.serve_wasi_call(&name, args, (memory_size, ahead), wasi, until)?;
                    self.write(&ToChild::WasiAnswer(answer))?;
                }
                FromChild::Ok(answer) => {
                    return serde_json::from_value(answer).map_err(|e| {
                        let op = serde_json::to_value(request).ok().and_then(|r| r["op"].as_str().map(str::to_string));
                        ChildGone::new(format!(
                            "the host script answered {} with another shape: {e}",
                            op.unwrap_or_default()
                        ))
                    });
                }
                FromChild::Error(error) => return Err(ChildGone::new(format!("the host script failed: {error}"))),
                FromChild::KernelAnswer(_) | FromChild::MemoryAnswer(_) => {
                    return Err(self.gone(&format!("the {} process answered a question nobody asked", self.name)));
                }
            }
        }
    }

    fn serve_host_call(
        &mut self,
        index: usize,
        args: Vec<WireVal>,
        host: Option<&mut HostSide<'_>>,
        until: Instant,
    ) -> Result<CallAnswer, ChildGone> {
        let Some(host) = host else {
            return Ok(CallAnswer::Fault(WireFault::User("no host functions on this request".into())));
        };
        let Some(function) = host.functions.get(index) else {
            return Ok(CallAnswer::Fault(WireFault::User(format!("no host function {index}"))));
        };
        let args: Vec<Val> = args.into_iter().map(Val::from).collect();
        // What came over the pipe is held to the function's declared parameters before it runs,
        // as an engine in process holds the guest's call to them.
        if args.len() != function.params.len() || args.iter().zip(&function.params).any(|(v, t)| v.ty() != *t) {
            let why = format!("host function {} called with {args:?}, declared {:?}", function.name, function.params);
            return Ok(CallAnswer::Fault(WireFault::User(why)));
        }
        let mut kernel = RemoteKernel { child: self, data: host.data, until, gone: None };
        let result = (function.callback)(&mut kernel, &args);
        if let Some(gone) = kernel.gone {
            return Err(gone);
        }
        Ok(match result {
            Ok(values)
                if values.len() == function.results.len()
                    && values.iter().zip(&function.results).all(|(v, t)| v.ty() == *t) =>
            {
                CallAnswer::Results(values.iter().map(WireVal::from).collect())
            }
            Ok(values) => CallAnswer::Fault(WireFault::User(format!(
                "host function returned {values:?}, declared {:?}",
                function.results
            ))),
            Err(fault) => CallAnswer::Fault(WireFault::from(fault)),
        })
    }
}

impl Child {
    /// Runs a WASI call the guest made in the child, over its memory there.
    fn serve_wasi_call(
        &mut self,
        name: &str,
        args: Vec<WireVal>,
        (size, ahead): (Option<u64>, Option<MemoryAhead>),
        wasi: Option<&mut Wasi>,
        until: Instant,
    ) -> Result<CallAnswer, ChildGone> {
        let Some(wasi) = wasi else {
            return Ok(CallAnswer::Fault(WireFault::User("no WASI on this request".into())));
        };
        let args: Vec<Val> = args.into_iter().map(Val::from).collect();
        let mut memory = RemoteMemory::new(self, size.unwrap_or(0), until);
        let result = match ahead.map(|ahead| memory.hold(ahead)).transpose() {
            Ok(_) => wasi.call(name, size.is_some().then_some(&mut memory as &mut dyn LinearMemory), &args),
            Err(fault) => Err(fault),
        };
        if let Some(gone) = memory.gone {
            return Err(gone);
        }
        Ok(match result {
            Ok(value) => CallAnswer::Results(value.iter().map(WireVal::from).collect()),
            Err(fault) => CallAnswer::Fault(WireFault::from(fault)),
        })
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// Whether the pipe can carry `function`'s values: it carries host-call values as integers, and a
/// float would arrive as its value, not its bits.
pub fn carried(function: &HostFunction) -> Result<(), Outcome> {
    let float = function.params.iter().chain(&function.results).any(|t| matches!(t, ValType::F32 | ValType::F64));
    match float {
        true => Err(Outcome::Unsupported(format!(
            "floats are not yet passed to or from host functions out of process ({}::{})",
            function.module, function.name
        ))),
        false => Ok(()),
    }
}

/// The kernel of the instance whose host call is running, in the child: each access is a request.
struct RemoteKernel<'a> {
    child: &'a mut Child,
    data: &'a mut InstanceData,
    until: Instant,
    /// Set when the child died during a kernel request: the call cannot go on.
    gone: Option<ChildGone>,
}

impl RemoteKernel<'_> {
    fn ask(&mut self, request: KernelRequest<'_>) -> Result<KernelValue, HostFault> {
        let answer = self.child.write(&ToChild::Kernel(request)).and_then(|()| self.child.read(self.until));
        let gone = match answer {
            Ok(FromChild::KernelAnswer(KernelAnswer::Ok(value))) => return Ok(value),
            Ok(FromChild::KernelAnswer(KernelAnswer::Fault(fault))) => return Err(fault.into()),
            Ok(_) => {
                let why = format!("the {} process answered a kernel request with something else", self.child.name);
                self.child.gone(&why)
            }
            Err(gone) => gone,
        };
        let fault = HostFault::User(gone.why.clone());
        self.gone = Some(gone);
        Err(fault)
    }

    fn bytes(answer: KernelValue) -> Result<Vec<u8>, HostFault> {
        crate::unbase64(&answer.bytes.unwrap_or_default()).map_err(HostFault::User)
    }
}

fn offset(answer: KernelValue) -> Result<u64, HostFault> {
    answer.offset.ok_or_else(|| HostFault::kernel(Refusal::BadArgument, "the kernel gave no offset"))
}

impl KernelAccess for RemoteKernel<'_> {
    fn read_block(&mut self, offset: u64) -> Result<Vec<u8>, HostFault> {
        Self::bytes(self.ask(KernelRequest::ReadBlock { offset })?)
    }

    fn write_block(&mut self, bytes: &[u8]) -> Result<u64, HostFault> {
        offset(self.ask(KernelRequest::WriteBlock { bytes: crate::base64(bytes) })?)
    }

    fn block_length(&mut self, offset: u64) -> u64 {
        self.ask(KernelRequest::BlockLength { offset }).map_or(0, |a| a.length.unwrap_or(0))
    }

    fn alloc(&mut self, len: u64) -> Result<u64, HostFault> {
        offset(self.ask(KernelRequest::Alloc { len })?)
    }

    fn write_into(&mut self, block: u64, at: u64, bytes: &[u8]) -> Result<(), HostFault> {
        self.ask(KernelRequest::WriteInto { block, at, bytes: crate::base64(bytes) }).map(drop)
    }

    fn free(&mut self, block: u64) -> Result<(), HostFault> {
        self.ask(KernelRequest::Free { block }).map(drop)
    }

    fn input(&mut self) -> Vec<u8> {
        self.ask(KernelRequest::Input).and_then(Self::bytes).unwrap_or_default()
    }

    fn config(&mut self, key: &str) -> Option<String> {
        self.ask(KernelRequest::Config { key }).ok()?.value
    }

    fn instance_data(&mut self) -> &mut InstanceData {
        self.data
    }
}
