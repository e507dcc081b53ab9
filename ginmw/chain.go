package ginmw

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
)

// The five hooks. A middleware is a value of any type that implements any subset of them,
// or a plain gin.HandlerFunc. Hooks must not call c.Next(): the chain decides what runs next.
type (
	// RequestProcessor is Django's process_request: it runs top to bottom before the view
	// is chosen. It "returns a response" the Gin way: it writes one and calls c.Abort().
	RequestProcessor interface{ ProcessRequest(c *gin.Context) }

	// ViewProcessor is Django's process_view: it runs top to bottom after every request
	// hook, with the matched route, just before the view.
	ViewProcessor interface {
		ProcessView(c *gin.Context, v View)
	}

	// ExceptionProcessor is Django's process_exception: it runs bottom to top when the view
	// panics or leaves an error in c.Errors without writing a response. The first hook
	// that writes a response handles the error; the hooks above it are not called.
	ExceptionProcessor interface {
		ProcessException(c *gin.Context, err error)
	}

	// TemplateResponseProcessor is Django's process_template_response: it runs bottom to
	// top when the view answered with Render, and may change the template and its data
	// before they are rendered.
	TemplateResponseProcessor interface {
		ProcessTemplateResponse(c *gin.Context, t *TemplateResponse)
	}

	// ResponseProcessor is Django's process_response: it runs bottom to top on the
	// buffered response and may change its status, headers and body.
	ResponseProcessor interface {
		ProcessResponse(c *gin.Context, r *Response)
	}
)

// Config configures a chain. The zero value is an empty chain that buffers responses,
// turns panics and errors into plain error pages without details, and logs to
// slog.Default().
type Config struct {
	// Middleware lists the middlewares top to bottom, as Django's MIDDLEWARE does: values
	// implementing any of the hook interfaces, or plain gin.HandlerFunc values (code before
	// c.Next() is their process_request, code after it their process_response). Entries
	// built by the settings loader may be Named values.
	Middleware []any

	// Debug shows error details on error pages. Django: DEBUG.
	Debug bool

	// Logger receives unhandled errors and, with Trace, every hook. Nil means slog.Default().
	Logger *slog.Logger

	// ErrorHandler writes the response for an error no exception hook handled, with the
	// status StatusOf chose. Nil means DefaultErrorHandler. Django: handler404, handler403,
	// handler400, handler500.
	ErrorHandler func(c *gin.Context, status int, err error)

	// MaxBufferBytes caps the body held in memory; a larger body switches the response to
	// pass-through. Zero means DefaultMaxBufferBytes; negative means no cap.
	MaxBufferBytes int

	// Trace logs each hook as it runs (at Info level), reproducing the order Django's
	// tutorials print.
	Trace bool

	// OnHook, when set, is called before each hook runs with the layer's name and the
	// hook's Django name ("process_request", ...). The example's /trace/ page uses it.
	OnHook func(c *gin.Context, layer, hook string)
}

// Named gives a middleware the name the trace and error messages use. The settings loader
// names every entry after its registry name.
type Named struct {
	Name       string
	Middleware any
}

// ErrNotMiddleware is returned by New for an entry that implements none of the hooks and
// is not a gin.HandlerFunc.
var ErrNotMiddleware = errors.New("ginmw: not a middleware")

// layer is one compiled entry of the list: the hooks it implements, found once.
type layer struct {
	name string
	req  RequestProcessor
	view ViewProcessor
	exc  ExceptionProcessor
	tmpl TemplateResponseProcessor
	resp ResponseProcessor
	fn   gin.HandlerFunc // a plain gin middleware
}

type chain struct {
	layers    []layer
	plain     bool // some layer is a plain gin middleware
	debug     bool
	logger    *slog.Logger
	onError   func(c *gin.Context, status int, err error)
	maxBuffer int
	trace     bool
	onHook    func(c *gin.Context, layer, hook string)
	pool      sync.Pool
	routesMu  sync.RWMutex
	routes    map[routeKey][]string // the handler names of each route, for RouteHas
}

// New validates cfg and returns the chain as one gin.HandlerFunc, for router.Use, a route
// group or a single route.
func New(cfg Config) (gin.HandlerFunc, error) {
	ch, err := newChain(cfg)
	if err != nil {
		return nil, err
	}
	return ch.handle, nil
}

// Chain returns the middlewares as one gin.HandlerFunc with Django's MIDDLEWARE semantics
// and a default Config. It panics if an entry is not a middleware: call it at start-up, or
// use New to get an error instead.
func Chain(mws ...any) gin.HandlerFunc {
	h, err := New(Config{Middleware: mws})
	if err != nil {
		panic(err)
	}
	return h
}

// Adapt turns one middleware into a gin.HandlerFunc that works alone: its hooks run around
// the rest of the handlers on a buffered response, as in a chain of one. It panics if m is
// not a middleware.
func Adapt(m any) gin.HandlerFunc { return Chain(m) }

func newChain(cfg Config) (*chain, error) {
	ch := &chain{
		debug:     cfg.Debug,
		logger:    cfg.Logger,
		onError:   cfg.ErrorHandler,
		maxBuffer: cfg.MaxBufferBytes,
		trace:     cfg.Trace,
		onHook:    cfg.OnHook,
	}
	if ch.logger == nil {
		ch.logger = slog.Default()
	}
	if ch.onError == nil {
		ch.onError = DefaultErrorHandler
		if ch.debug {
			ch.onError = debugErrorHandler
		}
	}
	switch {
	case ch.maxBuffer == 0:
		ch.maxBuffer = DefaultMaxBufferBytes
	case ch.maxBuffer < 0:
		ch.maxBuffer = 0
	}
	for i, m := range cfg.Middleware {
		l, err := compile(m)
		if err != nil {
			return nil, fmt.Errorf("ginmw: Config.Middleware[%d]: %w", i, err)
		}
		if l.fn != nil {
			ch.plain = true
		}
		ch.layers = append(ch.layers, l)
	}
	if ch.plain && !contextLayoutKnown {
		return nil, fmt.Errorf("ginmw: plain gin middlewares in a chain need gin's Context layout, which this gin version changed; wrap them in a hook type")
	}
	ch.pool.New = func() any { return newState(ch) }
	return ch, nil
}

func compile(m any) (layer, error) {
	name := ""
	if n, ok := m.(Named); ok {
		name, m = n.Name, n.Middleware
	}
	var l layer
	switch f := m.(type) {
	case nil:
		return l, fmt.Errorf("%w: nil", ErrNotMiddleware)
	case gin.HandlerFunc:
		if f == nil {
			return l, fmt.Errorf("%w: nil gin.HandlerFunc", ErrNotMiddleware)
		}
		l.fn = f
	case func(*gin.Context):
		if f == nil {
			return l, fmt.Errorf("%w: nil func(*gin.Context)", ErrNotMiddleware)
		}
		l.fn = f
	default:
		if v := reflect.ValueOf(m); (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return l, fmt.Errorf("%w: nil %T", ErrNotMiddleware, m)
		}
		l.req, _ = m.(RequestProcessor)
		l.view, _ = m.(ViewProcessor)
		l.exc, _ = m.(ExceptionProcessor)
		l.tmpl, _ = m.(TemplateResponseProcessor)
		l.resp, _ = m.(ResponseProcessor)
		if l.req == nil && l.view == nil && l.exc == nil && l.tmpl == nil && l.resp == nil {
			return l, fmt.Errorf("%w: %T implements none of ProcessRequest, ProcessView, ProcessException, ProcessTemplateResponse, ProcessResponse", ErrNotMiddleware, m)
		}
	}
	if name == "" {
		name = middlewareName(m)
	}
	l.name = name
	return l, nil
}

// middlewareName is the short type or function name: "MD1" for a *main.MD1.
func middlewareName(m any) string {
	var s string
	if l, ok := m.(interface{ Name() string }); ok {
		return l.Name()
	}
	if v := reflect.ValueOf(m); v.Kind() == reflect.Func {
		s = funcName(m)
	} else {
		s = fmt.Sprintf("%T", m)
	}
	s = strings.TrimLeft(s, "*")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	return s
}
