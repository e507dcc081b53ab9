package csrfx

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The JavaScript helper, run under Node with a minimal browser shim: it sends the token to
// its own origin on unsafe fetch and XMLHttpRequest calls, never elsewhere, never on safe
// methods, and prefers the meta tag to the cookie. Skipped when node is not installed.
func TestScriptInNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; the JavaScript helper is only checked statically (TestScriptNamesFilledIn)")
	}
	m, err := New(Config{Logger: discardLogger})
	if err != nil {
		t.Fatal(err)
	}
	harness := `
const sent = [];
globalThis.window = globalThis;
window.location = { href: "https://www.example.com/page", origin: "https://www.example.com" };
let meta = null;
globalThis.document = { cookie: "a=1; csrftoken=COOKIETOKEN; b=2", querySelector: () => meta };
window.fetch = function (input, init) {
  const h = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
  sent.push(["fetch", (init && init.method) || (input instanceof Request ? input.method : "GET"), String(input instanceof Request ? input.url : input), h.get("X-CSRFToken")]);
  return Promise.resolve();
};
class XHR { open(m, u) { this.m = m; this.u = u; this.h = {}; } setRequestHeader(k, v) { this.h[k] = v; } send() { sent.push(["xhr", this.m, this.u, this.h["X-CSRFToken"] || null]); } }
window.XMLHttpRequest = XHR;
` + m.Script() + `
fetch("/api/items", { method: "POST" });
fetch("/api/items");
fetch("https://evil.example/steal", { method: "POST" });
fetch("https://www.example.com/x", { method: "delete", headers: { "X-CSRFToken": "MINE" } });
fetch(new Request("https://www.example.com/r", { method: "PUT" }));
const x = new XMLHttpRequest(); x.open("POST", "/form"); x.send();
const y = new XMLHttpRequest(); y.open("POST", "//evil.example/form"); y.send();
meta = { content: "METATOKEN" };
fetch("/after-meta", { method: "PATCH" });
console.log(JSON.stringify({ sent, helper: window.csrfx.headers() }));
`
	dir := t.TempDir()
	path := filepath.Join(dir, "harness.js")
	if err := os.WriteFile(path, []byte(harness), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, path).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	got := strings.TrimSpace(string(out))
	want := `{"sent":[` +
		`["fetch","POST","/api/items","COOKIETOKEN"],` +
		`["fetch","GET","/api/items",null],` +
		`["fetch","POST","https://evil.example/steal",null],` +
		`["fetch","delete","https://www.example.com/x","MINE"],` +
		`["fetch","PUT","https://www.example.com/r","COOKIETOKEN"],` +
		`["xhr","POST","/form","COOKIETOKEN"],` +
		`["xhr","POST","//evil.example/form",null],` +
		`["fetch","PATCH","/after-meta","METATOKEN"]],` +
		`"helper":{"X-CSRFToken":"METATOKEN"}}`
	if got != want {
		t.Errorf("node output\n got %s\nwant %s", got, want)
	}
}
