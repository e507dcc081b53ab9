package ratelimit

import (
	"fmt"

	"github.com/djin-go/djin/ginmw"
	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
)

// Options is the settings-file form of the middleware, registered as "ratelimit": the
// Config fields plus where the counters live.
//
//	middleware:
//	  - ratelimit:
//	      store: redis               # memory (default) or redis: the application's "redis" service
//	      redis: {prefix: "myapp:rl:", outage: fallback}
//	      memory: {max_keys: 100000} # the memory store, or the Redis store's local fallback
//	      policies:
//	        - {name: site, rate: 300/m, key: ip}
type Options struct {
	Config `yaml:",inline"`
	// Backend is "memory" (the default: counters private to this process) or "redis"
	// (shared by every instance through the application's "redis" service).
	Backend string `yaml:"store"`
	// Redis configures the Redis store; its Client is the "redis" service.
	Redis RedisStoreConfig `yaml:"redis"`
	// Memory configures the memory store: the store itself with "memory", the local
	// fallback of the outage policy with "redis". Unset means the defaults.
	Memory MemoryStoreConfig `yaml:"memory"`
}

// ServiceRedis is the ginmw.Env service the "redis" store uses: a redis.UniversalClient.
const ServiceRedis = "redis"

// ServiceUser is the ginmw.Env service that "user" keys of the settings entry read when
// Config.User is not set: a func(*gin.Context) string returning the current user's
// identifier, "" for an anonymous request. authx.UserKey is one; ratelimit does not import
// authx, so the application names it:
//
//	env.Services[ratelimit.ServiceUser] = authx.UserKey
const ServiceUser = "ratelimit.user"

func init() {
	ginmw.Register("ratelimit", func(fc *ginmw.FactoryContext) (any, error) {
		var o Options
		if err := fc.Decode(&o); err != nil {
			return nil, err
		}
		if o.Logger == nil {
			o.Logger = fc.Env.Logger
		}
		if err := userFromService(&o.Config, fc.Env); err != nil {
			return nil, err
		}
		var mem *MemoryStore
		if o.Memory != (MemoryStoreConfig{}) {
			if o.Memory.Logger == nil {
				o.Memory.Logger = o.Logger
			}
			var err error
			if mem, err = NewMemoryStore(o.Memory); err != nil {
				return nil, err
			}
		}
		switch o.Backend {
		case "", "memory":
			if mem != nil {
				o.Config.Store = mem
			}
		case "redis":
			svc, err := fc.Env.Service(ServiceRedis)
			if err != nil {
				return nil, err
			}
			client, ok := svc.(redis.UniversalClient)
			if !ok {
				return nil, fmt.Errorf("%w: the %q service is a %T, not a go-redis client", ErrInvalidConfig, ServiceRedis, svc)
			}
			o.Redis.Client = client
			if o.Redis.Logger == nil {
				o.Redis.Logger = o.Logger
			}
			if mem != nil {
				o.Redis.Fallback = mem
			}
			st, err := NewRedisStore(o.Redis)
			if err != nil {
				return nil, err
			}
			o.Config.Store = st
		default:
			return nil, fmt.Errorf("%w: store: want memory or redis (got %q)", ErrInvalidConfig, o.Backend)
		}
		return Middleware(o.Config)
	})
}

// userFromService sets cfg.User from the ServiceUser service when a policy counts by user
// and cfg.User is unset.
func userFromService(cfg *Config, env *ginmw.Env) error {
	if cfg.User != nil {
		return nil
	}
	for i, p := range cfg.Policies {
		for _, kp := range p.Key.parts {
			if kp.kind != partUser || kp.fn != nil {
				continue
			}
			svc, err := env.Service(ServiceUser)
			if err != nil {
				return fmt.Errorf("%w: policies[%d].key: %q counts by user, which needs the application service %q: a func(*gin.Context) string such as authx.UserKey", ErrInvalidConfig, i, p.Key, ServiceUser)
			}
			user, ok := svc.(func(*gin.Context) string)
			if !ok {
				return fmt.Errorf("%w: the %q service is a %T, not a func(*gin.Context) string", ErrInvalidConfig, ServiceUser, svc)
			}
			cfg.User = user
			return nil
		}
	}
	return nil
}
