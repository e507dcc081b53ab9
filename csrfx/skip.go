package csrfx

import (
	"context"
	"net/http"
)

type skipKey struct{}

// UnsafeSkipChecks returns r marked so that csrfx does not check it (Django's
// request._dont_enforce_csrf_checks, gorilla's UnsafeSkipCheck). Only code can set the
// mark, never a client. Use it for single sign-on callbacks that must accept a
// cross-site POST, in a middleware before csrfx:
//
//	c.Request = csrfx.UnsafeSkipChecks(c.Request)
//
// and in handler unit tests. Prefer the Exempt route marker, which is visible in the
// route table and logged.
func UnsafeSkipChecks(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), skipKey{}, true))
}

// skipped reports whether r was marked by UnsafeSkipChecks.
func skipped(r *http.Request) bool {
	v, _ := r.Context().Value(skipKey{}).(bool)
	return v
}
