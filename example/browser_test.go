package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/djin-go/djin/internal/testenv"
)

// The end-to-end test: the example server in this process, Debian's chromium driven
// through the DevTools protocol, and a second server on another origin that plays the
// attacker's site.

// chromiumPath finds the browser, or skips the test (fails it under
// DJIN_REQUIRE_SERVICES=1, as in CI, where example/ci-deps.sh installed it).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Unavailable(t, "Chromium", errors.New("no chromium on PATH; run example/ci-deps.sh (apt-get install chromium)"))
	return ""
}

// newBrowser starts a headless chromium with a fresh profile, for at most limit.
func newBrowser(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path := chromiumPath(t)
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 760),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil { // starts the browser now, so a failure names it
		t.Fatalf("start %s: %v", path, err)
	}
	return bctx
}

// startExample serves a test site over TCP on 127.0.0.1:0 through serve, as main does.
func startExample(t *testing.T, o siteOpts) (*site, string) {
	t.Helper()
	s := newTestSite(t, o)
	return s, startServer(t, s)
}

// startServer serves h on a fresh port of 127.0.0.1 until the test ends.
func startServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, h, quietLogger()) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// page is one tab of the browser with the test's assertions.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// open navigates to path and returns the document's status.
func (p *page) open(path string) int64 {
	p.t.Helper()
	resp, err := chromedp.Run(p.ctx, chromedp.NavigateResponse(p.base+path))
	if err != nil {
		p.t.Fatalf("open %s: %v", path, err)
	}
	return resp.Status
}

// submit fills the form fields (by id) and submits with the button, waiting for the page
// that answers; it returns that page's status.
func (p *page) submit(fields map[string]string, button string) int64 {
	p.t.Helper()
	p.fill(fields)
	resp, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.ID(button)))
	if err != nil {
		p.t.Fatalf("submit with #%s: %v", button, err)
	}
	return resp.Status
}

// fill sets form fields by id.
func (p *page) fill(fields map[string]string) {
	p.t.Helper()
	for id, v := range fields {
		// Set in the page, as autofill does: the server is under test, not the keyboard.
		js := `(function(e){ if (!e) return false; e.value = ` + jsString(v) + `; return true })(document.getElementById(` + jsString(id) + `))`
		if ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](js)); err != nil || !ok {
			p.t.Fatalf("fill #%s: %v (found: %v)", id, err, ok)
		}
	}
}

// path returns the current location's path and query.
func (p *page) path() string {
	p.t.Helper()
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, p.base)
}

// text returns the visible text of the first element matching a CSS selector.
func (p *page) text(css string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(css), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// waitText waits until the element's text contains want (the AJAX answer arrives after the
// click) and returns the text.
func (p *page) waitText(css, want string) string {
	p.t.Helper()
	text := `(document.querySelector(` + jsString(css) + `) || {}).textContent || ""`
	p.waitEval(`(` + text + `).includes(` + jsString(want) + `)`)
	got, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](text))
	if err != nil {
		p.t.Fatal(err)
	}
	return got
}

// waitEval polls a JavaScript condition until it holds; the browser's deadline (newBrowser)
// bounds the wait, so a condition that never holds fails the test instead of hanging it.
func (p *page) waitEval(cond string) {
	p.t.Helper()
	for {
		ok, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		select {
		case <-p.ctx.Done():
			body, _ := chromedp.Run(context.WithoutCancel(p.ctx), chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			p.t.Fatalf("never true: %s (last error %v; page %q)", cond, err, body)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// screenshot saves the viewport to docs/img/name when DJIN_UPDATE_SCREENSHOTS=1 or when
// the file is missing, so that the pictures in docs/ always come from this test.
func (p *page) screenshot(name string) {
	p.t.Helper()
	path := filepath.Join("..", "docs", "img", name)
	if _, err := os.Stat(path); err == nil && os.Getenv("DJIN_UPDATE_SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("wrote %s", path)
}

// followForgery opens the attacker's page and waits until its form has landed on the site.
func (p *page) followForgery(evil string) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(evil)); err != nil {
		p.t.Fatal(err)
	}
	p.waitEval(`location.origin === ` + jsString(p.base) + ` && document.readyState === "complete"`)
}

// attackerSite serves, on its own origin, a page that posts a hidden form to the victim
// site as soon as it loads: the classic CSRF attack. The browser carries no token.
func attackerSite(t *testing.T, victim, action string, fields map[string]string) string {
	var inputs strings.Builder
	for k, v := range fields {
		fmt.Fprintf(&inputs, `<input type="hidden" name="%s" value="%s">`, k, v)
	}
	page := `<!doctype html><title>You won a prize</title>
<form id="f" method="post" action="` + victim + action + `">` + inputs.String() + `</form>
<script>document.getElementById("f").submit()</script>`
	base := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	// "localhost" is another site than "127.0.0.1" for the browser: a cross-site request.
	return strings.Replace(base, "127.0.0.1", "localhost", 1)
}

func TestBrowserForgedCrossSitePostIsRefused(t *testing.T) {
	ctx := newBrowser(t, 90*time.Second)
	s, base := startExample(t, siteOpts{})
	p := &page{t: t, ctx: ctx, base: base}
	p.open("/register/") // the victim has visited the site: it holds a csrftoken cookie
	evil := attackerSite(t, base, "/register/", map[string]string{
		"username": "mallory", "password1": "correct horse 9", "password2": "correct horse 9",
	})
	// The attacker's page loads, and its script submits the form to the victim site.
	if err := chromedp.Do(ctx, chromedp.Navigate(evil)); err != nil {
		t.Fatal(err)
	}
	p.waitEval(`location.origin === ` + jsString(base) + ` && document.readyState === "complete"`)
	if got := p.text("body"); !strings.Contains(got, "CSRF verification failed") {
		t.Errorf("the forged post's answer: %q, want Django's 403 CSRF page", got)
	}
	if _, err := s.userStore.GetUserByUsername(t.Context(), "mallory"); err == nil {
		t.Error("the forged cross-site post created a user")
	}
}

// TestBrowserEndToEnd is the tutorials' whole story in a real browser: register, be sent to
// the login page by the login middleware, log in through the form, land on next with the
// flash message, post the AJAX page, change the password, log out, and see a forged
// cross-site logout refused on the way.
func TestBrowserEndToEnd(t *testing.T) {
	ctx := newBrowser(t, 3*time.Minute)
	s, base := startExample(t, siteOpts{})
	p := &page{t: t, ctx: ctx, base: base}

	// Register: the view creates the user and sends the browser to the login page.
	p.open("/register/")
	if status := p.submit(map[string]string{
		"username": "ann", "password1": "correct horse 9", "password2": "correct horse 9",
		"phone": "13800138000", "avatar": "♞",
	}, "register"); status != http.StatusOK || p.path() != "/login/" {
		t.Fatalf("register: %d at %s, want the login page", status, p.path())
	}
	if got := p.text(".messages"); !strings.Contains(got, "Welcome, ann: your account is ready.") {
		t.Errorf("the flash message after register: %q", got)
	}
	p.screenshot("login.png")

	// A page behind the login middleware sends the browser to the login form with next.
	p.open("/home/")
	if got := p.path(); got != "/login/?next=/home/" {
		t.Fatalf("anonymous /home/ ended at %s, want /login/?next=/home/", got)
	}
	if status := p.submit(map[string]string{"username": "ann", "password": "correct horse 9"}, "login"); status != http.StatusOK {
		t.Fatalf("login: %d", status)
	}
	if got := p.path(); got != "/home/" {
		t.Fatalf("after login the browser is at %s, want next, /home/", got)
	}
	if got := p.text(".messages"); !strings.Contains(got, "Welcome back, ann.") {
		t.Errorf("the flash message after login: %q", got)
	}
	if got := p.text("#username"); got != "ann" {
		t.Errorf("the home page greets %q", got)
	}
	if got := p.text(".account"); !strings.Contains(got, "13800138000") || !strings.Contains(got, "♞") {
		t.Errorf("the home page does not show the custom user fields: %q", got)
	}
	p.screenshot("home.png")

	// The AJAX page: the script posts JSON, csrfx.js adds the X-CSRFToken header.
	p.open("/ajax/echo/")
	p.fill(map[string]string{"message": "héllo from chromium"})
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("send"))); err != nil {
		t.Fatal(err)
	}
	got := p.waitText("#result", "echo")
	if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `"echo":"héllo from chromium"`) || !strings.Contains(got, `"user":"ann"`) {
		t.Errorf("the AJAX answer: %q, want 200 with the echo and the user", got)
	}

	// A page of another site posts a hidden logout form: refused, and ann stays logged in.
	p.followForgery(attackerSite(t, base, "/logout/", nil))
	if got := p.text("body"); !strings.Contains(got, "CSRF verification failed") {
		t.Errorf("the forged logout's answer: %q, want the 403 CSRF page", got)
	}
	if p.open("/home/"); p.path() != "/home/" {
		t.Fatalf("the forged logout logged ann out: at %s", p.path())
	}

	// Change the password: this session stays logged in.
	p.open("/set_password/")
	if status := p.submit(map[string]string{
		"old_password": "correct horse 9", "new_password1": "a brand new secret", "new_password2": "a brand new secret",
	}, "change"); status != http.StatusOK || p.path() != "/home/" {
		t.Fatalf("password change: %d at %s", status, p.path())
	}
	if got := p.text(".messages"); !strings.Contains(got, "Your password was changed.") {
		t.Errorf("the flash message after the password change: %q", got)
	}

	// Log out with the button of the page header (a POST form with the token).
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("logout")))
	if err != nil || resp.Status != http.StatusOK || p.path() != "/login/" {
		t.Fatalf("logout: %v, at %s", err, p.path())
	}
	if got := p.text(".messages"); !strings.Contains(got, "You have been logged out.") {
		t.Errorf("the flash message after logout: %q", got)
	}
	if p.open("/home/"); p.path() != "/login/?next=/home/" {
		t.Errorf("after logout /home/ ends at %s", p.path())
	}
	// The new password is the one that works now.
	if p.submit(map[string]string{"username": "ann", "password": "a brand new secret"}, "login"); p.path() != "/home/" {
		t.Errorf("login with the new password ended at %s", p.path())
	}
	if u, err := s.userStore.GetUserByUsername(t.Context(), "ann"); err != nil || u.LastLogin == nil {
		t.Errorf("last_login not recorded: %v", err)
	}
}
