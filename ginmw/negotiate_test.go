package ginmw

import "testing"

func TestNegotiate(t *testing.T) {
	offers := []string{"text/html", "application/json", "text/plain"}
	for _, tt := range []struct {
		accept string
		want   int
	}{
		{"", 0},
		{"*/*", 0},
		{"application/json", 1},
		{"text/html;q=0.1, application/json", 1},
		{"text/*", 0},
		{"text/*;q=0.5, text/plain", 2},
		{"application/json;q=0, text/html;q=0", 0},
		{"image/png", 0},
		{"application/json;q=abc", 0},
		{"TEXT/PLAIN", 2},
	} {
		if got := Negotiate(tt.accept, offers); got != tt.want {
			t.Errorf("Negotiate(%q) = %d, want %d", tt.accept, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { Negotiate("text/html;q=0.9, application/json", offers) }); n != 0 {
		t.Errorf("Negotiate allocates %.0f times", n)
	}
}

// FuzzNegotiate: any Accept header yields one of the offers, without panicking.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "*/*", "text/html;q=0.9", "application/json;q=1.000", "a/b;q=", ";q=1", "text/html;q=0.1234"} {
		f.Add(s)
	}
	offers := []string{"application/problem+json", "application/json", "text/html", "text/plain"}
	f.Fuzz(func(t *testing.T, accept string) {
		if i := Negotiate(accept, offers); i < 0 || i >= len(offers) {
			t.Fatalf("%q: offer %d", accept, i)
		}
	})
}
