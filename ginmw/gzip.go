package ginmw

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// GZipConfig configures GZipMiddleware. The zero value is Django's GZipMiddleware:
// bodies of 200 bytes and more, compression level 6, and up to 100 random bytes per
// response against BREACH.
type GZipConfig struct {
	// MinLength is the smallest body worth compressing; 0 means 200 (Django's threshold).
	MinLength int `yaml:"min_length"`

	// Level is the gzip level, 1 (fastest) to 9 (smallest); 0 means 6, Django's level.
	Level int `yaml:"level"`

	// MaxRandomBytes bounds the random padding ("Heal The Breach") added to each compressed
	// response so that its length does not reveal secrets reflected in the page (BREACH);
	// 0 means 100, Django's default, and a negative value turns it off. Django:
	// GZipMiddleware.max_random_bytes.
	MaxRandomBytes int `yaml:"max_random_bytes"`
}

// GZipMiddleware is Django's GZipMiddleware: its response hook compresses a buffered body
// when the client accepts gzip and the result is shorter. It leaves alone streaming
// responses, bodies that are small, already encoded, partial (206, Content-Range), marked
// Cache-Control: no-transform, or of a type that is already compressed (images except SVG,
// audio, video, archives, fonts). It always adds Vary: Accept-Encoding to a response it
// could have compressed, sets Content-Length, and makes a strong ETag weak (RFC 9110
// §8.8.1), so ConditionalGetMiddleware below it still matches.
//
// Compression exposes pages that reflect user input next to secrets to BREACH; the random
// padding makes the attack much slower, not impossible. Django's docs carry the same
// warning.
type GZipMiddleware struct {
	minLength int
	level     int
	maxRandom int
	writers   sync.Pool // *gzip.Writer
	buffers   sync.Pool // *bytes.Buffer
}

// NewGZip validates cfg and returns the middleware, or an error naming the bad setting.
func NewGZip(cfg GZipConfig) (*GZipMiddleware, error) {
	m := &GZipMiddleware{minLength: cfg.MinLength, level: cfg.Level, maxRandom: cfg.MaxRandomBytes}
	switch {
	case cfg.MinLength < 0:
		return nil, fmt.Errorf("ginmw: GZipConfig.MinLength: negative (got %d)", cfg.MinLength)
	case cfg.MinLength == 0:
		m.minLength = 200
	}
	switch {
	case cfg.Level < 0 || cfg.Level > 9:
		return nil, fmt.Errorf("ginmw: GZipConfig.Level: must be 1 to 9, or 0 for the default (got %d)", cfg.Level)
	case cfg.Level == 0:
		m.level = 6
	}
	switch {
	case cfg.MaxRandomBytes > len(breachPadding):
		return nil, fmt.Errorf("ginmw: GZipConfig.MaxRandomBytes: at most %d (got %d)", len(breachPadding), cfg.MaxRandomBytes)
	case cfg.MaxRandomBytes == 0:
		m.maxRandom = 100
	case cfg.MaxRandomBytes < 0:
		m.maxRandom = 0
	}
	return m, nil
}

// GZip is NewGZip as a gin.HandlerFunc.
func GZip(cfg GZipConfig) (gin.HandlerFunc, error) { return adapted(NewGZip(cfg)) }

// breachPadding is where the random-length gzip file name comes from: the length is what
// varies (Django's _get_random_filename writes "a" * n).
var breachPadding = strings.Repeat("a", 1024)

// ProcessResponse compresses the body. Django: GZipMiddleware.process_response.
func (m *GZipMiddleware) ProcessResponse(c *gin.Context, r *Response) {
	if r.Streaming() {
		return
	}
	body := r.Body()
	h := r.Header()
	if len(body) < m.minLength || h.Get("Content-Encoding") != "" {
		return
	}
	addVary(h, "Accept-Encoding")
	if !acceptsGzip(c.Request.Header.Values("Accept-Encoding")) ||
		r.Status() == http.StatusPartialContent || h.Get("Content-Range") != "" ||
		hasCacheDirective(h.Values("Cache-Control"), "no-transform") ||
		precompressedType(h.Get("Content-Type")) {
		return
	}
	buf, _ := m.buffers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			m.buffers.Put(buf)
		}
	}()
	zw, _ := m.writers.Get().(*gzip.Writer)
	if zw == nil {
		zw, _ = gzip.NewWriterLevel(buf, m.level) // the level was validated
	} else {
		zw.Reset(buf)
	}
	if m.maxRandom > 0 {
		zw.Name = breachPadding[:rand.IntN(m.maxRandom)]
	}
	_, _ = zw.Write(body) // writes to a bytes.Buffer cannot fail
	_ = zw.Close()
	m.writers.Put(zw)
	if buf.Len() >= len(body) {
		return
	}
	r.SetBody(buf.Bytes())
	h["Content-Length"] = []string{strconv.Itoa(buf.Len())}
	if etag := h.Get("Etag"); strings.HasPrefix(etag, `"`) {
		h.Set("Etag", "W/"+etag)
	}
	h["Content-Encoding"] = gzipEncoding[:1:1]
}

var gzipEncoding = []string{"gzip"}

// acceptsGzip reads Accept-Encoding (RFC 9110 §12.5.3): gzip (or x-gzip) with a non-zero
// q, or "*" with a non-zero q when gzip is not listed. Django's regular expression would
// also compress for "gzip;q=0", a client's explicit refusal.
func acceptsGzip(lines []string) bool {
	star := false
	for _, line := range lines {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			coding, params, _ := strings.Cut(item, ";")
			coding = trimOWS(coding)
			ok := qNonZero(params)
			switch {
			case strings.EqualFold(coding, "gzip"), strings.EqualFold(coding, "x-gzip"):
				return ok
			case coding == "*":
				star = ok
			}
		}
	}
	return star
}

// qNonZero reports whether the parameters of an Accept-Encoding item leave its weight
// above zero ("q=0", "q=0.0", "q=0.000" are zero; a malformed q counts as zero).
func qNonZero(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(trimOWS(p), "=")
		if !strings.EqualFold(trimOWS(k), "q") {
			continue
		}
		v = trimOWS(v)
		f, err := strconv.ParseFloat(v, 64)
		return err == nil && f > 0 && f <= 1
	}
	return true
}

// precompressedType reports whether a Content-Type names a format that gzip cannot shrink.
func precompressedType(ct string) bool {
	ct = strings.ToLower(ct)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = trimOWS(ct)
	switch {
	case strings.HasPrefix(ct, "image/"):
		return ct != "image/svg+xml" && ct != "image/bmp" && ct != "image/x-icon" && ct != "image/vnd.microsoft.icon"
	case strings.HasPrefix(ct, "video/"), strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "font/woff"):
		return true
	}
	switch ct {
	case "application/zip", "application/gzip", "application/x-gzip", "application/zstd",
		"application/x-bzip2", "application/x-xz", "application/x-7z-compressed", "application/vnd.rar",
		"application/x-rar-compressed":
		return true
	}
	return false
}

// addVary adds field to the Vary header unless it is there already or Vary is "*".
// Django: patch_vary_headers.
func addVary(h http.Header, field string) {
	lines := h["Vary"]
	for _, line := range lines {
		for line != "" {
			var v string
			v, line, _ = strings.Cut(line, ",")
			v = trimOWS(v)
			if v == "*" || strings.EqualFold(v, field) {
				return
			}
		}
	}
	if len(lines) == 0 {
		h["Vary"] = []string{field}
		return
	}
	// A fresh slice: the existing one may be shared with other responses.
	h["Vary"] = append(lines[:len(lines):len(lines)], field)
}

func init() { registerMiddleware("gzip", NewGZip, nil) }
