package ginmw

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/gin-gonic/gin"
)

// state is one request's run through a chain. It is pooled: the steady state allocates
// nothing.
type state struct {
	ch   *chain
	c    *gin.Context
	resp Response

	tmpl        TemplateResponse
	tmplPending bool

	depth      int  // layers whose request hook passed (their response hook is owed)
	streamedAt int  // depth when the response hooks ran early for streaming, else -1
	viewRan    bool // the gin handlers after the chain (decorators and view) ran
	afterView  int8 // c.index after the view ran

	// For plain gin middlewares: a two-handler chain [fn, resume] per layer, built once
	// per pooled state, and the gin chain position to restore while resuming.
	minis   []gin.HandlersChain
	savedH  []gin.HandlersChain
	savedI  []int8
	noRoute bool // gin found no route (404) or no method (405)
	tracing bool

	slots [MaxSlots]any // per-request values of middlewares (Slot)
}

func newState(ch *chain) any {
	st := &state{ch: ch}
	if ch.plain {
		n := len(ch.layers)
		st.minis = make([]gin.HandlersChain, n)
		st.savedH = make([]gin.HandlersChain, n)
		st.savedI = make([]int8, n)
		for k := range ch.layers {
			if fn := ch.layers[k].fn; fn != nil {
				k := k
				st.minis[k] = gin.HandlersChain{fn, func(c *gin.Context) { st.resume(c, k) }}
			}
		}
	}
	return st
}

// handle is the chain's gin.HandlerFunc.
func (ch *chain) handle(c *gin.Context) {
	st := ch.pool.Get().(*state)
	st.c = c
	st.tmplPending = false
	st.depth = 0
	st.streamedAt = -1
	st.viewRan = false
	st.tracing = ch.trace || ch.onHook != nil
	orig := c.Writer
	st.resp.reset(orig, st, ch.maxBuffer)
	// gin's serveError sets 404 or 405 before running the no-route chain.
	st.noRoute = c.FullPath() == "" && (orig.Status() == http.StatusNotFound || orig.Status() == http.StatusMethodNotAllowed)
	if st.noRoute {
		st.resp.status = orig.Status()
	}
	c.Writer = &st.resp

	defer func() {
		c.Writer = orig
		if !st.resp.hijacked {
			st.resp.finish(c.Request.Method)
		}
		switch {
		case st.viewRan && ch.plain:
			// Plain middlewares moved gin's index around; put it where the view left it.
			setCtxIndex(c, st.afterView)
		case !st.viewRan && !c.IsAborted():
			// A short-circuit: the view after the chain must not run.
			c.Abort()
		}
		st.c = nil
		st.resp.w = nil
		st.tmpl = TemplateResponse{}
		clear(st.slots[:])
		if cap(st.resp.body) <= 64<<10 {
			ch.pool.Put(st)
		}
	}()
	st.run(c, 0)
}

// run runs layers k.. and everything inside them. Hook layers up to the next plain gin
// middleware run in loops with one recovery point each; a plain middleware recurses, since
// its c.Next() must run everything below it.
func (st *state) run(c *gin.Context, k int) {
	layers := st.ch.layers
	end := k
	for end < len(layers) && layers[end].fn == nil {
		end++
	}
	owed, inward := st.requests(c, k, end)
	if inward {
		if end < len(layers) {
			st.runPlain(c, end)
		} else {
			st.inner(c)
		}
	}
	for i := owed - 1; i >= k; {
		i = st.responses(c, k, i)
	}
}

// requests runs the request hooks of layers from..to-1. It returns how many layers are
// owed their response hook (up to owed-1) and whether to go further in.
func (st *state) requests(c *gin.Context, from, to int) (owed int, inward bool) {
	layers := st.ch.layers
	i := from
	defer func() {
		if r := recover(); r != nil {
			// Rule 11: a raising process_request skips its own process_response.
			st.errorResponse(c, st.recovered(r))
			owed, inward = i, false
		}
	}()
	for ; i < to; i++ {
		if l := &layers[i]; l.req != nil {
			if st.tracing {
				st.traceHook(c, l, "process_request")
			}
			l.req.ProcessRequest(c)
			if st.shortCircuited(c) {
				st.render(c) // a request hook may answer with Render too (rule 8)
				return i + 1, false
			}
		}
		st.depth = i + 1
	}
	return to, true
}

// responses runs the response hooks of layers i down to from. A hook that panics has its
// error turned into the response the layers above it see; it returns the layer to go on
// from, or from-1 when done.
func (st *state) responses(c *gin.Context, from, i int) (next int) {
	layers := st.ch.layers
	defer func() {
		if r := recover(); r != nil {
			st.errorResponse(c, st.recovered(r))
			next = i - 1
		}
	}()
	for ; i >= from; i-- {
		l := &layers[i]
		if l.resp == nil || (st.streamedAt >= 0 && i < st.streamedAt) {
			continue
		}
		st.depth = i // a flush from this hook owes only the hooks above it
		if st.tracing {
			st.traceHook(c, l, "process_response")
		}
		l.resp.ProcessResponse(c, &st.resp)
	}
	return from - 1
}

// views runs the view hooks top to bottom. It reports whether one answered or failed, in
// which case the view must not run.
func (st *state) views(c *gin.Context) (answered bool) {
	layers := st.ch.layers
	defer func() {
		if r := recover(); r != nil {
			// Rule 5: a raising process_view is not passed to exception hooks.
			st.errorResponse(c, st.recovered(r))
			answered = true
		}
	}()
	v := View{c: c}
	for i := range layers {
		l := &layers[i]
		if l.view == nil {
			continue
		}
		if st.tracing {
			st.traceHook(c, l, "process_view")
		}
		l.view.ProcessView(c, v)
		if st.shortCircuited(c) {
			st.render(c)
			return true
		}
	}
	return false
}

// shortCircuited reports whether a request or view hook answered: Django's "returned a
// response", which in Gin is c.Abort() or a written response.
func (st *state) shortCircuited(c *gin.Context) bool {
	return c.IsAborted() || st.resp.touched || st.tmplPending
}

// runPlain runs a plain gin middleware so that its c.Next() runs the rest of this chain:
// gin's handler list is swapped for [fn, resume] while fn runs.
func (st *state) runPlain(c *gin.Context, k int) {
	l := &st.ch.layers[k]
	if st.tracing {
		st.traceHook(c, l, "handler")
	}
	h, i := ctxHandlers(c), ctxIndex(c)
	st.savedH[k], st.savedI[k] = h, i
	defer func() {
		setCtxHandlers(c, h)
		aborted := c.IsAborted()
		setCtxIndex(c, i)
		if r := recover(); r != nil {
			st.errorResponse(c, st.recovered(r))
			return
		}
		if aborted {
			c.Abort()
		}
	}()
	setCtxHandlers(c, st.minis[k])
	setCtxIndex(c, -1)
	c.Next()
}

// resume is the second handler of a plain middleware's two-handler list: the middleware's
// c.Next() lands here and continues with the layers below it. Afterwards the middleware
// sees c.IsAborted() as it would in a plain gin chain.
func (st *state) resume(c *gin.Context, k int) {
	setCtxHandlers(c, st.savedH[k])
	setCtxIndex(c, st.savedI[k])
	st.depth = k + 1
	st.run(c, k+1)
	aborted := c.IsAborted() || !st.viewRan
	setCtxHandlers(c, st.minis[k])
	if aborted {
		c.Abort()
	} else {
		setCtxIndex(c, 1)
	}
}

// inner is Django's _get_response: view hooks, the view, exception hooks, template hooks.
func (st *state) inner(c *gin.Context) {
	if st.noRoute {
		// Rule 3: an unresolved URL skips view and exception hooks. NoRoute/NoMethod
		// handlers, if the application set any, answer; else the error handler does.
		errs := len(c.Errors)
		if err := st.callNext(c); err != nil || !st.resp.touched {
			if err == nil {
				err = routeError(st.resp.status, c.Errors[errs:])
			}
			st.errorResponse(c, err)
		}
		st.render(c)
		return
	}
	if st.views(c) {
		return
	}
	errs := len(c.Errors)
	err := st.callNext(c)
	if err == nil && len(c.Errors) > errs && !st.resp.touched && !st.tmplPending {
		err = c.Errors.Last().Err
	}
	if err != nil {
		st.exception(c, err)
	}
	st.render(c)
}

// exception runs the exception hooks bottom to top; the first that writes a response wins.
func (st *state) exception(c *gin.Context, err error) {
	if st.resp.streaming {
		st.ch.logger.Error("ginmw: error after the response started streaming", "route", c.FullPath(), "err", err)
		return
	}
	st.resp.Reset()
	st.tmplPending = false
	layers := st.ch.layers
	for k := len(layers) - 1; k >= 0; k-- {
		l := &layers[k]
		if l.exc == nil {
			continue
		}
		if st.tracing {
			st.traceHook(c, l, "process_exception")
		}
		if herr := st.callException(c, l, err); herr != nil {
			st.errorResponse(c, herr)
			return
		}
		if st.resp.touched || st.tmplPending {
			return
		}
	}
	st.errorResponse(c, err)
}

// render runs the template hooks bottom to top and renders a pending TemplateResponse.
func (st *state) render(c *gin.Context) {
	if !st.tmplPending {
		return
	}
	layers := st.ch.layers
	for k := len(layers) - 1; k >= 0; k-- {
		l := &layers[k]
		if l.tmpl == nil {
			continue
		}
		if st.tracing {
			st.traceHook(c, l, "process_template_response")
		}
		if err := st.callTemplate(c, l); err != nil {
			st.tmplPending = false
			st.errorResponse(c, err)
			return
		}
	}
	st.tmplPending = false
	if err := st.renderTemplate(c); err != nil {
		// Rule 8: a failing render goes to the exception hooks.
		st.exception(c, err)
		if st.tmplPending {
			st.tmplPending = false
			if err := st.renderTemplate(c); err != nil {
				st.errorResponse(c, err)
			}
		}
	}
}

func (st *state) renderTemplate(c *gin.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = st.recovered(r)
		}
	}()
	t := &st.tmpl
	errs := len(c.Errors)
	st.resp.body = st.resp.body[:0]
	c.HTML(t.Status, t.Name, t.Data)
	if len(c.Errors) > errs {
		return fmt.Errorf("ginmw: render %q: %w", t.Name, c.Errors.Last().Err)
	}
	return nil
}

// errorResponse replaces the response with the one for err (rules 5, 7, 11).
func (st *state) errorResponse(c *gin.Context, err error) {
	ch := st.ch
	status := StatusOf(err)
	switch {
	case status >= 500:
		var p *PanicError
		if errors.As(err, &p) {
			ch.logger.Error("ginmw: panic", "method", c.Request.Method, "route", c.FullPath(), "err", p.Value, "stack", string(p.Stack))
		} else {
			ch.logger.Error("ginmw: unhandled error", "method", c.Request.Method, "route", c.FullPath(), "err", err)
		}
	case errors.Is(err, ErrSuspiciousOperation):
		ch.logger.Warn("ginmw: suspicious operation", "method", c.Request.Method, "route", c.FullPath(), "err", err)
	}
	if st.resp.streaming {
		return
	}
	st.resp.Reset()
	st.tmplPending = false
	defer func() {
		if r := recover(); r != nil {
			ch.logger.Error("ginmw: error handler panicked", "err", r)
			st.resp.Reset()
			DefaultErrorHandler(c, http.StatusInternalServerError, err)
		}
	}()
	ch.onError(c, status, err)
	if !st.resp.touched {
		st.resp.SetStatus(status)
	}
}

// callNext runs the gin handlers after the chain: route decorators and the view.
func (st *state) callNext(c *gin.Context) (err error) {
	defer func() {
		st.viewRan = true
		st.afterView = ctxIndexOr(c)
		if r := recover(); r != nil {
			err = st.recovered(r)
		}
	}()
	c.Next()
	return nil
}

func (st *state) callException(c *gin.Context, l *layer, e error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = st.recovered(r)
		}
	}()
	l.exc.ProcessException(c, e)
	return nil
}

func (st *state) callTemplate(c *gin.Context, l *layer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = st.recovered(r)
		}
	}()
	l.tmpl.ProcessTemplateResponse(c, &st.tmpl)
	return nil
}

// recovered turns a recovered panic value into an error. http.ErrAbortHandler is
// re-raised: net/http uses it to abort the connection on purpose.
func (st *state) recovered(r any) error {
	if r == http.ErrAbortHandler {
		panic(r)
	}
	if err, ok := r.(error); ok {
		if StatusOf(err) < 500 {
			return err
		}
		return &PanicError{Value: r, Stack: debug.Stack(), err: err}
	}
	return &PanicError{Value: r, Stack: debug.Stack()}
}

// beforeStreaming runs the owed response hooks on the headers, bottom to top, once, when
// the response switches to pass-through.
func (st *state) beforeStreaming() {
	if st.streamedAt >= 0 || st.c == nil {
		return
	}
	c := st.c
	layers := st.ch.layers
	st.streamedAt = st.depth // also stops a hook that flushes from re-entering
	for k := st.depth - 1; k >= 0; k-- {
		l := &layers[k]
		if l.resp == nil {
			continue
		}
		st.traceHook(c, l, "process_response")
		if err := st.callStreamingResponse(c, l); err != nil {
			st.ch.logger.Error("ginmw: response hook failed on a streaming response", "layer", l.name, "err", err)
		}
	}
}

func (st *state) traceHook(c *gin.Context, l *layer, hook string) {
	ch := st.ch
	if ch.onHook != nil {
		ch.onHook(c, l.name, hook)
	}
	if ch.trace {
		ch.logger.Info("ginmw: hook", "layer", l.name, "hook", hook, "route", c.FullPath())
	}
}

func (st *state) callStreamingResponse(c *gin.Context, l *layer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = st.recovered(r)
		}
	}()
	l.resp.ProcessResponse(c, &st.resp)
	return nil
}
