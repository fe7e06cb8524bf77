package devstack

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hookstream/hookstream/platform/secret"
)

// adminToken returns the token kept in dir, creating it on first use, so a
// restart keeps the token a newcomer already copied.
func adminToken(dir string) (string, error) {
	return kept(dir, "admin-token", func() (string, error) {
		raw := make([]byte, 24)
		if _, err := rand.Read(raw); err != nil {
			return "", err
		}
		return "hs_admin_" + hex.EncodeToString(raw), nil
	})
}

// secretKey returns the key that seals webhook secrets, kept in dir: a new
// key would leave every stored secret unopenable.
func secretKey(dir string) (string, error) {
	return kept(dir, "secret-key", secret.NewKey)
}

// kept reads dir/name, or writes a value from generate there on first use.
func kept(dir, name string, generate func() (string, error)) (string, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	v, err := generate()
	if err != nil {
		return "", fmt.Errorf("generate %s: %w", name, err)
	}
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("keep %s: %w", name, err)
	}
	return v, nil
}
