//! A plugin built by Zig for wasm32-wasi, with Zig's own standard library (no libc): its
//! allocator, and WASI preview1 called through `std.os.wasi`. It reports facts that do not depend
//! on the host.
const std = @import("std");
const wasi = std.os.wasi;

extern "extism:host/env" fn input_length() u64;
extern "extism:host/env" fn input_load_u8(offset: u64) u8;
extern "extism:host/env" fn alloc(length: u64) u64;
extern "extism:host/env" fn store_u8(offset: u64, value: u8) void;
extern "extism:host/env" fn output_set(offset: u64, length: u64) void;
extern "extism:host/env" fn error_set(offset: u64) void;

fn block(bytes: []const u8) u64 {
    const offset = alloc(bytes.len);
    for (bytes, 0..) |byte, i| store_u8(offset + i, byte);
    return offset;
}

fn output(bytes: []const u8) void {
    output_set(block(bytes), bytes.len);
}

fn now(clock: wasi.clockid_t) u64 {
    var time: wasi.timestamp_t = 0;
    _ = wasi.clock_time_get(clock, 1, &time);
    return time;
}

export fn probe() i32 {
    var input: [64]u8 = undefined;
    const length: usize = @intCast(@min(input_length(), input.len));
    for (0..length) |i| input[i] = input_load_u8(i);

    const real = now(.REALTIME);
    const before = now(.MONOTONIC);
    // A one-millisecond sleep: one relative clock subscription.
    var subscription = std.mem.zeroes(wasi.subscription_t);
    subscription.userdata = 42;
    subscription.u.tag = .CLOCK;
    subscription.u.u.clock = .{ .id = .MONOTONIC, .timeout = 1_000_000, .precision = 1, .flags = 0 };
    var event: wasi.event_t = undefined;
    var events: usize = 0;
    const polled = wasi.poll_oneoff(&subscription, &event, 1, &events);
    const after = now(.MONOTONIC);

    var random: [16]u8 = undefined;
    const random_errno = wasi.random_get(&random, random.len);

    var argc: usize = 0;
    var argv_size: usize = 0;
    _ = wasi.args_sizes_get(&argc, &argv_size);

    const text = "zig_probe\n";
    const iov = [_]wasi.ciovec_t{.{ .base = text, .len = text.len }};
    var written: usize = 0;
    const write_errno = wasi.fd_write(1, &iov, iov.len, &written);

    const heap = std.heap.wasm_allocator.alloc(u8, 1 << 20) catch null;
    const heap_ok = heap != null;
    if (heap) |memory| std.heap.wasm_allocator.free(memory);

    var report: [256]u8 = undefined;
    const json = std.fmt.bufPrint(&report,
        "{{\"input\":\"{s}\",\"after_2020\":{},\"poll\":{d},\"events\":{d},\"userdata\":{d},\"slept\":{},\"random\":{d},\"argc\":{d},\"write\":{d},\"written\":{d},\"heap\":{}}}",
        .{ input[0..length], real > 1_577_836_800_000_000_000, @intFromEnum(polled), events, event.userdata, after - before >= 1_000_000, @intFromEnum(random_errno), argc, @intFromEnum(write_errno), written, heap_ok },
    ) catch return 1;
    output(json);
    return 0;
}

/// Fails with a message and a return code.
export fn fail() i32 {
    error_set(block("zig_probe failed"));
    return 5;
}
