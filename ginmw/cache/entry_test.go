package cache

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestEntryRoundTrip(t *testing.T) {
	e := &entry{
		stored: time.UnixMilli(1700000000123), status: 200,
		header: http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Vary": {"Accept-Encoding", "Accept-Language"}, "X-Empty": {""}},
		body:   []byte("<h1>hello</h1>\x00\xff"),
	}
	raw, err := e.encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeEntry(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !got.stored.Equal(e.stored) || got.status != e.status || !reflect.DeepEqual(got.header, e.header) || string(got.body) != string(e.body) {
		t.Fatalf("round trip: %+v", got)
	}
	for i := range raw {
		if _, err := decodeEntry(raw[:i]); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("a value cut at %d bytes decoded: %v", i, err)
		}
	}
	if _, err := decodeEntry(append(raw, 'x')); !errors.Is(err, ErrCorrupt) {
		t.Fatal("trailing bytes must be refused")
	}
}

// Entries come back from a backend that others may write (a shared Redis): whatever is
// there decodes to an entry or ErrCorrupt, never a panic or a huge allocation.
func FuzzDecodeEntry(f *testing.F) {
	e := &entry{stored: time.Now(), status: 200, header: http.Header{"A": {"b"}}, body: []byte("body")}
	raw, _ := e.encode()
	f.Add(raw)
	f.Add([]byte("DJC1"))
	f.Add([]byte("DJC1\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc8\xff\xff"))
	f.Add([]byte("DJC1\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc8\x00\x00\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error without ErrCorrupt: %v", err)
			}
			return
		}
		again, err := e.encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeEntry(again); err != nil {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
