package sessions

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain silences the default logger: gin-contrib/sessions logs every cookie it cannot
// decode there, which the tests do on purpose.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
