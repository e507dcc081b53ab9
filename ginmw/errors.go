package ginmw

import (
	"errors"
	"fmt"
	"html"
	"net/http"
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

// errorPageOffers: HTML unless the client ranks a JSON type higher.
var errorPageOffers = []string{"text/html", "application/problem+json", "application/json"}

// prefersJSON reports whether the Accept header ranks JSON above HTML.
func prefersJSON(r *http.Request) bool {
	return Negotiate(r.Header.Get("Accept"), errorPageOffers) != 0
}
