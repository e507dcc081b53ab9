// Package jwt compares authx's JWT authentication with appleboy/gin-jwt (v3):
//
//   - BenchmarkJWT/case=verify: a GET with "Authorization: Bearer <access token>" through
//     each library's middleware to a view that gets the request's user. djin's middleware
//     verifies the HS256 signature with a parser pinned to one algorithm, requires
//     exp, iat, iss and aud, loads the user from the user store (so a deleted or inactive
//     user is refused at once) and checks the session-auth hash the token carries (so a
//     password change revokes it). impl=gin-jwt is configured to do what an application
//     needs to get the same user: its IdentityHandler loads the user from the same store
//     by the id claim. impl=gin-jwt-claims is gin-jwt's default, which trusts the claims
//     and loads nothing: less work, and no revocation.
//   - BenchmarkJWT/case=bad-signature: the same request with a tampered signature; every
//     library answers 401.
//   - BenchmarkJWTIssue: issuing an access and refresh pair for a user, both libraries
//     keeping refresh tokens in memory (djin also records the token family, for reuse
//     detection).
package jwt
