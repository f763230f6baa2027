;; Runs a sequence of WASI calls encoded in its input and reports what each answered, so that a
;; generated sequence runs on every configuration's WASI (Concord's, wasi-common inside Extism,
;; Node's inside Extism's JavaScript host) and the answers are compared (the `wasi` scenario).
;;
;; Input: ops of 12 little-endian u64s each: an opcode, then up to 10 operands.
;;   opcode 0..45: the WASI function of that index in preview1's order (args_get .. sock_shutdown),
;;     called with its parameters taken from the operands in order (an i32 parameter from an
;;     operand's low 32 bits). It reports the errno (proc_exit: 0) and the 96 bytes of the result
;;     window at 0x2000, which is filled with 0xEE before each call. For clock_res_get,
;;     clock_time_get and random_get the window is reported as zeros: the real hosts' clocks and
;;     randomness differ from run to run; after fd_filestat_get and path_filestat_get the three
;;     times of the filestat are zeroed, for the same reason, and after fd_readdir the padding of
;;     each dirent (unspecified; wasi-common leaves its own struct's there).
;;   opcode 100: store the u64 operand 1 at the address in operand 0 (the set-up of iovecs and
;;     subscriptions).
;; Output: what the calls reported, one u64 for the errno and twelve for the window each.
;;
;; Memory: iovecs from 0x1000, subscriptions from 0x1800, the result window at 0x2000, text at
;; 0x3000 (a table of paths from 0x3100, which the input's first pokes write), the report from
;; 0x8000. A trap in a WASI call ends the run: that is its outcome.
(module
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_advise" (func $fd_advise (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $fd_allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_datasync" (func $fd_datasync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $fd_fdstat_set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $fd_filestat_set_size (param i32 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $fd_sync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $sock_recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $sock_send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (data (i32.const 0x3000) "hello, wasi\00/etc/passwd\00.\00")

  (global $window i32 (i32.const 0x2000))
  (global $report (mut i32) (i32.const 0x8000))

  ;; Operand $i of the op at input offset $op, all 64 bits, or its low 32.
  (func $wide (param $op i64) (param $i i32) (result i64)
    (call $input_load_u64 (i64.add (local.get $op) (i64.extend_i32_u (i32.mul (i32.add (local.get $i) (i32.const 1)) (i32.const 8))))))
  (func $narrow (param $op i64) (param $i i32) (result i32)
    (i32.wrap_i64 (call $wide (local.get $op) (local.get $i))))

  (func $emit (param $value i64)
    (i64.store (global.get $report) (local.get $value))
    (global.set $report (i32.add (global.get $report) (i32.const 8))))

  ;; Calls WASI function $id with the operands of the op at $op; returns its errno.
  (func $call (param $id i32) (param $op i64) (result i32)
    (block $default
    (block $b45
    (block $b44
    (block $b43
    (block $b42
    (block $b41
    (block $b40
    (block $b39
    (block $b38
    (block $b37
    (block $b36
    (block $b35
    (block $b34
    (block $b33
    (block $b32
    (block $b31
    (block $b30
    (block $b29
    (block $b28
    (block $b27
    (block $b26
    (block $b25
    (block $b24
    (block $b23
    (block $b22
    (block $b21
    (block $b20
    (block $b19
    (block $b18
    (block $b17
    (block $b16
    (block $b15
    (block $b14
    (block $b13
    (block $b12
    (block $b11
    (block $b10
    (block $b9
    (block $b8
    (block $b7
    (block $b6
    (block $b5
    (block $b4
    (block $b3
    (block $b2
    (block $b1
    (block $b0
      (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 $b8 $b9 $b10 $b11 $b12 $b13 $b14 $b15 $b16 $b17 $b18 $b19 $b20 $b21 $b22 $b23 $b24 $b25 $b26 $b27 $b28 $b29 $b30 $b31 $b32 $b33 $b34 $b35 $b36 $b37 $b38 $b39 $b40 $b41 $b42 $b43 $b44 $b45 $default (local.get $id))
    ) ;; 0
    (return (call $args_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 1
    (return (call $args_sizes_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 2
    (return (call $environ_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 3
    (return (call $environ_sizes_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 4
    (return (call $clock_res_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 5
    (return (call $clock_time_get (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2))))
    ) ;; 6
    (return (call $fd_advise (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1)) (call $wide (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3))))
    ) ;; 7
    (return (call $fd_allocate (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1)) (call $wide (local.get $op) (i32.const 2))))
    ) ;; 8
    (return (call $fd_close (call $narrow (local.get $op) (i32.const 0))))
    ) ;; 9
    (return (call $fd_datasync (call $narrow (local.get $op) (i32.const 0))))
    ) ;; 10
    (return (call $fd_fdstat_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 11
    (return (call $fd_fdstat_set_flags (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 12
    (return (call $fd_fdstat_set_rights (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1)) (call $wide (local.get $op) (i32.const 2))))
    ) ;; 13
    (return (call $fd_filestat_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 14
    (return (call $fd_filestat_set_size (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1))))
    ) ;; 15
    (return (call $fd_filestat_set_times (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1)) (call $wide (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3))))
    ) ;; 16
    (return (call $fd_pread (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $wide (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4))))
    ) ;; 17
    (return (call $fd_prestat_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 18
    (return (call $fd_prestat_dir_name (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2))))
    ) ;; 19
    (return (call $fd_pwrite (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $wide (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4))))
    ) ;; 20
    (return (call $fd_read (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3))))
    ) ;; 21
    (return (call $fd_readdir (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $wide (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4))))
    ) ;; 22
    (return (call $fd_renumber (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 23
    (return (call $fd_seek (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3))))
    ) ;; 24
    (return (call $fd_sync (call $narrow (local.get $op) (i32.const 0))))
    ) ;; 25
    (return (call $fd_tell (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 26
    (return (call $fd_write (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3))))
    ) ;; 27
    (return (call $path_create_directory (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2))))
    ) ;; 28
    (return (call $path_filestat_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4))))
    ) ;; 29
    (return (call $path_filestat_set_times (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $wide (local.get $op) (i32.const 4)) (call $wide (local.get $op) (i32.const 5)) (call $narrow (local.get $op) (i32.const 6))))
    ) ;; 30
    (return (call $path_link (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4)) (call $narrow (local.get $op) (i32.const 5)) (call $narrow (local.get $op) (i32.const 6))))
    ) ;; 31
    (return (call $path_open (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4)) (call $wide (local.get $op) (i32.const 5)) (call $wide (local.get $op) (i32.const 6)) (call $narrow (local.get $op) (i32.const 7)) (call $narrow (local.get $op) (i32.const 8))))
    ) ;; 32
    (return (call $path_readlink (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4)) (call $narrow (local.get $op) (i32.const 5))))
    ) ;; 33
    (return (call $path_remove_directory (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2))))
    ) ;; 34
    (return (call $path_rename (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4)) (call $narrow (local.get $op) (i32.const 5))))
    ) ;; 35
    (return (call $path_symlink (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4))))
    ) ;; 36
    (return (call $path_unlink_file (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2))))
    ) ;; 37
    (return (call $poll_oneoff (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3))))
    ) ;; 38
    (call $proc_exit (call $narrow (local.get $op) (i32.const 0)))
    (return (i32.const 0))
    ) ;; 39
    (return (call $proc_raise (call $narrow (local.get $op) (i32.const 0))))
    ) ;; 40
    (return (call $sched_yield ))
    ) ;; 41
    (return (call $random_get (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    ) ;; 42
    (return (call $sock_accept (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2))))
    ) ;; 43
    (return (call $sock_recv (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4)) (call $narrow (local.get $op) (i32.const 5))))
    ) ;; 44
    (return (call $sock_send (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1)) (call $narrow (local.get $op) (i32.const 2)) (call $narrow (local.get $op) (i32.const 3)) (call $narrow (local.get $op) (i32.const 4))))
    ) ;; 45
    (return (call $sock_shutdown (call $narrow (local.get $op) (i32.const 0)) (call $narrow (local.get $op) (i32.const 1))))
    )
    (i32.const -1))

  (func $fill_window
    (local $i i32)
    (loop $fill
      (i64.store (i32.add (global.get $window) (local.get $i)) (i64.const 0xEEEEEEEEEEEEEEEE))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 96)))))

  ;; A filestat's three times (at +40) zeroed: the host's clocks move them (a read sets the
  ;; access time), so they are compared by errno only, like the clocks.
  (func $hide_times (param $id i32) (param $op i64)
    (local $at i32)
    (if (i32.eq (local.get $id) (i32.const 13)) (then (local.set $at (call $narrow (local.get $op) (i32.const 1)))))
    (if (i32.eq (local.get $id) (i32.const 28)) (then (local.set $at (call $narrow (local.get $op) (i32.const 4)))))
    (if (local.get $at)
      (then
        (i64.store (i32.add (local.get $at) (i32.const 40)) (i64.const 0))
        (i64.store (i32.add (local.get $at) (i32.const 48)) (i64.const 0))
        (i64.store (i32.add (local.get $at) (i32.const 56)) (i64.const 0)))))

  ;; The three padding bytes of each dirent that fd_readdir wrote (after d_type, at +21) zeroed:
  ;; WASI leaves them unspecified, and wasi-common copies whatever its struct held there.
  (func $hide_dirent_padding (param $id i32) (param $op i64)
    (local $at i32) (local $end i32) (local $i i32) (local $memory_end i32)
    (if (i32.ne (local.get $id) (i32.const 21)) (then (return)))
    (local.set $at (call $narrow (local.get $op) (i32.const 1)))
    (local.set $end (call $narrow (local.get $op) (i32.const 2)))
    ;; wasi-common checks only the bytes it writes, so the buffer may claim more than memory holds.
    (local.set $memory_end (i32.shl (memory.size) (i32.const 16)))
    (if (i32.ge_u (local.get $at) (local.get $memory_end)) (then (return)))
    (if (i32.gt_u (local.get $end) (i32.sub (local.get $memory_end) (local.get $at)))
      (then (local.set $end (i32.sub (local.get $memory_end) (local.get $at)))))
    (local.set $end (i32.add (local.get $at) (local.get $end)))
    (block $done
      (loop $entry
        (local.set $i (i32.const 21))
        (loop $pad
          (if (i32.lt_u (i32.add (local.get $at) (local.get $i)) (local.get $end))
            (then (i32.store8 (i32.add (local.get $at) (local.get $i)) (i32.const 0))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $pad (i32.lt_u (local.get $i) (i32.const 24))))
        ;; The next entry, while a whole header and its name fit before the end.
        (br_if $done (i32.gt_u (i32.add (local.get $at) (i32.const 24)) (local.get $end)))
        (br_if $done (i32.gt_u (i32.load (i32.add (local.get $at) (i32.const 16)))
          (i32.sub (local.get $end) (i32.add (local.get $at) (i32.const 24)))))
        (local.set $at (i32.add (i32.add (local.get $at) (i32.const 24)) (i32.load (i32.add (local.get $at) (i32.const 16)))))
        (br_if $entry (i32.lt_u (local.get $at) (local.get $end))))))

  ;; The window, or zeros for the calls whose answers are the host's own clock or randomness.
  (func $emit_window (param $id i32)
    (local $i i32) (local $hidden i32)
    (local.set $hidden (i32.or (i32.or (i32.eq (local.get $id) (i32.const 4)) (i32.eq (local.get $id) (i32.const 5)))
      (i32.eq (local.get $id) (i32.const 41))))
    (loop $copy
      (call $emit (select (i64.const 0) (i64.load (i32.add (global.get $window) (local.get $i))) (local.get $hidden)))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $copy (i32.lt_u (local.get $i) (i32.const 96)))))

  (func (export "run") (result i32)
    (local $op i64) (local $end i64) (local $opcode i64) (local $block i64) (local $at i32) (local $len i32) (local $errno i32)
    (local.set $end (call $input_length))
    (block $done
      (loop $next
        (br_if $done (i64.gt_u (i64.add (local.get $op) (i64.const 96)) (local.get $end)))
        (local.set $opcode (call $input_load_u64 (local.get $op)))
        (if (i64.eq (local.get $opcode) (i64.const 100))
          (then (i64.store (call $narrow (local.get $op) (i32.const 0)) (call $wide (local.get $op) (i32.const 1))))
          (else
            (call $fill_window)
            (local.set $errno (call $call (i32.wrap_i64 (local.get $opcode)) (local.get $op)))
            (call $emit (i64.extend_i32_u (local.get $errno)))
            (if (i32.eqz (local.get $errno))
              (then
                (call $hide_times (i32.wrap_i64 (local.get $opcode)) (local.get $op))
                (call $hide_dirent_padding (i32.wrap_i64 (local.get $opcode)) (local.get $op))))
            (call $emit_window (i32.wrap_i64 (local.get $opcode)))))
        (local.set $op (i64.add (local.get $op) (i64.const 96)))
        (br $next)))
    ;; The report, into a kernel block, as the output.
    (local.set $len (i32.sub (global.get $report) (i32.const 0x8000)))
    (local.set $block (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $copied
      (loop $copy
        (br_if $copied (i32.ge_u (local.get $at) (local.get $len)))
        (call $store_u64 (i64.add (local.get $block) (i64.extend_i32_u (local.get $at)))
          (i64.load (i32.add (i32.const 0x8000) (local.get $at))))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $copy)))
    (call $output_set (local.get $block) (i64.extend_i32_u (local.get $len)))
    (i32.const 0)))
