package ginmw

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// Factory builds one middleware of the settings list. It decodes its options with
// fc.Decode, checks its place with fc.Require, finds application services in fc.Env, and
// returns a value for the chain (a hook type or a gin.HandlerFunc), or an error that
// explains what is wrong with the settings. Django: the middleware class and its __init__.
type Factory func(fc *FactoryContext) (any, error)

// Env carries what factories need from the application.
type Env struct {
	// Debug is the settings file's debug flag, or the application's. Django: DEBUG.
	Debug bool
	// Logger is handed to middlewares; nil means slog.Default().
	Logger *slog.Logger
	// Services holds the application's shared resources by name, for factories that need
	// them: by convention "db" (*sql.DB), "redis" (*redis.Client), "users" (a user store).
	Services map[string]any
}

// Service returns the named service, or an error that names the service and the
// middleware that needs it.
func (e *Env) Service(name string) (any, error) {
	if e == nil || e.Services[name] == nil {
		return nil, fmt.Errorf("%w %q", ErrMissingService, name)
	}
	return e.Services[name], nil
}

// FactoryContext is what a Factory receives for one entry of the settings list.
type FactoryContext struct {
	// Name is the entry's registry name.
	Name string
	// Env is the application's environment; never nil.
	Env *Env

	above   []string // names listed above this entry
	options *yaml.Node
}

// Decode decodes the entry's options into v, strictly: an unknown key is an error. With
// no options, v is left as it is, so a Config's zero value applies.
func (fc *FactoryContext) Decode(v any) error {
	if fc.options == nil || fc.options.Kind == 0 {
		return nil
	}
	if fc.options.Kind == yaml.ScalarNode && fc.options.Tag == "!!null" {
		return nil
	}
	if fc.options.Kind != yaml.MappingNode {
		return fmt.Errorf("%w: options must be a mapping of setting: value", ErrBadOptions)
	}
	if err := decodeStrict(fc.options, v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadOptions, err)
	}
	return nil
}

// Require returns an error unless every named middleware is listed above this entry, as
// Django's AuthenticationMiddleware requires SessionMiddleware above it.
func (fc *FactoryContext) Require(names ...string) error {
	for _, n := range names {
		if !slices.Contains(fc.above, n) {
			above := "nothing"
			if len(fc.above) > 0 {
				above = strings.Join(fc.above, ", ")
			}
			return fmt.Errorf("%w: %s must be listed above %s (above it: %s)", ErrOrder, n, fc.Name, above)
		}
	}
	return nil
}

// Errors of the registry and the settings loader.
var (
	ErrUnknownMiddleware = errors.New("ginmw: unknown middleware")
	ErrBadOptions        = errors.New("ginmw: bad options")
	ErrOrder             = errors.New("ginmw: wrong middleware order")
	ErrMissingService    = errors.New("ginmw: missing service")
	ErrBadSettings       = errors.New("ginmw: bad settings")
)

var registry = struct {
	sync.RWMutex
	m map[string]Factory
}{m: map[string]Factory{}}

// Register makes a middleware available to the settings list under name, as
// database/sql.Register does for drivers. It is meant for init functions and panics if name
// is empty or already registered, or if f is nil.
func Register(name string, f Factory) {
	if name == "" || strings.ContainsAny(name, " \t\n:#") {
		panic(fmt.Sprintf("ginmw: Register: invalid name %q", name))
	}
	if f == nil {
		panic("ginmw: Register: nil factory for " + name)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[name]; dup {
		panic("ginmw: Register called twice for " + name)
	}
	registry.m[name] = f
}

// Registered returns the registered names, sorted.
func Registered() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookup(name string) (Factory, bool) {
	registry.RLock()
	defer registry.RUnlock()
	f, ok := registry.m[name]
	return f, ok
}

// Entry is one line of a middleware list: a registered name and its options.
type Entry struct {
	Name    string
	Options *yaml.Node // nil: no options
	File    string     // where the entry was read, for error messages
	Line    int
}

// Names makes a list of entries without options, for building a stack from Go.
func Names(names ...string) []Entry {
	out := make([]Entry, len(names))
	for i, n := range names {
		out[i] = Entry{Name: n}
	}
	return out
}

func (e Entry) where() string {
	switch {
	case e.File != "" && e.Line > 0:
		return fmt.Sprintf("%s:%d: ", e.File, e.Line)
	case e.Line > 0:
		return fmt.Sprintf("line %d: ", e.Line)
	}
	return ""
}

// Build instantiates the entries top to bottom with their registered factories. Every
// error names the entry and its line, and an unknown name lists the known ones.
func Build(env Env, entries ...Entry) ([]any, error) {
	if env.Logger == nil {
		env.Logger = slog.Default()
	}
	out := make([]any, 0, len(entries))
	var above []string
	for i, e := range entries {
		f, ok := lookup(e.Name)
		if !ok {
			return nil, fmt.Errorf("%sentry %d: %w %q; known: %s", e.where(), i+1, ErrUnknownMiddleware, e.Name, strings.Join(Registered(), ", "))
		}
		if slices.Contains(above, e.Name) {
			return nil, fmt.Errorf("%sentry %d: %w: %s is listed twice", e.where(), i+1, ErrBadSettings, e.Name)
		}
		fc := &FactoryContext{Name: e.Name, Env: &env, above: slices.Clone(above), options: e.Options}
		m, err := f(fc)
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", e.where(), e.Name, err)
		}
		if m == nil {
			return nil, fmt.Errorf("%s%s: %w: the factory returned nil", e.where(), e.Name, ErrNotMiddleware)
		}
		out = append(out, Named{Name: e.Name, Middleware: m})
		above = append(above, e.Name)
	}
	return out, nil
}
