package main

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/authx"
	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ratelimit"
)

// The settings entry "throttle" is the tutorial's Throttle middleware, built on package
// ratelimit (whose own entry, "ratelimit", is the site-wide limit):
//
//	- throttle:               # 3 requests per 10 s per client IP, exact, on /throttled/
//	    rate: 3/10s
//	    routes: [/throttled/]
//
// Django: the tutorial's `class Throttle(MiddlewareMixin)` with its visit_list, listed in
// MIDDLEWARE. It throttled every URL; here the routes it guards are listed, because one page
// view also loads a stylesheet and scripts, which would use up three requests at once.

// throttleOptions are the entry's options: those of "ratelimit" (policies, headers, store,
// redis...) plus a shorthand for one policy and the routes it applies to.
type throttleOptions struct {
	ratelimit.Config `yaml:",inline"`

	// Rate is the shorthand for one policy by client IP, when Policies is empty. Unset
	// means the tutorial's 3/10s.
	Rate ratelimit.Rate `yaml:"rate"`
	// Algorithm is the shorthand policy's algorithm; unset means sliding_log, the
	// tutorial's list of timestamps: never a fourth request inside any 10 seconds.
	Algorithm *ratelimit.Algorithm `yaml:"algorithm"`
	// Backend is where the counters live: "memory" (this process, the default) or "redis"
	// (the "redis" service: one limit for every instance).
	Backend string `yaml:"store"`
	// Redis tunes the Redis store: prefix, timeout, outage (fallback, open, closed), instances.
	Redis ratelimit.RedisStoreConfig `yaml:"redis"`
	// Routes are the route templates throttled ("/throttled/"). They are matched on the
	// route gin chose, never on the raw path, so /throttled//, /THROTTLED/ or a parameter
	// value cannot step around them. Required.
	Routes []string `yaml:"routes"`
}

// Django finds the tutorial's class by its dotted path; Go registers it by name.
func init() { ginmw.Register("throttle", throttleFactory) }

func throttleFactory(fc *ginmw.FactoryContext) (any, error) {
	var o throttleOptions
	if err := fc.Decode(&o); err != nil {
		return nil, err
	}
	switch {
	case len(o.Policies) > 0 && (!o.Rate.IsZero() || o.Algorithm != nil):
		return nil, fmt.Errorf("%w: rate and algorithm are a shorthand for one policy; with policies, give each its own", ginmw.ErrBadOptions)
	case len(o.Policies) == 0:
		if o.Rate.IsZero() {
			o.Rate = ratelimit.MustParseRate("3/10s")
		}
		alg := ratelimit.SlidingLog
		if o.Algorithm != nil {
			alg = *o.Algorithm
		}
		o.Policies = []ratelimit.Policy{{Name: fc.Name, Rate: o.Rate, Algorithm: alg}}
	}
	if len(o.Routes) == 0 {
		return nil, fmt.Errorf("%w: routes: list the route templates to throttle, such as [/throttled/] (the site-wide limit is the ratelimit entry)", ginmw.ErrBadOptions)
	}
	for i, r := range o.Routes {
		if !strings.HasPrefix(r, "/") {
			return nil, fmt.Errorf("%w: routes[%d]: a route template such as /throttled/ (got %q)", ginmw.ErrBadOptions, i, r)
		}
	}
	for i, p := range o.Policies {
		if p.Count != "" && p.Count != ratelimit.CountAll {
			// Counting failures needs the view's answer; a routes entry decides before the view.
			return nil, fmt.Errorf("%w: policies[%d].count: %s is not supported here; the throttle decides before the view", ginmw.ErrBadOptions, i, p.Count)
		}
	}
	o.Logger = fc.Env.Logger
	o.User = authx.UserKey // a "user" key: the user's id; anonymous requests count by IP
	if now, ok := fc.Env.Services[serviceClock].(func() time.Time); ok {
		o.Now = now // tests pass a clock they move; production uses the system clock
	}
	store, err := limitStore(o.Backend, o.Redis, fc.Env.Services, fc.Env.Logger)
	if err != nil {
		return nil, err
	}
	o.Store = store
	h, err := ratelimit.Middleware(o.Config)
	if err != nil {
		return nil, err
	}
	return &routeLimit{routes: o.Routes, limit: h}, nil
}

// limitStore returns where counters live: nil (a memory store private to its user) for
// "memory" or "", a Redis store on the "redis" service for "redis".
func limitStore(backend string, cfg ratelimit.RedisStoreConfig, services map[string]any, log *slog.Logger) (ratelimit.Store, error) {
	switch backend {
	case "", "memory":
		return nil, nil
	case "redis":
		client, ok := services[ratelimit.ServiceRedis].(redis.UniversalClient)
		if !ok {
			return nil, fmt.Errorf("%w: store: redis needs the application service \"redis\" (site.redis in the settings)", ginmw.ErrMissingService)
		}
		cfg.Client, cfg.Logger = client, log
		st, err := ratelimit.NewRedisStore(cfg)
		if err != nil {
			return nil, err // not st: a nil *RedisStore in the interface would look like a store
		}
		return st, nil
	}
	return nil, fmt.Errorf("%w: store: memory or redis (got %q)", ginmw.ErrBadOptions, backend)
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
