// Package forksafe defines an Analyzer that reports code that must not run
// in a fork child: between fork (clone, vfork, rfork) and exec.
//
// # Analyzer forksafe
//
// forksafe: report allocation, locks, stack growth, preemption, dynamic
// calls and race instrumentation in fork-child code
//
// The child of a fork is a copy of one thread of a multi-threaded process.
// Until it execs it must not allocate, take a lock, grow the stack, be
// preempted, or run race-detector instrumentation: any of these can
// deadlock or crash it, rarely. forksafe checks every child context that
// the norace analyzer finds (std's forkAndExecInChild, //forkcheck:child
// functions, -child functions, the child branch after a raw fork, and the
// before-fork window), and every function they reach, and reports at the
// site in the child, with the call chain in Related when the cause is in a
// callee. Each site is reported at most once per class.
//
// Classes (the Category of each diagnostic):
//
//   - allocation: new, &T{...}, slice literals and variadic argument
//     slices that escape; make; append; string concatenation;
//     string↔[]byte/[]rune conversions (not a []byte→string conversion only
//     compared); closures that capture; method values; conversion of a
//     value to an interface (not constants, pointer-shaped values, or
//     values of at most one byte, which need no allocation); defer; go; map
//     reads, writes and iteration. go/ssa's Alloc.Heap is refined: an
//     allocation whose address is only loaded from, stored into, indexed,
//     measured with len/cap, passed to append/copy, passed to a body-less
//     //go:noescape function of the package, or converted by
//     uintptr(unsafe.Pointer(p)) straight into a call argument (the raw
//     syscall idiom std relies on) stays on the stack.
//   - lock: channel send, receive, close and select; print and println;
//     panic and recover; type assertions to interface types; calls into
//     packages that lock (one table in tables.go: fmt, log, os, sync, time,
//     net, ...).
//   - stack growth: a call to a function with a stack-check prologue.
//   - preemption: a call that enters the scheduler (runtime.entersyscall,
//     exitsyscall, Gosched, GC, ...; table in tables.go), typically through
//     syscall.Syscall instead of RawSyscall.
//   - dynamic call: calls through function values and interfaces, and calls
//     of body-less functions whose implementation cannot be found.
//   - race instrumentation: a call to a Go function that go build -race
//     instruments (no //go:norace, not in a package the compiler never
//     instruments, not a trivial leaf); a //forkcheck:child function without
//     //go:norace; a function holding a raw fork's child branch without
//     //go:norace when the branch loads or stores non-local memory or
//     returns. Reported only when the target port (GOOS/GOARCH in the
//     environment, as under go vet) supports -race. When the function is
//     in the analysed package, a SuggestedFix inserts //go:norace above its
//     declaration.
//
// # Which calls have no stack-check prologue
//
// A callee is taken to have no prologue if it is //go:nosplit; if it is
// assembly whose TEXT carries NOSPLIT (from norace's scan of the package's
// .s files); if it is body-less and implemented elsewhere through
// //go:linkname by a function that is //go:nosplit or NOSPLIT assembly
// (a "push" linkname like the runtime's syscall_runtime_AfterForkInChild,
// or the declaration's own "pull" linkname target such as
// runtime.entersyscall); if it is a compiler intrinsic (internal/abi.FuncPC*,
// internal/runtime/sys, math/bits, runtime.KeepAlive); or if it is a
// trivial leaf.
//
// The trivial-leaf rule (the compiler makes small leaves nosplit by itself,
// and -race has nothing to instrument in them): the function makes no call
// (builtins len, cap, min and max of numbers and constant expressions
// excepted), indexes and slices nothing (bounds-check failures are calls),
// divides only by non-zero constants, shifts only by unsigned or constant
// counts, touches no memory but its parameters and locals (no pointer
// dereference, no package-level variable, no field through a pointer),
// takes no address, has only boolean, numeric and unsafe.Pointer locals
// and parameters (at most 64 bytes of locals), and uses no strings, closures,
// interfaces, channels, maps, defer, go, select, goto or panic. The rule
// ignores inlining: a tiny non-leaf the compiler would inline is still
// reported (see TestStdExplained for std's one case).
//
// Functions of the runtime packages (tables.go, after objabi's
// pkgspecial.go) are judged by their directives only: their bodies are
// trusted and never race-instrumented.
//
// # Cross-package summaries
//
// forksafe exports a *Summary fact on each exported function with
// directives or that is a trivial leaf, repeating norace's directives (an
// analyzer can import only its own facts); for each exported or linknamed
// //go:nosplit function with a body it also records what its body reaches
// (at most one finding per class), so a child calling a nosplit function in
// another package that calls fmt is reported with the chain. A *Links
// package fact carries the functions a package provides by //go:linkname
// (either form), which is how body-less declarations are judged by their
// implementation. SSA is built only in packages with child contexts or such
// //go:nosplit bodies to summarise, through norace's shared Result.SSA.
//
// # Suppressing a finding
//
// //forkcheck:ignore <reason> on the line of a finding or the line above it
// suppresses the findings on that line; in a function's doc comment it
// suppresses every finding in the function. An ignore in a callee covers the
// cause there. An ignore that suppresses nothing is reported. (norace
// reports an ignore without a reason.)
package forksafe
