package csrfx

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"
)

// Reasons a request is rejected. They mirror Django's REASON_* constants
// (django/middleware/csrf.py); every rejection is an *Error that wraps exactly one of them,
// so errors.Is(err, csrfx.ErrNoCookie) and friends work on what the failure handler gets.
var (
	// ErrNoCookie: an unsafe request came without a CSRF cookie (or, in session storage,
	// without a secret in the session). Django: "CSRF cookie not set." This is also what
	// stops login CSRF: a forged login form has no cookie to pair with.
	ErrNoCookie = errors.New("csrfx: CSRF cookie not set")
	// ErrTokenMissing: no token in any of the accepted headers, the form field or the
	// configured extractor. Django: "CSRF token missing."
	ErrTokenMissing = errors.New("csrfx: CSRF token missing")
	// ErrBadTokenLength: a token (or the cookie) is neither 32 nor 64 characters long.
	// Django: "has incorrect length".
	ErrBadTokenLength = errors.New("csrfx: CSRF token has incorrect length")
	// ErrBadTokenChars: a token (or the cookie) has characters outside [a-zA-Z0-9].
	// Django: "has invalid characters".
	ErrBadTokenChars = errors.New("csrfx: CSRF token has invalid characters")
	// ErrTokenIncorrect: a well-formed token that does not match the secret.
	// Django: "CSRF token from POST incorrect."
	ErrTokenIncorrect = errors.New("csrfx: CSRF token incorrect")
	// ErrBadOrigin: the Origin header is neither the request's own origin nor a trusted
	// origin ("null" included). Django: REASON_BAD_ORIGIN.
	ErrBadOrigin = errors.New("csrfx: Origin does not match any trusted origins")
	// ErrCrossSite: the browser said the request is cross-site or same-site through
	// Sec-Fetch-Site (or sent a value this version does not know) and the Origin is not
	// trusted. Go: net/http.CrossOriginProtection's "cross-origin request detected".
	ErrCrossSite = errors.New("csrfx: cross-origin request detected from Sec-Fetch-Site")
	// ErrNoReferer: an HTTPS request with neither Origin nor Referer (Django's strict
	// rule). Django: REASON_NO_REFERER.
	ErrNoReferer = errors.New("csrfx: Referer checking failed - no Referer")
	// ErrBadReferer: the Referer's origin is not the request's own origin nor trusted.
	// Django: REASON_BAD_REFERER.
	ErrBadReferer = errors.New("csrfx: Referer does not match any trusted origins")
	// ErrInsecureReferer: an HTTPS request whose Referer is not https. Django:
	// REASON_INSECURE_REFERER.
	ErrInsecureReferer = errors.New("csrfx: Referer is insecure while host is secure")
	// ErrMalformedReferer: a Referer with no scheme or host, with user info, or that does
	// not parse. Django: REASON_MALFORMED_REFERER.
	ErrMalformedReferer = errors.New("csrfx: Referer is malformed")

	// ErrBadCookie is also matched (besides ErrBadTokenLength or ErrBadTokenChars) when
	// the malformed value is the cookie or session secret rather than the request token.
	ErrBadCookie = errors.New("csrfx: CSRF cookie is malformed")

	// ErrNoSession: Storage is StorageSession but no session middleware ran before csrfx
	// on this request. A server misconfiguration, answered with 500 (Django raises
	// ImproperlyConfigured).
	ErrNoSession = errors.New("csrfx: Storage is session, but the request has no session: " +
		"the sessions middleware must come before csrf")

	// ErrConfig is wrapped by every error New returns for a bad Config.
	ErrConfig = errors.New("csrfx: invalid configuration")
)

// Source says where a rejected value came from.
type Source uint8

// Token sources, as named in reasons.
const (
	SourceNone      Source = iota // the failure is not about a value (missing cookie, origin checks)
	SourceCookie                  // the CSRF cookie, or the secret stored in the session
	SourceForm                    // the form field (urlencoded or multipart body)
	SourceHeader                  // one of the token headers
	SourceExtractor               // Config.Extractor (for example a JSON body)
)

// Error is a rejected request. It wraps one of the Err… reasons (errors.Is) and says which
// value failed and where it came from.
//
// Error() is safe to show to the client: it never contains the Origin, the Referer or any
// token. Reason() is Django's exact wording, with the offending Origin or Referer, for logs.
type Error struct {
	// Kind is the reason: ErrNoCookie, ErrTokenMissing, ErrBadTokenLength, …
	Kind error
	// Source is where the failing token came from (SourceNone for origin failures).
	Source Source
	// Header is the canonical name of the header the token came from, for SourceHeader.
	Header string
	// Method is the request method, which Django names as the form source ("from POST").
	Method string
	// Value is the offending Origin, Referer or Sec-Fetch-Site value, truncated. It is
	// attacker-controlled: log it, never echo it in a response.
	Value string
	// Cause is an underlying error, such as a failed body read, or nil.
	Cause error
}

// maxReportedValue caps how much of an attacker-controlled header reaches a log line.
const maxReportedValue = 200

func newError(kind error, src Source) *Error { return &Error{Kind: kind, Source: src} }

func newValueError(kind error, value string) *Error {
	if len(value) > maxReportedValue {
		value = value[:maxReportedValue] + "…"
	}
	return &Error{Kind: kind, Value: value}
}

// Unwrap lets errors.Is see the reason, ErrBadCookie for a malformed cookie, and the cause.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 3)
	errs = append(errs, e.Kind)
	if e.Source == SourceCookie && (e.Kind == ErrBadTokenLength || e.Kind == ErrBadTokenChars) {
		errs = append(errs, ErrBadCookie)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// Error returns the client-safe reason, prefixed with the package name.
func (e *Error) Error() string { return "csrfx: " + e.PublicReason() }

// Code is a stable machine-readable name for the reason, used in JSON failure bodies.
func (e *Error) Code() string {
	switch e.Kind {
	case ErrNoCookie:
		return "no_cookie"
	case ErrTokenMissing:
		return "token_missing"
	case ErrBadTokenLength:
		if e.Source == SourceCookie {
			return "bad_cookie_length"
		}
		return "bad_token_length"
	case ErrBadTokenChars:
		if e.Source == SourceCookie {
			return "bad_cookie_characters"
		}
		return "bad_token_characters"
	case ErrTokenIncorrect:
		return "token_incorrect"
	case ErrBadOrigin:
		return "bad_origin"
	case ErrCrossSite:
		return "cross_site"
	case ErrNoReferer:
		return "no_referer"
	case ErrBadReferer:
		return "bad_referer"
	case ErrInsecureReferer:
		return "insecure_referer"
	case ErrMalformedReferer:
		return "malformed_referer"
	}
	return "csrf_failed"
}

// Reason is Django's exact reason text, including the offending Origin or Referer where
// Django includes it ("Origin checking failed - https://evil.example does not match any
// trusted origins."). It is meant for logs.
func (e *Error) Reason() string { return e.reason(true) }

// PublicReason is Reason without attacker-controlled values, safe for a response body.
func (e *Error) PublicReason() string { return e.reason(false) }

func (e *Error) reason(withValue bool) string {
	value := "the request's " // what stands in for the value in public text
	switch e.Kind {
	case ErrNoCookie:
		return "CSRF cookie not set."
	case ErrTokenMissing:
		return "CSRF token missing."
	case ErrBadTokenLength:
		return e.tokenSubject() + " has incorrect length."
	case ErrBadTokenChars:
		return e.tokenSubject() + " has invalid characters."
	case ErrTokenIncorrect:
		return e.tokenSubject() + " incorrect."
	case ErrBadOrigin:
		if withValue {
			value = e.Value
		} else {
			value += "Origin"
		}
		return "Origin checking failed - " + value + " does not match any trusted origins."
	case ErrCrossSite:
		if withValue {
			return fmt.Sprintf("Sec-Fetch-Site checking failed - %q is not same-origin and the Origin is not trusted.", e.Value)
		}
		return "Sec-Fetch-Site checking failed - cross-origin request and the Origin is not trusted."
	case ErrNoReferer:
		return "Referer checking failed - no Referer."
	case ErrBadReferer:
		if withValue {
			value = e.Value
		} else {
			value += "Referer"
		}
		return "Referer checking failed - " + value + " does not match any trusted origins."
	case ErrInsecureReferer:
		return "Referer checking failed - Referer is insecure while host is secure."
	case ErrMalformedReferer:
		return "Referer checking failed - Referer is malformed."
	}
	if e.Kind != nil {
		return strings.TrimPrefix(e.Kind.Error(), "csrfx: ")
	}
	return "CSRF verification failed."
}

// tokenSubject names the value the way Django's _bad_token_message does.
func (e *Error) tokenSubject() string {
	switch e.Source {
	case SourceCookie:
		return "CSRF cookie"
	case SourceHeader:
		return "CSRF token from the '" + djangoHeaderName(e.Header) + "' HTTP header"
	case SourceExtractor:
		return "CSRF token from the request body"
	}
	m := e.Method
	if m == "" {
		m = "POST"
	}
	return "CSRF token from " + m
}

// djangoHeaderName spells a header the way Django's messages do: Django derives it from
// the META key (HTTP_X_CSRFTOKEN → 'X-Csrftoken'), which is the MIME canonical form.
func djangoHeaderName(h string) string { return textproto.CanonicalMIMEHeaderKey(h) }
