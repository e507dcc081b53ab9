package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ratelimit"
)

// The settings entries "ratelimit" (a site-wide limit) and "throttle" (the tutorial's
// Throttle middleware) build ratelimit middlewares from the settings file:
//
//	- ratelimit:              # every request: 300 a minute per client IP
//	    rate: 300/m
//	- throttle:               # the tutorial's: 3 per 10 s per IP, exact, on /throttled/
//	    rate: 3/10s
//	    routes: [/throttled/]
//
// Django: the tutorial's `class Throttle(MiddlewareMixin)` with its visit_list, listed in
// MIDDLEWARE. It throttled every URL; here the routes it guards are listed, because one page
// view also loads a stylesheet and scripts, which would use up three requests at once.

// limitOptions are the options of both entries: ratelimit.Config (policies, headers,
// exempt_networks...) plus a shorthand for one policy and the choice of store.
type limitOptions struct {
	ratelimit.Config `yaml:",inline"`

	// Rate is the shorthand for one policy by client IP ("3/10s"), when Policies is empty.
	Rate ratelimit.Rate `yaml:"rate"`
	// Algorithm is the shorthand policy's algorithm; unset means gcra for "ratelimit" and
	// sliding_log (the tutorial's list of timestamps, exact) for "throttle".
	Algorithm *ratelimit.Algorithm `yaml:"algorithm"`
	// Backend is where the counters live: "memory" (this process, the default) or "redis"
	// (the "redis" service: one limit for every instance).
	Backend string `yaml:"store"`
	// Redis tunes the Redis store: prefix, timeout, outage (fallback, open, closed), instances.
	Redis ratelimit.RedisStoreConfig `yaml:"redis"`
	// Routes limits the entry to these route templates ("/throttled/", "/api/me/"); empty
	// means every request. They are matched on the route gin chose, never on the raw path,
	// so /throttled//, /THROTTLED/ or a parameter value cannot step around them.
	Routes []string `yaml:"routes"`
}

func init() {
	// ratelimit documents that the "ratelimit" entry is the integrator's to register; the
	// example does it here unless a later ratelimit version already has.
	if !slices.Contains(ginmw.Registered(), "ratelimit") {
		ginmw.Register("ratelimit", func(fc *ginmw.FactoryContext) (any, error) {
			return limitFactory(fc, ratelimit.GCRA)
		})
	}
	ginmw.Register("throttle", func(fc *ginmw.FactoryContext) (any, error) {
		return limitFactory(fc, ratelimit.SlidingLog)
	})
}

func limitFactory(fc *ginmw.FactoryContext, alg ratelimit.Algorithm) (any, error) {
	var o limitOptions
	if err := fc.Decode(&o); err != nil {
		return nil, err
	}
	if !o.Rate.IsZero() {
		if len(o.Policies) > 0 {
			return nil, fmt.Errorf("%w: rate: a shorthand for one policy; with policies, give each its rate", ginmw.ErrBadOptions)
		}
		if o.Algorithm != nil {
			alg = *o.Algorithm
		}
		o.Policies = []ratelimit.Policy{{Name: fc.Name, Rate: o.Rate, Algorithm: alg}}
	} else if o.Algorithm != nil {
		return nil, fmt.Errorf("%w: algorithm: goes with rate; with policies, give each its algorithm", ginmw.ErrBadOptions)
	}
	if len(o.Policies) == 0 {
		return nil, fmt.Errorf("%w: %s needs a rate (such as 3/10s) or policies", ginmw.ErrBadOptions, fc.Name)
	}
	for i, r := range o.Routes {
		if !strings.HasPrefix(r, "/") {
			return nil, fmt.Errorf("%w: routes[%d]: a route template such as /throttled/ (got %q)", ginmw.ErrBadOptions, i, r)
		}
	}
	for i, p := range o.Policies {
		if len(o.Routes) > 0 && p.Count != "" && p.Count != ratelimit.CountAll {
			// Counting failures needs the view's answer; a routes entry decides before the view.
			return nil, fmt.Errorf("%w: policies[%d].count: %s cannot be combined with routes", ginmw.ErrBadOptions, i, p.Count)
		}
	}
	o.Logger = fc.Env.Logger
	o.User = userKey
	if now, ok := fc.Env.Services[serviceClock].(func() time.Time); ok {
		o.Now = now // tests pass a clock they move; production uses the system clock
	}
	switch o.Backend {
	case "", "memory":
	case "redis":
		client, ok := fc.Env.Services["redis"].(redis.UniversalClient)
		if !ok {
			return nil, fmt.Errorf("%w: store: redis needs the application service \"redis\" (site.redis in the settings)", ginmw.ErrMissingService)
		}
		o.Redis.Client, o.Redis.Logger = client, fc.Env.Logger
		store, err := ratelimit.NewRedisStore(o.Redis)
		if err != nil {
			return nil, err
		}
		o.Store = store
	default:
		return nil, fmt.Errorf("%w: store: memory or redis (got %q)", ginmw.ErrBadOptions, o.Backend)
	}
	h, err := ratelimit.Middleware(o.Config)
	if err != nil {
		return nil, err
	}
	if len(o.Routes) == 0 {
		return h, nil
	}
	return &routeLimit{routes: o.Routes, limit: h}, nil
}

// userKey is the "user" key of a policy: the logged-in user's id, "" for anonymous
// requests (which then count by IP).
func userKey(c *gin.Context) string {
	if u := authx.CurrentUser(c); u != nil {
		return strconv.FormatInt(u.ID, 10)
	}
	return ""
}

// routeLimit applies a limit to some routes only. It decides in process_view, once gin has
// matched the route: the tutorial's middleware compared request.path_info, which a
// trailing-slash or case variant would slip past.
type routeLimit struct {
	routes []string
	limit  gin.HandlerFunc
}

// ProcessView runs the limit on the listed routes; a refusal writes the 429 and aborts,
// which ends the request before the view, as a Django process_view returning a response.
func (m *routeLimit) ProcessView(c *gin.Context, v ginmw.View) {
	if slices.Contains(m.routes, v.Route()) {
		m.limit(c)
	}
}

// checkRoutes fails the start when a listed route does not exist, so that a typo in the
// settings cannot leave a page unthrottled.
func (m *routeLimit) checkRoutes(r *gin.Engine, entry string) error {
	for _, want := range m.routes {
		if !slices.ContainsFunc(r.Routes(), func(ri gin.RouteInfo) bool { return ri.Path == want }) {
			return fmt.Errorf("example: settings: %s: routes: no route %q", entry, want)
		}
	}
	return nil
}
