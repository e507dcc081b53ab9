package session

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// ErrSerialize wraps every failure to encode or decode session values.
var ErrSerialize = errors.New("session: cannot serialize session data")

// Serializer turns session values into bytes and back. Django: SESSION_SERIALIZER.
type Serializer interface {
	Marshal(values map[string]any) ([]byte, error)
	Unmarshal(data []byte) (map[string]any, error)
}

// JSONSerializer is the default Serializer, Django's JSONSerializer with Go types kept where
// JSON allows it. Top-level values come back with the type they were stored with when that
// type is string, bool, nil, any Go integer type (returned as int, or uint64 above the int
// range) or float32/float64 (returned as float64). Other values (slices, maps, structs,
// time.Time, []byte) are stored with encoding/json and come back the way encoding/json
// decodes into an any: []any, map[string]any, float64, string. Store ids and short strings
// in sessions, as Django advises, and this never matters.
type JSONSerializer struct{}

// Marshal encodes values as one JSON object with sorted keys.
func (JSONSerializer) Marshal(values map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	buf := make([]byte, 0, 64)
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ':')
		var err error
		if buf, err = appendJSONValue(buf, values[k]); err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrSerialize, k, err)
		}
	}
	return append(buf, '}'), nil
}

// Unmarshal decodes what Marshal produced.
func (JSONSerializer) Unmarshal(data []byte) (map[string]any, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSerialize, err)
	}
	values := make(map[string]any, len(raw))
	for k, r := range raw {
		v, err := decodeJSONValue(r)
		if err != nil {
			return nil, fmt.Errorf("%w: key %q: %v", ErrSerialize, k, err)
		}
		values[k] = v
	}
	return values, nil
}

func appendJSONValue(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case string:
		return appendJSONString(buf, v), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(buf, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case uint:
		return strconv.AppendUint(buf, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(buf, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(buf, uint64(v), 10), nil
	case uint32:
		return strconv.AppendUint(buf, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(buf, v, 10), nil
	case float32:
		return appendJSONFloat(buf, float64(v), 32)
	case float64:
		return appendJSONFloat(buf, v, 64)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return append(buf, b...), nil
	}
}

// appendJSONFloat always writes a fraction or an exponent, so that 2.0 comes back as a
// float64 and not as the int 2.
func appendJSONFloat(buf []byte, f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("unsupported float value %v", f)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'g', -1, bits)
	if !bytes.ContainsAny(buf[start:], ".eE") {
		buf = append(buf, ".0"...)
	}
	return buf, nil
}

func decodeJSONValue(r json.RawMessage) (any, error) {
	if len(r) == 0 {
		return nil, errors.New("empty value")
	}
	switch c := r[0]; {
	case c == '"':
		var s string
		err := json.Unmarshal(r, &s)
		return s, err
	case c == 't' || c == 'f' || c == 'n':
		var v any
		err := json.Unmarshal(r, &v)
		return v, err
	case c == '-' || (c >= '0' && c <= '9'):
		s := string(r)
		if !bytes.ContainsAny(r, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= math.MinInt && n <= math.MaxInt {
				return int(n), nil
			}
			if n, err := strconv.ParseUint(s, 10, 64); err == nil {
				return n, nil
			}
		}
		return strconv.ParseFloat(s, 64)
	default:
		var v any
		err := json.Unmarshal(r, &v)
		return v, err
	}
}

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD as in
// encoding/json.
func appendJSONString(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}

// GobSerializer stores values with encoding/gob, as gorilla/sessions and gin-contrib/sessions
// do: every Go type survives the round trip, but types other than the basic ones must be
// registered with gob.Register before use, and the encoding is larger and slower than JSON.
// Use it when moving an application from gin-contrib/sessions keeps typed values in sessions.
type GobSerializer struct{}

// Marshal encodes values with encoding/gob.
func (GobSerializer) Marshal(values map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(values); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSerialize, err)
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes what Marshal produced.
func (GobSerializer) Unmarshal(data []byte) (map[string]any, error) {
	var values map[string]any
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&values); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSerialize, err)
	}
	if values == nil {
		values = map[string]any{}
	}
	return values, nil
}
