package csrfx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestFormTokenUrlencoded(t *testing.T) {
	cases := []struct {
		name, body, ctype, want string
	}{
		{"plain", "a=1&csrfmiddlewaretoken=" + maskedSecret2 + "&b=2", "application/x-www-form-urlencoded", maskedSecret2},
		{"first occurrence", "csrfmiddlewaretoken=one&csrfmiddlewaretoken=two", "application/x-www-form-urlencoded", "one"},
		{"escaped key", "csrf%6Diddlewaretoken=" + testSecret, "application/x-www-form-urlencoded", testSecret},
		{"escaped value", "csrfmiddlewaretoken=a%2Ab", "application/x-www-form-urlencoded", "a*b"},
		{"charset parameter", "csrfmiddlewaretoken=" + testSecret, "application/x-www-form-urlencoded; charset=UTF-8", testSecret},
		{"upper-case type", "csrfmiddlewaretoken=" + testSecret, "Application/X-WWW-Form-Urlencoded", testSecret},
		{"absent", "a=1", "application/x-www-form-urlencoded", ""},
		{"json is not read", `{"csrfmiddlewaretoken":"` + testSecret + `"}`, "application/json", ""},
		{"text/plain is not read", "csrfmiddlewaretoken=" + testSecret, "text/plain", ""},
		{"no content type", "csrfmiddlewaretoken=" + testSecret, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			got, err := formToken(r, DefaultFieldName, DefaultMaxFormBytes)
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if b, _ := io.ReadAll(r.Body); string(b) != tc.body {
				t.Errorf("body after the check %q, want it unchanged", b)
			}
		})
	}
}

func TestFormTokenMultipart(t *testing.T) {
	file := []byte(strings.Repeat("\x00\xffdata", 1000))
	body, ctype := multipartBody([][2]string{{"name", "Jolene"}, {DefaultFieldName, maskedSecret2}}, file)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	got, err := formToken(r, DefaultFieldName, DefaultMaxFormBytes)
	if err != nil || got != maskedSecret2 {
		t.Fatalf("got %q, %v", got, err)
	}
	// The view still parses the whole form, file included.
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		t.Fatal(err)
	}
	if r.FormValue("name") != "Jolene" || len(r.MultipartForm.File["upload"]) != 1 {
		t.Errorf("form after the check: %v", r.MultipartForm)
	}

	// The token after a file that is larger than the cap is not found, and the body is
	// still whole.
	body, ctype = multipartBody(nil, file)
	body = strings.TrimSuffix(body, "--csrfxboundary--\r\n") + "--csrfxboundary\r\nContent-Disposition: form-data; name=\"" + DefaultFieldName + "\"\r\n\r\n" + maskedSecret2 + "\r\n--csrfxboundary--\r\n"
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	got, err = formToken(r, DefaultFieldName, 1024)
	if got != "" || !errors.Is(err, errFormTooLarge) {
		t.Fatalf("capped: got %q, %v", got, err)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != body {
		t.Error("body not restored after hitting the cap")
	}
	// A file part named like the field is not the token.
	body, ctype = multipartBody(nil, []byte(maskedSecret2))
	body = strings.Replace(body, `name="upload"`, `name="`+DefaultFieldName+`"`, 1)
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	if got, err := formToken(r, DefaultFieldName, DefaultMaxFormBytes); got != "" || err != nil {
		t.Errorf("file part read as token: %q, %v", got, err)
	}
	// A multipart type without a boundary is an error (403 token missing), not a panic.
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	r.Header.Set("Content-Type", "multipart/form-data")
	if _, err := formToken(r, DefaultFieldName, DefaultMaxFormBytes); err == nil {
		t.Error("no boundary: no error")
	}
}

func TestFormTokenUrlencodedCap(t *testing.T) {
	body := "csrfmiddlewaretoken=" + testSecret + "&pad=" + strings.Repeat("x", 5000)
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	got, err := formToken(r, DefaultFieldName, 100)
	if got != testSecret || err != nil {
		t.Fatalf("token before the cap: %q, %v", got, err)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != body {
		t.Error("body not restored")
	}
	body = "pad=" + strings.Repeat("x", 5000) + "&csrfmiddlewaretoken=" + testSecret
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got, err := formToken(r, DefaultFieldName, 100); got != "" || !errors.Is(err, errFormTooLarge) {
		t.Fatalf("token after the cap: %q, %v", got, err)
	}
	if b, _ := io.ReadAll(r.Body); string(b) != body {
		t.Error("body not restored")
	}
}

func TestFormTokenAlreadyParsed(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("csrfmiddlewaretoken="+testSecret))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if got, err := formToken(r, DefaultFieldName, DefaultMaxFormBytes); got != testSecret || err != nil {
		t.Fatalf("got %q, %v", got, err)
	}
}

// The view reads the same body csrfx looked into, through gin's helpers and raw.
func TestBodyStaysReadableByView(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		body := url.Values{"name": {"Jolene"}, DefaultFieldName: {maskedSecret2}}.Encode()
		mp, mpType := multipartBody([][2]string{{DefaultFieldName, maskedSecret2}, {"name", "Jolene"}}, []byte("file"))
		for _, b := range []struct{ body, ctype string }{{body, "application/x-www-form-urlencoded"}, {mp, mpType}} {
			w := e.do(request{method: http.MethodPost, path: "/echo", cookie: ptr(testSecret), body: b.body, ctype: b.ctype})
			e.expectOK(t, w)
			if got := w.Body.String(); got != "Jolene" {
				t.Errorf("c.PostForm saw %q", got)
			}
			w = e.do(request{method: http.MethodPost, path: "/raw", cookie: ptr(testSecret), body: b.body, ctype: b.ctype})
			e.expectOK(t, w)
			if got := w.Body.String(); got != b.body {
				t.Errorf("raw body %q, want %q", got, b.body)
			}
		}
	})
}

// Header before form (nosurf's TestPrefersHeaderOverFormValue), the first configured
// header first, and an empty header falls through to the form.
func TestTokenSourceOrder(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{})
		rq := request{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(maskedSecret2), post: ptr("a very wrong value")}
		e.expectOK(t, e.do(rq))
		rq = request{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(strings.Repeat("a", 64)), post: ptr(maskedSecret2)}
		e.expectReject(t, e.do(rq), "CSRF token from the 'X-Csrftoken' HTTP header incorrect.")
		rq = request{method: http.MethodPost, cookie: ptr(testSecret), header: ptr(""), post: ptr(maskedSecret2)}
		e.expectOK(t, e.do(rq))
		r := e.build(request{method: http.MethodPost, cookie: ptr(testSecret)})
		r.Header.Set("X-XSRF-TOKEN", maskedSecret2)
		r.Header.Set("X-CSRF-Token", strings.Repeat("b", 64))
		e.serve(r)
		if got := e.logs.reasons(); len(got) != 1 || got[0] != "CSRF token from the 'X-Csrf-Token' HTTP header incorrect." {
			t.Errorf("reasons %q: X-CSRF-Token comes before X-XSRF-TOKEN", got)
		}
	})
}

func TestJSONFieldExtractor(t *testing.T) {
	storageModes(t, func(t *testing.T, mode Storage) {
		e := newEnv(t, mode, Config{Extractor: JSONField("csrf_token", 1<<16)})
		body := `{"name":"Jolene","csrf_token":"` + maskedSecret2 + `"}`
		e.expectOK(t, e.do(request{method: http.MethodPost, path: "/echo", cookie: ptr(testSecret), body: body, ctype: "application/json"}))
		e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(testSecret), body: `{"csrf_token":"` + strings.Repeat("a", 64) + `"}`, ctype: "application/json"}),
			"CSRF token from the request body incorrect.")
		for _, b := range []string{`[1,2]`, `{"csrf_token":5}`, `not json`, `{}`} {
			e.expectReject(t, e.do(request{method: http.MethodPost, cookie: ptr(testSecret), body: b, ctype: "application/json"}), "CSRF token missing.")
		}
	})
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"csrf_token":"x"}`))
	r.Header.Set("Content-Type", "application/json")
	if _, err := JSONField("csrf_token", 4)(r); err == nil {
		t.Error("over the cap: no error")
	}
	if b, _ := io.ReadAll(r.Body); string(b) != `{"csrf_token":"x"}` {
		t.Errorf("body not restored: %q", b)
	}
}

// FuzzFormBody: any urlencoded body is read without panicking, restored byte for byte,
// and a token found is the one url.ParseQuery finds first.
func FuzzFormBody(f *testing.F) {
	for _, s := range []string{"csrfmiddlewaretoken=" + testSecret, "a=%zz&csrfmiddlewaretoken=x", "csrfmiddlewaretoken", "&&=&", "csrf%6diddlewaretoken=%41"} {
		f.Add(s, int64(64))
	}
	f.Fuzz(func(t *testing.T, body string, max int64) {
		if max < 1 || max > 1<<20 {
			max = 64
		}
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got, err := formToken(r, DefaultFieldName, max)
		if b, _ := io.ReadAll(r.Body); string(b) != body {
			t.Fatalf("body %q restored as %q", body, b)
		}
		if err != nil || got == "" {
			return
		}
		for _, pair := range strings.Split(body, "&") {
			k, v, _ := strings.Cut(pair, "=")
			if uk, err := url.QueryUnescape(k); err == nil && uk == DefaultFieldName {
				if uv, err := url.QueryUnescape(v); err != nil || uv != got {
					t.Fatalf("found %q, the first field is %q", got, v)
				}
				return
			}
		}
		t.Fatalf("found %q in %q, which has no such field", got, body)
	})
}
