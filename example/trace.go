package main

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
)

// /trace/ shows the hooks this very request went through, in the order the chain called
// them: Django's "request lifecycle" diagram, measured instead of drawn. The chain reports
// every hook to Config.OnHook; the recorder sits above every middleware of the settings
// file, so its response hook runs last and writes the complete list into the page.

const (
	tracePath           = "/trace/"
	variantShortCircuit = "short-circuit" // MD2.process_request answers
	variantException    = "exception"     // the view fails; MD1.process_exception answers
	tracePlaceholder    = "<!--djin:trace-->"
	traceLayerName      = "trace"
)

// errTraceVariant is the failure the view raises for /trace/?variant=exception.
var errTraceVariant = errors.New("example: the /trace/ view raised an error on purpose")

// hookEvent is one hook call: the middleware's settings name and Django's hook name.
type hookEvent struct{ Layer, Hook string }

// traceKey is the gin.Context key of the request's recorded hooks.
type traceKey struct{}

// traceRecorder is the top layer of the site's chain (not a settings entry: the page must
// work whatever the list says).
type traceRecorder struct{}

// Name gives the layer its name in OnHook events, so that it can leave itself out.
func (traceRecorder) Name() string { return traceLayerName }

// ProcessRequest starts a record for /trace/ only; other pages pay nothing more.
func (traceRecorder) ProcessRequest(c *gin.Context) {
	if c.FullPath() == tracePath {
		c.Set(traceKey{}, &[]hookEvent{})
	}
}

// ProcessResponse writes the record into the page, in place of the placeholder. It runs
// after every other response hook, so the list is complete.
func (traceRecorder) ProcessResponse(c *gin.Context, r *ginmw.Response) {
	events := recordedHooks(c)
	if events == nil || r.Streaming() || r.Header().Get("Content-Encoding") != "" {
		return
	}
	body := r.Body()
	if !bytes.Contains(body, []byte(tracePlaceholder)) {
		return
	}
	var list bytes.Buffer
	if err := traceListTemplate.Execute(&list, *events); err != nil {
		return // the page keeps its placeholder, an HTML comment
	}
	r.SetBody(bytes.Replace(body, []byte(tracePlaceholder), list.Bytes(), 1))
}

// recordHook is the chain's Config.OnHook.
func recordHook(c *gin.Context, layer, hook string) {
	if layer == traceLayerName || c.FullPath() != tracePath {
		return
	}
	if events := recordedHooks(c); events != nil {
		*events = append(*events, hookEvent{layer, hook})
	}
}

func recordedHooks(c *gin.Context) *[]hookEvent {
	v, ok := c.Get(traceKey{})
	if !ok {
		return nil
	}
	events, _ := v.(*[]hookEvent)
	return events
}

// traceView is the /trace/ view. With ?variant=exception it fails, to show
// process_exception; with ?variant=short-circuit it never runs.
func traceView(c *gin.Context) {
	if events := recordedHooks(c); events != nil {
		*events = append(*events, hookEvent{"view", "main.traceView"})
	}
	if c.Query("variant") == variantException {
		panic(errTraceVariant) // Django: raise Exception(...) in the view
	}
	// A template response (Django's TemplateResponse), so that the template hooks run too.
	ginmw.Render(c, http.StatusOK, "trace.html", traceData(c, "", "The view ran and answered with a template response."))
}

// renderTrace answers with the trace page from a hook (MD2's request hook, MD1's exception
// hook). It writes at once with c.HTML: ginmw.Render defers to the template stage of the
// view, which a request hook's answer skips.
func renderTrace(c *gin.Context, status int, variant, outcome string) {
	c.HTML(status, "trace.html", traceData(c, variant, outcome))
}

func traceData(c *gin.Context, variant, outcome string) gin.H {
	c.Header("Cache-Control", "no-store, no-transform") // the body changes after ETag and gzip would see it
	return gin.H{"title": "Hook order", "variant": variant, "outcome": outcome, "placeholder": template.HTML(tracePlaceholder)}
}

var traceListTemplate = template.Must(template.New("hooks").Parse(
	`<ol class="hooks" id="hooks">{{range .}}<li{{if eq .Layer "md1" "md2" "view"}} class="mark"{{end}}><code>{{.Layer}}</code> {{.Hook}}</li>{{end}}</ol>`))
