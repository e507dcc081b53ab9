package ginmw

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

var compressible = strings.Repeat("This is a string that is a good example of a compressible body. ", 20)

// gzipEngine serves "/" with the body, status and headers set by the test.
func gzipEngine(cfg GZipConfig, status int, body string, headers ...string) *gin.Engine {
	e := mwEngine(mwMust(NewGZip(cfg)))
	view := func(c *gin.Context) {
		for i := 0; i+1 < len(headers); i += 2 {
			c.Header(headers[i], headers[i+1])
		}
		c.String(status, body)
	}
	e.GET("/", view)
	e.HEAD("/", view)
	return e
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("corrupt gzip: %v", err)
	}
	return string(out)
}

// Django tests/middleware/tests.py GZipMiddlewareTest.
func TestGZipCompressesResponse(t *testing.T) {
	for _, status := range []int{200, 404} { // test_compress_response, test_compress_non_200_response
		w := mwDo(gzipEngine(GZipConfig{}, status, compressible), "GET", "/", "Accept-Encoding", "gzip, deflate")
		if w.Code != status || w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("%d: headers %v", status, w.Header())
		}
		if got := w.Header().Get("Content-Length"); got != strconv.Itoa(w.Body.Len()) || w.Body.Len() >= len(compressible) {
			t.Errorf("Content-Length %s for %d compressed bytes of %d", got, w.Body.Len(), len(compressible))
		}
		if gunzip(t, w.Body.Bytes()) != compressible {
			t.Error("round trip lost the body")
		}
	}
}

func TestGZipSkips(t *testing.T) {
	random := make([]byte, 500)
	_, _ = rand.Read(random)
	for _, tc := range []struct {
		name     string
		cfg      GZipConfig
		body     string
		status   int
		headers  []string
		accept   string
		wantVary bool
	}{
		// test_no_compress_short_response
		{"short body", GZipConfig{}, "tiny", 200, nil, "gzip", false},
		// test_no_compress_compressed_response
		{"already encoded", GZipConfig{}, compressible, 200, []string{"Content-Encoding", "deflate"}, "gzip", false},
		// test_no_compress_incompressible_response: not shorter, so left as it is
		{"incompressible", GZipConfig{}, string(random), 200, nil, "gzip", true},
		{"client does not accept gzip", GZipConfig{}, compressible, 200, nil, "deflate, br", true},
		{"no Accept-Encoding", GZipConfig{}, compressible, 200, nil, "", true},
		{"explicit refusal", GZipConfig{}, compressible, 200, nil, "gzip;q=0, identity", true},
		{"explicit refusal, decimals", GZipConfig{}, compressible, 200, nil, "gzip; q=0.000", true},
		{"star refused", GZipConfig{}, compressible, 200, nil, "*;q=0", true},
		{"no-transform", GZipConfig{}, compressible, 200, []string{"Cache-Control", "public, no-transform"}, "gzip", true},
		{"partial content", GZipConfig{}, compressible, 206, []string{"Content-Range", "bytes 0-1279/5000"}, "gzip", true},
		{"already compressed type", GZipConfig{}, compressible, 200, []string{"Content-Type", "image/png"}, "gzip", true},
		{"under a custom minimum", GZipConfig{MinLength: 4096}, compressible, 200, nil, "gzip", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := mwDo(gzipEngine(tc.cfg, tc.status, tc.body, tc.headers...), "GET", "/", "Accept-Encoding", tc.accept)
			if w.Header().Get("Content-Encoding") == "gzip" || w.Body.String() != tc.body {
				t.Errorf("compressed: %v", w.Header())
			}
			if got := w.Header().Get("Vary") == "Accept-Encoding"; got != tc.wantVary {
				t.Errorf("Vary %q, want Accept-Encoding: %v", w.Header().Get("Vary"), tc.wantVary)
			}
		})
	}
}

func TestGZipAcceptEncoding(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip": true, "GZIP": true, "x-gzip": true, "deflate, gzip;q=0.5": true, "*": true, "br, *;q=0.1": true,
		"": false, "identity": false, "gzip;q=0": false, "gzip;q=0, *": false, "gzipfoo": false, "gzip;q=bogus": false,
		"*;q=1, gzip;q=0": false,
	} {
		if got := acceptsGzip([]string{header}); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

// test_strong_etag_modified / test_weak_etag_not_modified, and the ETag still matching a
// conditional request when ConditionalGet sits below GZip (Django's recommended order).
func TestGZipETags(t *testing.T) {
	w := mwDo(gzipEngine(GZipConfig{}, 200, compressible, "ETag", `"eggs"`), "GET", "/", "Accept-Encoding", "gzip")
	if got := w.Header().Get("Etag"); got != `W/"eggs"` {
		t.Errorf("strong ETag after compression = %q", got)
	}
	w = mwDo(gzipEngine(GZipConfig{}, 200, compressible, "ETag", `W/"eggs"`), "GET", "/", "Accept-Encoding", "gzip")
	if got := w.Header().Get("Etag"); got != `W/"eggs"` {
		t.Errorf("weak ETag after compression = %q", got)
	}
	e := mwEngine(mwMust(NewGZip(GZipConfig{})), mwMust(NewConditionalGet(ConditionalGetConfig{})))
	e.GET("/", func(c *gin.Context) { c.String(200, compressible) })
	first := mwDo(e, "GET", "/", "Accept-Encoding", "gzip")
	etag := first.Header().Get("Etag")
	if !strings.HasPrefix(etag, `W/"`) || first.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("first response: %v", first.Header())
	}
	second := mwDo(e, "GET", "/", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if second.Code != 304 || second.Body.Len() != 0 || second.Header().Get("Content-Encoding") != "" {
		t.Errorf("revalidation: %d %v %q", second.Code, second.Header(), second.Body.String())
	}
}

// test_random_bytes: the compressed length varies from response to response (BREACH),
// unless padding is turned off.
func TestGZipRandomPadding(t *testing.T) {
	lengths := map[int]bool{}
	e := gzipEngine(GZipConfig{}, 200, compressible)
	for range 20 {
		w := mwDo(e, "GET", "/", "Accept-Encoding", "gzip")
		lengths[w.Body.Len()] = true
		if gunzip(t, w.Body.Bytes()) != compressible {
			t.Fatal("padding broke the body")
		}
	}
	if len(lengths) < 2 {
		t.Errorf("20 responses all %v bytes long", lengths)
	}
	lengths = map[int]bool{}
	e = gzipEngine(GZipConfig{MaxRandomBytes: -1}, 200, compressible)
	for range 5 {
		lengths[mwDo(e, "GET", "/", "Accept-Encoding", "gzip").Body.Len()] = true
	}
	if len(lengths) != 1 {
		t.Errorf("without padding the lengths vary: %v", lengths)
	}
}

func TestGZipHEADAndVary(t *testing.T) {
	w := mwDo(gzipEngine(GZipConfig{}, 200, compressible, "Vary", "Cookie"), "HEAD", "/", "Accept-Encoding", "gzip")
	if w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() != 0 || w.Header().Get("Content-Length") == strconv.Itoa(len(compressible)) {
		t.Errorf("HEAD: %v %d bytes", w.Header(), w.Body.Len())
	}
	if got := w.Header().Values("Vary"); strings.Join(got, ",") != "Cookie,Accept-Encoding" {
		t.Errorf("Vary %v", got)
	}
	for vary, want := range map[string]string{"*": "*", "accept-encoding": "accept-encoding", "Cookie, Accept-Encoding": "Cookie, Accept-Encoding"} {
		h := http.Header{"Vary": {vary}}
		addVary(h, "Accept-Encoding")
		if got := strings.Join(h.Values("Vary"), ","); got != want {
			t.Errorf("addVary to %q = %q", vary, got)
		}
	}
}

// A streaming handler passes through gzip untouched, with nothing buffered.
func TestGZipStreamingUntouched(t *testing.T) {
	e := mwEngine(mwMust(NewGZip(GZipConfig{})))
	e.GET("/events", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		for i := range 3 {
			c.SSEvent("tick", compressible[:100]+strconv.Itoa(i))
			c.Writer.Flush()
		}
	})
	w := mwDo(e, "GET", "/events", "Accept-Encoding", "gzip")
	if w.Header().Get("Content-Encoding") != "" || strings.Count(w.Body.String(), "event:tick") != 3 {
		t.Errorf("stream: %v %q", w.Header(), w.Body.String())
	}
}

func TestGZipConfigErrors(t *testing.T) {
	for _, cfg := range []GZipConfig{{MinLength: -1}, {Level: 10}, {Level: -1}, {MaxRandomBytes: 5000}} {
		if _, err := NewGZip(cfg); err == nil || !strings.HasPrefix(err.Error(), "ginmw: GZipConfig.") {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}

func BenchmarkGZip(b *testing.B) {
	benchmarkMiddleware(b, mwMust(GZip(GZipConfig{})), func(c *gin.Context) { c.String(200, compressible) }, "Accept-Encoding", "gzip")
}

func BenchmarkGZipSkipped(b *testing.B) {
	benchmarkMiddleware(b, mwMust(GZip(GZipConfig{})), func(c *gin.Context) { c.String(200, "pong") }, "Accept-Encoding", "gzip")
}
