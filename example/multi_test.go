package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/djin-go/djin/internal/testenv"
)

// The two-instance test: the example binary, built once, runs twice with
// settings.multi.yaml on one PostgreSQL schema and one Redis key prefix of the test's own,
// as two instances behind a load balancer would.

// instance is one example process.
type instance struct {
	name string
	base string // http://127.0.0.1:port
	cmd  *exec.Cmd
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// buildExample compiles the example once into a temporary directory.
func buildExample(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "example")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var listeningRE = regexp.MustCompile(`msg="example: listening" url=(http://127\.0\.0\.1:\d+)/`)

// startInstance runs the binary on a port the system picks and waits for its
// "listening" log line, which names the address.
func startInstance(t *testing.T, bin, name string, env []string) *instance {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-settings", "settings.multi.yaml")
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{name: name, cmd: cmd, logs: &lockedBuffer{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // a graceful stop first, as an orchestrator would
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, in.logs)
		}
	})
	found := make(chan string, 1)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(in.logs, line)
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
	}()
	select {
	case in.base = <-found:
	case <-exited:
		t.Fatalf("%s exited before listening:\n%s", name, in.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start listening within a minute:\n%s", name, in.logs)
	}
	return in
}

// client is a browser that visits both instances: cookies of 127.0.0.1 are sent to every
// port (browsers do not separate cookies by port), Secure ones included, since the test
// plays the TLS-terminating proxy's part and talks plain HTTP to the instances.
type client struct {
	t       *testing.T
	mu      sync.Mutex
	cookies map[string]string
	http    *http.Client
}

func newClient(t *testing.T) *client {
	return &client{t: t, cookies: map[string]string{}, http: &http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request to in and returns the status, the Location and the body.
func (c *client) do(in *instance, method, path string, form url.Values) (int, string, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequestWithContext(c.t.Context(), method, in.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	for k, v := range c.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	token := c.cookies["__Host-csrftoken"]
	c.mu.Unlock()
	if method != http.MethodGet {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", in.base)
		r.Header.Set("X-CSRFToken", token)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		c.t.Fatalf("%s %s%s: %v", method, in.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	c.mu.Unlock()
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// json sends an API request (JSON body, optional bearer token, no cookies) and decodes the
// answer into out when it is not nil.
func (c *client) json(in *instance, method, path, bearer, body string, out any) (int, string) {
	c.t.Helper()
	r, err := http.NewRequestWithContext(c.t.Context(), method, in.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Accept", "application/json")
	if bearer != "" {
		r.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		c.t.Fatalf("%s %s%s: %v", method, in.name, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s%s: %v in %s", method, in.name, path, err, b)
		}
	}
	return resp.StatusCode, string(b)
}

// twoInstances builds the binary and starts two instances on a fresh schema and prefix.
func twoInstances(t *testing.T) (a, b *instance) {
	t.Helper()
	_, schema := testenv.Postgres(t)
	_, prefix := testenv.Redis(t)
	bin := buildExample(t)
	dbURL, err := url.Parse(testenv.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	q := dbURL.Query()
	q.Set("search_path", schema) // pgx sends it as a run-time parameter: the test's own schema
	dbURL.RawQuery = q.Encode()
	env := []string{
		"PATH=/usr/bin:/bin",
		"DATABASE_URL=" + dbURL.String(),
		"REDIS_URL=" + testenv.RedisURL(),
		"DJIN_REDIS_PREFIX=" + prefix,
		"DJIN_SECRET_KEY=" + testSecret,
		"DJIN_ALLOWED_HOSTS=127.0.0.1",
		"DJIN_THROTTLE_RATE=3/h", // the tutorial's count over a window no slow machine can outlast
	}
	a = startInstance(t, bin, "instance A", env)
	b = startInstance(t, bin, "instance B", env)
	return a, b
}

func TestTwoInstancesActAsOneSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example and starts two processes")
	}
	a, b := twoInstances(t)
	c := newClient(t)

	// Users live in PostgreSQL: an account made on A is taken on B.
	if code, _, _ := c.do(a, http.MethodGet, "/register/", nil); code != http.StatusOK {
		t.Fatalf("GET A/register/: %d", code)
	}
	form := url.Values{"username": {"ann"}, "password1": {"correct horse 9"}, "password2": {"correct horse 9"}}
	if code, loc, body := c.do(a, http.MethodPost, "/register/", form); code != http.StatusSeeOther || loc != "/login/" {
		t.Fatalf("POST A/register/: %d %q\n%.500s", code, loc, body)
	}
	// Sessions live in Redis: the flash message stored by A is shown by B, once.
	if _, _, body := c.do(b, http.MethodGet, "/register/", nil); !strings.Contains(body, "Welcome, ann: your account is ready.") {
		t.Errorf("B does not show the message A stored in the shared session:\n%.800s", body)
	}
	if _, _, body := c.do(a, http.MethodGet, "/register/", nil); strings.Contains(body, "Welcome, ann") {
		t.Error("A shows the message B already showed")
	}
	if code, _, body := c.do(b, http.MethodPost, "/register/", form); code != http.StatusOK || !strings.Contains(body, "A user with that username already exists.") {
		t.Errorf("registering ann again on B: %d, want the taken-username error", code)
	}

	// Log in on A: B knows the session (Redis) and its user (PostgreSQL).
	if code, loc, _ := c.do(b, http.MethodGet, "/home/", nil); code != http.StatusFound || loc != "/login/?next=/home/" {
		t.Fatalf("anonymous B/home/: %d %q", code, loc)
	}
	c.do(a, http.MethodGet, "/login/", nil)
	login := url.Values{"username": {"ann"}, "password": {"correct horse 9"}, "next": {"/home/"}}
	if code, loc, _ := c.do(a, http.MethodPost, "/login/", login); code != http.StatusFound || loc != "/home/" {
		t.Fatalf("POST A/login/: %d %q", code, loc)
	}
	if code, _, body := c.do(b, http.MethodGet, "/home/", nil); code != http.StatusOK || !strings.Contains(body, `<strong id="username">ann</strong>`) {
		t.Fatalf("B/home/ after logging in on A: %d\n%.500s", code, body)
	}
	// Log out on B: both instances see the session gone.
	if code, loc, _ := c.do(b, http.MethodPost, "/logout/", url.Values{}); code != http.StatusFound || loc != "/login/" {
		t.Fatalf("POST B/logout/: %d %q", code, loc)
	}
	for _, in := range []*instance{a, b} {
		if code, _, _ := c.do(in, http.MethodGet, "/home/", nil); code != http.StatusFound {
			t.Errorf("%s/home/ after logging out on B: %d, want 302", in.name, code)
		}
	}

	// A token obtained on A works on B; revoked on B, it is refused by A.
	api := newClient(t)
	var pair struct{ Access, Refresh string }
	code, body := api.json(a, http.MethodPost, "/api/token/", "", `{"username":"ann","password":"correct horse 9"}`, &pair)
	if code != http.StatusOK || pair.Access == "" {
		t.Fatalf("POST A/api/token/: %d %s", code, body)
	}
	if code, body := api.json(b, http.MethodGet, "/api/me/", pair.Access, "", nil); code != http.StatusOK || !strings.Contains(body, `"username":"ann"`) {
		t.Errorf("B/api/me/ with A's token: %d %s", code, body)
	}
	if code, body := api.json(b, http.MethodPost, "/api/token/revoke/", "", `{"refresh":"`+pair.Refresh+`"}`, nil); code != http.StatusOK {
		t.Fatalf("POST B/api/token/revoke/: %d %s", code, body)
	}
	if code, _ := api.json(a, http.MethodGet, "/api/me/", pair.Access, "", nil); code != http.StatusUnauthorized {
		t.Errorf("A/api/me/ with the token revoked on B: %d, want 401", code)
	}
	if code, _ := api.json(a, http.MethodPost, "/api/token/refresh/", "", `{"refresh":"`+pair.Refresh+`"}`, nil); code != http.StatusUnauthorized {
		t.Errorf("A refreshing the token revoked on B: %d, want 401", code)
	}

	// The tutorial's throttle counts in Redis: 3 per window per IP across both instances.
	var codes []int
	for _, in := range []*instance{a, b, a, b} {
		code, _, _ := c.do(in, http.MethodGet, "/throttled/", nil)
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != "[200 200 200 429]" {
		t.Errorf("/throttled/ on A, B, A, B: %v, want [200 200 200 429]", codes)
	}
}
