package messages

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// SessionKey is the session entry that holds pending messages, Django's
// SessionStorage.session_key.
const SessionKey = "_messages"

// ErrEncoding is returned for stored messages that do not decode.
var ErrEncoding = errors.New("messages: stored messages do not decode")

// jsonMessageKey marks a message in Django's MessageEncoder format.
const jsonMessageKey = "__json_message"

// encode writes messages the way Django's MessageEncoder does:
// [["__json_message", is_safe, level, message, extra_tags], ...]. Messages are plain text
// here (html/template escapes them), so is_safe is always 0.
func encode(msgs []Message) (string, error) {
	items := make([][]any, len(msgs))
	for i, m := range msgs {
		items[i] = []any{jsonMessageKey, 0, int(m.Level), m.Text, m.ExtraTags}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decode reads what encode, or Django's MessageEncoder, wrote. Anything else is an error:
// the stored value came from a session, which an application bug or a manual edit may have
// filled with something else.
func decode(s string) ([]Message, error) {
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(s), &items); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncoding, err)
	}
	out := make([]Message, 0, len(items))
	for i, raw := range items {
		var fields []any
		if err := json.Unmarshal(raw, &fields); err != nil {
			return nil, fmt.Errorf("%w: message %d: %v", ErrEncoding, i, err)
		}
		m, ok := decodeOne(fields)
		if !ok {
			return nil, fmt.Errorf("%w: message %d is not [%q, safe, level, text, extra_tags]", ErrEncoding, i, jsonMessageKey)
		}
		out = append(out, m)
	}
	return out, nil
}

func decodeOne(f []any) (Message, bool) {
	if len(f) < 4 || len(f) > 5 || f[0] != jsonMessageKey {
		return Message{}, false
	}
	level, ok := f[2].(float64)
	if !ok || level != math.Trunc(level) || math.Abs(level) > math.MaxInt32 {
		return Message{}, false
	}
	text, ok := f[3].(string)
	if !ok {
		return Message{}, false
	}
	m := Message{Level: Level(level), Text: text}
	if len(f) == 5 && f[4] != nil {
		if m.ExtraTags, ok = f[4].(string); !ok {
			return Message{}, false
		}
	}
	return m, true
}
