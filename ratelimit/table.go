package ratelimit

// table is an open-addressing hash table from a 64-bit key hash to a value, with linear
// probing and backward-shift deletion. It exists because a decision reads and writes one
// entry: with Go's map that is two lookups (access, then assign) over several cache lines;
// here it is one probe that hands back a pointer to the value. Slots hold no pointers for
// the fixed-size states, so the garbage collector never scans them.
//
// The key 0 marks an empty slot; keyHash never returns it.
type table[V any] struct {
	slots []slot[V] // len is 0 or a power of two
	n     int
}

type slot[V any] struct {
	h uint64
	v V
}

const minTableSize = 16

// keyHash maps a hash to a table key: never 0, the empty marker.
func keyHash(h uint64) uint64 {
	if h == 0 {
		return 1
	}
	return h
}

// get returns a pointer to h's value, or nil. The pointer is valid until the next put or
// delete.
func (t *table[V]) get(h uint64) *V {
	if t.n == 0 {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.h == h {
			return &s.v
		}
		if s.h == 0 {
			return nil
		}
	}
}

// put inserts h, which must not be present, and returns a pointer to its zero value.
func (t *table[V]) put(h uint64) *V {
	if (t.n+1)*4 > len(t.slots)*3 { // keep the load at or under 3/4
		t.resize(max(minTableSize, len(t.slots)*2))
	}
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].h != 0 {
		i = (i + 1) & mask
	}
	t.slots[i].h = h
	t.n++
	return &t.slots[i].v
}

func (t *table[V]) resize(size int) {
	old := t.slots
	t.slots = make([]slot[V], size)
	mask := uint64(size - 1)
	for _, s := range old {
		if s.h == 0 {
			continue
		}
		i := s.h & mask
		for t.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// delete removes h if present and reports whether it was.
func (t *table[V]) delete(h uint64) bool {
	if t.n == 0 {
		return false
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch t.slots[i].h {
		case h:
			t.removeAt(i)
			return true
		case 0:
			return false
		}
	}
}

// removeAt empties slot i and shifts the rest of its probe run back, so that every
// remaining key stays reachable from its home slot without tombstones.
func (t *table[V]) removeAt(i uint64) {
	mask := uint64(len(t.slots) - 1)
	j := i
	for {
		j = (j + 1) & mask
		h := t.slots[j].h
		if h == 0 {
			break
		}
		home := h & mask
		// Move slot j into the hole at i unless its home lies cyclically in (i, j].
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	var zero slot[V]
	t.slots[i] = zero
	t.n--
}

// sweep deletes every entry for which drop returns true and returns how many it deleted.
// A table that a flood left mostly empty is shrunk, to give the memory back.
func (t *table[V]) sweep(drop func(*V) bool) int {
	deleted := 0
	for i := 0; i < len(t.slots); {
		s := &t.slots[i]
		if s.h != 0 && drop(&s.v) {
			t.removeAt(uint64(i))
			deleted++
			continue // a later entry may have moved into slot i
		}
		i++
	}
	if t.n*8 < len(t.slots) && len(t.slots) > minTableSize {
		size := minTableSize
		for size*3 < t.n*4+4 {
			size *= 2
		}
		t.resize(size * 2)
	}
	return deleted
}
