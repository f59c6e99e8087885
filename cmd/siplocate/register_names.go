package main

import (
	"fmt"

	"github.com/siplocate/siplocate/register"
)

// duplicateName returns an error naming the first account of the file
// whose name an earlier one has, refused tables included (issue 14 item
// 4): a refused "alice" beside a good one would make --once, which counts
// accounts by name, wait for ever. register.New checks the others.
func duplicateName(accounts []phoneAccount) error {
	seen := make(map[string]bool, len(accounts))
	for _, p := range accounts {
		name := p.Name
		if p.refused != nil {
			name = p.refused.Account
		} else if name == "" {
			name = p.account().AOR
		}
		if seen[name] {
			return fmt.Errorf("register: account %q: %w", name, register.ErrDuplicateName)
		}
		seen[name] = true
	}
	return nil
}
