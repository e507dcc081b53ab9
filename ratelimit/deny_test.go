package ratelimit

import (
	"testing"
	"time"
)

func TestNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   offer
	}{
		{"", offerProblem},
		{"*/*", offerProblem},
		{"application/problem+json", offerProblem},
		{"application/json", offerJSON},
		{"APPLICATION/JSON", offerJSON},
		{"application/*", offerProblem},
		{"text/*", offerHTML},
		{"text/plain", offerPlain},
		{"text/html", offerHTML},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", offerHTML},
		{"application/json, text/html;q=0.5", offerJSON},
		{"text/html;q=0.5, application/json;q=0.6", offerJSON},
		{"*/*;q=0.1, text/plain;q=0.2", offerPlain},
		{"text/html;q=0", offerProblem},
		{"text/plain;q=0, */*", offerProblem},
		{"text/html;level=1;q=0.7", offerHTML},
		{"image/png", offerProblem},
		{"garbage", offerProblem},
		{"text/html;q=2", offerProblem},
		{"text/html;q=0.1234, text/plain;q=0.5", offerPlain},
		{",,,;;;", offerProblem},
		{"/", offerProblem},
	} {
		if got := negotiate(tc.accept); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.accept, offerTypes[got], offerTypes[tc.want])
		}
	}
}

func TestCeilSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int64{0: 0, -time.Second: 0, time.Nanosecond: 1, time.Second: 1, time.Second + 1: 2, 7 * time.Second: 7} {
		if got := ceilSeconds(d); got != want {
			t.Errorf("%v: %d", d, got)
		}
	}
}
