// Package norace defines an Analyzer that checks compiler directives that
// matter to fork-safe and race-checked code, finds fork-child contexts, and
// computes the set of functions that must not be race-instrumented.
//
// # Analyzer norace
//
// norace: check //go:norace-class directives and find fork-child code
//
// Directives. The Go compiler silently ignores a directive it does not
// recognise, and go vet says nothing either, so a misspelled
// "// go:norace" leaves a function instrumented and a misspelled
// "//go:nosplt" leaves a stack-check prologue in fork-child code. The
// analyzer reports near-misses of //go:norace, //go:nosplit, //go:noinline,
// //go:nocheckptr and //go:uintptrkeepalive: a space after "//" or after the
// colon, tabs, wrong case, a plural or misspelled name, a block comment, or
// trailing arguments (which the compiler ignores). Where the intended
// directive is unambiguous the diagnostic carries a SuggestedFix that
// rewrites the comment. It also reports directives that are accepted but have
// no effect: //go:norace, //go:nosplit, //go:noinline or //go:nocheckptr on a
// function declared without a body (its code is assembly or is linknamed from
// elsewhere; the directive that counts is on the implementation), and a
// directive separated from its function by a blank line, which the compiler
// still applies but which go/ast, go doc and reviewers attach to nothing.
// Finally it checks this project's own directives: //forkcheck:child must be
// on a function, //forkcheck:ignore needs a reason, and unknown
// //forkcheck: verbs are reported.
//
// Fork-child contexts. Code that runs in a child between fork and exec must
// not allocate, lock, grow the stack, be preempted or run race
// instrumentation. The analyzer recognises, from one table (recognizers in
// contexts.go):
//
//   - syscall.forkAndExecInChild and syscall.forkAndExecInChild1, which the
//     compiler itself special-cases;
//   - functions whose doc comment holds //forkcheck:child <reason>;
//   - the child branch after a raw fork: a call of RawSyscall, RawSyscall6,
//     Syscall, Syscall6, RawSyscallNoError or rawVforkSyscall of package
//     syscall or golang.org/x/sys/unix whose trap is SYS_FORK, SYS_VFORK,
//     SYS_CLONE, SYS_CLONE3 (or SYS_RFORK on Plan 9); the child region is
//     every SSA block dominated by the "result is zero" edge, so both
//     "if pid != 0 { return }" and "if pid == 0 { ... }" are understood;
//   - the window between runtime_BeforeFork (or a call that blocks all
//     signals) and the fork, where std says "no more allocation";
//   - functions named with the -child flag (pkg/path.Func or
//     pkg/path.Type.Method, comma-separated).
//
// Only a package that can name one of the recognised calls (one that is or
// imports syscall or golang.org/x/sys/unix, declares a libc fork
// trampoline, or declares or linknames a before-fork function: mayFork in
// contexts.go) is searched for raw forks; no other package pays for that
// walk or for SSA.
//
// # Result and facts, for instrument/ and forksafe
//
// The Result (*Result) lists the package's child contexts and answers which
// functions and which source positions must not be instrumented: every
// //go:norace function, every child context, and every function, method or
// closure reachable from a child context through static calls. Functions of
// this package in that set carry a *Func fact with NoInstrument set;
// functions of other packages reached from here are listed in the package's
// *Package fact (Reaches), so a whole-program driver can take the union. The
// *Func fact also records each function's directives (norace, nosplit, no
// body, NOSPLIT in assembly, linkname target), and the *Package fact maps
// "push" linknames (//go:linkname local importpath.name) to the directives of
// their implementation, so a body-less declaration elsewhere is judged by
// the code that implements it.
package norace
