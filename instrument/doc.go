// Package instrument decides, from a type-checked package and its SSA form,
// which source sites get race-detector hooks (calls into package rt), and
// rewrites the source text to insert them.
//
// It is a library: it runs no go command and writes no files. cmd/raceinst
// calls it in the compiler's place, once per package, and hands the
// rewritten files to the compiler. What must not be instrumented comes from
// passes/norace (//go:norace functions, fork-child contexts and what they
// reach); instrument never parses directives itself.
//
// # Rewriting
//
// Like cmd/cover, the original text is edited in place (insertions at byte
// offsets); no inserted text contains a newline, and the file starts with
// "//line name:1:1" (unless it maps itself before its package clause, as
// cgo's x.cgo1.go does), so every original line keeps its number and panics,
// stacks and race reports show the user's file:line. The imports of rt
// and unsafe (as __rt and __unsafe, plus __rtsync/__rtatomic in the file
// holding the helpers) go on the package clause's line. A package
// declaring any identifier starting with __rt is left alone, and so is
// one declaring a predeclared name (true, len, ...) at package level.
//
// # Memory accesses
//
// A hook is an expression statement placed before the statement that
// makes the access, on its line:
//
//	x := *p         __rt.Read(uintptr(__unsafe.Pointer(p))); x := *p
//	t.f = 1         __rt.Write(uintptr(__unsafe.Pointer(&t.f))); t.f = 1
//	s[i]++          __rt.Write(uintptr(__unsafe.Pointer(&s[i]))); s[i]++
//	*p = *q (struct)  __rt.ReadRange(uintptr(__unsafe.Pointer(q)), __unsafe.Sizeof(*q)); __rt.WriteRange(...p...); *p = *q
//	m[k] = v        __rt.Write(__rt_ptr(m)); m[k] = v
//	f()[k] = v      __rt_mapWrite(f())[k] = v   (an operand it cannot evaluate twice, hooked in place)
//	copy(d, s)      __rt.WriteRange(SliceData(d), min(len(d), len(s))*size); __rt.ReadRange(...s...); copy(d, s)
//	append(s, a, b) __rt_append(s, 2); append(s, a, b)
//	x = <-c; x = f()  x = __rt_chan_Recv(c); __rt.Write(...&x...)
//
// Hooked: dereferences, package-level variables (of any package), fields
// and array elements of those, slice elements, local variables SSA
// allocates on the heap (Alloc.Heap: captured by a closure or address
// taken), maps (as a read or write of the map header, whose address
// __rt_ptr(m) returns: map writes race with reads and writes, as under
// -race), copies of struct, array and type-parameter values (ranges of
// unsafe.Sizeof), copy, append (its spread operand, and its first
// operand's array: the elements past its length it writes when the result
// fits its capacity, else the elements growslice copies), string(bytes),
// clear, delete, len of a map, a value receiver's copy of *p, and a bare
// return's read of the named results a closure captured. A read followed by a write of
// the same address in one statement keeps only the write; an access
// already hooked earlier in the same statement list is not hooked again
// while no statement in between calls, communicates, or assigns to a
// variable of its address (a write through memory forgets addresses that
// mention shared variables).
//
// Not hooked: locals SSA keeps in registers or non-escaping frame slots,
// zero-size values, constants, string bytes, function values and
// composite literals (fresh memory).
//
// # Allocations
//
// rt is told of every allocation SSA puts on the heap (an Alloc with Heap
// set) in an instrumented function, as the runtime tells -race's
// ThreadSanitizer (racemalloc): rt.Alloc forgets the history of the new
// object's memory, which the collector may have freed from another object
// and the allocator handed out again (without it, only rt's
// garbage-collection rule forgets, late):
//
//	p := &T{...}; q := new(T)  p := __rt_new(&T{...}); q := __rt_new(new(T))
//	var x T; y := f()          var x T; __rt.Alloc(uintptr(__unsafe.Pointer(&x)), __unsafe.Sizeof(x)); y := f(); __rt.Alloc(...&y...)
//	func f(a T) (r U) {        func f(a T) (r U) { __rt.Alloc(...&a...); __rt.Alloc(...&r...); (after FuncEnter)
//
// __rt_new (a generic helper) returns its operand, so the expression keeps
// its place and type. A variable's hook goes right after the statement
// declaring it (a goto back over the declaration runs both again), before
// any hook of an access to it; a parameter's, receiver's or named
// result's at the top of the body. Variables declared in a header get
// theirs at the first place after it: an if's init statement in the hooks
// closure of its condition, a switch's in front of every clause (as does
// a type switch's variable, in each clause that uses it), a select case's
// first in its body, and a for or range statement's first in the body,
// since Go 1.22 makes them new in every iteration (in older files they are
// allocated once with the loop, where no hook can go, and get none). Not
// told: the implicit &T{} of a composite literal with elided types
// (no expression to wrap), slices (make, slice literals, append's growth:
// their elements' hooks keep the history), maps and channels. rt ignores
// an address on the running goroutine's own stack (SSA's Heap is a
// superset of what the compiler's escape analysis puts on the heap), and
// an Alloc costs one call plus, per word that has a history, a lock.
//
// The address expression is evaluated again by the hook, so it must be free
// of effects (variables, fields, indexing, dereferences, conversions,
// len/cap, type assertions); otherwise the access is left unhooked with a Warning. It is
// evaluated before the statement, and only when it is valid: a hook whose
// address can panic is guarded by the checks the access makes (guard.go),
// so that the statement panics in its own place, after the calls gc
// evaluates before that operand (f() + s[i] calls f, then panics):
//
//	t.next.b = 1    if t != nil && t.next != nil { __rt.Write(uintptr(__unsafe.Pointer(&t.next.b))) }; t.next.b = 1
//	x := s[i]       if uint64(i) < uint64(len(s)) { __rt.Read(...&s[i]...) }; x := s[i]
//	n.(*T).f = 1    if __rt_is[*T](n) && (n.(*T)) != nil { __rt.Write(...&n.(*T).f...) }; n.(*T).f = 1
//
// The checks of an operand of && or || apply only when it is evaluated.
// An address with a division or a shift by a variable, an interface
// comparison or map key (an unhashable dynamic type panics), an index of
// a type-parameter type, a slice converted to an array, or where len,
// cap, uint64 or nil are not the predeclared ones, keeps an unguarded
// hook; a guarded hook is not placed where they are shadowed (a loop's
// post statement, hooked at the end of a body that declares its own len). A hook whose access is on a later line of the statement (a
// select's case, an operand on a line of its own) is preceded by a
// /*line*/ comment giving it that line, and the statement's own position
// is restored after the hooks: the panic, and a race report, name the
// access's line. Accesses the statement makes after one of its own calls are
// recorded before that call (a call that synchronises and then the access,
// in one statement, can be reported as racing), except the targets of an
// assignment in a statement list whose right-hand side calls or receives:
// their hooks go right after the statement (a target whose address
// mentions a variable the statement assigns keeps its hooks before).
//
// Conditional evaluation: the right operand of && and || gets its hooks in
// a closure that runs exactly when it does,
//
//	p != nil && p.x > 0   →   p != nil && func() bool { __rt.Read(...&p.x...); return true }() && p.x > 0
//
// (with "== true" for a boolean of a defined type), and so does a for
// loop's condition, evaluated before every iteration. A for loop's post
// statement has its hooks at the end of the body and before every continue
// of that loop. Since Go 1.22, accesses of the loop's own per-iteration
// variables in the condition and post statement cannot race and are not
// hooked. An if with an init statement or an else-if gets its condition's
// hooks in the closure too. An else-if's init statement gets its hooks in a
// block made around that if, run only when the else is taken:
//
//	} else if z := p.z; z > 0 {...}   →   } else { __rt.Read(...&p.z...); if z := p.z; z > 0 {...} }
//
// A case expression is evaluated only when the cases before it did not
// match; in a switch without a tag it is a condition and gets a closure,
// and in a switch with a tag a helper evaluates the closure and returns
// the expression with its own type:
//
//	case p.y:   →   case __rt_case(func() bool { __rt.Read(...&p.y...); return true }(), p.y):
//
// A case expression whose type comes from the tag (an untyped comparison,
// a shift of a constant) stays unhooked (Warning).
//
// An operand that cannot be evaluated twice (a call) whose elements a
// conversion, an append, a range or clear reads or writes passes through a
// helper that hooks the element range where it is evaluated, as a map
// operand does: string(f()) → string(__rt_sliceReadRange(f())). A copy
// with such an operand calls a helper in its place, which hooks the bytes
// copied once both operands are evaluated: copy(dst, f()) →
// __rt_copy(dst, f()). rt reports a helper's access at the helper's call
// site.
//
// A hook goes only where the identifiers it copies denote what they denote
// at the access, and where the predeclared names its text uses (len, min,
// uintptr, nil) are the predeclared ones: where a result named len or a
// local min shadows them, a range or copy takes the helper form, which
// names none. A var group whose later specs read the variables its earlier
// specs declare becomes one declaration per spec, each after its hooks.
//
// # Synchronisation
//
// Every synchronising call becomes a call of a helper that has the same
// signature with the receiver first, and runs the rt hook that goes before
// the operation, the operation, and the hook that goes after it; helpers
// are generated once per package after the last line of its first
// rewritten file. The call stays where it is, so evaluation order, defer,
// go and results are unchanged:
//
//	mu.Lock()               __rt_sync_Mutex_Lock(&mu)   (MutexLock: the edge, and Lock's atomic write of mu)
//	defer rw.RUnlock()      defer __rt_sync_RWMutex_RUnlock(&rw)
//	s.Lock() (embedded)     __rt_sync_Mutex_Lock(&s.Mutex)
//	l.Lock() (sync.Locker)  __rt_sync_Locker_Lock(l)    (LockerLock: the edge only)
//	wg.Add(n); wg.Done(); wg.Wait()  __rt_sync_WaitGroup_Add(&wg, n) ...  (WaitGroupAdd, WaitGroupWaitStart: the semaphore accesses -race makes)
//	wg.Go(f)                __rt_sync_WaitGroup_Go(&wg, __rt.Go(), f)
//	once.Do(f)              __rt_sync_Once_Do(&once, f)   (f's end releases, deferred)
//	c.Wait(); c.Signal()    __rt_sync_Cond_Wait(c) ...    (Wait: MutexUnlock/MutexLock of c.L)
//	atomic.AddInt64(&n, 1)  __rt_atomic_AddInt64(&n, 1)  (AtomicRMW before, Acquire after)
//	v.Load() (atomic.Int64, Pointer[T], Value, ...)  __rt_atomic_Int64_Load(&v)  (AtomicLoad after)
//	sync.Map methods: ReleaseMerge before, Acquire after, on the map
//	p.Put(x); p.Get()       __rt_sync_Pool_Put(&p, x) ...  (ReleaseMerge / Acquire on x's data word)
//	ch <- v                 __rt_chan_Send(ch, v)       (ChanSend; ChanSendDone(ch, cap(ch)))
//	x := <-ch; y, ok := <-ch  __rt_chan_Recv(ch); __rt_chan_Recv2(ch)  (ChanRecv; ChanRecvDoneOK(ch, ok))
//	close(ch)               __rt_chan_Close(ch)
//	t.Run(name, f) (and b.Run)  __rt_testing_Run(t, name, f, __rt.Go())   (testing.go)
//	t.Parallel()            __rt_testing_Parallel(t)
//
// The atomic hooks make the operation an atomic access of its address as
// well as an edge, so that it races with plain accesses of the same word.
// A select gets ChanSend/ChanRecv for every case before it; the taken
// case's ChanSendDone/ChanRecvDone goes first in its body, followed by
// ChanCancel for the channel of every other case (a default case gets
// only the ChanCancels), so that rt forgets the operations announced and
// not made. Every channel operand (a call too, as in <-ctx.Done()) is
// captured where select evaluates it, by a helper that makes its
// ChanSend/ChanRecv there and stores the channel's address (and a send's
// capacity) in variables of a block around the select, which the case
// hooks read, so they never evaluate an operand again (case i = <-c
// beside chs[i] <- v):
//
//	select { case <-f(): }  →  { var __rtS0_0 uintptr; select { case <-__rt_selRecv(&__rtS0_0, f()): __rt.ChanRecvDone(__rtS0_0) } }
//
// A labeled select goes into the block with its label, unless a goto
// outside the select names the label (it would jump into the block; one
// inside, a case retrying the select, does not): then the hooks evaluate
// the channel operands again, before the select and in the case taken,
// and a case whose operand cannot be evaluated again gets no hooks
// (Warning): a synchronisation rt does not see can make it report a race
// that is not one. A ChanCancel whose channel is shadowed by the case's own variable is left
// out (Warning): rt then keeps that case as a possible partner of later
// operations, which can hide a race, never report a false one. A range
// over a channel gets ChanRecv before the loop and at each iteration's
// end, ChanRecvDoneOK(ch, true) first in the body and
// ChanRecvDoneOK(ch, false) after the loop (the close that ended it; after
// a break rt finds no receive started and does nothing). t.Reset(d) of a
// *time.Timer or *time.Ticker is preceded by ChanBroadcast on t.C: the
// runtime's sends on t.C are not seen, and Reset orders what came before
// it before every later receive of a tick (as -race's timer edges do).
//
// I/O is an edge, as under -race, where std's syscall.Write
// release-merges and syscall.Read acquires one global object (ioSync):
// calls that write out (os.File's writes, fmt.Fprint*, io.Copy, bufio, the
// net/http client, the Write methods of net's types and of any interface)
// get rt.IOWrite before them and calls that read in rt.IORead after them,
// through a generic helper that returns a function of the callee's type,
// so the arguments keep their place:
//
//	f.Write(b)            __rt_io_out_1_2(f.Write)(b)
//	n, err := f.Read(p)   n, err := __rt_io_in_1_2(f.Read)(p)
//	http.Get(url)         __rt_io_inout_1_2(http.Get)(url)
//
// The write of an HTTP response happens in net/http's goroutine after the
// handler returns, and the request was read before it was called: every
// function with a handler's signature, func(http.ResponseWriter,
// *http.Request), starts with "__rt.IORead(); defer __rt.IOWrite()". The
// edges are coarser than -race's (a bytes.Buffer behind an io.Writer gets
// them too): they can hide races, never report false ones (iosync.go has
// the table).
//
// reflect reads and writes memory inside std: calls of reflect.Value's
// setters and getters, its map methods and reflect.Copy become calls of
// generic helpers (reflect.go) that record the access when the Value is
// addressable (rt.HelperReadRange/HelperWriteRange of v.UnsafeAddr(),
// v.Type().Size(), reported at the call site):
//
//	v.Elem().SetInt(1)    __rt_reflect_Value_SetInt(__rt_reflect_Value_Elem(v), 1)
//	reflect.Copy(d, s)    __rt_reflect_Copy(reflect.Copy, d, s)   (the n elements copied, after the call)
//
// A file whose uses of sync/atomic were all rewritten gets
// "type _ = atomic.Value" after its last line, to keep the import used.
//
// A go statement records the creation edge:
//
//	go func(x T) {...}(a)  →  { __rtTok := __rt.Go(); go func(x T) { __rt.Started(__rtTok); defer __rt.Finished(); ...}(a) }
//	go f(a, 1)             →  { __rtTok := __rt.Go(); __rtA0 := a; go func() { __rt.Started(__rtTok); defer __rt.Finished(); f(__rtA0, 1) }() }
//	go x.m(a)              →  { __rtTok := __rt.Go(); __rtF, __rtA0 := x.m, a; go func() { ...; __rtF(__rtA0) }() }
//
// The function value and the arguments are evaluated once, in the parent,
// in their order; constants and nil stay in place (their type comes from
// the call); static functions, generic instantiations and builtins are
// called by name. The block keeps goto and labels valid. A go statement
// over several lines, with an untyped non-constant argument or a
// uintptr(unsafe.Pointer(...)) one (its keep-alive needs the call), or calling a
// synchronising method is left without the edge (Warning): rt then treats
// the goroutine as one it did not see start, which can hide races but not
// report false ones.
//
// os.Exit becomes __rt_osExit(os.Exit), i.e. rt.Exit, which prints the race
// summary and exits 66 when races were found. main starts with
// "__rtMainOK := false; defer __rt_mainExit(&__rtMainOK)" (a helper, not a
// closure, so that main's closures keep their names, main.main.func1, ...)
// and sets the flag before each return and at its end, so a normal return
// ends in rt.Exit(0) after main's own deferred calls, and a panic keeps its
// own exit. With Options.Tests, each TestXxx(t *testing.T) of a _test.go
// file starts with "__rt.TestBegin(t); defer __rt.TestEnd(t)"; with
// Options.FuncHooks every instrumented function starts with
// "__rt.FuncEnter(0); defer __rt.FuncExit()", except a leaf: a body that,
// outside its function literals, makes no call (builtins and conversions
// aside) and got no hook. No report can show a leaf's frame, and the
// compiler drops racefuncenter from leaves under -race too; without the
// defer a leaf stays inlinable, so a package-level variable initialised
// by a call of it is still initialised statically, and an empty init
// function is still dropped (test/noinit.go).
//
// # Synchronisation only
//
// Options.SyncOnly rewrites what orders other code and nothing else: sync
// and sync/atomic calls, channel operations, go statements, timer resets,
// testing's t.Run and t.Parallel, and os.Exit, as above. No access,
// allocation, reflect or I/O hook, no FuncEnter/FuncExit, no
// TestBegin/TestEnd. cmd/raceinst uses it for the dependencies it does not
// instrument: an errgroup's WaitGroup or a library's lock orders the
// instrumented callers' accesses, and without its edges they would be
// reported as races. The I/O edges are left out: a library's writes to an
// io.Writer are frequent, cost a release on rt's one I/O object each, and
// order its callers only through a file or socket another goroutine reads.
//
// # Not instrumented
//
// Functions norace's SkipFunc or SkipLit name, with everything inside them
// (closures included), functions named in Input.Skip, statements where
// norace's InChild is true, //go:nosplit functions (Warning), packages -race
// never instruments, sync, sync/atomic and rt, cgo files, the go command's
// generated files, and files whose language version is older than go1.21
// (the helpers are generic and the hooks use min and unsafe.SliceData).
// Package-level variable initialisers are not walked.
package instrument
