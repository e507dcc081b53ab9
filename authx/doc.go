// Package authx is django.contrib.auth for Gin: users in Django's auth_user table,
// Django's password hashers byte for byte, permissions and groups, and the current user of
// each request.
//
// # Users and stores
//
// User has AbstractUser's fields; ExtraField declares the application's own columns on
// auth_user (the tutorial's phone and avatar), as a custom user model does. A Store keeps
// users, groups and permissions: NewSQLStore on database/sql (SQLite through the pure-Go
// driver, or PostgreSQL through pgx) reads and writes an existing Django database as it
// is, and Migrate creates the same schema Django's migrations do; NewMemoryStore is for
// tests. UserManager holds Django's rules: CreateUser, CreateSuperuser, username and email
// normalisation, the four password validators.
//
// # Passwords
//
// PasswordHashers is Django's PASSWORD_HASHERS: the first hasher hashes, every hasher
// verifies. The default hashes with argon2id and reads pbkdf2_sha256, pbkdf2_sha1,
// bcrypt_sha256 and scrypt hashes written by Django. Check reports when a stored hash
// should be upgraded; stored parameters are bounds-checked before any hashing, and at most
// a few hashes run at once so a burst of logins cannot exhaust memory.
//
//	encoded, err := authx.MakePassword("s3cret!pass")
//	ok, err := authx.CheckPassword("s3cret!pass", encoded)
//
// # The current user
//
// CurrentUser(c) is Django's request.user: nil (anonymous) or the logged-in *User, loaded
// at most once per request from whatever the authentication middleware installed.
//
// # Logging in and out
//
// Auth, built by NewAuth from an AuthConfig, is the rest of django.contrib.auth for one
// site. It is the authentication middleware (list it below the sessions middleware, or as
// "auth" in a settings file): on the first CurrentUser call of a request it asks the
// RequestAuthenticators (bearer tokens), then the session, and checks that the session's
// auth hash still matches the user's password hash (and its auth version), flushing the
// session otherwise, so a password change or LogoutEverywhere ends the user's other
// sessions with every session store.
//
//	auth, err := authx.NewAuth(authx.AuthConfig{Users: users, SecretKey: key})
//	router.Use(ginmw.Chain(sessions, csrf, auth))
//	auth.Mount(router.Group("/accounts")) // login/, logout/, password_change/
//
// Authenticate checks credentials through the backends with one answer and one cost for
// every refusal, behind a LoginThrottle (per username and per address, with back-off);
// Login moves the session to a new key (or flushes another user's), stores Django's session
// keys and rotates the CSRF token; Logout flushes the session and rotates the token.
//
// # Access control
//
// LoginRequired, PermissionRequired, UserPassesTest, StaffRequired and SuperuserRequired
// are route decorators made by an Auth; Access takes Django's decorator arguments. An
// anonymous browser is redirected to the login URL with next (RedirectToLogin, Django's
// exact format), an API client gets 401 with WWW-Authenticate, a logged-in user who fails
// the check gets 403. LoginRequiredMiddleware protects a whole site, with a whitelist and a
// blacklist of routes and the LoginNotRequired marker (Django 5.1).
//
// # Log out everywhere
//
// With an AuthVersionStore (memory, SQL or Redis), LogoutEverywhere bumps a user's version
// and every session and token made before stops working, without a password change.
//
// # Tokens for APIs
//
// NewJWT gives an API the same users without cookies: ObtainHandler, RefreshHandler and
// RevokeHandler speak djangorestframework-simplejwt's JSON, access tokens are short-lived,
// refresh tokens rotate and a reused one revokes its whole family. Tokens carry a digest of
// the password hash and the user's auth version, so a password change or "log out
// everywhere" revokes them like sessions. *JWT is a RequestAuthenticator: with it, the
// current user, LoginRequired and PermissionRequired work the same for a bearer token as
// for a session. docs/jwt.md explains the threat model.
//
// # Safe redirects
//
// URLHasAllowedHostAndScheme and SafeRedirect port Django's checks for the next parameter.
package authx
