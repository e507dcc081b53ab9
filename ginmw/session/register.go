package session

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djin-go/djin/ginmw"
)

// Service names the "sessions" factory looks up in ginmw.Env.Services.
const (
	ServiceDB                 = "db"                   // *sql.DB, for engine "db"
	ServiceRedis              = "redis"                // *redis.Client or any redis.UniversalClient, for engine "redis"
	ServiceSecretKey          = "secret_key"           // string or []byte, for engine "cookie"
	ServiceSecretKeyFallbacks = "secret_key_fallbacks" // []string or [][]byte, older keys still accepted by engine "cookie"
)

// Engines of the "sessions" settings entry. Django: SESSION_ENGINE.
const (
	EngineDB     = "db"     // SQLStore on the "db" service (django.contrib.sessions.backends.db)
	EngineRedis  = "redis"  // RedisStore on the "redis" service (backends.cache with Redis)
	EngineCookie = "cookie" // CookieStore keyed by the "secret_key" service (backends.signed_cookies)
	EngineMemory = "memory" // MemoryStore: one process, lost on restart
)

// DefaultCleanupInterval is how often the settings-built SQL store deletes expired rows.
const DefaultCleanupInterval = time.Hour

// Options are the settings-file options of the "sessions" entry: Config's fields plus the
// choice and tuning of the store.
//
//	middleware:
//	  - sessions:
//	      engine: db               # db (default when a "db" service exists), redis, cookie, memory
//	      cookie_age: 336h
//	      save_every_request: false
type Options struct {
	Config `yaml:",inline"`

	// Engine picks the store; empty means "db" when the application provides a "db"
	// service, else "memory". Django: SESSION_ENGINE.
	Engine string `yaml:"engine"`

	// Table is the SQL table for engine "db"; empty means "django_session".
	Table string `yaml:"table"`

	// NoMigrate skips creating the table at start-up (engine "db"); by default the table is
	// created if missing, like running Django's migrate for the sessions app.
	NoMigrate bool `yaml:"no_migrate"`

	// CleanupInterval is how often engine "db" deletes expired rows; unset means one hour,
	// 0s turns the cleanup off (run SQLStore.Cleanup yourself). Django: clearsessions.
	CleanupInterval *time.Duration `yaml:"cleanup_interval"`

	// RedisPrefix starts the Redis keys of engine "redis"; empty means "djin:session:".
	RedisPrefix string `yaml:"redis_prefix"`
	// RedisTimeout bounds each Redis call of engine "redis"; 0 means DefaultRedisTimeout.
	RedisTimeout time.Duration `yaml:"redis_timeout"`
}

func init() { ginmw.Register("sessions", Factory) }

// Factory builds the middleware from a settings entry; it is registered as "sessions".
func Factory(fc *ginmw.FactoryContext) (any, error) {
	var o Options
	if err := fc.Decode(&o); err != nil {
		return nil, err
	}
	o.Logger = fc.Env.Logger
	store, err := o.store(fc.Env)
	if err != nil {
		return nil, err
	}
	o.Store = store
	return New(o.Config)
}

func (o *Options) store(env *ginmw.Env) (Store, error) {
	engine := o.Engine
	if engine == "" {
		engine = EngineMemory
		if _, ok := env.Services[ServiceDB].(*sql.DB); ok {
			engine = EngineDB
		}
	}
	switch engine {
	case EngineMemory:
		return NewMemoryStore(MemoryStoreConfig{})
	case EngineDB:
		db, ok := env.Services[ServiceDB].(*sql.DB)
		if !ok {
			return nil, fmt.Errorf("session: engine %q needs the application service %q (a *sql.DB)", engine, ServiceDB)
		}
		every := DefaultCleanupInterval
		if o.CleanupInterval != nil {
			every = *o.CleanupInterval
		}
		s, err := NewSQLStore(SQLStoreConfig{DB: db, Table: o.Table, CleanupInterval: every, Logger: env.Logger})
		if err != nil {
			return nil, err
		}
		if !o.NoMigrate {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.Migrate(ctx); err != nil {
				s.Stop()
				return nil, err
			}
		}
		return s, nil
	case EngineRedis:
		client, ok := env.Services[ServiceRedis].(redis.UniversalClient)
		if !ok {
			return nil, fmt.Errorf("session: engine %q needs the application service %q (a *redis.Client)", engine, ServiceRedis)
		}
		return NewRedisStore(RedisStoreConfig{Client: client, Prefix: o.RedisPrefix, Timeout: o.RedisTimeout})
	case EngineCookie:
		keys, err := secretKeys(env)
		if err != nil {
			return nil, err
		}
		return NewCookieStore(CookieStoreConfig{Keys: keys})
	}
	return nil, fmt.Errorf("session: engine: must be %q, %q, %q or %q (got %q)", EngineDB, EngineRedis, EngineCookie, EngineMemory, o.Engine)
}

func secretKeys(env *ginmw.Env) ([][]byte, error) {
	var keys [][]byte
	switch k := env.Services[ServiceSecretKey].(type) {
	case string:
		keys = append(keys, []byte(k))
	case []byte:
		keys = append(keys, k)
	default:
		return nil, fmt.Errorf("session: engine %q needs the application service %q (the SECRET_KEY, a string or []byte)", EngineCookie, ServiceSecretKey)
	}
	switch f := env.Services[ServiceSecretKeyFallbacks].(type) {
	case nil:
	case []string:
		for _, k := range f {
			keys = append(keys, []byte(k))
		}
	case [][]byte:
		keys = append(keys, f...)
	default:
		return nil, fmt.Errorf("session: service %q must be a []string or [][]byte (got %T)", ServiceSecretKeyFallbacks, f)
	}
	return keys, nil
}
