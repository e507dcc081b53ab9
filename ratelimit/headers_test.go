package ratelimit

import (
	"fmt"
	"sync"
	"testing"
)

// TestRateValuesAreRightUnderCollisionsAndConcurrency: whatever the slots hold, get
// returns the value for the numbers it was asked about, also while other goroutines
// replace the same slots with other values.
func TestRateValuesAreRightUnderCollisionsAndConcurrency(t *testing.T) {
	var c rateValues
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				r, reset := int64((i*7+g)%1000), int64(i%3)
				got := c.get("api", r, reset)
				if want := fmt.Sprintf(`"api";r=%d;t=%d`, r, reset); len(got) != 1 || got[0] != want {
					t.Errorf("get(%d, %d) = %q, want %q", r, reset, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestRateValuesReuseAValue: a value asked for again is the same slice, not a new one,
// and a policy name too long for the inline buffer still gives the whole value.
func TestRateValuesReuseAValue(t *testing.T) {
	var c rateValues
	a, b := c.get("api", 99, 1), c.get("api", 99, 1)
	if &a[0] != &b[0] {
		t.Error("the same numbers built a second value")
	}
	long := "a-policy-name-longer-than-the-buffer"
	if got := c.get(long, 1234567, 86400)[0]; got != `"`+long+`";r=1234567;t=86400` {
		t.Errorf("long name: %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { c.get("api", 99, 1) }); n != 0 {
		t.Errorf("a cached value allocates %v times", n)
	}
}
