package ginmw

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// XFrameConfig configures XFrameOptionsMiddleware. The zero value sends
// X-Frame-Options: DENY, Django's default.
type XFrameConfig struct {
	// Value is "DENY" or "SAMEORIGIN" (any case); "" means DENY. Django: X_FRAME_OPTIONS.
	Value string `yaml:"value"`
}

// XFrameOptionsMiddleware is Django's XFrameOptionsMiddleware: its response hook adds
// X-Frame-Options to every response that does not have one, so that other sites cannot
// frame the pages (clickjacking). The route decorators XFrameExempt, XFrameDeny and
// XFrameSameOrigin change the answer for one route or group.
type XFrameOptionsMiddleware struct {
	value []string
}

var (
	xframeDeny       = []string{"DENY"}
	xframeSameOrigin = []string{"SAMEORIGIN"}
)

// NewXFrame validates cfg and returns the middleware, or an error naming the bad setting.
func NewXFrame(cfg XFrameConfig) (*XFrameOptionsMiddleware, error) {
	switch strings.ToUpper(cfg.Value) {
	case "", "DENY":
		return &XFrameOptionsMiddleware{value: xframeDeny}, nil
	case "SAMEORIGIN":
		return &XFrameOptionsMiddleware{value: xframeSameOrigin}, nil
	}
	return nil, fmt.Errorf("ginmw: XFrameConfig.Value: must be DENY or SAMEORIGIN (got %q)", cfg.Value)
}

// XFrame is NewXFrame as a gin.HandlerFunc, for router.Use, a group or a route.
func XFrame(cfg XFrameConfig) (gin.HandlerFunc, error) { return adapted(NewXFrame(cfg)) }

// ProcessResponse sets X-Frame-Options unless the response has one or the route is
// exempt. Django: XFrameOptionsMiddleware.process_response.
func (m *XFrameOptionsMiddleware) ProcessResponse(c *gin.Context, r *Response) {
	h := r.Header()
	if _, ok := h["X-Frame-Options"]; ok {
		return
	}
	v := m.value
	// The decorator nearest the view wins, so a route's own decorator overrides its
	// group's, as an inner Django decorator does.
	names := routeNames(c)
	for i := len(names) - 1; i >= 0; i-- {
		switch names[i] {
		case xframeExemptName:
			return
		case xframeDenyName:
			v = xframeDeny
		case xframeSameOriginName:
			v = xframeSameOrigin
		default:
			continue
		}
		break
	}
	h["X-Frame-Options"] = v[:1:1]
}

// XFrameExempt is a route decorator: the route (or every route of a group) gets no
// X-Frame-Options header, so any site may frame it. Django: @xframe_options_exempt.
//
// The X-Frame decorators are markers: they do nothing when gin calls them, and
// XFrameOptionsMiddleware finds them on the matched route wherever they are attached
// (before or after the view, on the route or on a group). Without the middleware they have
// no effect. When a route carries several, the one nearest the view wins.
func XFrameExempt(c *gin.Context) {}

// XFrameDeny is a route decorator: X-Frame-Options: DENY for the route or group, whatever
// the middleware's default. Django: @xframe_options_deny.
func XFrameDeny(c *gin.Context) {}

// XFrameSameOrigin is a route decorator: X-Frame-Options: SAMEORIGIN for the route or
// group. Django: @xframe_options_sameorigin.
func XFrameSameOrigin(c *gin.Context) {}

var (
	xframeExemptName     = funcName(XFrameExempt)
	xframeDenyName       = funcName(XFrameDeny)
	xframeSameOriginName = funcName(XFrameSameOrigin)
)

// routeNames returns the names of the handlers attached to the matched route, groups
// included: cached per route inside a chain, computed by gin outside one.
func routeNames(c *gin.Context) []string {
	if st := stateOf(c); st != nil {
		return st.ch.routeHandlers(c)
	}
	return c.HandlerNames()
}

// routeHasName is RouteHas for a marker whose name was resolved once at start-up.
func routeHasName(c *gin.Context, name string) bool {
	return slices.Contains(routeNames(c), name)
}

func init() { registerMiddleware("xframe", NewXFrame, nil) }
