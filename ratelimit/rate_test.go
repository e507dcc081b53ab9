package ratelimit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseRateAcceptsTheFormsPeopleWrite(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		str  string
	}{
		{"3/10s", Per(3, 10*time.Second), "3/10s"},
		{"20/m", PerMinute(20), "20/m"},
		{"20/min", PerMinute(20), "20/m"},
		{"5/minute", PerMinute(5), "5/m"},
		{"100/h", PerHour(100), "100/h"},
		{"100/hour", PerHour(100), "100/h"},
		{"1000/d", PerDay(1000), "1000/d"},
		{"1000/day", PerDay(1000), "1000/d"},
		{"2/w", Per(2, 7*24*time.Hour), "2/7d"},
		{"1/s", PerSecond(1), "1/s"},
		{"1/sec", PerSecond(1), "1/s"},
		{"10/500ms", Per(10, 500*time.Millisecond), "10/500ms"},
		{"100/5m", Per(100, 5*time.Minute), "100/5m"},
		{"100/300", Per(100, 300*time.Second), "100/5m"}, // django-ratelimit: seconds
		{"7/90s", Per(7, 90*time.Second), "7/90s"},
		{"5-M", PerMinute(5), "5/m"}, // ulule/limiter
		{"5-m", PerMinute(5), "5/m"},
		{"10-S", PerSecond(10), "10/s"},
		{"1000-H", PerHour(1000), "1000/h"},
		{"2000-D", PerDay(2000), "2000/d"},
		{"100/m;burst=20", PerMinute(100).WithBurst(20), "100/m;burst=20"},
		{"100/m; burst = 20 ", PerMinute(100).WithBurst(20), "100/m;burst=20"},
		{"100/m;BURST=20", PerMinute(100).WithBurst(20), "100/m;burst=20"},
		{"5-M;burst=9", PerMinute(5).WithBurst(9), "5/m;burst=9"},
		{"3/10s;burst=3", Per(3, 10*time.Second), "3/10s"}, // the default burst is not spelled out
		{"0/s", Per(0, time.Second), "0/s"},
		{"  3/10s  ", Per(3, 10*time.Second), "3/10s"},
		{"unlimited", Unlimited, "unlimited"},
		{"UNLIMITED", Unlimited, "unlimited"},
		{"3/10S", Per(3, 10*time.Second), "3/10s"},
		{"3/10Sec", Per(3, 10*time.Second), "3/10s"},
		{"1/366d", Per(1, 366*24*time.Hour), "1/366d"},
	} {
		got, err := ParseRate(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if got != tc.want || got.String() != tc.str {
			t.Errorf("%q: got %+v %q, want %+v %q", tc.in, got, got.String(), tc.want, tc.str)
		}
	}
}

func TestParseRateRejectsAmbiguousAndMalformedInput(t *testing.T) {
	for _, tc := range []struct{ in, says string }{
		{"", "empty rate"},
		{"   ", "empty rate"},
		{"3", `missing "/"`},
		{"3 per 10s", `missing "/"`},
		{"/m", "missing count"},
		{"-5/m", "missing count"},
		{"3/", "missing period"},
		{"3/0s", "is zero"},
		{"3/10", ""}, // valid: 10 seconds
		{"5/M", `ambiguous unit "M"`},
		{"10/5mn", `unknown unit "mn"`},
		{"10/5mo", "not a fixed duration"},
		{"10/month", "not a fixed duration"},
		{"10/y", "not a fixed duration"},
		{"1.5/s", "not a whole number"},
		{"3/1.5s", `unknown unit ".5s"`},
		{"3/1h30m", `unknown unit "h30m"`},
		{"3 / 10s", "not a whole number"},
		{"+3/s", "not a whole number"},
		{"3/+10s", `unknown unit "+10s"`},
		{"1e3/s", "not a whole number"},
		{"5-10M", "no multiplier"},
		{"5-X", `unknown unit "X"`},
		{"5-", `unknown unit ""`},
		{"99999999999999999999/s", "too large"},
		{"3/10s;", "not name=value"},
		{"3/10s;burst", "not name=value"},
		{"3/10s;burst=", "missing burst"},
		{"3/10s;burst=0", "at least 1"},
		{"3/10s;burst=-1", "not a whole number"},
		{"3/10s;burst=2;burst=3", "twice"},
		{"3/10s;jitter=1", `unknown parameter "jitter"`},
		{"unlimited;burst=2", "no parameters"},
		{"0/s;burst=4", "blocks everything"},
		{"3/999999d", "too long"},
		{"3/367d", "too long"},
		{"2000000/s", "more than one per"},
		{"3/10s/x", `unknown unit "s/x"`},
	} {
		_, err := ParseRate(tc.in)
		if tc.says == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: accepted", tc.in)
			continue
		}
		if !errors.Is(err, ErrInvalidRate) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%q: %v; want ErrInvalidRate saying %q", tc.in, err, tc.says)
		}
		if !strings.Contains(err.Error(), "\""+strings.ReplaceAll(tc.in, `"`, `\"`)+"\"") {
			t.Errorf("%q: the error %q does not quote the input", tc.in, err)
		}
	}
}

func TestRateValidate(t *testing.T) {
	for _, r := range []Rate{
		{},
		{Limit: -1, Period: time.Second},
		{Limit: 1, Period: time.Microsecond},
		{Limit: 1, Period: 1500 * time.Microsecond},
		{Limit: 1, Period: 400 * 24 * time.Hour},
		{Limit: 1, Period: time.Second, Burst: -2},
		{Limit: 1 << 41, Period: 1000000 * time.Hour},
		{Unlimited: true, Limit: 5},
	} {
		if err := r.Validate(); !errors.Is(err, ErrInvalidRate) {
			t.Errorf("%+v: %v", r, err)
		}
		if !strings.HasPrefix(r.String(), "ratelimit.Rate{") {
			t.Errorf("%+v prints as %q", r, r.String())
		}
		if _, err := r.MarshalText(); err == nil {
			t.Errorf("%+v marshals", r)
		}
	}
}

func TestRateTextRoundTrip(t *testing.T) {
	var r Rate
	if err := r.UnmarshalText([]byte("3/10s;burst=5")); err != nil || r != Per(3, 10*time.Second).WithBurst(5) {
		t.Fatalf("%+v %v", r, err)
	}
	b, err := r.MarshalText()
	if err != nil || string(b) != "3/10s;burst=5" {
		t.Fatalf("%q %v", b, err)
	}
	if err := r.UnmarshalText([]byte("3 per 10s")); err == nil {
		t.Fatal("malformed text accepted")
	}
}

func TestMustParseRatePanicsWithTheError(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if !errors.Is(err, ErrInvalidRate) {
			t.Fatalf("recovered %v", err)
		}
	}()
	MustParseRate("5/M")
}

// FuzzParseRate: no input panics, every accepted rate is valid, and its canonical form
// reads back to the same rate.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"3/10s", "20/m", "100/h", "5-M", "100/300", "100/m;burst=20", "0/s", "unlimited",
		"5/M", "10/5mo", "3/1.5s", "", ";", "/", "-", "1/0", "9999999999999999/s", "3/10s;burst=2;burst=3", "1/1ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidRate) {
				t.Fatalf("%q: error %v does not wrap ErrInvalidRate", s, err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("%q parsed to an invalid rate %+v: %v", s, r, err)
		}
		again, err := ParseRate(r.String())
		if err != nil || again != r {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, r, r.String(), again, err)
		}
	})
}
