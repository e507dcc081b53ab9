package ratelimit

import (
	"math/rand/v2"
	"testing"
)

// TestTableMatchesAMap drives the table and a Go map with the same random operations,
// with hashes crowded into few home slots so probe runs are long and wrap around.
func TestTableMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	var tb table[int64]
	model := map[uint64]int64{}
	key := func() uint64 {
		// Few distinct low bits: long runs; high bits keep keys distinct.
		return keyHash(rng.Uint64N(64)<<40 | rng.Uint64N(8))
	}
	for op := range 200_000 {
		h := key()
		switch rng.IntN(10) {
		case 0, 1, 2, 3:
			if p := tb.get(h); p != nil {
				*p = int64(op)
			} else {
				*tb.put(h) = int64(op)
			}
			model[h] = int64(op)
		case 4, 5:
			_, had := model[h]
			if tb.delete(h) != had {
				t.Fatalf("op %d: delete(%x) disagrees with the model", op, h)
			}
			delete(model, h)
		case 6:
			limit := int64(op) - int64(rng.IntN(2000))
			n := tb.sweep(func(v *int64) bool { return *v < limit })
			dropped := 0
			for k, v := range model {
				if v < limit {
					delete(model, k)
					dropped++
				}
			}
			if n != dropped {
				t.Fatalf("op %d: sweep dropped %d, want %d", op, n, dropped)
			}
		default:
			p := tb.get(h)
			v, ok := model[h]
			if (p != nil) != ok || ok && *p != v {
				t.Fatalf("op %d: get(%x) = %v, model %v %v", op, h, p, v, ok)
			}
		}
		if tb.n != len(model) {
			t.Fatalf("op %d: %d entries, model %d", op, tb.n, len(model))
		}
	}
	for k, v := range model {
		if p := tb.get(k); p == nil || *p != v {
			t.Fatalf("final: %x lost", k)
		}
	}
}

func TestTableShrinksAfterAFlood(t *testing.T) {
	var tb table[int64]
	for i := range 100_000 {
		*tb.put(keyHash(uint64(i) * 0x9E3779B97F4A7C15)) = int64(i)
	}
	big := len(tb.slots)
	tb.sweep(func(v *int64) bool { return *v >= 10 })
	if tb.n != 10 || len(tb.slots) >= big/100 {
		t.Fatalf("%d entries in %d slots (was %d)", tb.n, len(tb.slots), big)
	}
	for i := range 10 {
		if p := tb.get(keyHash(uint64(i) * 0x9E3779B97F4A7C15)); p == nil || *p != int64(i) {
			t.Fatalf("entry %d lost by the shrink", i)
		}
	}
}
