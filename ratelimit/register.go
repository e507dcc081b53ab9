package ratelimit

import (
	"fmt"

	"github.com/djin-go/djin/ginmw"
	"github.com/redis/go-redis/v9"
)

// Options is the settings-file form of the middleware, registered as "ratelimit": the
// Config fields plus where the counters live.
//
//	middleware:
//	  - ratelimit:
//	      store: redis               # memory (default) or redis: the application's "redis" service
//	      redis: {prefix: "myapp:rl:", outage: fallback}
//	      policies:
//	        - {name: site, rate: 300/m, key: ip}
type Options struct {
	Config `yaml:",inline"`
	// Backend is "memory" (the default: counters private to this process) or "redis"
	// (shared by every instance through the application's "redis" service).
	Backend string `yaml:"store"`
	// Redis configures the Redis store; its Client is the "redis" service.
	Redis RedisStoreConfig `yaml:"redis"`
}

// ServiceRedis is the ginmw.Env service the "redis" store uses: a redis.UniversalClient.
const ServiceRedis = "redis"

func init() {
	ginmw.Register("ratelimit", func(fc *ginmw.FactoryContext) (any, error) {
		var o Options
		if err := fc.Decode(&o); err != nil {
			return nil, err
		}
		if o.Logger == nil {
			o.Logger = fc.Env.Logger
		}
		switch o.Backend {
		case "", "memory":
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
