package rt

import "sync"

// A syncKey names a synchronisation object: its address and which of its
// edges (a channel's send side and receive side are different objects).
type syncKey struct {
	addr uintptr
	sub  uint8
}

const (
	subMain   = iota
	subReader // RWMutex readers; channel receive side
)

// syncShard is one of the shards of the sync-object table. The shard lock
// covers both the map and the clocks in it: sync operations are rarer than
// memory accesses and each holds it only for one clock copy or join.
type syncShard struct {
	mu sync.Mutex
	m  map[syncKey]*vclock
	_  [40]byte // keep shards on separate cache lines
}

var syncShards [256]syncShard

func shardOf(k syncKey) *syncShard {
	h := uint64(k.addr>>3)*0x9E3779B97F4A7C15 + uint64(k.sub)
	return &syncShards[h>>56]
}

// acquire joins the clock released on k into g: everything released there
// happens before g's next step.
func acquire(g *gstate, k syncKey) {
	sh := shardOf(k)
	sh.mu.Lock()
	if v := sh.m[k]; v != nil {
		g.vc.join(*v)
	}
	sh.mu.Unlock()
	g.ep = mkEpoch(g.slot, g.vc[g.slot])
}

// release publishes g's clock on k. With merge the clock already there is
// kept (joined); without it is replaced, which is right when every earlier
// releaser is already ordered before g (a mutex).
func release(g *gstate, k syncKey, merge bool) {
	sh := shardOf(k)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[syncKey]*vclock)
	}
	v := sh.m[k]
	if v == nil {
		v = new(vclock)
		sh.m[k] = v
	}
	if merge {
		v.join(g.vc)
	} else {
		v.assign(g.vc)
	}
	sh.mu.Unlock()
	g.tick()
}
