// Package csrforigin compares csrfx's origin-only preset (Config.Mode = csrfx.OriginOnly,
// the origin gate without tokens, for APIs and single-page applications) with net/http's
// CrossOriginProtection, which does the same job:
//
//   - case=sec-fetch-site: a POST from a browser that sends Fetch Metadata
//     (Sec-Fetch-Site: same-origin) and an Origin.
//   - case=origin-only: a POST from an older browser: an Origin, no Sec-Fetch-Site.
//   - case=trusted-origin: a cross-site POST from an origin both are configured to trust.
//
// It is a package of its own because csrfx keeps its allocation-free paths for the first
// Middleware a process builds, as an application builds one; package csrf builds the
// default-mode one.
package csrforigin
