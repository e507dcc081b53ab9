package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
)

type ctxKey struct{}

// TestLoopRestoresTheRequest: a handler that writes into the request it is given (a new
// context, a parsed form, a header, a consumed body) leaves nothing for the next iteration.
func TestLoopRestoresTheRequest(t *testing.T) {
	var seen []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		seen = append(seen, fmt.Sprintf("%v|%s|%s|%s", r.Context().Value(ctxKey{}), r.Header.Get("X-Added"), r.RemoteAddr, body))
		*r = *r.WithContext(context.WithValue(r.Context(), ctxKey{}, "cached"))
		r.Form = map[string][]string{"x": {"y"}}
		w.WriteHeader(http.StatusAccepted)
	})
	c := Case{
		Request: Request{Method: http.MethodPost, Body: "a=1"},
		Status:  http.StatusAccepted,
		Reset:   func(r *http.Request) { r.Header.Del("X-Added") },
		Vary:    func(r *http.Request, i int) { r.RemoteAddr = fmt.Sprintf("10.0.0.%d:1", i) },
	}
	l := newLoop(h, c.Request, c)
	for range 3 {
		l.once()
		if l.w.Status != http.StatusAccepted {
			t.Fatalf("status %d", l.w.Status)
		}
	}
	want := []string{"<nil>||10.0.0.0:1|a=1", "<nil>||10.0.0.1:1|a=1", "<nil>||10.0.0.2:1|a=1"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("iterations saw %q, want %q", seen, want)
	}
}

func TestWriterKeepsTheFirstStatus(t *testing.T) {
	w := NewWriter()
	w.Header().Set("A", "b")
	w.WriteHeader(http.StatusTeapot)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("abc"))
	if w.Status != http.StatusTeapot || w.Bytes != 3 {
		t.Fatalf("status %d, bytes %d", w.Status, w.Bytes)
	}
	w.Reset()
	_, _ = w.Write([]byte("x"))
	if w.Status != http.StatusOK || w.Bytes != 1 || len(w.Header()) != 0 {
		t.Fatalf("after Reset: status %d, bytes %d, header %v", w.Status, w.Bytes, w.Header())
	}
}

// recordingTB records a failure instead of stopping the test.
type recordingTB struct {
	testing.TB
	failed string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

// TestCheckRefusesAWrongAnswer: a library that answers another status than the case
// expects fails the benchmark before anything is timed.
func TestCheckRefusesAWrongAnswer(t *testing.T) {
	rec := &recordingTB{TB: t}
	forbid := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusForbidden) })
	check(rec, forbid, Request{}, Case{Status: http.StatusOK}, Impl{Name: "peer"})
	if rec.failed == "" {
		t.Fatal("a 403 passed the check of a case that expects 200")
	}
	rec.failed = ""
	check(rec, Engine(), Request{}, Case{Status: http.StatusOK}, Impl{Name: "gin"})
	if rec.failed != "" {
		t.Fatalf("gin's 200 failed the check: %s", rec.failed)
	}
}

func TestRequestBuild(t *testing.T) {
	r := Request{Method: http.MethodPost, Target: "/x", TLS: true, Body: "abc", Header: map[string]string{"x-csrftoken": "t"}}.Build()
	if r.Method != http.MethodPost || r.URL.Path != "/x" || r.TLS == nil || r.Host != Host ||
		r.ContentLength != 3 || r.Header.Get("X-CSRFToken") != "t" || r.RemoteAddr == "" {
		t.Fatalf("built %+v", r)
	}
}
