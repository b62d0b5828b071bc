package instrument

import (
	"fmt"
	"go/types"
	"sort"
	"strings"
)

// Synchronising calls are replaced by calls of helpers that this package
// generates once per instrumented package (appended to its first rewritten
// file): a helper has the operation's signature with the receiver as first
// parameter, runs the rt hooks that go before the operation, the operation,
// and the hooks that go after it. The call keeps its place in the
// expression, so evaluation order, single evaluation of the receiver and
// arguments, defer and go statements, and results are all preserved:
//
//	mu.Lock()          →  __rt_sync_Mutex_Lock(&mu)
//	defer wg.Done()    →  defer __rt_sync_WaitGroup_Done(&wg)
//	x := <-ch          →  x := __rt_chan_Recv(ch)
//	ch <- v            →  __rt_chan_Send(ch, v)
//	atomic.AddInt64(&n, 1)  →  __rt_atomic_AddInt64(&n, 1)

// syncSpec says which rt hooks surround one synchronising operation. The
// hook's argument is the address of the sync object (the receiver, or the
// first argument of a sync/atomic function; for an interface receiver, the
// pointer it holds).
type syncSpec struct {
	before string // rt hook called before the operation
	after  string // rt hook called after it
	// ifTrue makes after conditional on the operation's bool result
	// (TryLock).
	ifTrue bool
	// custom names a hand-written helper body (customHelpers).
	custom string
}

// syncMethods is the one table of synchronising methods, keyed
// "pkgpath.Type.Method", with why each hook is where it is.
var syncMethods = map[string]syncSpec{
	// A release goes before the operation, an acquire after (rt/doc.go).
	"sync.Mutex.Lock":      {after: "MutexLock"},
	"sync.Mutex.Unlock":    {before: "MutexUnlock"},
	"sync.Mutex.TryLock":   {after: "MutexLock", ifTrue: true},
	"sync.RWMutex.Lock":    {after: "RWMutexLock"},
	"sync.RWMutex.Unlock":  {before: "RWMutexUnlock"},
	"sync.RWMutex.RLock":   {after: "RWMutexRLock"},
	"sync.RWMutex.RUnlock": {before: "RWMutexRUnlock"},
	"sync.RWMutex.TryLock": {after: "RWMutexLock", ifTrue: true},
	// TryRLock acquires what the last Unlock released.
	"sync.RWMutex.TryRLock": {after: "RWMutexRLock", ifTrue: true},
	// A Locker in an interface is most often a *Mutex (or an RWMutex's
	// write side, whose Unlock releases the same key); for any other
	// dynamic type the extra edge can only hide races. Its dynamic type
	// is unknown, so no access of the object it points to is recorded
	// (MutexLock's atomic write of the mutex word).
	"sync.Locker.Lock":   {after: "LockerLock"},
	"sync.Locker.Unlock": {before: "LockerUnlock"},
	// Add with a negative delta is a Done.
	"sync.WaitGroup.Add":  {custom: "waitGroupAdd"},
	"sync.WaitGroup.Done": {before: "WaitGroupDone"},
	// Before Wait, its access of the semaphore word (rt.WaitGroupWaitStart).
	"sync.WaitGroup.Wait": {before: "WaitGroupWaitStart", after: "WaitGroupWait"},
	// Go creates a goroutine: creation token, and Done at its end.
	"sync.WaitGroup.Go": {custom: "waitGroupGo"},
	// The function Do runs releases at its end; Do's return acquires.
	"sync.Once.Do": {custom: "onceDo"},
	// Wait unlocks and relocks c.L around the wait.
	"sync.Cond.Wait":      {custom: "condWait"},
	"sync.Cond.Signal":    {before: "CondSignal"},
	"sync.Cond.Broadcast": {before: "CondSignal"},
	// sync.Map synchronises internally in uninstrumented code; the whole
	// map is one sync variable (coarse: extra edges can hide races, never
	// report false ones). The primitives, not the atomic hooks: its
	// accesses of the object are not modelled.
	"sync.Map.Load":             {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.Store":            {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.LoadOrStore":      {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.LoadAndDelete":    {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.Delete":           {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.Swap":             {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.CompareAndSwap":   {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.CompareAndDelete": {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.Range":            {before: "ReleaseMerge", after: "Acquire"},
	"sync.Map.Clear":            {before: "ReleaseMerge", after: "Acquire"},
	// A pool orders a Put with the Get that returns the same object, as
	// -race's poolRaceAddr does: goroutines that go through one pool
	// with different objects stay unordered.
	"sync.Pool.Put": {custom: "poolPut"},
	"sync.Pool.Get": {custom: "poolGet"},
}

// atomicSpec gives the hooks of a sync/atomic function or method by its
// name: loads are atomic reads and acquire after, stores atomic writes
// that release before, read-modify-writes atomic writes that release
// before and acquire after (rt.AtomicLoad's doc).
func atomicSpec(name string) (syncSpec, bool) {
	switch {
	case strings.HasPrefix(name, "Load"):
		return syncSpec{after: "AtomicLoad"}, true
	case strings.HasPrefix(name, "Store"):
		return syncSpec{before: "AtomicStore"}, true
	case strings.HasPrefix(name, "Swap"), strings.HasPrefix(name, "CompareAndSwap"),
		strings.HasPrefix(name, "Add"), strings.HasPrefix(name, "And"), strings.HasPrefix(name, "Or"):
		return syncSpec{before: "AtomicRMW", after: "Acquire"}, true
	}
	return syncSpec{}, false
}

// syncOp is one recognised synchronising callee.
type syncOp struct {
	fn     *types.Func // the origin function or method
	spec   syncSpec
	helper string // helper function name
	iface  bool   // receiver is an interface (sync.Locker)
	// byValue: the helper takes the receiver by value (reflect.Value),
	// not its address.
	byValue bool
	// text is the helper's text when it is not made from spec.
	text string
}

// lookupSyncOp recognises fn as a synchronising function or method.
func lookupSyncOp(fn *types.Func) (*syncOp, bool) {
	fn = fn.Origin()
	if fn.Pkg() == nil {
		return nil, false
	}
	path := fn.Pkg().Path()
	if path != "sync" && path != "sync/atomic" {
		return nil, false
	}
	recv := fn.Signature().Recv()
	typeName := ""
	iface := false
	if recv != nil {
		t := recv.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		n, ok := types.Unalias(t).(*types.Named)
		if !ok {
			return nil, false
		}
		typeName = n.Obj().Name()
		_, iface = n.Underlying().(*types.Interface)
	}
	var spec syncSpec
	var ok bool
	if path == "sync" {
		spec, ok = syncMethods["sync."+typeName+"."+fn.Name()]
	} else {
		spec, ok = atomicSpec(fn.Name())
	}
	if !ok {
		return nil, false
	}
	pkgName := "sync"
	if path == "sync/atomic" {
		pkgName = "atomic"
	}
	helper := "__rt_" + pkgName + "_" + fn.Name()
	if typeName != "" {
		helper = "__rt_" + pkgName + "_" + typeName + "_" + fn.Name()
	}
	return &syncOp{fn: fn, spec: spec, helper: helper, iface: iface}, true
}

// helperQualifier spells the packages a helper's signature can mention.
func helperQualifier(p *types.Package) string {
	switch p.Path() {
	case "sync":
		return "__rtsync"
	case "sync/atomic":
		return "__rtatomic"
	case "unsafe":
		return "__unsafe"
	}
	return p.Name()
}

// helperText writes the helper for op.
func (op *syncOp) helperText() string {
	if op.text != "" {
		return op.text
	}
	if op.spec.custom != "" {
		return customHelpers[op.spec.custom]
	}
	sig := op.fn.Signature()
	q := helperQualifier
	var b strings.Builder
	fmt.Fprintf(&b, "func %s", op.helper)
	// Type parameters: those of a generic receiver (atomic.Pointer[T]).
	if tps := sig.RecvTypeParams(); tps != nil && tps.Len() > 0 {
		var parts []string
		for i := range tps.Len() {
			tp := tps.At(i)
			parts = append(parts, tp.Obj().Name()+" "+types.TypeString(tp.Constraint(), q))
		}
		fmt.Fprintf(&b, "[%s]", strings.Join(parts, ", "))
	}
	var params, args []string
	addr := ""
	call := ""
	if recv := sig.Recv(); recv != nil {
		params = append(params, "r "+types.TypeString(recv.Type(), q))
		if op.iface {
			addr = "(*[2]uintptr)(__unsafe.Pointer(&r))[1]"
		} else {
			addr = "uintptr(__unsafe.Pointer(r))"
		}
		call = "r." + op.fn.Name()
	} else {
		addr = "uintptr(__unsafe.Pointer(p0))"
		call = q(op.fn.Pkg()) + "." + op.fn.Name()
	}
	for i := range sig.Params().Len() {
		params = append(params, fmt.Sprintf("p%d %s", i, types.TypeString(sig.Params().At(i).Type(), q)))
		args = append(args, fmt.Sprintf("p%d", i))
	}
	var results, rnames []string
	for i := range sig.Results().Len() {
		results = append(results, types.TypeString(sig.Results().At(i).Type(), q))
		rnames = append(rnames, fmt.Sprintf("r%d", i))
	}
	fmt.Fprintf(&b, "(%s)", strings.Join(params, ", "))
	switch len(results) {
	case 0:
	case 1:
		b.WriteString(" " + results[0])
	default:
		fmt.Fprintf(&b, " (%s)", strings.Join(results, ", "))
	}
	b.WriteString(" {\n\ta := " + addr + "\n")
	if op.spec.before != "" {
		fmt.Fprintf(&b, "\t__rt.%s(a)\n", op.spec.before)
	}
	callText := fmt.Sprintf("%s(%s)", call, strings.Join(args, ", "))
	if len(rnames) > 0 {
		fmt.Fprintf(&b, "\t%s := %s\n", strings.Join(rnames, ", "), callText)
	} else {
		fmt.Fprintf(&b, "\t%s\n", callText)
	}
	if op.spec.after != "" {
		if op.spec.ifTrue {
			fmt.Fprintf(&b, "\tif r0 {\n\t\t__rt.%s(a)\n\t}\n", op.spec.after)
		} else {
			fmt.Fprintf(&b, "\t__rt.%s(a)\n", op.spec.after)
		}
	}
	if len(rnames) > 0 {
		fmt.Fprintf(&b, "\treturn %s\n", strings.Join(rnames, ", "))
	}
	b.WriteString("}\n")
	return b.String()
}

// customHelpers are the helpers whose hooks are not just before and after.
var customHelpers = map[string]string{
	// t.Run, b.Run and t.Parallel (testing.go).
	"testingRun":      testingRunHelper,
	"testingParallel": testingParallelHelper,
	"waitGroupAdd": `func __rt_sync_WaitGroup_Add(r *__rtsync.WaitGroup, delta int) {
	a := uintptr(__unsafe.Pointer(r))
	if delta < 0 {
		__rt.WaitGroupDone(a)
	}
	__rt.WaitGroupAdd(a, delta)
	r.Add(delta)
}
`,
	// The call site passes __rt.Go(), so the creation is recorded at the
	// user's line; the goroutine's Done releases before wg's own.
	"waitGroupGo": `func __rt_sync_WaitGroup_Go(r *__rtsync.WaitGroup, tok __rt.Token, f func()) {
	a := uintptr(__unsafe.Pointer(r))
	__rt.WaitGroupAdd(a, 1)
	r.Go(func() {
		__rt.Started(tok)
		defer __rt.Finished()
		defer __rt.WaitGroupDone(a)
		f()
	})
}
`,
	// Deferred, so a panicking f still releases (Do counts it as done).
	"onceDo": `func __rt_sync_Once_Do(r *__rtsync.Once, f func()) {
	a := uintptr(__unsafe.Pointer(r))
	r.Do(func() {
		defer __rt.OnceBodyDone(a)
		f()
	})
	__rt.OnceDo(a)
}
`,
	// Keyed by the object's data word, as -race keys them (a nil x is
	// neither stored nor returned).
	"poolPut": `func __rt_sync_Pool_Put(r *__rtsync.Pool, x any) {
	if x != nil {
		__rt.ReleaseMerge((*[2]uintptr)(__unsafe.Pointer(&x))[1])
	}
	r.Put(x)
}
`,
	"poolGet": `func __rt_sync_Pool_Get(r *__rtsync.Pool) any {
	x := r.Get()
	if x != nil {
		__rt.Acquire((*[2]uintptr)(__unsafe.Pointer(&x))[1])
	}
	return x
}
`,
	"condWait": `func __rt_sync_Cond_Wait(r *__rtsync.Cond) {
	l := (*[2]uintptr)(__unsafe.Pointer(&r.L))[1]
	__rt.LockerUnlock(l)
	r.Wait()
	__rt.CondWait(uintptr(__unsafe.Pointer(r)))
	__rt.LockerLock(l)
}
`,
}

// chanHelpers are the channel operation helpers. A channel value is a
// pointer; its bits are the sync address. A send passes the capacity (rt
// pairs the k-th receive with the (k+cap)-th send), a receive whether it
// got a value or the close.
var chanHelpers = map[string]string{
	"__rt_chan_Send": `func __rt_chan_Send[T any](c chan<- T, v T) {
	a := *(*uintptr)(__unsafe.Pointer(&c))
	__rt.ChanSend(a)
	c <- v
	__rt.ChanSendDone(a, cap(c))
}
`,
	"__rt_chan_SendConv": `type __rt_chanSender[T any] struct{ c chan<- T }

func (s __rt_chanSender[T]) send(v T) { __rt_chan_Send(s.c, v) }

func __rt_chan_SendConv[T any](c chan<- T) __rt_chanSender[T] { return __rt_chanSender[T]{c} }
`,
	"__rt_chan_Recv": `func __rt_chan_Recv[T any](c <-chan T) T {
	a := *(*uintptr)(__unsafe.Pointer(&c))
	__rt.ChanRecv(a)
	v, ok := <-c
	__rt.ChanRecvDoneOK(a, ok)
	return v
}
`,
	"__rt_chan_Recv2": `func __rt_chan_Recv2[T any](c <-chan T) (T, bool) {
	a := *(*uintptr)(__unsafe.Pointer(&c))
	__rt.ChanRecv(a)
	v, ok := <-c
	__rt.ChanRecvDoneOK(a, ok)
	return v, ok
}
`,
	"__rt_chan_Close": `func __rt_chan_Close[T any](c chan<- T) {
	__rt.ChanClose(*(*uintptr)(__unsafe.Pointer(&c)))
	close(c)
}
`,
}

// selectHelpers capture a select case's channel where select evaluates
// it (selectStmt): its address, and a send's capacity, for the hooks of
// the case taken, and the operation's release hook, made there.
var selectHelpers = map[string]string{
	"__rt_selRecv": `func __rt_selRecv[T any](p *uintptr, c <-chan T) <-chan T {
	*p = *(*uintptr)(__unsafe.Pointer(&c))
	__rt.ChanRecv(*p)
	return c
}
`,
	"__rt_selSend": `func __rt_selSend[T any](p *uintptr, n *int, c chan<- T) chan<- T {
	*p, *n = *(*uintptr)(__unsafe.Pointer(&c)), cap(c)
	__rt.ChanSend(*p)
	return c
}
`,
}

// helperSet is the set of helpers one package needs.
type helperSet map[string]string

// text returns the helpers in name order, and which of sync and
// sync/atomic they import.
func (h helperSet) text() (string, bool, bool) {
	names := make([]string, 0, len(h))
	for n := range h {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString("\n")
		b.WriteString(h[n])
	}
	s := b.String()
	return s, strings.Contains(s, "__rtsync."), strings.Contains(s, "__rtatomic.")
}
