package messages

import (
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/session"
)

// ErrNoMiddleware is returned when messages are added on a request that did not go through
// the messages middleware. Django: MessageFailure.
var ErrNoMiddleware = errors.New("messages: the messages middleware is not installed on this route (add it below sessions)")

// Config configures the messages middleware. The zero value is Django's default: messages
// of level info and above, tagged debug, info, success, warning, error.
type Config struct {
	// Level is the lowest level kept; lower messages are dropped when added. Zero means
	// LevelInfo. In the settings file a name or a number (level: debug). Django:
	// MESSAGE_LEVEL.
	Level Level `yaml:"level"`

	// Tags overrides the tag of a level, such as {error: danger} for Bootstrap's classes,
	// or names a custom level. Django: MESSAGE_TAGS.
	Tags map[Level]string `yaml:"tags"`

	// Logger receives messages that could not be decoded; nil means slog.Default().
	Logger *slog.Logger `yaml:"-"`
}

// Middleware is Django's MessageMiddleware as a djin hook type: ProcessRequest gives the
// request its Storage, ProcessTemplateResponse adds "messages" and "DEFAULT_MESSAGE_LEVELS"
// to map-shaped template data (Django's messages context processor), and ProcessResponse
// keeps unread messages in the session. It needs the sessions middleware above it and is
// registered as "messages".
type Middleware struct {
	level  Level
	tags   map[Level]string
	logger *slog.Logger
}

type ctxKey struct{}

// New validates cfg and returns the middleware.
func New(cfg Config) (*Middleware, error) {
	m := &Middleware{level: cfg.Level, logger: cfg.Logger, tags: map[Level]string{}}
	if m.level == 0 {
		m.level = LevelInfo
	}
	if m.logger == nil {
		m.logger = slog.Default()
	}
	for l, t := range cfg.Tags {
		if strings.ContainsAny(t, "\"'<>&") {
			return nil, fmt.Errorf("messages: Config.Tags[%s]: a tag is a class name (got %q)", l, t)
		}
		m.tags[l] = t
	}
	return m, nil
}

// Default returns the middleware with the zero Config.
func Default() *Middleware {
	m, _ := New(Config{})
	return m
}

func (m *Middleware) tag(l Level) string {
	if t, ok := m.tags[l]; ok {
		return t
	}
	return levelNames[l]
}

// ProcessRequest attaches the request's Storage. Nothing is read from the session until the
// messages are used.
func (m *Middleware) ProcessRequest(c *gin.Context) {
	sess, err := session.Lookup(c)
	if err != nil {
		err = fmt.Errorf("messages: %w", err)
	}
	c.Set(ctxKey{}, &Storage{m: m, sess: sess, err: err})
}

// ProcessTemplateResponse is Django's messages context processor: template data that is a
// gin.H or map[string]any (or nil) is replaced by a copy with "messages" (the *Storage) and
// "DEFAULT_MESSAGE_LEVELS" added, unless it already has them. Nothing is read until the
// template uses them.
func (m *Middleware) ProcessTemplateResponse(c *gin.Context, t *ginmw.TemplateResponse) {
	st, ok := storageOf(c)
	if !ok {
		return
	}
	var src map[string]any
	switch d := t.Data.(type) {
	case nil:
	case gin.H:
		src = d
	case map[string]any:
		src = d
	default:
		return
	}
	_, hasMessages := src["messages"]
	_, hasLevels := src["DEFAULT_MESSAGE_LEVELS"]
	if hasMessages && hasLevels {
		return
	}
	// A copy, never the view's map: views often pass one shared map to every request, and
	// one request's messages must not land in it for another to render.
	data := make(gin.H, len(src)+2)
	for k, v := range src {
		data[k] = v
	}
	if !hasMessages {
		data["messages"] = st
	}
	if !hasLevels {
		data["DEFAULT_MESSAGE_LEVELS"] = DefaultLevels
	}
	t.Data = data
}

// ProcessResponse keeps the messages that were not shown for the next request.
func (m *Middleware) ProcessResponse(c *gin.Context, _ *ginmw.Response) {
	st, ok := storageOf(c)
	if !ok {
		return
	}
	if err := st.update(); err != nil {
		m.logger.ErrorContext(c.Request.Context(), "messages: could not store messages", "err", err)
	}
}

func storageOf(c *gin.Context) (*Storage, bool) {
	v, ok := c.Get(ctxKey{})
	if !ok {
		return nil, false
	}
	st, ok := v.(*Storage)
	return st, ok
}

// StorageOf returns the request's message storage, or ErrNoMiddleware. Django:
// get_messages(request).
func StorageOf(c *gin.Context) (*Storage, error) {
	st, ok := storageOf(c)
	if !ok {
		return nil, ErrNoMiddleware
	}
	return st, nil
}

// Add adds a message (Django: add_message). It returns ErrNoMiddleware without the
// middleware; a message below the level is dropped without error.
func Add(c *gin.Context, level Level, text string, extraTags ...string) error {
	st, err := StorageOf(c)
	if err != nil {
		return err
	}
	return st.Add(level, text, extraTags...)
}

// Debug adds a debug message (Django: messages.debug).
func Debug(c *gin.Context, text string, extraTags ...string) error {
	return Add(c, LevelDebug, text, extraTags...)
}

// Info adds an info message (Django: messages.info).
func Info(c *gin.Context, text string, extraTags ...string) error {
	return Add(c, LevelInfo, text, extraTags...)
}

// Success adds a success message (Django: messages.success).
func Success(c *gin.Context, text string, extraTags ...string) error {
	return Add(c, LevelSuccess, text, extraTags...)
}

// Warning adds a warning message (Django: messages.warning).
func Warning(c *gin.Context, text string, extraTags ...string) error {
	return Add(c, LevelWarning, text, extraTags...)
}

// Error adds an error message (Django: messages.error).
func Error(c *gin.Context, text string, extraTags ...string) error {
	return Add(c, LevelError, text, extraTags...)
}

// Get returns the request's messages and marks them used, so they are not shown again; nil
// without the middleware. Django: iterating get_messages(request).
func Get(c *gin.Context) []Message {
	st, ok := storageOf(c)
	if !ok {
		return nil
	}
	return st.All()
}

// GetLevel returns the request's message level (Django: get_level); LevelInfo without the
// middleware.
func GetLevel(c *gin.Context) Level {
	st, ok := storageOf(c)
	if !ok {
		return LevelInfo
	}
	return st.Level()
}

// SetLevel changes the request's message level; 0 goes back to the configured one (Django:
// set_level).
func SetLevel(c *gin.Context, l Level) error {
	st, err := StorageOf(c)
	if err != nil {
		return err
	}
	st.SetLevel(l)
	return nil
}

// FuncMap returns template functions for templates rendered with c.HTML, where the
// middleware cannot add its variables: {{range messages $.ctx}} with the *gin.Context passed
// in the data as "ctx", and message_levels for DEFAULT_MESSAGE_LEVELS. Install it with
// router.SetFuncMap before loading templates.
func FuncMap() template.FuncMap {
	return template.FuncMap{
		"messages":       Get,
		"message_levels": func() map[string]Level { return DefaultLevels },
	}
}

func init() {
	ginmw.Register("messages", func(fc *ginmw.FactoryContext) (any, error) {
		if err := fc.Require("sessions"); err != nil {
			return nil, err
		}
		var cfg Config
		if err := fc.Decode(&cfg); err != nil {
			return nil, err
		}
		cfg.Logger = fc.Env.Logger
		return New(cfg)
	})
}

// Handler returns the middleware as a gin.HandlerFunc that works on its own: ginmw.Adapt(m).
// Inside a Chain or a settings list, use the middleware value itself.
func (m *Middleware) Handler() gin.HandlerFunc { return ginmw.Adapt(m) }
