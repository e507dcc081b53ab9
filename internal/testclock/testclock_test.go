package testclock

import (
	"sync"
	"testing"
	"time"
)

// TestClockMovesOnlyWhenTold: Now stays at the start until Advance, and concurrent
// Advances all count.
func TestClockMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := New(start)
	first := c.Now()
	time.Sleep(time.Millisecond)
	if second := c.Now(); !first.Equal(start) || !second.Equal(start) {
		t.Fatalf("the clock moved by itself: %v, then %v", first, second)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Advance(time.Second) }()
	}
	wg.Wait()
	if got := c.Now().Sub(start); got != 10*time.Second {
		t.Fatalf("after ten one-second advances: %v", got)
	}
}
