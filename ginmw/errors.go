package ginmw

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// Errors a view raises (panic(err), or c.Error(err) without writing a response) to get
// Django's error responses. Wrap them to add context: errors.Is still finds them.
var (
	// ErrNotFound becomes a 404. Django: Http404.
	ErrNotFound = errors.New("ginmw: not found")
	// ErrMethodNotAllowed becomes a 405. Django: HttpResponseNotAllowed.
	ErrMethodNotAllowed = errors.New("ginmw: method not allowed")
	// ErrPermissionDenied becomes a 403. Django: PermissionDenied.
	ErrPermissionDenied = errors.New("ginmw: permission denied")
	// ErrBadRequest becomes a 400. Django: BadRequest.
	ErrBadRequest = errors.New("ginmw: bad request")
	// ErrSuspiciousOperation becomes a 400 and a security log line. Django:
	// SuspiciousOperation (DisallowedHost is one).
	ErrSuspiciousOperation = errors.New("ginmw: suspicious operation")
)

// StatusError carries an explicit HTTP status for an error.
type StatusError struct {
	Status int
	Err    error
}

func (e *StatusError) Error() string   { return fmt.Sprintf("ginmw: %d: %v", e.Status, e.Err) }
func (e *StatusError) Unwrap() error   { return e.Err }
func (e *StatusError) HTTPStatus() int { return e.Status }
func (e *PanicError) Unwrap() error    { return e.err }
func (e *PanicError) HTTPStatus() int  { return http.StatusInternalServerError }
func (e *PanicError) Error() string    { return fmt.Sprintf("ginmw: panic: %v", e.Value) }

// PanicError is a panic the chain recovered, with the stack where it happened.
type PanicError struct {
	Value any
	Stack []byte
	err   error
}

// StatusOf maps an error to the status of Django's response for it: an error with an
// HTTPStatus() int method gives that status; ErrNotFound 404, ErrMethodNotAllowed 405,
// ErrPermissionDenied 403, ErrBadRequest and ErrSuspiciousOperation 400; anything else 500.
func StatusOf(err error) int {
	var hs interface{ HTTPStatus() int }
	if errors.As(err, &hs) {
		if s := hs.HTTPStatus(); s >= 400 && s <= 599 {
			return s
		}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrMethodNotAllowed):
		return http.StatusMethodNotAllowed
	case errors.Is(err, ErrPermissionDenied):
		return http.StatusForbidden
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrSuspiciousOperation):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// routeError is the error for a request gin found no route or no method for.
func routeError(status int, errs []*gin.Error) error {
	base := ErrNotFound
	if status == http.StatusMethodNotAllowed {
		base = ErrMethodNotAllowed
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", base, errs[len(errs)-1].Err)
	}
	return base
}

// DefaultErrorHandler writes a short error page without details: problem+json when the
// client prefers JSON, else HTML.
func DefaultErrorHandler(c *gin.Context, status int, err error) {
	writeErrorPage(c, status, "")
}

// debugErrorHandler adds the error text, as Django's technical pages do with DEBUG on.
func debugErrorHandler(c *gin.Context, status int, err error) {
	writeErrorPage(c, status, err.Error())
}

func writeErrorPage(c *gin.Context, status int, detail string) {
	title := http.StatusText(status)
	if title == "" {
		title = "Error"
	}
	if prefersJSON(c.Request) {
		body := gin.H{"type": "about:blank", "title": title, "status": status}
		if detail != "" {
			body["detail"] = detail
		}
		c.Header("Content-Type", "application/problem+json")
		c.JSON(status, body)
		return
	}
	var b strings.Builder
	b.WriteString("<!doctype html>\n<title>")
	b.WriteString(html.EscapeString(title))
	b.WriteString("</title>\n<h1>")
	fmt.Fprintf(&b, "%d %s", status, html.EscapeString(title))
	b.WriteString("</h1>\n")
	if detail != "" {
		b.WriteString("<pre>")
		b.WriteString(html.EscapeString(detail))
		b.WriteString("</pre>\n")
	}
	c.Data(status, "text/html; charset=utf-8", []byte(b.String()))
}

// prefersJSON reports whether the Accept header ranks JSON above HTML.
func prefersJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, q := parseAcceptPart(part)
		switch {
		case mt == "application/json", mt == "application/problem+json", strings.HasSuffix(mt, "+json"):
			mt = "json"
		case mt == "text/html", mt == "application/xhtml+xml":
			mt = "html"
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = mt, q
		}
	}
	return best == "json" && bestQ > 0
}

// parseAcceptPart splits one Accept element into its lower-cased media type and q value.
func parseAcceptPart(part string) (string, float64) {
	mt, params, _ := strings.Cut(part, ";")
	q := 1.0
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
				q = f
			} else {
				q = 0
			}
		}
	}
	return strings.ToLower(strings.TrimSpace(mt)), q
}
