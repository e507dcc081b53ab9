package authx

import (
	"sync"
	"testing"
)

func TestSignalConnectDisconnectOrder(t *testing.T) {
	var s Signal[int]
	var got []string
	s.send(0) // no receivers: nothing happens
	d1 := s.Connect(func(int) { got = append(got, "first") })
	s.Connect(func(int) { got = append(got, "second") })
	s.Connect(nil)()
	s.send(1)
	d1()
	d1() // disconnecting twice is harmless
	s.send(2)
	want := []string{"first", "second", "second"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// Receivers may be connected and disconnected while events are sent (run with -race).
func TestSignalConcurrentUse(t *testing.T) {
	var s Signal[int]
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 100 {
				d := s.Connect(func(int) {})
				s.send(i)
				d()
			}
		})
	}
	wg.Wait()
	if p := s.receivers.Load(); p != nil && len(*p) != 0 {
		t.Fatalf("%d receivers left", len(*p))
	}
}

// Two Auth values never see each other's events: there is no global signal.
func TestSignalsArePerAuth(t *testing.T) {
	a1, a2 := newAuthForTest(t, AuthConfig{}), newAuthForTest(t, AuthConfig{})
	var n1, n2 int
	a1.Signals().UserLoginFailed.Connect(func(LoginFailedEvent) { n1++ })
	a2.Signals().UserLoginFailed.Connect(func(LoginFailedEvent) { n2++ })
	a1.Authenticate(testContext(""), "x", "y")
	if n1 != 1 || n2 != 0 {
		t.Fatalf("n1=%d n2=%d", n1, n2)
	}
}
