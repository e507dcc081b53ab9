package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testclock"
)

// newClock returns a test clock that only moves when told.
func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) }

func TestThrottledAllowsThreePerTenSecondsPerIP(t *testing.T) {
	clk := newClock()
	s := newTestSite(t, siteOpts{now: clk.Now})
	fromIP := func(ip string) *http.Request {
		r := newRequest(http.MethodGet, "/throttled/", "", "")
		r.RemoteAddr = ip + ":40000"
		return r
	}
	for i := 1; i <= 3; i++ {
		w := do(s, fromIP("198.51.100.7"))
		if w.Code != http.StatusOK {
			t.Fatalf("request %d: %d, want 200", i, w.Code)
		}
		if !strings.Contains(w.Header().Get("RateLimit"), `"throttle"`) || !strings.Contains(w.Header().Get("RateLimit-Policy"), `"throttle";q=3;w=10`) {
			t.Errorf("request %d: RateLimit %q, RateLimit-Policy %q", i, w.Header().Get("RateLimit"), w.Header().Get("RateLimit-Policy"))
		}
		clk.Advance(time.Second)
	}
	w := do(s, fromIP("198.51.100.7"))
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "7" {
		t.Fatalf("request 4 at 3 s: %d, Retry-After %q; want 429 and 7 (the first request leaves the window at 10 s)", w.Code, w.Header().Get("Retry-After"))
	}
	if !strings.Contains(w.Header().Get("RateLimit"), `"throttle";r=0`) {
		t.Errorf("429: RateLimit %q", w.Header().Get("RateLimit"))
	}
	for _, h := range []string{"X-Frame-Options", "Content-Security-Policy", "X-Request-Id"} {
		if w.Header().Get(h) == "" {
			t.Errorf("the 429 has no %s: the stack's response hooks must still run", h)
		}
	}
	if w := do(s, fromIP("203.0.113.9")); w.Code != http.StatusOK {
		t.Errorf("another IP: %d, want 200 (the limit is per IP)", w.Code)
	}
	if w := do(s, fromIP("198.51.100.7")); w.Code != http.StatusTooManyRequests {
		t.Errorf("refused requests are not charged, but the limit still holds: %d", w.Code)
	}
	r := fromIP("198.51.100.7")
	r.Header.Set("X-Forwarded-For", "10.9.8.7") // no trusted proxy: the header is the client's own
	if w := do(s, r); w.Code != http.StatusTooManyRequests {
		t.Errorf("a forged X-Forwarded-For got around the throttle: %d", w.Code)
	}
	clk.Advance(7 * time.Second)
	if w := do(s, fromIP("198.51.100.7")); w.Code != http.StatusOK {
		t.Errorf("at 10 s: %d, want 200", w.Code)
	}
	// Other pages are not throttled by this entry.
	r = newRequest(http.MethodGet, "/register/", "", "")
	r.RemoteAddr = "198.51.100.7:40000"
	for i := 0; i < 5; i++ {
		if w := do(s, r.Clone(r.Context())); w.Code != http.StatusOK {
			t.Fatalf("GET /register/ %d: %d: the throttle reached a page it does not list", i, w.Code)
		}
	}
}

func TestCommentingTheThrottleOutSwitchesItOff(t *testing.T) {
	s := newTestSite(t, siteOpts{without: []string{"throttle"}})
	for i := 1; i <= 6; i++ {
		w := get(s, "/throttled/")
		if w.Code != http.StatusOK || strings.Contains(w.Header().Get("RateLimit-Policy"), "throttle") {
			t.Fatalf("without the throttle, request %d: %d %q", i, w.Code, w.Header().Get("RateLimit-Policy"))
		}
	}
}

func TestSiteWideLimit(t *testing.T) {
	text := strings.Replace(shippedSettings(t, "settings.yaml"), "rate: 300/m", "rate: 2/h", 1)
	s := newTestSite(t, siteOpts{settings: text})
	codes := []int{get(s, "/register/").Code, get(s, "/static/style.css").Code, get(s, "/missing/").Code}
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusTooManyRequests {
		t.Errorf("a site-wide limit of 2/h: %v, want 200 200 429 (every request counts, even a 404)", codes)
	}
	w := get(s, "/register/", "Accept", "text/html")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
		t.Errorf("a browser's 429: %d %q %q", w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"))
	}
}

func TestLimitSettingsAreChecked(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"routes: [/throttled/]", "routes: [/throtled/]", `no route "/throtled/"`},
		{"routes: [/throttled/]", "routes: [throttled]", "a route template"},
		{"rate: 3/10s", "rate: 3/10M", "ambiguous unit"},
		{"rate: 3/10s", "rate: 3/10s\n      store: redis", `needs the application service "redis"`},
		{"rate: 3/10s", "rate: 3/10s\n      store: disk", "memory or redis"},
		{"rate: 3/10s", "rat: 3/10s", "rat"},
		{"routes: [/throttled/]", "", "routes: list the route templates"},
	} {
		text := shippedSettings(t, "settings.yaml")
		if !strings.Contains(text, tc.from) {
			t.Fatalf("settings.yaml has no %q", tc.from)
		}
		_, err := buildTestSite(t, siteOpts{settings: strings.Replace(text, tc.from, tc.to, 1)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error mentioning %q", tc.to, err, tc.want)
		}
	}
}
