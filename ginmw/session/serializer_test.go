package session_test

import (
	"encoding/gob"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/djin-go/djin/ginmw/session"
)

func TestJSONSerializerKeepsTopLevelTypes(t *testing.T) {
	in := map[string]any{
		"s": "héllo \"quoted\" <tag> & \u2028 \x01", "empty": "", "t": true, "f": false, "nil": nil,
		"int": 42, "neg": -7, "i64": int64(math.MaxInt64), "u8": uint8(200), "big": uint64(math.MaxUint64),
		"f64": 2.0, "f32": float32(1.5), "tiny": 1e-300, "huge": 1e300,
		"list": []string{"a", "b"}, "map": map[string]int{"x": 1},
		"_session_expiry": 0,
	}
	data, err := session.JSONSerializer{}.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := session.JSONSerializer{}.Unmarshal(data)
	if err != nil {
		t.Fatalf("Unmarshal(%s): %v", data, err)
	}
	want := map[string]any{
		"s": in["s"], "empty": "", "t": true, "f": false, "nil": nil,
		"int": 42, "neg": -7, "i64": math.MaxInt64, "u8": 200, "big": uint64(math.MaxUint64),
		"f64": 2.0, "f32": 1.5, "tiny": 1e-300, "huge": 1e300,
		"list": []any{"a", "b"}, "map": map[string]any{"x": 1.0},
		"_session_expiry": 0,
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v\njson %s", out, want, data)
	}
}

func TestJSONSerializerInvalidUTF8(t *testing.T) {
	data, err := session.JSONSerializer{}.Marshal(map[string]any{"k\xff": "v\xfe"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := session.JSONSerializer{}.Unmarshal(data)
	if err != nil || out["k\ufffd"] != "v\ufffd" {
		t.Fatalf("got %#v, %v from %s", out, err, data)
	}
}

func TestJSONSerializerErrors(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), make(chan int), func() {}} {
		if _, err := (session.JSONSerializer{}).Marshal(map[string]any{"k": v}); !errors.Is(err, session.ErrSerialize) {
			t.Errorf("Marshal(%T) = %v; want ErrSerialize", v, err)
		}
	}
	for _, in := range []string{"", "[]", "null x", `{"a":}`, `{"a":1`, "\x00"} {
		if _, err := (session.JSONSerializer{}).Unmarshal([]byte(in)); !errors.Is(err, session.ErrSerialize) {
			t.Errorf("Unmarshal(%q) = %v; want ErrSerialize", in, err)
		}
	}
}

type gobCart struct{ Items []string }

func TestGobSerializer(t *testing.T) {
	gob.Register(gobCart{})
	in := map[string]any{"int": 42, "s": "x", "cart": gobCart{Items: []string{"apple"}}, "b": []byte{1, 2}}
	data, err := session.GobSerializer{}.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := session.GobSerializer{}.Unmarshal(data)
	if err != nil || !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip: %#v, %v", out, err)
	}
	type unregistered struct{ A int }
	if _, err := (session.GobSerializer{}).Marshal(map[string]any{"u": unregistered{1}}); !errors.Is(err, session.ErrSerialize) {
		t.Fatalf("an unregistered type must fail with ErrSerialize: %v", err)
	}
	if _, err := (session.GobSerializer{}).Unmarshal([]byte("garbage")); !errors.Is(err, session.ErrSerialize) {
		t.Fatalf("garbage must fail with ErrSerialize: %v", err)
	}
}

// Stored data is written by the application, but a store may hand back anything (a manual
// edit, a corrupted row): decoding must fail cleanly, never panic, and what it accepts must
// encode again.
func FuzzJSONSerializerUnmarshal(f *testing.F) {
	for _, seed := range []string{`{}`, `{"a":1,"b":"x","c":1.5,"d":[1,{"e":null}],"f":true}`, `{"a":-0}`,
		`{"a":1e400}`, `{"a":18446744073709551616}`, `{"a":"\ud800"}`, `[]`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		values, err := session.JSONSerializer{}.Unmarshal(data)
		if err != nil {
			if !errors.Is(err, session.ErrSerialize) {
				t.Fatalf("error without ErrSerialize: %v", err)
			}
			return
		}
		if _, err := (session.JSONSerializer{}).Marshal(values); err != nil {
			t.Fatalf("decoded values do not encode again: %v", err)
		}
	})
}
