package messages_test

import (
	"bytes"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/djin-go/djin/ginmw"
	"github.com/djin-go/djin/ginmw/messages"
	"github.com/djin-go/djin/ginmw/session"
)

func init() { gin.SetMode(gin.TestMode) }

// app is a router with sessions and messages, and a cookie jar of one cookie.
type app struct {
	t      *testing.T
	router *gin.Engine
	cookie string
	logs   *bytes.Buffer
}

func newApp(t *testing.T, cfg messages.Config) *app {
	t.Helper()
	logs := &bytes.Buffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	m, err := messages.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(ginmw.Chain(session.Default(), m))
	// /add?level=20&text=...&tags=... adds; /show lists "tags|text" lines; /count peeks.
	r.GET("/add", func(c *gin.Context) {
		var l messages.Level
		if err := l.UnmarshalText([]byte(c.Query("level"))); err != nil {
			t.Error(err)
		}
		var tags []string
		if c.Query("tags") != "" {
			tags = strings.Split(c.Query("tags"), ",")
		}
		if err := messages.Add(c, l, c.Query("text"), tags...); err != nil {
			t.Error(err)
		}
		c.Redirect(http.StatusFound, "/show")
	})
	r.GET("/show", func(c *gin.Context) {
		var lines []string
		for _, m := range messages.Get(c) {
			lines = append(lines, m.Tags()+"|"+m.Text)
		}
		c.String(200, strings.Join(lines, "\n"))
	})
	r.GET("/count", func(c *gin.Context) {
		st, err := messages.StorageOf(c)
		if err != nil {
			t.Error(err)
		}
		c.String(200, "%d", st.Len())
	})
	r.GET("/plain", func(c *gin.Context) { c.String(200, "nothing") })
	return &app{t: t, router: r, logs: logs}
}

func (a *app) get(target string) *httptest.ResponseRecorder {
	a.t.Helper()
	req := httptest.NewRequest("GET", target, nil)
	if a.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: a.cookie})
	}
	w := httptest.NewRecorder()
	a.router.ServeHTTP(w, req)
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "sessionid" {
			a.cookie = ck.Value
		}
	}
	return w
}

func TestFullRequestResponseCycle(t *testing.T) {
	a := newApp(t, messages.Config{})
	a.get("/add?level=info&text=Saved")
	a.get("/add?level=success&text=Really+saved&tags=big,bold")
	w := a.get("/show")
	if got := w.Body.String(); got != "info|Saved\nbig bold success|Really saved" {
		t.Fatalf("messages shown:\n%s", got)
	}
	if got := a.get("/show").Body.String(); got != "" {
		t.Fatalf("messages are shown once; second time: %q", got)
	}
}

func TestNoMessagesTouchesNoSession(t *testing.T) {
	a := newApp(t, messages.Config{})
	w := a.get("/plain")
	if len(w.Header().Values("Set-Cookie")) != 0 || len(w.Header().Values("Vary")) != 0 {
		t.Fatalf("a request without messages touched the session: %q %q", w.Header().Values("Set-Cookie"), w.Header().Values("Vary"))
	}
}

func TestPeekingDoesNotConsume(t *testing.T) {
	a := newApp(t, messages.Config{})
	a.get("/add?level=info&text=one")
	if got := a.get("/count").Body.String(); got != "1" {
		t.Fatalf("count = %s", got)
	}
	if got := a.get("/show").Body.String(); got != "info|one" {
		t.Fatalf("Len consumed the messages: %q", got)
	}
}

func TestReadThenAddKeepsOnlyTheNew(t *testing.T) {
	// Django: test_existing_read_add_update.
	a := newApp(t, messages.Config{})
	a.get("/add?level=info&text=old")
	a.router.GET("/read-add", func(c *gin.Context) {
		_ = messages.Get(c)
		_ = messages.Warning(c, "new")
		c.String(200, "ok")
	})
	a.get("/read-add")
	if got := a.get("/show").Body.String(); got != "warning|new" {
		t.Fatalf("after read then add: %q; want only the new message", got)
	}
}

func TestAddThenReadKeepsNothing(t *testing.T) {
	// Django: test_existing_add_read_update.
	a := newApp(t, messages.Config{})
	a.get("/add?level=info&text=old")
	a.router.GET("/add-read", func(c *gin.Context) {
		_ = messages.Info(c, "new")
		if n := len(messages.Get(c)); n != 2 {
			t.Errorf("read %d messages; want the old and the new", n)
		}
		c.String(200, "ok")
	})
	a.get("/add-read")
	if got := a.get("/show").Body.String(); got != "" {
		t.Fatalf("messages read in the request must not survive it: %q", got)
	}
}

func TestDefaultLevelDropsDebug(t *testing.T) {
	a := newApp(t, messages.Config{})
	a.get("/add?level=debug&text=hidden")
	a.get("/add?level=info&text=shown")
	if got := a.get("/show").Body.String(); got != "info|shown" {
		t.Fatalf("got %q", got)
	}
}

func TestSettingsLevel(t *testing.T) {
	a := newApp(t, messages.Config{Level: 29})
	for _, q := range []string{"info&text=a", "29&text=b", "warning&text=c", "25&text=d", "error&text=e"} {
		a.get("/add?level=" + q)
	}
	if got := a.get("/show").Body.String(); got != "|b\nwarning|c\nerror|e" {
		t.Fatalf("MESSAGE_LEVEL=29 kept:\n%s", got)
	}
}

// addLevelMessages is Django's add_level_messages: six messages, one of a custom level.
func addLevelMessages(c *gin.Context) {
	_ = messages.Add(c, messages.LevelInfo, "A generic info message")
	_ = messages.Add(c, 29, "Some custom level")
	_ = messages.Add(c, messages.LevelDebug, "A debugging message", "extra-tag")
	_ = messages.Add(c, messages.LevelWarning, "A warning")
	_ = messages.Add(c, messages.LevelError, "An error")
	_ = messages.Add(c, messages.LevelSuccess, "This was a triumph.")
}

func tagsAndLevelTags(t *testing.T, cfg messages.Config) (tags, levelTags []string) {
	a := newApp(t, cfg)
	a.router.GET("/levels", func(c *gin.Context) {
		if err := messages.SetLevel(c, 1); err != nil {
			t.Error(err)
		}
		addLevelMessages(c)
		_ = messages.Add(c, messages.LevelInfo, "A generic info message", "")
		for _, m := range messages.Get(c) {
			tags = append(tags, m.Tags())
			levelTags = append(levelTags, m.LevelTag())
		}
		c.String(200, "ok")
	})
	a.get("/levels")
	return tags, levelTags
}

func TestTags(t *testing.T) {
	// Django: test_tags and test_level_tag.
	tags, levelTags := tagsAndLevelTags(t, messages.Config{})
	if want := []string{"info", "", "extra-tag debug", "warning", "error", "success", "info"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags = %q; want %q", tags, want)
	}
	if want := []string{"info", "", "debug", "warning", "error", "success", "info"}; !reflect.DeepEqual(levelTags, want) {
		t.Errorf("level tags = %q; want %q", levelTags, want)
	}
}

func TestCustomTags(t *testing.T) {
	// Django: test_custom_tags, with MESSAGE_TAGS = {INFO: "info", DEBUG: "", WARNING: "",
	// ERROR: "bad", 29: "custom"}.
	tags, _ := tagsAndLevelTags(t, messages.Config{Tags: map[messages.Level]string{
		messages.LevelInfo: "info", messages.LevelDebug: "", messages.LevelWarning: "", messages.LevelError: "bad", 29: "custom",
	}})
	if want := []string{"info", "custom", "extra-tag", "", "bad", "success", "info"}; !reflect.DeepEqual(tags, want) {
		t.Errorf("tags = %q; want %q", tags, want)
	}
}

func TestWithoutMiddleware(t *testing.T) {
	r := gin.New()
	r.GET("/", func(c *gin.Context) {
		if err := messages.Info(c, "x"); !errors.Is(err, messages.ErrNoMiddleware) {
			t.Errorf("Info without the middleware = %v; want ErrNoMiddleware", err)
		}
		if messages.Get(c) != nil || messages.GetLevel(c) != messages.LevelInfo || messages.SetLevel(c, 10) == nil {
			t.Error("the other functions must be harmless without the middleware")
		}
		c.String(200, "ok")
	})
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestWithoutSessions(t *testing.T) {
	r := gin.New()
	r.Use(ginmw.Adapt(messages.Default()))
	r.GET("/", func(c *gin.Context) {
		if err := messages.Info(c, "x"); !errors.Is(err, session.ErrNoMiddleware) {
			t.Errorf("Info without sessions = %v; want session.ErrNoMiddleware", err)
		}
		c.String(200, "ok")
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
}

func TestCorruptStoredMessagesAreDropped(t *testing.T) {
	a := newApp(t, messages.Config{})
	a.router.GET("/corrupt", func(c *gin.Context) {
		session.Get(c).Set(messages.SessionKey, `[["__json_message",0,"not a level","x"]]`)
		c.String(200, "ok")
	})
	a.get("/corrupt")
	w := a.get("/show")
	if w.Code != 200 || w.Body.String() != "" || !strings.Contains(a.logs.String(), "do not decode") {
		t.Fatalf("corrupt messages: %d %q, logs %q", w.Code, w.Body, a.logs)
	}
	a.get("/add?level=info&text=fresh")
	if got := a.get("/show").Body.String(); got != "info|fresh" {
		t.Fatalf("after corruption: %q", got)
	}
}

func TestDjangoEncodingIsRead(t *testing.T) {
	// What Django's SessionStorage writes (MessageEncoder): readable by djin and back.
	a := newApp(t, messages.Config{})
	a.router.GET("/django", func(c *gin.Context) {
		session.Get(c).Set(messages.SessionKey, `[["__json_message", 0, 25, "Profile updated", "profile"], ["__json_message", 1, 40, "<b>Bad</b>"]]`)
		c.String(200, "ok")
	})
	a.get("/django")
	if got := a.get("/show").Body.String(); got != "profile success|Profile updated\nerror|<b>Bad</b>" {
		t.Fatalf("got %q", got)
	}
}

func TestTemplateResponseGetsMessages(t *testing.T) {
	a := newApp(t, messages.Config{Tags: map[messages.Level]string{messages.LevelError: "danger"}})
	tmpl := template.Must(template.New("page.html").Parse(
		`{{if .messages.Len}}<ul>{{range .messages.All}}<li class="{{.Tags}}">{{.}}</li>{{end}}</ul>{{end}}` +
			`{{if eq .DEFAULT_MESSAGE_LEVELS.ERROR 40}}!{{end}}{{.title}}`))
	a.router.SetHTMLTemplate(tmpl)
	a.router.GET("/page", func(c *gin.Context) { ginmw.Render(c, 200, "page.html", gin.H{"title": "Home"}) })
	a.router.GET("/nil", func(c *gin.Context) { ginmw.Render(c, 200, "page.html", nil) })
	if got := a.get("/page").Body.String(); got != "!Home" {
		t.Fatalf("no messages: %q", got)
	}
	a.get("/add?level=error&text=<script>x</script>")
	if got := a.get("/page").Body.String(); got != `<ul><li class="danger">&lt;script&gt;x&lt;/script&gt;</li></ul>!Home` {
		t.Fatalf("rendered %q", got)
	}
	if got := a.get("/nil").Body.String(); got != "!" {
		t.Fatalf("messages shown twice, or nil data not handled: %q", got)
	}
}

func TestSharedTemplateDataIsNotChanged(t *testing.T) {
	a := newApp(t, messages.Config{})
	shared := gin.H{"title": "Home"} // one map for every request, as views often do
	a.router.SetHTMLTemplate(template.Must(template.New("p.html").Parse(`{{range .messages.All}}{{.}}{{end}}`)))
	a.router.GET("/shared", func(c *gin.Context) { ginmw.Render(c, 200, "p.html", shared) })
	a.get("/add?level=info&text=private+to+alice")
	if got := a.get("/shared").Body.String(); got != "private to alice" {
		t.Fatalf("got %q", got)
	}
	if len(shared) != 1 {
		t.Fatalf("the view's map was changed: %v", shared)
	}
}

func TestFuncMap(t *testing.T) {
	a := newApp(t, messages.Config{})
	a.router.SetFuncMap(messages.FuncMap())
	a.router.SetHTMLTemplate(template.Must(template.New("f.html").Funcs(messages.FuncMap()).Parse(
		`{{range messages .ctx}}[{{.LevelTag}}:{{.}}]{{end}}{{(message_levels).SUCCESS}}`)))
	a.router.GET("/f", func(c *gin.Context) { c.HTML(200, "f.html", gin.H{"ctx": c}) })
	a.get("/add?level=warning&text=careful")
	if got := a.get("/f").Body.String(); got != "[warning:careful]success" {
		t.Fatalf("got %q", got)
	}
}

func TestLevelText(t *testing.T) {
	for in, want := range map[string]messages.Level{"debug": 10, "INFO": 20, " success ": 25, "Warning": 30, "error": 40, "29": 29, "-5": -5} {
		var l messages.Level
		if err := l.UnmarshalText([]byte(in)); err != nil || l != want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", in, l, err, want)
		}
	}
	var l messages.Level
	if err := l.UnmarshalText([]byte("loud")); err == nil {
		t.Error("an unknown level name must be refused")
	}
	if messages.LevelWarning.String() != "warning" || messages.Level(29).String() != "29" {
		t.Error("String")
	}
	if _, err := messages.New(messages.Config{Tags: map[messages.Level]string{messages.LevelError: `x" onload="y`}}); err == nil {
		t.Error("a tag that breaks out of a class attribute must be refused")
	}
}

func TestSettings(t *testing.T) {
	doc := "middleware:\n  - sessions\n  - messages:\n      level: success\n      tags: {error: danger, 29: custom}\n"
	s, err := ginmw.ParseSettings([]byte(doc), "settings.yaml")
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.Stack(ginmw.Env{})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(h)
	r.GET("/", func(c *gin.Context) {
		_ = messages.Info(c, "dropped")
		_ = messages.Error(c, "kept")
		_ = messages.Add(c, 29, "custom")
		var out []string
		for _, m := range messages.Get(c) {
			out = append(out, m.Tags())
		}
		c.String(200, strings.Join(out, ","))
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Body.String() != "danger,custom" {
		t.Fatalf("got %q", w.Body)
	}
	bad, _ := ginmw.ParseSettings([]byte("middleware:\n  - messages\n  - sessions\n"), "settings.yaml")
	if _, err := bad.Stack(ginmw.Env{}); !errors.Is(err, ginmw.ErrOrder) {
		t.Fatalf("messages above sessions = %v; want ErrOrder", err)
	}
}

func TestMessageAfterLogout(t *testing.T) {
	// The common Django flow: logout flushes the session, then leaves a message for the
	// next page; the message must survive, in a new session, and the old data must not.
	a := newApp(t, messages.Config{})
	a.router.GET("/login", func(c *gin.Context) { session.Get(c).Set("_auth_user_id", "7"); c.String(200, "in") })
	a.router.GET("/logout", func(c *gin.Context) {
		if err := session.Flush(c); err != nil {
			t.Error(err)
		}
		_ = messages.Info(c, "You have been logged out.")
		c.Redirect(http.StatusFound, "/show")
	})
	a.router.GET("/who", func(c *gin.Context) { c.String(200, session.Get(c).GetString("_auth_user_id")) })
	a.get("/login")
	before := a.cookie
	a.get("/logout")
	if a.cookie == before || a.cookie == "" {
		t.Fatal("logout with a message must issue a new session key")
	}
	if got := a.get("/show").Body.String(); got != "info|You have been logged out." {
		t.Fatalf("message after logout: %q", got)
	}
	if got := a.get("/who").Body.String(); got != "" {
		t.Fatalf("still logged in as %q", got)
	}
}
