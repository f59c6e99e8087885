package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/siplocate/siplocate/register"
)

// FuzzPhoneFile feeds the account file's parser any text: it must return
// an error or accounts, never panic; every table it keeps is refused with
// a key, or makes an account that Validate accepts or refuses with a
// *register.ConfigError; and a file it accepts names no unknown top-level
// key. The seeds are in testdata/fuzz/FuzzPhoneFile.
func FuzzPhoneFile(f *testing.F) {
	f.Add("dns = [\"127.0.0.53:53\"]\n[[account]]\nname = \"alice\"\nsip_user_id = \"alice\"\nsip_server = \"example.com\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		file, err := parsePhoneFile("phone.toml", text)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "phone.toml: ") {
				t.Errorf("error %q does not name the file", err)
			}
			return
		}
		if len(file.Accounts) != len(file.Tables) {
			t.Fatalf("%d tables, %d accounts", len(file.Tables), len(file.Accounts))
		}
		for _, p := range file.Accounts {
			if p.refused != nil {
				if p.refused.Key == "" || p.refused.Account == "" {
					t.Errorf("refusal without a key or an account: %+v", p.refused)
				}
				continue
			}
			a := p.account()
			var ce *register.ConfigError
			if err := a.Validate(); err != nil && !errors.As(err, &ce) {
				t.Errorf("Validate = %v, not a *register.ConfigError", err)
			}
		}
	})
}
