package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// DefaultRate returns the rate of the policy that Config{} enforces: 60 requests per
// minute per client IP, with GCRA's burst of 60. It is a function so that no package can
// change another's default.
func DefaultRate() Rate { return PerMinute(60) }

// HeaderStyle chooses the rate-limit response headers.
type HeaderStyle string

const (
	// HeadersDraft (the default) sends RateLimit-Policy and RateLimit as defined by
	// draft-ietf-httpapi-ratelimit-headers (draft-10/11): structured-field lists with one
	// member per policy, `"name";q=100;w=60` and `"name";r=42;t=7`, t in delay-seconds.
	HeadersDraft HeaderStyle = "draft"
	// HeadersLegacy sends X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset
	// for the most constrained policy, Reset as delay-seconds unless LegacyReset is
	// "epoch".
	HeadersLegacy HeaderStyle = "legacy"
	// HeadersBoth sends both families; they describe the same quotas.
	HeadersBoth HeaderStyle = "both"
	// HeadersNone sends no quota headers (they disclose the limits); refusals still carry
	// Retry-After.
	HeadersNone HeaderStyle = "none"
)

// ResetStyle is the unit of X-RateLimit-Reset.
type ResetStyle string

const (
	// ResetDelay (the default) is seconds from now, like the draft's t.
	ResetDelay ResetStyle = "delay"
	// ResetEpoch is a Unix time in seconds, as ulule/limiter and GitHub send it.
	ResetEpoch ResetStyle = "epoch"
)

// MissingKey says what a policy does when its key is missing (an absent header, an empty
// route parameter, an anonymous user).
type MissingKey string

const (
	// MissingKeyIP (the default) counts the request by client IP instead, in a key space
	// of its own.
	MissingKeyIP MissingKey = "ip"
	// MissingKeyDeny refuses the request with 429.
	MissingKeyDeny MissingKey = "deny"
)

// CountMode says which requests a policy counts.
type CountMode string

const (
	// CountAll (the default) counts every request.
	CountAll CountMode = "all"
	// CountFailures counts only requests whose response is a failure (Policy.Failed),
	// such as failed logins: a brute-force limit that honest users rarely meet.
	CountFailures CountMode = "failures"
	// CountSuccesses counts only successful requests, such as accounts created.
	CountSuccesses CountMode = "successes"
)

// Policy is one limit the middleware enforces.
type Policy struct {
	// Name identifies the policy in headers, logs, metrics and store keys. It may be
	// empty when the Config has one policy ("default"). A-Z a-z 0-9 . _ - only.
	Name string `yaml:"name"`
	// Rate is the quota, such as "3/10s". Required.
	Rate Rate `yaml:"rate"`
	// Algorithm enforces the rate: gcra (default), sliding_log, sliding_window or
	// fixed_window.
	Algorithm Algorithm `yaml:"algorithm"`
	// Key is what the policy counts by; the zero Key is the client IP.
	Key Key `yaml:"key"`
	// MissingKey is what happens when Key is missing: "ip" (default) or "deny".
	MissingKey MissingKey `yaml:"missing_key"`
	// Count is which requests count: "all" (default), "failures" or "successes". The
	// last two charge before the handler runs, so concurrent requests cannot overshoot,
	// and refund when the outcome does not count.
	Count CountMode `yaml:"count"`
	// Cost weighs a request in units, for example by upload size. nil means 1; results
	// below 1 count as 1, so a cost function cannot switch the limit off.
	Cost func(c *gin.Context) int64 `yaml:"-"`
	// Failed tells failures from successes for Count. nil means a status of 400 or more.
	Failed func(c *gin.Context) bool `yaml:"-"`
}

// Config configures the middleware. The zero value is safe: one policy of DefaultRate() per
// client IP with GCRA in a MemoryStore private to the middleware, draft headers, a
// negotiated 429 body. Every field decodes from YAML with the snake_case names in its tag
// (rates and durations as strings); the function fields are set in Go.
type Config struct {
	// Policies are the limits; all are checked and the request is refused if any is
	// exhausted, with the longest Retry-After. Empty means one policy "default" of
	// DefaultRate() by client IP.
	Policies []Policy `yaml:"policies"`
	// Store keeps the counters. nil means a new MemoryStore private to this middleware;
	// use a RedisStore to share limits between instances. Policies that share a store
	// and a name share counters.
	Store Store `yaml:"-"`
	// User returns the current user's identifier for "user" keys (the settings form of
	// ByUser), for example the primary key authx stored in the context; "" means
	// anonymous. Required when a policy's key has a "user" part without a function.
	User func(c *gin.Context) string `yaml:"-"`
	// IPv4Prefix is the IPv4 network size that counts as one client, 8 to 32. 0 means 32.
	IPv4Prefix int `yaml:"ipv4_prefix"`
	// IPv6Prefix is the IPv6 network size that counts as one client, 32 to 128. 0 means
	// 64: one host commonly holds a whole /64.
	IPv6Prefix int `yaml:"ipv6_prefix"`
	// Headers is the header family: "draft" (default), "legacy", "both" or "none".
	Headers HeaderStyle `yaml:"headers"`
	// LegacyReset is the unit of X-RateLimit-Reset: "delay" (default) or "epoch".
	LegacyReset ResetStyle `yaml:"legacy_reset"`
	// Shadow evaluates and charges every policy but refuses nothing and sends no quota
	// headers: would-be refusals are logged and reported to OnDecision, so a limit can be
	// measured before it is enforced.
	Shadow bool `yaml:"shadow"`
	// ChargeWhenDenied keeps the charges of the policies that admitted a request that
	// another policy refused (DRF's behaviour). By default they are refunded, so a
	// refused request costs nothing.
	ChargeWhenDenied bool `yaml:"charge_when_denied"`
	// Expose stores the Decision in the gin context for handlers (FromContext). Shadow
	// mode always does. It costs a few allocations per request.
	Expose bool `yaml:"expose"`
	// ExemptNetworks are CIDR prefixes ("10.0.0.0/8", "::1/128") whose clients are never
	// limited, such as health checkers.
	ExemptNetworks []string `yaml:"exempt_networks"`
	// Exempt, when it returns true, lets a request through unlimited and uncounted.
	Exempt func(c *gin.Context) bool `yaml:"-"`
	// Denied writes the refusal. nil means WriteDenied. Headers are already set, and the
	// chain is aborted afterwards; if Denied writes nothing, the status is sent bare.
	Denied func(c *gin.Context, d *Decision) `yaml:"-"`
	// OnDecision receives one Event per policy per request, for metrics. It runs on the
	// request path and must be quick. Events carry no keys.
	OnDecision func(e Event) `yaml:"-"`
	// Logger receives shadow refusals (Info), refusals (Debug) and store errors (Warn).
	// nil means slog.Default(). Keys are never logged.
	Logger *slog.Logger `yaml:"-"`
	// Now is the clock. nil means the system clock (read through the monotonic clock).
	Now func() time.Time `yaml:"-"`
}

// Decision is the middleware's verdict on one request.
type Decision struct {
	// Allowed reports that the request goes on to the handler (always, in shadow mode).
	Allowed bool
	// Limited reports that a policy refused the request, or would have in shadow mode:
	// django-ratelimit's request.limited.
	Limited bool
	// Status is the refusal's status: 429, or 503 when a store failed. 0 when allowed.
	Status int
	// RetryAfter is the longest wait among the policies that refused.
	RetryAfter time.Duration
	// Policies holds each policy's outcome, in Config order.
	Policies []PolicyDecision
}

// PolicyDecision is one policy's outcome.
type PolicyDecision struct {
	Name       string // the policy's name
	Result     Result // the store's decision; zero when the key was missing or the store failed
	Violated   bool   // this policy refused the request
	MissingKey bool   // the key was missing and MissingKey is "deny"
	Err        error  // a store error, or ErrCostExceedsLimit
}

// Outcome classifies an Event.
type Outcome uint8

const (
	// OutcomeAllowed: the policy admitted the request.
	OutcomeAllowed Outcome = iota
	// OutcomeDenied: the policy refused the request.
	OutcomeDenied
	// OutcomeShadowDenied: the policy would have refused the request in enforcing mode.
	OutcomeShadowDenied
	// OutcomeError: the store failed; the request was refused with 503 (or let through
	// in shadow mode).
	OutcomeError
)

var outcomeNames = [...]string{"allowed", "denied", "shadow_denied", "error"}

// String returns allowed, denied, shadow_denied or error.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// Event reports one policy's decision to Config.OnDecision. Its fields have low
// cardinality, fit for metric labels: no keys, no raw paths.
type Event struct {
	Policy  string  // the policy name
	Route   string  // the route template, c.FullPath()
	Outcome Outcome // what happened
	// NearLimit reports that at most a fifth of the quota is left.
	NearLimit bool
	// Degraded reports a decision taken by a store's outage policy.
	Degraded bool
	// Result is the policy's decision.
	Result Result
	// Err is the store's error, or ErrCostExceedsLimit for a request that can never fit.
	Err error
}

type decisionKey struct{}

// FromContext returns the Decision that a middleware with Config.Expose (or Shadow) stored
// for this request.
func FromContext(c *gin.Context) (*Decision, bool) {
	v, ok := c.Get(decisionKey{})
	if !ok {
		return nil, false
	}
	d, ok := v.(*Decision)
	return d, ok
}

// policy is a compiled Policy.
type policy struct {
	name      string
	values    *rateValues // recent RateLimit field values
	lim       *Limiter
	key       keyer
	missing   MissingKey
	count     CountMode
	cost      func(*gin.Context) int64
	failed    func(*gin.Context) bool
	unlimited bool
}

type middleware struct {
	policies     []policy
	draft        bool
	legacy       bool
	epochReset   bool
	policyHeader []string // the RateLimit-Policy value, shared by every response; nil when empty
	shadow       bool
	chargeDenied bool
	expose       bool
	settles      bool // some policy counts failures or successes
	exemptNets   []netip.Prefix
	exempt       func(*gin.Context) bool
	denied       func(*gin.Context, *Decision)
	onDecision   func(Event)
	log          *slog.Logger
	now          func() time.Time // nil: the system clock (systemNanos)
}

// Middleware validates cfg and returns the rate-limiting handler, for router.Use, a route
// group's Use, or one route's handler list. Every error names the Config field at fault
// and wraps ErrInvalidConfig or ErrInvalidRate.
func Middleware(cfg Config) (gin.HandlerFunc, error) {
	m, err := newMiddleware(cfg)
	if err != nil {
		return nil, err
	}
	return m.handle, nil
}

// Default is Middleware(Config{}): DefaultRate() per client IP, in memory. It cannot fail.
func Default() gin.HandlerFunc {
	h, err := Middleware(Config{})
	if err != nil {
		panic(err) // unreachable: the zero Config is valid
	}
	return h
}

// PerIP is the short form for the common case, the tutorials' throttle: rate (such as
// "3/10s") per client IP with the exact sliding log for limits of up to 1000 and GCRA
// above, in memory. It panics on a malformed rate, like regexp.MustCompile, so use it
// with literals; rates from settings files go through Middleware, which returns errors.
func PerIP(rate string) gin.HandlerFunc {
	r := MustParseRate(rate)
	alg := GCRA
	if !r.Unlimited && r.Limit <= maxLogLimit && r.Burst == 0 {
		alg = SlidingLog
	}
	h, err := Middleware(Config{Policies: []Policy{{Rate: r, Algorithm: alg}}})
	if err != nil {
		panic(err)
	}
	return h
}

func newMiddleware(cfg Config) (*middleware, error) {
	m := &middleware{
		shadow:       cfg.Shadow,
		chargeDenied: cfg.ChargeWhenDenied,
		expose:       cfg.Expose || cfg.Shadow,
		exempt:       cfg.Exempt,
		denied:       cfg.Denied,
		onDecision:   cfg.OnDecision,
		log:          cfg.Logger,
		now:          cfg.Now,
	}
	if m.log == nil {
		m.log = slog.Default()
	}
	switch cfg.Headers {
	case "", HeadersDraft:
		m.draft = true
	case HeadersLegacy:
		m.legacy = true
	case HeadersBoth:
		m.draft, m.legacy = true, true
	case HeadersNone:
	default:
		return nil, fmt.Errorf("%w: Config.Headers: must be draft, legacy, both or none (got %q)", ErrInvalidConfig, cfg.Headers)
	}
	switch cfg.LegacyReset {
	case "", ResetDelay:
	case ResetEpoch:
		m.epochReset = true
	default:
		return nil, fmt.Errorf("%w: Config.LegacyReset: must be delay or epoch (got %q)", ErrInvalidConfig, cfg.LegacyReset)
	}
	v4, v6 := cfg.IPv4Prefix, cfg.IPv6Prefix
	if v4 == 0 {
		v4 = 32
	}
	if v6 == 0 {
		v6 = 64
	}
	if v4 < 8 || v4 > 32 {
		return nil, fmt.Errorf("%w: Config.IPv4Prefix: must be 8 to 32 (got %d)", ErrInvalidConfig, cfg.IPv4Prefix)
	}
	if v6 < 32 || v6 > 128 {
		return nil, fmt.Errorf("%w: Config.IPv6Prefix: must be 32 to 128 (got %d)", ErrInvalidConfig, cfg.IPv6Prefix)
	}
	for i, s := range cfg.ExemptNetworks {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%w: Config.ExemptNetworks[%d]: %q is not a CIDR prefix", ErrInvalidConfig, i, s)
		}
		m.exemptNets = append(m.exemptNets, p.Masked())
	}
	store := cfg.Store
	if store == nil {
		store = mustMemoryStore()
	}
	policies := cfg.Policies
	if len(policies) == 0 {
		policies = []Policy{{Name: "default", Rate: DefaultRate()}}
	}
	seen := map[string]bool{}
	var items []byte
	for i, p := range policies {
		field := "Config.Policies[" + strconv.Itoa(i) + "]"
		if p.Name == "" {
			if len(policies) > 1 {
				return nil, fmt.Errorf("%w: %s.Name: required when there are several policies", ErrInvalidConfig, field)
			}
			p.Name = "default"
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%w: %s.Name: %q is used twice", ErrInvalidConfig, field, p.Name)
		}
		seen[p.Name] = true
		if p.Rate.IsZero() {
			return nil, fmt.Errorf("%w: %s.Rate: missing; write for example 3/10s", ErrInvalidRate, field)
		}
		q, err := NewQuota(p.Name, p.Algorithm, p.Rate)
		if err != nil {
			return nil, inField(field, err)
		}
		cp := policy{
			name:      p.Name,
			values:    new(rateValues),
			lim:       newLimiter(q, store, m.now),
			key:       keyer{parts: p.Key.parts, v4: v4, v6: v6},
			missing:   p.MissingKey,
			count:     p.Count,
			cost:      p.Cost,
			failed:    p.Failed,
			unlimited: p.Rate.Unlimited,
		}
		if len(cp.key.parts) == 0 {
			cp.key.parts = ByIP().parts
		}
		cp.key.parts = append([]keyPart(nil), cp.key.parts...)
		for j := range cp.key.parts {
			if kp := &cp.key.parts[j]; (kp.kind == partUser || kp.kind == partFunc) && kp.fn == nil {
				if kp.kind == partFunc || cfg.User == nil {
					return nil, fmt.Errorf("%w: %s.Key: %q needs Config.User (or ByUser with a function)", ErrInvalidConfig, field, p.Key)
				}
				kp.fn = cfg.User
			}
		}
		switch cp.missing {
		case "":
			cp.missing = MissingKeyIP
		case MissingKeyIP, MissingKeyDeny:
		default:
			return nil, fmt.Errorf("%w: %s.MissingKey: must be ip or deny (got %q)", ErrInvalidConfig, field, p.MissingKey)
		}
		switch cp.count {
		case "":
			cp.count = CountAll
		case CountAll:
		case CountFailures, CountSuccesses:
			m.settles = true
			if cp.failed == nil {
				cp.failed = failedStatus
			}
		default:
			return nil, fmt.Errorf("%w: %s.Count: must be all, failures or successes (got %q)", ErrInvalidConfig, field, p.Count)
		}
		m.policies = append(m.policies, cp)
		if !cp.unlimited {
			if len(items) > 0 {
				items = append(items, ", "...)
			}
			items = appendPolicyItem(items, q)
		}
	}
	if len(items) > 0 {
		// Full capacity: a later Header.Add appends to a copy, never to this array.
		m.policyHeader = []string{string(items)}[:1:1]
	}
	return m, nil
}

func failedStatus(c *gin.Context) bool { return c.Writer.Status() >= http.StatusBadRequest }

// outcome is one policy's part of a request.
type outcome struct {
	res      Result
	err      error
	cost     int64
	key      [2]int // the key's bounds in the request's key buffer
	charged  bool   // res admitted the request and charged the shared store
	missing  bool   // refused for a missing key
	violated bool
}

// inlinePolicies is how many policies a request handles without allocating; the
// per-request arrays are zeroed on every request, so they are kept small.
const inlinePolicies = 4

func (m *middleware) handle(c *gin.Context) {
	if m.isExempt(c) {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	now := systemNanos()
	if m.now != nil {
		now = m.now().UnixNano()
	}
	var keyArr [128]byte
	keys := keyArr[:0]
	// The outcomes live on the stack, and each request zeroes them: one policy, the
	// common case, gets an array of one.
	var outs []outcome
	switch n := len(m.policies); {
	case n == 1:
		var one [1]outcome
		outs = one[:]
	case n <= inlinePolicies:
		var arr [inlinePolicies]outcome
		outs = arr[:n:n]
	default:
		outs = make([]outcome, n)
	}
	limited, failed := false, false
	for i := range m.policies {
		p, o := &m.policies[i], &outs[i]
		start := len(keys)
		var ok bool
		if keys, ok = p.key.appendKey(keys, c); !ok {
			keys = keys[:start]
			if p.missing == MissingKeyDeny {
				o.missing, o.violated, limited = true, true, true
				continue
			}
			keys = p.key.appendFallback(keys, c)
		}
		o.key = [2]int{start, len(keys)}
		o.cost = 1
		if p.cost != nil {
			o.cost = max(1, p.cost(c))
		}
		o.err = p.lim.takeBytes(ctx, keys[start:], o.cost, now, &o.res)
		switch {
		case o.err == nil:
			// A degraded decision charged nothing, unless the local fallback took it.
			o.charged = o.res.Allowed && (!o.res.Degraded || o.res.local) && !p.unlimited
			if !o.res.Allowed {
				o.violated, limited = true, true
			}
		case errors.Is(o.err, ErrCostExceedsLimit):
			o.violated, limited = true, true
		default:
			failed = true
		}
	}

	if m.shadow {
		m.report(c, outs, limited, failed)
		c.Next()
		m.settle(c, outs, keys)
		return
	}
	if limited || failed {
		if !m.chargeDenied {
			m.refundAll(ctx, outs, keys)
		}
		m.refuse(c, outs, limited, now)
		return
	}
	m.writeHeaders(c.Writer.Header(), outs, now, 0)
	if m.onDecision != nil || m.expose {
		m.report(c, outs, false, false)
	}
	if m.settles {
		c.Next()
		m.settle(c, outs, keys)
	}
}

func (m *middleware) isExempt(c *gin.Context) bool {
	if m.exempt != nil && m.exempt(c) {
		return true
	}
	if len(m.exemptNets) > 0 {
		ip := clientIP(c).Unmap()
		for _, p := range m.exemptNets {
			if p.Contains(ip) {
				return true
			}
		}
	}
	return false
}

// refuse answers a request that a policy refused (429) or that a store could not decide
// (503).
func (m *middleware) refuse(c *gin.Context, outs []outcome, limited bool, now int64) {
	if m.denied == nil && !m.expose {
		// The default page keeps no reference to the Decision, which can then live on
		// the stack: a refusal storm allocates as little as the allow path.
		var arr [inlinePolicies]PolicyDecision
		d := Decision{Policies: arr[:0]}
		if len(outs) > inlinePolicies {
			d.Policies = make([]PolicyDecision, 0, len(outs))
		}
		m.fillDecision(&d, outs, limited, false)
		m.writeHeaders(c.Writer.Header(), outs, now, d.RetryAfter)
		m.emit(c, outs)
		WriteDenied(c, &d)
		c.Abort()
		return
	}
	d := m.decision(outs, limited, false)
	m.writeHeaders(c.Writer.Header(), outs, now, d.RetryAfter)
	m.emit(c, outs)
	if m.expose {
		c.Set(decisionKey{}, d)
	}
	denied := m.denied
	if denied == nil {
		denied = WriteDenied
	}
	denied(c, d)
	if !c.Writer.Written() {
		c.Writer.WriteHeader(d.Status)
	}
	c.Abort()
}

// report is the bookkeeping of requests that go on: shadow mode, or hooks and Expose.
func (m *middleware) report(c *gin.Context, outs []outcome, limited, failed bool) {
	logIt := m.shadow && (limited || failed)
	if !logIt && !m.expose {
		m.emit(c, outs) // the hooks need no Decision
		return
	}
	d := m.decision(outs, limited, m.shadow)
	if logIt {
		m.log.LogAttrs(c.Request.Context(), slog.LevelInfo, "ratelimit: shadow mode: request would be refused",
			slog.String("route", c.FullPath()), slog.String("method", c.Request.Method),
			slog.String("client_ip", clientIP(c).String()), slog.Int("status", d.Status),
			slog.Duration("retry_after", d.RetryAfter), slog.Any("violated", violated(d)))
	}
	m.emit(c, outs)
	if m.expose {
		c.Set(decisionKey{}, d)
	}
}

func violated(d *Decision) []string {
	var names []string
	for _, p := range d.Policies {
		if p.Violated {
			names = append(names, p.Name)
		}
	}
	return names
}

// decisionBuf holds a Decision and, for the common case, its policies in one allocation.
type decisionBuf struct {
	d   Decision
	arr [inlinePolicies]PolicyDecision
}

// decision returns the request's Decision on the heap, for handlers and the context.
func (m *middleware) decision(outs []outcome, limited, shadow bool) *Decision {
	buf := new(decisionBuf)
	buf.d.Policies = buf.arr[:0]
	if len(outs) > inlinePolicies {
		buf.d.Policies = make([]PolicyDecision, 0, len(outs))
	}
	m.fillDecision(&buf.d, outs, limited, shadow)
	return &buf.d
}

// fillDecision fills d, whose Policies has room for every outcome.
func (m *middleware) fillDecision(d *Decision, outs []outcome, limited, shadow bool) {
	d.Allowed, d.Limited = shadow || !limited, limited
	d.Policies = d.Policies[:len(outs)]
	failed := false
	for i, o := range outs {
		d.Policies[i] = PolicyDecision{Name: m.policies[i].name, Result: o.res, Violated: o.violated, MissingKey: o.missing, Err: o.err}
		if o.violated {
			d.RetryAfter = max(d.RetryAfter, o.res.RetryAfter)
		}
		if o.err != nil && !o.violated {
			failed = true
			d.RetryAfter = max(d.RetryAfter, o.res.RetryAfter, time.Second)
		}
	}
	switch {
	case limited:
		d.Status = http.StatusTooManyRequests
	case failed:
		d.Status = http.StatusServiceUnavailable
		d.Allowed = shadow
	}
}

// emit sends the per-policy events and logs refusals and store errors.
func (m *middleware) emit(c *gin.Context, outs []outcome) {
	ctx := c.Request.Context()
	for i, o := range outs {
		p := &m.policies[i]
		if o.err != nil && !o.violated && !errors.Is(o.err, ErrStoreUnavailable) && !errors.Is(o.err, ErrStoreFull) {
			// Outages and a full store are logged once by the store; anything else is news.
			m.log.LogAttrs(ctx, slog.LevelWarn, "ratelimit: store error", slog.String("policy", p.name),
				slog.String("route", c.FullPath()), slog.String("error", o.err.Error()))
		}
		if o.violated && !m.shadow && m.log.Enabled(ctx, slog.LevelDebug) {
			m.log.LogAttrs(ctx, slog.LevelDebug, "ratelimit: request refused", slog.String("policy", p.name),
				slog.String("route", c.FullPath()), slog.String("client_ip", clientIP(c).String()),
				slog.Duration("retry_after", o.res.RetryAfter))
		}
		if m.onDecision == nil {
			continue
		}
		e := Event{Policy: p.name, Route: c.FullPath(), Result: o.res, Err: o.err, Degraded: o.res.Degraded}
		switch {
		case o.violated && m.shadow:
			e.Outcome = OutcomeShadowDenied
		case o.violated:
			e.Outcome = OutcomeDenied
		case o.err != nil:
			e.Outcome = OutcomeError
		}
		e.NearLimit = o.res.Limit > 0 && o.res.Remaining*5 <= o.res.Limit
		m.onDecision(e)
	}
}

// refundAll gives back what the admitting policies charged for a refused request.
func (m *middleware) refundAll(ctx context.Context, outs []outcome, keys []byte) {
	for i := range outs {
		if o := &outs[i]; o.charged {
			m.refund(ctx, &m.policies[i], o, keys)
		}
	}
}

// settle refunds, after the handler, the charges of requests that a count mode does not
// count.
func (m *middleware) settle(c *gin.Context, outs []outcome, keys []byte) {
	for i := range outs {
		p, o := &m.policies[i], &outs[i]
		if p.count == CountAll || !o.charged {
			continue
		}
		if p.failed(c) != (p.count == CountFailures) {
			m.refund(context.WithoutCancel(c.Request.Context()), p, o, keys)
		}
	}
}

func (m *middleware) refund(ctx context.Context, p *policy, o *outcome, keys []byte) {
	key := keys[o.key[0]:o.key[1]]
	var err error
	if o.res.local {
		err = p.lim.refund(ctx, string(key), o.cost, &o.res)
	} else {
		var r Result
		err = p.lim.takeBytes(ctx, key, -o.cost, o.res.Time.UnixNano(), &r)
	}
	if err != nil {
		m.log.LogAttrs(ctx, slog.LevelDebug, "ratelimit: refund failed", slog.String("policy", p.name), slog.String("error", err.Error()))
	}
	o.charged = false
}
