package messages

import (
	"errors"
	"reflect"
	"testing"
)

func TestEncodingRoundTrip(t *testing.T) {
	in := []Message{{Level: LevelInfo, Text: "plain"}, {Level: 29, Text: "é \"quoted\" <b>", ExtraTags: "a b"}}
	s, err := encode(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[["__json_message",0,20,"plain",""],["__json_message",0,29,"é \"quoted\" \u003cb\u003e","a b"]]`; s != want {
		t.Fatalf("encode = %s\nwant    %s", s, want)
	}
	out, err := decode(s)
	if err != nil || !reflect.DeepEqual(out, in) {
		t.Fatalf("decode = %#v, %v", out, err)
	}
}

func TestDecodeRefusesOtherShapes(t *testing.T) {
	for _, s := range []string{
		``, `{}`, `[1]`, `[["x",0,20,"a"]]`, `[["__json_message",0,20]]`, `[["__json_message",0,20.5,"a"]]`,
		`[["__json_message",0,"20","a"]]`, `[["__json_message",0,20,5]]`, `[["__json_message",0,20,"a",7]]`,
		`[["__json_message",0,20,"a","",""]]`, `[["__json_message",0,1e300,"a"]]`,
	} {
		if _, err := decode(s); !errors.Is(err, ErrEncoding) {
			t.Errorf("decode(%s) = %v; want ErrEncoding", s, err)
		}
	}
}

// Stored messages come back from the session, which a bug or a manual edit may have filled
// with anything: decode fails cleanly or returns messages that encode again.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`[]`, `[["__json_message",0,20,"a"]]`, `[["__json_message",1,40,"<b>","x"]]`, `[[]]`, `null`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		msgs, err := decode(s)
		if err != nil {
			if !errors.Is(err, ErrEncoding) {
				t.Fatalf("error without ErrEncoding: %v", err)
			}
			return
		}
		again, err := encode(msgs)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decode(again)
		if err != nil || len(back) != len(msgs) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
