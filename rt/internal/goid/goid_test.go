package goid

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"
)

func uintptrOf(p *int) uintptr { return uintptr(unsafe.Pointer(p)) }

func TestFastPathEnabled(t *testing.T) {
	if haveGetg && !Fast() {
		t.Fatalf("GOARCH=%s has getg assembly but the start-up self-check disabled the fast path", runtime.GOARCH)
	}
}

// TestGetMatchesStack checks Get against runtime.Stack on many goroutines at
// once, so that a wrong offset cannot pass by matching one id.
func TestGetMatchesStack(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, want := Get(), slowGet(); got != want || want <= 0 {
				errs <- "Get() mismatch"
			}
			if g := G(); Fast() && !Alive(g, Get()) {
				errs <- "Alive(self) = false"
			}
			var local int
			if Fast() && !OnStack(G(), uintptrOf(&local)) {
				errs <- "OnStack(local) = false"
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestAliveAfterExit(t *testing.T) {
	if !Fast() {
		t.Skip("fast path off")
	}
	type gref struct {
		g  unsafe.Pointer
		id int64
	}
	gp := make(chan gref, 1)
	go func() { gp <- gref{G(), Get()} }()
	who := <-gp
	// The goroutine may need a moment to reach _Gdead after its last send
	// (longer on a loaded machine: yield, then sleep, up to ~10 s).
	for i := 0; Alive(who.g, who.id); i++ {
		if i > 20000 {
			t.Fatal("Alive still true after the goroutine exited")
		}
		if i < 10000 {
			runtime.Gosched()
		} else {
			time.Sleep(time.Millisecond)
		}
	}
	if !Alive(G(), Get()) {
		t.Fatal("Alive(self) = false")
	}
}

func TestSlowGetAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { slowGet() }); n != 0 {
		t.Errorf("slowGet allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { Get() }); n != 0 {
		t.Errorf("Get allocates %v times", n)
	}
}

func TestParseHeader(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"goroutine 1 [running]:\n", 1},
		{"goroutine 123456789 [chan receive]:", 123456789},
		{"goroutine x [running]", -1},
		{"gorout", -1},
		{"goroutine 12", -1},
	} {
		if got := parseHeader([]byte(tc.in)); got != tc.want {
			t.Errorf("parseHeader(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestOffsetsCurrent regenerates offsets_gen.go with the toolchain running
// the test and fails if the checked-in table differs: a toolchain whose
// runtime.g moved goid is caught here, not in the field.
func TestOffsetsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the generator")
	}
	gobin := goTool(t)
	out := filepath.Join(t.TempDir(), "offsets_gen.go")
	cmd := exec.Command(gobin, "run", "gen/main.go", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen/main.go: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("offsets_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, have) {
		t.Fatalf("offsets_gen.go is stale for %s; run: cd rt/internal/goid && go run gen/main.go\n--- regenerated:\n%s", runtime.Version(), got)
	}
}

func goTool(t *testing.T) string {
	t.Helper()
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		p, err = exec.LookPath("go")
		if err != nil {
			t.Fatal("go command not found: the test needs it")
		}
	}
	return p
}

// TestSelfCheckRejectsWrongOffset makes sure the start-up check would catch
// a table that points goid at the wrong word.
func TestSelfCheckRejectsWrongOffset(t *testing.T) {
	if !Fast() {
		t.Skip("fast path off")
	}
	saved := lay
	defer func() { lay = saved }()
	for _, delta := range []uintptr{8, ^uintptr(7)} { // one word after, one before
		lay = saved
		lay.goid += delta
		if checkHere() {
			t.Errorf("checkHere() accepted goid offset %d (real %d)", lay.goid, saved.goid)
		}
	}
}
