package ginmw

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"

	"github.com/gin-gonic/gin"
	"go.yaml.in/yaml/v3"
)

// Settings is a parsed settings file: the middleware list, the debug flag, and the rest of
// the document for the application's own sections. Django: settings.py.
//
//	debug: true
//	middleware:
//	  - security
//	  - sessions
//	  # - csrf            commented out: switched off
//	  - ratelimit:        an entry with options
//	      rate: 300/m
type Settings struct {
	File       string
	Debug      bool
	Middleware []Entry
	root       *yaml.Node
}

// ReadSettings reads and parses a settings file.
func ReadSettings(path string) (*Settings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSettings, err)
	}
	return ParseSettings(data, path)
}

// ParseSettings parses a settings document; file names it in errors.
func ParseSettings(data []byte, file string) (*Settings, error) {
	s := &Settings{File: file}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrBadSettings, file, err)
	}
	if len(doc.Content) == 0 {
		return s, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: %s:%d: the document must be a mapping of setting: value", ErrBadSettings, file, root.Line)
	}
	s.root = root
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		switch key.Value {
		case "debug":
			if err := val.Decode(&s.Debug); err != nil {
				return nil, fmt.Errorf("%w: %s:%d: debug: %v", ErrBadSettings, file, val.Line, err)
			}
		case "middleware":
			entries, err := parseEntries(val, file)
			if err != nil {
				return nil, err
			}
			s.Middleware = entries
		}
	}
	return s, nil
}

func parseEntries(list *yaml.Node, file string) ([]Entry, error) {
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil // every line commented out
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%w: %s:%d: middleware must be a list of names", ErrBadSettings, file, list.Line)
	}
	entries := make([]Entry, 0, len(list.Content))
	for _, item := range list.Content {
		e := Entry{File: file, Line: item.Line}
		switch item.Kind {
		case yaml.ScalarNode:
			e.Name = item.Value
		case yaml.MappingNode:
			if len(item.Content) != 2 {
				return nil, fmt.Errorf("%w: %s:%d: an entry with options has exactly one name (name: {options})", ErrBadSettings, file, item.Line)
			}
			e.Name, e.Options = item.Content[0].Value, item.Content[1]
		default:
			return nil, fmt.Errorf("%w: %s:%d: an entry is a name, or name: {options}", ErrBadSettings, file, item.Line)
		}
		if e.Name == "" {
			return nil, fmt.Errorf("%w: %s:%d: empty middleware name", ErrBadSettings, file, item.Line)
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Section decodes the top-level section name into v, strictly. A missing section leaves v
// unchanged and is not an error.
func (s *Settings) Section(name string, v any) error {
	if s.root == nil {
		return nil
	}
	for i := 0; i+1 < len(s.root.Content); i += 2 {
		if s.root.Content[i].Value == name {
			if err := decodeStrict(s.root.Content[i+1], v); err != nil {
				return fmt.Errorf("%w: %s: %s: %v", ErrBadSettings, s.File, name, err)
			}
			return nil
		}
	}
	return nil
}

// Stack builds the middleware list and returns it as one chain. env.Debug is taken from
// the settings file when it says debug: true.
func (s *Settings) Stack(env Env) (gin.HandlerFunc, error) {
	env.Debug = env.Debug || s.Debug
	mws, err := Build(env, s.Middleware...)
	if err != nil {
		return nil, err
	}
	return New(Config{Middleware: mws, Debug: env.Debug, Logger: env.Logger})
}

// decodeStrict decodes a node and rejects keys the target does not have.
func decodeStrict(n *yaml.Node, v any) error {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(n); err != nil {
		return err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		// Line numbers refer to the re-encoded fragment; the caller names the real line.
		return errors.New(yamlLine.ReplaceAllString(err.Error(), ""))
	}
	return nil
}

var yamlLine = regexp.MustCompile(`line \d+: `)
