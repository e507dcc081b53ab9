// Package authcmd is djin's manage.py for users: the migrate, createsuperuser and
// changepassword commands, ready to mount in an application's main.
//
//	func main() {
//		if len(os.Args) > 1 && authcmd.IsCommand(os.Args[1]) {
//			var dbPath *string
//			err := authcmd.Run(context.Background(), os.Args[1:], authcmd.Env{
//				Flags: func(fs *flag.FlagSet) { dbPath = fs.String("db", "app.db", "SQLite database file") },
//				Open: func(ctx context.Context) (*authx.UserManager, error) {
//					db, err := authx.OpenSQLite(*dbPath)
//					if err != nil {
//						return nil, err
//					}
//					store, err := authx.NewSQLStore(authx.SQLStoreConfig{DB: db})
//					if err != nil {
//						return nil, err
//					}
//					return authx.NewUserManager(authx.UserManagerConfig{Store: store})
//				},
//			})
//			if err != nil {
//				fmt.Fprintln(os.Stderr, err)
//				os.Exit(1)
//			}
//			return
//		}
//		// ... serve
//	}
//
// The commands behave as Django's:
//
//	migrate                     create the auth tables and add declared extra columns (idempotent)
//	createsuperuser             ask for username, email, required extra fields and password (twice)
//	createsuperuser --noinput --username U --email E
//	                            no questions; the password comes from DJIN_SUPERUSER_PASSWORD
//	                            (none: an unusable password), and DJIN_SUPERUSER_USERNAME /
//	                            DJIN_SUPERUSER_EMAIL / DJIN_SUPERUSER_<FIELD> stand in for flags
//	changepassword [username]   ask for a new password twice (three attempts)
//
// Unlike Django, a --noinput password is checked by the password validators too (pass
// --skip-password-validation to store a weak one on purpose), and no command needs a terminal:
// questions are read line by line from Env.Stdin, which makes them scriptable and testable.
// When Env.Stdin is a terminal, passwords are read without echo (golang.org/x/term).
package authcmd
