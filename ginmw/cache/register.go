package cache

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/ginmw"
)

// Service names the cache factories look up in ginmw.Env.Services.
const (
	// ServiceCache is an application-provided Backend for the site cache.
	ServiceCache = "cache"
	// ServiceRedis is the application's Redis client, used with backend: redis.
	ServiceRedis = "redis"
	// serviceSite is where "update_cache" leaves its *Cache for "fetch_from_cache".
	serviceSite = "djin/ginmw/cache.site"
)

// Options are the settings-file options of the "update_cache" and "cache" entries.
//
//	middleware:
//	  - update_cache:
//	      timeout: 600s
//	      backend: redis        # memory (default) or redis; a "cache" service wins over both
//	  - security
//	  - sessions
//	  - fetch_from_cache        # no options: it shares update_cache's
type Options struct {
	Config `yaml:",inline"`

	// Backend is "memory" (the default) or "redis" (the application's "redis" service). An
	// application that provides a "cache" service (a Backend) gets that one.
	Backend string `yaml:"backend"`

	// RedisPrefix starts the keys of backend: redis; empty means "djin:cache:".
	RedisPrefix string `yaml:"redis_prefix"`
	// RedisTimeout bounds each call of backend: redis; 0 means DefaultRedisTimeout.
	RedisTimeout time.Duration `yaml:"redis_timeout"`
}

func init() {
	ginmw.Register("update_cache", func(fc *ginmw.FactoryContext) (any, error) {
		ch, err := build(fc)
		if err != nil {
			return nil, err
		}
		if fc.Env.Services == nil {
			fc.Env.Services = map[string]any{}
		}
		fc.Env.Services[serviceSite] = ch
		return ch.UpdateCache(), nil
	})
	ginmw.Register("fetch_from_cache", func(fc *ginmw.FactoryContext) (any, error) {
		if err := fc.Require("update_cache"); err != nil {
			return nil, err
		}
		var none struct{}
		if err := fc.Decode(&none); err != nil {
			return nil, fmt.Errorf("%w (fetch_from_cache takes its settings from update_cache)", err)
		}
		ch, ok := fc.Env.Services[serviceSite].(*Cache)
		if !ok {
			return nil, fmt.Errorf("cache: fetch_from_cache found no cache made by update_cache")
		}
		return ch.FetchFromCache(), nil
	})
	ginmw.Register("cache", func(fc *ginmw.FactoryContext) (any, error) {
		ch, err := build(fc)
		if err != nil {
			return nil, err
		}
		return ch.Middleware(), nil
	})
}

func build(fc *ginmw.FactoryContext) (*Cache, error) {
	var o Options
	if err := fc.Decode(&o); err != nil {
		return nil, err
	}
	o.Logger = fc.Env.Logger
	if b, ok := fc.Env.Services[ServiceCache].(Backend); ok {
		o.Config.Backend = b
	} else {
		switch o.Backend {
		case "", "memory":
		case "redis":
			client, ok := fc.Env.Services[ServiceRedis].(redis.UniversalClient)
			if !ok {
				return nil, fmt.Errorf("cache: backend %q needs the application service %q (a *redis.Client)", o.Backend, ServiceRedis)
			}
			b, err := NewRedis(RedisConfig{Client: client, Prefix: o.RedisPrefix, Timeout: o.RedisTimeout})
			if err != nil {
				return nil, err
			}
			o.Config.Backend = b
		default:
			return nil, fmt.Errorf("cache: backend: must be \"memory\" or \"redis\" (got %q)", o.Backend)
		}
	}
	return New(o.Config)
}
