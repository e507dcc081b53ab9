package csrfx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// errFormTooLarge is the Cause of ErrTokenMissing when the token was not within the first
// MaxFormBytes of the body.
var errFormTooLarge = errors.New("csrfx: the form body is larger than Config.MaxFormBytes and the token was not found before the limit")

// maxTokenBytes bounds a single token value read from a multipart part; a real token is 64
// bytes, anything longer fails the format check anyway.
const maxTokenBytes = 1024

// requestToken finds the token a request carries: the configured headers first (in
// order), then the form field (only for urlencoded and multipart bodies, never the query
// string, A13), then Config.Extractor. An empty value counts as absent, as in Django.
// src and header say where tok came from, for the failure message.
func (m *Middleware) requestToken(r *http.Request) (tok string, src Source, header string, e *Error) {
	for i, key := range m.cfg.headerKeys {
		if v := firstHeader(r.Header, key); v != "" {
			return v, SourceHeader, m.cfg.HeaderNames[i], nil
		}
	}
	if v, err := formToken(r, m.cfg.FieldName, m.cfg.MaxFormBytes); err != nil {
		return "", 0, "", &Error{Kind: ErrTokenMissing, Source: SourceForm, Method: r.Method, Cause: err}
	} else if v != "" {
		return v, SourceForm, "", nil
	}
	if m.cfg.Extractor != nil {
		v, err := m.cfg.Extractor(r)
		if err != nil {
			return "", 0, "", &Error{Kind: ErrTokenMissing, Source: SourceExtractor, Cause: err}
		}
		if v != "" {
			return v, SourceExtractor, "", nil
		}
	}
	return "", 0, "", newError(ErrTokenMissing, SourceNone)
}

// isFormContentType reports whether a Content-Type is one whose body may carry the form
// field: application/x-www-form-urlencoded or multipart/form-data.
func isFormContentType(ct string) bool {
	base, _, _ := strings.Cut(ct, ";")
	base = strings.TrimSpace(base)
	return strings.EqualFold(base, "application/x-www-form-urlencoded") ||
		strings.EqualFold(base, "multipart/form-data")
}

// formToken reads the token field from a urlencoded or multipart body, at most max bytes
// of it, and puts back everything it read so the view sees the body unchanged. It returns
// "" with a nil error when the body is not a form or has no such field.
func formToken(r *http.Request, field string, max int64) (string, error) {
	ct := firstHeader(r.Header, "Content-Type")
	if !isFormContentType(ct) {
		return "", nil
	}
	if r.PostForm != nil {
		// Something before csrfx already parsed the form (and consumed the body).
		return r.PostForm.Get(field), nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return "", nil
	}
	body := r.Body
	base, _, _ := strings.Cut(ct, ";")
	if !strings.EqualFold(strings.TrimSpace(base), "multipart/form-data") {
		buf, err := readPrefix(body, max, r.ContentLength)
		r.Body = &replayBody{buf: buf, rest: body, closer: body}
		if v, found := urlencodedValue(buf, field, err != nil); found {
			return v, nil
		}
		return "", err
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("csrfx: bad Content-Type: %w", err)
	}
	boundary := params["boundary"]
	if boundary == "" {
		return "", errors.New("csrfx: multipart body without a boundary")
	}
	var captured bytes.Buffer
	v, err := multipartToken(io.TeeReader(&capReader{r: body, n: max}, &captured), boundary, field)
	r.Body = &replayBody{buf: captured.Bytes(), rest: body, closer: body}
	return v, err
}

// readPrefix reads r to its end or to max bytes, whichever comes first, in one allocation
// when the length is known. At the cap it reads one byte more, so that a body of exactly
// max bytes is complete, and returns errFormTooLarge if there was more.
func readPrefix(r io.Reader, max, hint int64) ([]byte, error) {
	size := int64(512)
	if hint > 0 {
		size = hint + 1 // room to see EOF without growing
	}
	buf := make([]byte, 0, min(size, max+1))
	for {
		if int64(len(buf)) > max {
			return buf, errFormTooLarge
		}
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), max+1-int64(len(buf)))))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), int(max+1))])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// urlencodedValue finds field in an application/x-www-form-urlencoded body. When partial is
// true the body was cut short, so the last pair may be incomplete and is ignored. The first
// occurrence wins, as with url.Values.Get.
func urlencodedValue(body []byte, field string, partial bool) (string, bool) {
	if partial {
		i := bytes.LastIndexByte(body, '&')
		if i < 0 {
			return "", false
		}
		body = body[:i]
	}
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		k, v, _ := bytes.Cut(pair, []byte("="))
		if bytes.ContainsAny(k, "%+") {
			uk, err := url.QueryUnescape(string(k))
			if err != nil || uk != field {
				continue
			}
		} else if string(k) != field {
			continue
		}
		if bytes.ContainsAny(v, "%+") {
			uv, err := url.QueryUnescape(string(v))
			if err != nil {
				return "", false
			}
			return uv, true
		}
		return string(v), true
	}
	return "", false
}

// multipartToken streams parts until the field is found; file parts are skipped, not kept.
func multipartToken(body io.Reader, boundary, field string) (string, error) {
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if p.FormName() != field || p.FileName() != "" {
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, maxTokenBytes+1))
		if err != nil {
			return "", err
		}
		return string(v), nil
	}
}

// capReader reads at most n bytes, then fails with errFormTooLarge.
type capReader struct {
	r io.Reader
	n int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errFormTooLarge
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// replayBody is the request body after csrfx looked into it: the bytes it read, then the
// rest, closed through the original body.
type replayBody struct {
	buf    []byte
	rest   io.Reader
	closer io.Closer
}

func (b *replayBody) Read(p []byte) (int, error) {
	if len(b.buf) > 0 {
		n := copy(p, b.buf)
		b.buf = b.buf[n:]
		return n, nil
	}
	return b.rest.Read(p)
}

func (b *replayBody) Close() error { return b.closer.Close() }

// JSONField returns a Config.Extractor that reads the token from a top-level string field
// of a JSON body (application/json), reading at most maxBytes and putting the body back
// for the view. It is opt-in: a JSON body can only be sent cross-origin after a CORS
// preflight, so headers are the usual choice for APIs.
func JSONField(name string, maxBytes int64) func(*http.Request) (string, error) {
	return func(r *http.Request) (string, error) {
		base, _, _ := strings.Cut(firstHeader(r.Header, "Content-Type"), ";")
		if !strings.EqualFold(strings.TrimSpace(base), "application/json") || r.Body == nil || r.Body == http.NoBody {
			return "", nil
		}
		body := r.Body
		buf, err := readPrefix(body, maxBytes, r.ContentLength)
		r.Body = &replayBody{buf: buf, rest: body, closer: body}
		if err != nil {
			return "", err
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(buf, &fields); err != nil {
			return "", nil // not an object: no token here
		}
		var v string
		if raw, ok := fields[name]; !ok || json.Unmarshal(raw, &v) != nil {
			return "", nil
		}
		return v, nil
	}
}
