package authx

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
)

// jwtMaxBody bounds a token request body: a username, a 4096-byte password or a token.
const jwtMaxBody = 32 << 10

// Messages of the token endpoints, in djangorestframework-simplejwt's and DRF's words.
// The client learns that it failed, never which check failed: that goes to the log.
const (
	jwtMsgNoAccount   = "No active account found with the given credentials"
	jwtMsgTokenBad    = "Token is invalid or expired"
	jwtMsgRequired    = "This field is required."
	jwtMsgBlank       = "This field may not be blank."
	jwtMsgNotString   = "Not a valid string."
	jwtMsgInvalid     = "Invalid input."
	jwtMsgParse       = "JSON parse error."
	jwtMsgTooLarge    = "Request body too large."
	jwtMsgMediaType   = "Unsupported media type in request: send application/json."
	jwtMsgCSRF        = "CSRF Failed."
	jwtMsgThrottled   = "Request was throttled."
	jwtMsgUnavailable = "Service temporarily unavailable, try again later."
)

// jwtProblem is an application/problem+json answer (RFC 9457), with DRF's "detail" and
// "code" members and, for field errors, DRF's per-field message lists.
type jwtProblem struct {
	status int
	code   string
	detail string
	fields map[string][]string
}

var (
	jwtProblemTokenBad    = &jwtProblem{status: http.StatusUnauthorized, code: "token_not_valid", detail: jwtMsgTokenBad}
	jwtProblemNoAccount   = &jwtProblem{status: http.StatusUnauthorized, code: "no_active_account", detail: jwtMsgNoAccount}
	jwtProblemUnavailable = &jwtProblem{status: http.StatusServiceUnavailable, code: "service_unavailable", detail: jwtMsgUnavailable}
	jwtProblemCSRF        = &jwtProblem{status: http.StatusForbidden, code: "csrf_failed", detail: jwtMsgCSRF}
	jwtProblemParse       = &jwtProblem{status: http.StatusBadRequest, code: "parse_error", detail: jwtMsgParse}
	jwtProblemTooLarge    = &jwtProblem{status: http.StatusRequestEntityTooLarge, code: "request_too_large", detail: jwtMsgTooLarge}
	jwtProblemMediaType   = &jwtProblem{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", detail: jwtMsgMediaType}
)

func jwtFieldProblem(field, msg string) *jwtProblem {
	return &jwtProblem{status: http.StatusBadRequest, code: "invalid", detail: jwtMsgInvalid, fields: map[string][]string{field: {msg}}}
}

// problem writes p and aborts the chain. A 401 carries the Bearer challenge.
func (j *JWT) problem(c *gin.Context, p *jwtProblem) {
	body := make(map[string]any, 6+len(p.fields))
	for k, v := range p.fields {
		body[k] = v
	}
	body["type"] = "about:blank"
	body["title"] = http.StatusText(p.status)
	body["status"] = p.status
	body["detail"] = p.detail
	body["code"] = p.code
	data, _ := json.Marshal(body) // strings, ints and string slices always marshal
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	if p.status == http.StatusUnauthorized {
		if p == jwtProblemTokenBad {
			h.Set("WWW-Authenticate", j.badToken)
		} else {
			h.Set("WWW-Authenticate", j.challenge)
		}
	}
	c.Data(p.status, "application/problem+json", data)
	c.Abort()
}

// fail answers a failed token operation: 401 for a rejected token, 503 for a store
// failure, and logs the reason.
func (j *JWT) fail(c *gin.Context, msg string, err error) {
	j.logFailure(c, msg, err)
	if errors.Is(err, ErrTokenInvalid) {
		j.problem(c, jwtProblemTokenBad)
		return
	}
	j.problem(c, jwtProblemUnavailable)
}

// logFailure logs why a request failed, at the reason's level (store failures at error),
// with the path and client address: never the token, the password or the username, which
// users sometimes type their password into.
func (j *JWT) logFailure(c *gin.Context, msg string, err error) {
	level := slog.LevelError
	var r *jwtReject
	if errors.As(err, &r) {
		level = r.level
	}
	ctx := c.Request.Context()
	if !j.log.Enabled(ctx, level) {
		return
	}
	j.log.LogAttrs(ctx, level, msg, slog.String("reason", err.Error()),
		slog.String("path", c.Request.URL.Path), slog.String("client_ip", ginmw.ClientIP(c).String()))
}

// jwtBearer returns the token of an "Authorization: Bearer" header and whether one is
// present. The scheme is case-insensitive (RFC 7235); two Bearer credentials are ambiguous
// and yield an empty token, which is refused.
func jwtBearer(h http.Header) (string, bool) {
	token, found := "", false
	for _, v := range h["Authorization"] {
		scheme, rest, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			continue
		}
		if found {
			return "", true
		}
		token, found = strings.Trim(rest, " \t"), true
	}
	return token, found
}

// AuthenticateRequest authenticates a request by its "Authorization: Bearer" access token
// (RequestAuthenticator): ok is false when the request has no Bearer credential; a present
// but rejected token is an error wrapping ErrTokenInvalid, and other errors are store
// failures. The reason is logged, never the token.
func (j *JWT) AuthenticateRequest(c *gin.Context) (u *User, ok bool, err error) {
	token, ok := jwtBearer(c.Request.Header)
	if !ok {
		return nil, false, nil
	}
	u, err = j.AuthenticateToken(c.Request.Context(), token)
	if err != nil {
		j.logFailure(c, "authx: bearer token rejected", err)
		return nil, true, err
	}
	return u, true, nil
}

var _ RequestAuthenticator = (*JWT)(nil)

// Middleware returns the authentication middleware of an API that uses bearer tokens only:
// a valid token makes its user the request's user (CurrentUser, LoginRequired and
// PermissionRequired then work as with a session); a request without one is anonymous,
// unless an earlier authentication middleware has set the user; an invalid token is
// refused with 401 and "WWW-Authenticate: Bearer error=invalid_token" (DRF does the same),
// a store outage with 503. Such a group uses no cookies and can be exempt from CSRF.
// Applications with sessions too list the JWT in the session authentication middleware's
// authenticators instead.
func (j *JWT) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		u, ok, err := j.AuthenticateRequest(c)
		switch {
		case errors.Is(err, ErrTokenInvalid):
			j.problem(c, jwtProblemTokenBad)
		case err != nil:
			j.problem(c, jwtProblemUnavailable)
		case ok:
			SetUser(c, u, JWTBackend)
		case slotOf(c) == nil:
			SetUser(c, nil, "")
		}
	}
}

// jwtRequest is the JSON body of the token endpoints.
type jwtRequest struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
	Refresh  *string `json:"refresh"`
}

// readRequest decodes the JSON body; an absent or empty body is an empty request. Any
// other body must be a JSON object sent as application/json.
func readJWTRequest(c *gin.Context) (*jwtRequest, *jwtProblem) {
	req := &jwtRequest{}
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return req, nil
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, jwtMaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, jwtProblemTooLarge
		}
		return nil, jwtProblemParse
	}
	if len(data) == 0 {
		return req, nil
	}
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		return nil, jwtProblemMediaType
	}
	if err := json.Unmarshal(data, req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return nil, jwtFieldProblem(typeErr.Field, jwtMsgNotString)
		}
		return nil, jwtProblemParse
	}
	return req, nil
}

// jwtField checks a required string field.
func jwtField(name string, v *string) (string, *jwtProblem) {
	switch {
	case v == nil:
		return "", jwtFieldProblem(name, jwtMsgRequired)
	case *v == "":
		return "", jwtFieldProblem(name, jwtMsgBlank)
	}
	return *v, nil
}

// checkCSRF runs the cookie transport's CSRF check; false means the request was refused.
func (j *JWT) checkCSRF(c *gin.Context) bool {
	if err := j.cookie.csrf(c); err != nil {
		j.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "authx: token request refused by the CSRF check",
			slog.String("reason", err.Error()), slog.String("path", c.Request.URL.Path))
		j.problem(c, jwtProblemCSRF)
		return false
	}
	return true
}

// ObtainHandler is the login endpoint of an API (simplejwt's TokenObtainPairView): POST
// {"username": ..., "password": ...} as JSON; it answers 200 {"access": ..., "refresh":
// ...}, or 401 "No active account found with the given credentials" whatever failed.
// With a refresh cookie, the refresh token goes in the cookie and not in the body, and
// the request must pass the CSRF check. Mount it on POST:
//
//	router.POST("/api/token/", j.ObtainHandler)
func (j *JWT) ObtainHandler(c *gin.Context) {
	if j.cookie != nil && !j.checkCSRF(c) {
		return
	}
	req, p := readJWTRequest(c)
	if p != nil {
		j.problem(c, p)
		return
	}
	username, p := jwtField("username", req.Username)
	if p == nil {
		_, p = jwtField("password", req.Password)
	}
	if p != nil {
		j.problem(c, p)
		return
	}
	var done func(bool)
	if j.throttle != nil {
		var err error
		if done, err = j.throttle(c, username); err != nil {
			j.refuseThrottled(c, err)
			return
		}
	}
	u, err := j.authenticate(c, username, *req.Password)
	ok := err == nil && u != nil && u.IsActive
	if done != nil {
		done(ok)
	}
	if !ok {
		reason := "no such active user or wrong password"
		if err != nil {
			reason = err.Error()
		}
		j.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "authx: token obtain failed", slog.String("reason", reason),
			slog.String("path", c.Request.URL.Path), slog.String("client_ip", ginmw.ClientIP(c).String()))
		j.problem(c, jwtProblemNoAccount)
		return
	}
	pair, err := j.IssuePair(c.Request.Context(), u)
	if err != nil {
		j.fail(c, "authx: token obtain failed", err)
		return
	}
	if j.lastLogin {
		if err := j.users.SetLastLogin(c.Request.Context(), u.ID, j.now()); err != nil {
			j.log.LogAttrs(c.Request.Context(), slog.LevelWarn, "authx: jwt: could not update last_login",
				slog.Int64("user_id", u.ID), slog.String("error", err.Error()))
		}
	}
	j.respondPair(c, pair, j.cookie != nil)
}

func (j *JWT) refuseThrottled(c *gin.Context, err error) {
	var te *JWTThrottledError
	if !errors.As(err, &te) {
		j.logFailure(c, "authx: token obtain throttle failed", err)
		j.problem(c, jwtProblemUnavailable)
		return
	}
	p := &jwtProblem{status: http.StatusTooManyRequests, code: "throttled", detail: jwtMsgThrottled}
	if secs := int64((te.RetryAfter + time.Second - 1) / time.Second); secs > 0 {
		c.Header("Retry-After", strconv.FormatInt(secs, 10))
		p.detail += " Expected available in " + strconv.FormatInt(secs, 10) + " seconds."
	}
	j.problem(c, p)
}

// refreshToken finds the refresh token of a request: the JSON body's "refresh", else the
// refresh cookie (after the CSRF check), never the query string. ok false means the
// request was answered.
func (j *JWT) refreshToken(c *gin.Context) (token string, fromCookie, ok bool) {
	req, p := readJWTRequest(c)
	if p != nil {
		j.problem(c, p)
		return "", false, false
	}
	if req.Refresh != nil {
		token, p := jwtField("refresh", req.Refresh)
		if p != nil {
			j.problem(c, p)
			return "", false, false
		}
		return token, false, true
	}
	if j.cookie != nil {
		if ck, err := c.Request.Cookie(j.cookie.name); err == nil {
			if !j.checkCSRF(c) {
				return "", false, false
			}
			if ck.Value == "" {
				j.problem(c, jwtProblemTokenBad)
				return "", false, false
			}
			return ck.Value, true, true
		}
	}
	return "", false, true
}

// RefreshHandler is simplejwt's TokenRefreshView with rotation: POST {"refresh": ...} (or
// the refresh cookie) answers 200 with a new access and refresh token; the presented
// refresh token is spent, and presenting it again revokes its family. Mount it on POST:
//
//	router.POST("/api/token/refresh/", j.RefreshHandler)
func (j *JWT) RefreshHandler(c *gin.Context) {
	token, fromCookie, ok := j.refreshToken(c)
	if !ok {
		return
	}
	if token == "" {
		j.problem(c, jwtFieldProblem("refresh", jwtMsgRequired))
		return
	}
	pair, err := j.Refresh(c.Request.Context(), token)
	if err != nil {
		if fromCookie && errors.Is(err, ErrTokenInvalid) {
			j.clearCookie(c)
		}
		j.fail(c, "authx: token refresh failed", err)
		return
	}
	j.respondPair(c, pair, fromCookie)
}

// RevokeHandler is the logout endpoint (simplejwt's TokenBlacklistView): POST {"refresh":
// ...}, or the refresh cookie, or else the "Authorization: Bearer" access token, revokes
// that token's family: the access tokens issued with it stop working at once too. It
// answers 200 {} and clears the refresh cookie. Mount it on POST:
//
//	router.POST("/api/token/revoke/", j.RevokeHandler)
func (j *JWT) RevokeHandler(c *gin.Context) {
	token, fromCookie, ok := j.refreshToken(c)
	if !ok {
		return
	}
	if token == "" {
		if token, _ = jwtBearer(c.Request.Header); token == "" {
			j.problem(c, jwtFieldProblem("refresh", jwtMsgRequired))
			return
		}
	}
	if err := j.Revoke(c.Request.Context(), token); err != nil {
		if fromCookie && errors.Is(err, ErrTokenInvalid) {
			j.clearCookie(c)
		}
		j.fail(c, "authx: token revoke failed", err)
		return
	}
	if j.cookie != nil {
		j.clearCookie(c)
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json", []byte("{}"))
}

// respondPair writes a token pair: the refresh token in the cookie when inCookie, else in
// the body.
func (j *JWT) respondPair(c *gin.Context, pair TokenPair, inCookie bool) {
	body := struct {
		Access  string `json:"access"`
		Refresh string `json:"refresh,omitempty"`
	}{Access: pair.Access}
	if inCookie {
		j.setCookie(c, pair.Refresh, pair.RefreshExpiresAt)
	} else {
		body.Refresh = pair.Refresh
	}
	data, err := json.Marshal(body)
	if err != nil {
		j.fail(c, "authx: token response", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json", data)
}

func (j *JWT) cookieSecure(c *gin.Context) bool {
	if j.cookie.secure != nil {
		return *j.cookie.secure
	}
	return gin.Mode() == gin.ReleaseMode || ginmw.IsSecure(c)
}

func (j *JWT) setCookie(c *gin.Context, value string, expires time.Time) {
	maxAge := int((expires.Sub(j.now()) + time.Second - 1) / time.Second)
	http.SetCookie(c.Writer, &http.Cookie{
		Name: j.cookie.name, Value: value, Path: j.cookie.path, Domain: j.cookie.domain,
		MaxAge: max(maxAge, 1), Expires: expires.UTC(), Secure: j.cookieSecure(c), HttpOnly: true, SameSite: j.cookie.sameSite,
	})
}

func (j *JWT) clearCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: j.cookie.name, Value: "", Path: j.cookie.path, Domain: j.cookie.domain,
		MaxAge: -1, Secure: j.cookieSecure(c), HttpOnly: true, SameSite: j.cookie.sameSite,
	})
}
