package ginmw

import (
	"reflect"
	"runtime"
	"slices"

	"github.com/gin-gonic/gin"
)

// View is the matched route as process_view sees it: Django's view_func, view_args and
// view_kwargs. Gin has resolved the route before any middleware runs, so everything here is
// known.
type View struct {
	c *gin.Context
}

// Route returns the route template, such as "/users/:id"; "" when no route matched.
func (v View) Route() string { return v.c.FullPath() }

// Method returns the request method.
func (v View) Method() string { return v.c.Request.Method }

// HandlerName returns the name of the view function, such as "main.index".
func (v View) HandlerName() string { return v.c.HandlerName() }

// Handler returns the view function.
func (v View) Handler() gin.HandlerFunc { return v.c.Handler() }

// Params returns the path parameters (Django's view_kwargs).
func (v View) Params() gin.Params { return v.c.Params }

// Has reports whether h is attached to the matched route or one of its groups, in any
// position. Route decorators such as csrfx.Exempt are marker handlers found this way:
// Go functions carry no attributes, so the decision is made on the route's handler list,
// never on the raw path.
func (v View) Has(h gin.HandlerFunc) bool { return RouteHas(v.c, h) }

// routeKey identifies a route's handler list: the same template under another method, or
// in another engine with another view, is another list.
type routeKey struct {
	method, path string
	view         uintptr
}

// RouteHas reports whether h is attached to the route that matched c, like View.Has. It
// can be called from any hook or handler; inside a chain the answer is cached per route.
func RouteHas(c *gin.Context, h gin.HandlerFunc) bool {
	if h == nil {
		return false
	}
	name := funcName(h)
	if st := stateOf(c); st != nil {
		return slices.Contains(st.ch.routeHandlers(c), name)
	}
	return slices.Contains(c.HandlerNames(), name)
}

func (ch *chain) routeHandlers(c *gin.Context) []string {
	key := routeKey{method: c.Request.Method, path: c.FullPath()}
	if last := c.Handler(); last != nil {
		key.view = reflect.ValueOf(last).Pointer()
	}
	// A plain map under a read lock: a sync.Map would box the struct key on every lookup.
	ch.routesMu.RLock()
	names, ok := ch.routes[key]
	ch.routesMu.RUnlock()
	if ok {
		return names
	}
	names = c.HandlerNames()
	ch.routesMu.Lock()
	if ch.routes == nil {
		ch.routes = make(map[routeKey][]string)
	}
	ch.routes[key] = names
	ch.routesMu.Unlock()
	return names
}

// stateOf finds the chain state when a hook is running but c.Writer has been wrapped by a
// plain middleware. It returns nil outside a chain.
func stateOf(c *gin.Context) *state {
	if r := ResponseOf(c); r != nil {
		return r.st
	}
	return nil
}

func funcName(f any) string {
	fn := runtime.FuncForPC(reflect.ValueOf(f).Pointer())
	if fn == nil {
		return ""
	}
	return fn.Name()
}
