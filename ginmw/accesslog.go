package ginmw

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// AccessLogConfig configures AccessLogMiddleware. The zero value logs every request to
// slog.Default().
type AccessLogConfig struct {
	// Logger receives the lines; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`

	// SkipRoutes lists route templates (as registered, such as "/healthz") whose requests
	// are not logged.
	SkipRoutes []string `yaml:"skip_routes"`

	// User names the request's user for the line, "" for anonymous; nil means the string
	// gin.BasicAuth and similar middlewares store under gin.AuthUserKey.
	User func(c *gin.Context) string `yaml:"-"`

	// Now is the clock; nil means time.Now.
	Now func() time.Time `yaml:"-"`
}

// AccessLogMiddleware writes one structured slog line per request, at Info for success and
// redirects, Warn for 4xx and Error for 5xx (Django's django.request levels). The line has
// method, route (the template, such as "/reset/:token/"), status, bytes, duration,
// client_ip, request_id, user and user_agent. It never logs the query string, cookies or
// any other header, and logs the raw path only when no route matched: paths of matched
// routes may carry tokens (password-reset links do), their templates do not.
//
// List it first, above everything that may answer early (security's HTTPS redirect, csrf,
// ratelimit), so that it sees every request and the final status. On a streaming response
// the line is written when streaming starts, with streaming=true and no byte count.
type AccessLogMiddleware struct {
	logger *slog.Logger
	skip   []string
	user   func(c *gin.Context) string
	now    func() time.Time
}

// NewAccessLog validates cfg and returns the middleware.
func NewAccessLog(cfg AccessLogConfig) (*AccessLogMiddleware, error) {
	m := &AccessLogMiddleware{logger: cfg.Logger, skip: slices.Clone(cfg.SkipRoutes), user: cfg.User, now: cfg.Now}
	if m.user == nil {
		m.user = func(c *gin.Context) string { return c.GetString(gin.AuthUserKey) }
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m, nil
}

// AccessLog is NewAccessLog as a gin.HandlerFunc.
func AccessLog(cfg AccessLogConfig) (gin.HandlerFunc, error) { return adapted(NewAccessLog(cfg)) }

// ProcessRequest starts the request's clock.
func (m *AccessLogMiddleware) ProcessRequest(c *gin.Context) {
	reqInfoOf(c).start = m.now()
}

// ProcessResponse writes the line.
func (m *AccessLogMiddleware) ProcessResponse(c *gin.Context, r *Response) {
	route := c.FullPath()
	if route != "" && slices.Contains(m.skip, route) {
		return
	}
	logger := m.logger
	if logger == nil {
		logger = slog.Default()
	}
	status := r.Status()
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status >= 400:
		level = slog.LevelWarn
	}
	ctx := c.Request.Context()
	if !logger.Enabled(ctx, level) {
		return
	}
	var attrs [12]slog.Attr
	a := append(attrs[:0],
		slog.String("method", clip(c.Request.Method, 32)),
		slog.String("route", route),
	)
	if route == "" {
		a = append(a, slog.String("path", clip(c.Request.URL.Path, 256)))
	}
	a = append(a, slog.Int("status", status))
	if r.Streaming() {
		a = append(a, slog.Bool("streaming", true))
	} else if c.Request.Method != http.MethodHead {
		a = append(a, slog.Int("bytes", len(r.Body())))
	}
	var start time.Time
	ri := peekReqInfo(c)
	if ri != nil {
		start = ri.start
	}
	if !start.IsZero() {
		a = append(a, slog.Duration("duration", m.now().Sub(start)))
	}
	if ip := ClientIP(c); ip.IsValid() {
		a = append(a, slog.String("client_ip", ip.String()))
	}
	if ri != nil && ri.requestID != "" {
		a = append(a, slog.String("request_id", ri.requestID))
	}
	if u := m.user(c); u != "" {
		a = append(a, slog.String("user", clip(u, 150)))
	}
	if ua := c.Request.UserAgent(); ua != "" {
		a = append(a, slog.String("user_agent", clip(ua, 256)))
	}
	logger.LogAttrs(ctx, level, "http request", a...)
}

func init() {
	registerMiddleware("access_log", NewAccessLog, func(fc *FactoryContext, cfg *AccessLogConfig) { cfg.Logger = fc.Env.Logger })
}
