package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// What a request costs through the example's whole stack (every middleware of
// settings.yaml, sessions and users in SQLite):
//
//	go test ./example -run - -bench . -benchmem -benchtime 2000x

// benchOpts are the shipped settings with the site-wide and per-user limits raised out of
// the way: a benchmark is one client sending thousands of requests.
func benchOpts(b *testing.B) siteOpts {
	text := shippedSettings(b, "settings.yaml")
	text = strings.Replace(text, "rate: 300/m", "rate: 10000000/m", 1)
	text = strings.Replace(text, "rate: 60/m", "rate: 10000000/m", 1)
	return siteOpts{settings: text}
}

func benchServe(b *testing.B, h http.Handler, newReq func() *http.Request, want int) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, newReq())
		if w.Code != want {
			b.Fatalf("status %d, want %d", w.Code, want)
		}
	}
}

// BenchmarkStaticFile: an anonymous request for the stylesheet, through every middleware.
func BenchmarkStaticFile(b *testing.B) {
	s := newTestSite(b, benchOpts(b))
	benchServe(b, s, func() *http.Request { return newRequest(http.MethodGet, "/static/style.css", "", "") }, http.StatusOK)
}

// BenchmarkHomePage: a logged-in page: session load, user load, session-auth hash check,
// template rendering.
func BenchmarkHomePage(b *testing.B) {
	s := newTestSite(b, benchOpts(b))
	c := loggedIn(b, s, "ann")
	r := newRequest(http.MethodGet, "/home/", "", "")
	c.Do(r) // the cookies are now on r
	cookies := r.Header.Get("Cookie")
	benchServe(b, s, func() *http.Request {
		r := newRequest(http.MethodGet, "/home/", "", "")
		r.Header.Set("Cookie", cookies)
		return r
	}, http.StatusOK)
}

// BenchmarkAPIMe: a bearer-token request: token verification, user load, JSON.
func BenchmarkAPIMe(b *testing.B) {
	s := newTestSite(b, benchOpts(b))
	if _, err := s.users.CreateUser(b.Context(), userParams("ann")); err != nil {
		b.Fatal(err)
	}
	p := obtain(b, s, "ann", testPassword)
	benchServe(b, s, func() *http.Request {
		r := newRequest(http.MethodGet, "/api/me/", "", "")
		r.Header.Set("Authorization", "Bearer "+p.Access)
		return r
	}, http.StatusOK)
}
