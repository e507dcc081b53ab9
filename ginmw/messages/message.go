package messages

import (
	"fmt"
	"strconv"
	"strings"
)

// Level is a message's importance. Django: django.contrib.messages.constants.
type Level int

// Django's levels. Any other integer works as a custom level.
const (
	LevelDebug   Level = 10
	LevelInfo    Level = 20
	LevelSuccess Level = 25
	LevelWarning Level = 30
	LevelError   Level = 40
)

var levelNames = map[Level]string{
	LevelDebug: "debug", LevelInfo: "info", LevelSuccess: "success", LevelWarning: "warning", LevelError: "error",
}

// DefaultLevels maps Django's level names to their values, as the DEFAULT_MESSAGE_LEVELS
// template variable does, so that a template can compare {{if eq .Level
// $.DEFAULT_MESSAGE_LEVELS.ERROR}}.
var DefaultLevels = map[string]Level{
	"DEBUG": LevelDebug, "INFO": LevelInfo, "SUCCESS": LevelSuccess, "WARNING": LevelWarning, "ERROR": LevelError,
}

// String returns the level's name ("info"), or its number for a custom level.
func (l Level) String() string {
	if n, ok := levelNames[l]; ok {
		return n
	}
	return strconv.Itoa(int(l))
}

// MarshalText writes the level as String does.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level name (debug, info, success, warning, error, any case) or a
// number, so settings can say level: warning or level: 30.
func (l *Level) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	for v, n := range levelNames {
		if strings.EqualFold(s, n) {
			*l = v
			return nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("messages: level must be debug, info, success, warning, error or a number (got %q)", s)
	}
	*l = Level(n)
	return nil
}

// Message is one flash message. Django: django.contrib.messages.storage.base.Message.
type Message struct {
	Level     Level
	Text      string // Django: message
	ExtraTags string // space-separated tags added to the level's tag
	levelTag  string
	tagged    bool // levelTag was resolved through Config.Tags
}

// String returns the text, so that {{.}} prints it in a template (escaped by html/template).
func (m Message) String() string { return m.Text }

// LevelTag returns the level's tag: "info", "error", or what Config.Tags maps it to; ""
// for a custom level without a tag. Django: level_tag.
func (m Message) LevelTag() string {
	if m.tagged {
		return m.levelTag
	}
	return levelNames[m.Level]
}

// Tags returns the extra tags and the level tag, space-separated, for a class attribute.
// Django: tags.
func (m Message) Tags() string {
	lt := m.LevelTag()
	switch {
	case m.ExtraTags == "":
		return lt
	case lt == "":
		return m.ExtraTags
	}
	return m.ExtraTags + " " + lt
}
