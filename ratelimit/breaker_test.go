package ratelimit

import (
	"errors"
	"testing"
	"time"
)

func TestBreakerStates(t *testing.T) {
	clock := time.Unix(0, 0)
	b := newBreaker(2, time.Minute, quietLogger())
	b.now = func() time.Time { return clock }
	boom := errors.New("connection refused")

	if !b.allow() {
		t.Fatal("a new breaker is open")
	}
	b.failure(boom)
	if !b.allow() || b.isOpen() {
		t.Fatal("one failure opened a breaker with threshold 2")
	}
	b.success()
	b.failure(boom)
	if b.isOpen() {
		t.Fatal("failures separated by a success were added up")
	}
	b.failure(boom)
	if !b.isOpen() || b.allow() {
		t.Fatal("two consecutive failures did not open the breaker")
	}
	if ra := b.retryAfter(); ra != time.Minute {
		t.Fatalf("retryAfter %v", ra)
	}

	// After the cooldown exactly one probe goes through.
	clock = clock.Add(time.Minute)
	if !b.allow() || b.allow() {
		t.Fatal("half-open breaker must let one probe through, and only one")
	}
	b.failure(boom) // the probe failed: another cooldown
	if b.allow() {
		t.Fatal("a failed probe did not reopen the breaker")
	}
	clock = clock.Add(time.Minute)
	if !b.allow() {
		t.Fatal("no probe after the second cooldown")
	}
	b.abandon() // the caller gave up: the slot is free again
	if !b.allow() {
		t.Fatal("an abandoned probe kept the slot")
	}
	b.success()
	if b.isOpen() || !b.allow() || !b.allow() {
		t.Fatal("a successful probe did not close the breaker")
	}
	if b.failures.Load() != 4 {
		t.Fatalf("%d failures counted, want 4", b.failures.Load())
	}
}
