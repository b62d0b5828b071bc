package instrument

import "go/types"

// Subtests run on goroutines package testing starts and waits for, in
// code that is not instrumented: without edges, what a subtest did looks
// concurrent with what its parent does after t.Run returns (a loop
// variable shared by the subtests' closures under go1.21 semantics, a
// result the subtest stored). Go's -race sees the channel operations
// inside testing; here t.Run, b.Run and t.Parallel become helpers that
// record them:
//
//	t.Run(name, f)  →  __rt_testing_Run(t, name, f, __rt.Go())
//	t.Parallel()    →  __rt_testing_Parallel(t)
//
// The key of a test is the address of its *testing.T or *testing.B.
//
//   - The call site passes __rt.Go() after Run's arguments: the subtest's
//     goroutine starts from the parent's clock at t.Run, so parallel
//     siblings stay concurrent.
//   - The subtest registers, before f runs, a cleanup that acquires its
//     own key (what its subtests released, parallel ones included:
//     cleanups run after all of them end) and release-merges into its
//     parent's key; Run's return acquires the parent's key. A parallel
//     subtest lets Run return before it ends, so its effects reach the
//     parent only through the parent's own end. Cleanups the user
//     registers run before the helper's and do not see the subtests'
//     effects through it.
//   - t.Parallel returns once the parent's function has returned: the end
//     of a test's function release-merges into its key + 1 (the helper's
//     wrapper for subtests, a deferred call in the prologue of TestXxx),
//     and Parallel acquires the parent's key + 1. The parent is found in
//     a map the package's Run helper fills, so a t.Parallel in another
//     package than the t.Run gets no edge.

// testingRunHelper is generic over the receiver, so it needs no import
// of testing: T is *testing.T or *testing.B.
const testingRunHelper = `func __rt_testing_Run[T interface {
	Run(string, func(T)) bool
	Cleanup(func())
}](r T, name string, f func(T), tok __rt.Token) bool {
	a := *(*uintptr)(__unsafe.Pointer(&r))
	started := false // a benchmark's f runs several times, one run after the other
	ok := r.Run(name, func(c T) {
		if !started {
			started = true
			__rt.Started(tok)
		}
		ca := *(*uintptr)(__unsafe.Pointer(&c))
		__rt_testing_mu <- struct{}{}
		__rt_testing_parents[ca] = a
		<-__rt_testing_mu
		c.Cleanup(func() {
			__rt_testing_mu <- struct{}{}
			delete(__rt_testing_parents, ca)
			<-__rt_testing_mu
			__rt.Acquire(ca)
			__rt.ReleaseMerge(a)
		})
		defer __rt.ReleaseMerge(ca + 1)
		f(c)
	})
	__rt.Acquire(a)
	return ok
}
`

const testingParallelHelper = `func __rt_testing_Parallel[T interface{ Parallel() }](r T) {
	r.Parallel()
	__rt_testing_mu <- struct{}{}
	a, ok := __rt_testing_parents[*(*uintptr)(__unsafe.Pointer(&r))]
	<-__rt_testing_mu
	if ok {
		__rt.Acquire(a + 1)
	}
}
`

// testingParentsHelper maps a subtest's key to its parent's. The lock is
// a channel: the compile's import config has only the package's own
// imports, which need not include sync.
const testingParentsHelper = `var (
	__rt_testing_mu      = make(chan struct{}, 1)
	__rt_testing_parents = map[uintptr]uintptr{}
)
`

// lookupTestingOp recognises (*testing.T).Run, (*testing.B).Run and
// (*testing.T).Parallel.
func lookupTestingOp(fn *types.Func) (*syncOp, bool) {
	fn = fn.Origin()
	if fn.Pkg() == nil || fn.Pkg().Path() != "testing" {
		return nil, false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return nil, false
	}
	p, ok := recv.Type().(*types.Pointer)
	if !ok {
		return nil, false
	}
	switch {
	case fn.Name() == "Run" && isNamed(p.Elem(), "testing", "T", "B"):
		return &syncOp{fn: fn, spec: syncSpec{custom: "testingRun"}, helper: "__rt_testing_Run"}, true
	case fn.Name() == "Parallel" && isNamed(p.Elem(), "testing", "T"):
		return &syncOp{fn: fn, spec: syncSpec{custom: "testingParallel"}, helper: "__rt_testing_Parallel"}, true
	}
	return nil, false
}
